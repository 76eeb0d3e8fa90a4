"""What the web chat's pages are shown: transcript entries as the widget's frames (pure).

The core has degraded each message to the web chat's capabilities
(:data:`connectors.channels.WEBCHAT`) and written it to the transcript before sending it;
sending only wakes the pages that show the conversation (:mod:`.client`). A page then reads the
entries it has not shown yet and renders them here, each frame with the entry id a reconnecting
page resumes from (``docs/webchat-protocol.md``). The Direct Line front end renders the same
entries as activities (:mod:`.directline.outbound`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.format.frames import entry_frame
from bot.format.transcript import Logged


def render(entries: Sequence[Logged]) -> list[dict[str, Any]]:
    """The frames for ``entries``, leaving out what a customer does not see (notes, delivery
    statuses, system events)."""
    return [frame for logged in entries if (frame := entry_frame(logged)) is not None]
