"""Where delivery statuses from Twilio's callbacks go: the customer's transcript.

:class:`StatusRecorder` is the one thing this channel needs from the core beyond
:class:`bot.connector.Core`'s reads: appending a delivery status to a transcript, outside any
turn (the transcript is append-only, so no lease is needed). A core that has the method is used
as it is; until then the statuses are only logged.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from bot.format.transcript import StatusEntry

log = logging.getLogger("omnibot.sms")


@runtime_checkable
class StatusRecorder(Protocol):
    """Appends delivery statuses to a customer's transcript."""

    async def record(self, customer_id: str, statuses: Sequence[StatusEntry]) -> None:
        """Append ``statuses``; raises :class:`~bot.errors.MemoryUnavailable` if it cannot."""
        ...


class Unrecorded:
    """The stand-in for a core that cannot record statuses: they go to the debug log."""

    def __init__(self) -> None:
        log.warning(
            "SMS delivery statuses will not be recorded: the core cannot append them "
            "(see docs/channels/sms.md)"
        )

    async def record(self, customer_id: str, statuses: Sequence[StatusEntry]) -> None:
        """Log ``statuses`` at debug level."""
        for entry in statuses:
            log.debug("status %s of message %s not recorded", entry.status, entry.message_id)
