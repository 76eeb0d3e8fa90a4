"""What one conversation, and one source of anonymous conversations, may send.

The budgets are token buckets in the shared memory (:meth:`bot.connector.Core.allow`), keyed by
what they limit, so that a reconnect, a socket on another worker and a Direct Line post all
draw on the same one:

- **the messages of one conversation** (a web chat session, a signed-in customer, a Direct
  Line conversation): a burst, then a steady rate;
- **new anonymous customers from one source** (a client address, see :mod:`bot.http.sources`): the
  first message of an unsigned web chat session or of a Direct Line conversation makes a
  customer, and anyone can open as many of those as they like, for nothing;
- **link codes typed in anonymous conversations from one source**: each conversation may try
  a few (:mod:`bot.identity.link_codes`), and conversations are free, so their source is what
  bounds a guesser, before the bot-wide budget that every guesser shares.

A message over a budget is refused before it is submitted: nothing is stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.connector import Core
from bot.format.messages import InboundEvent

TOO_FAST = "too many messages; wait a moment"
TOO_MANY_NEW = "too many new conversations from your network; try again in a minute"
TOO_MANY_CODES = "too many codes tried from your network; wait a few minutes"


@dataclass(frozen=True, slots=True)
class Rate:
    """``burst`` at once, then ``per_second``."""

    burst: int
    per_second: float


@dataclass(frozen=True, slots=True)
class Limits:
    """Every budget of the web chat and Direct Line (``channels.webchat`` in ``bot.yaml``)."""

    messages: Rate = field(default_factory=lambda: Rate(10, 1.0))
    new_per_source: Rate = field(default_factory=lambda: Rate(20, 2 / 60))
    codes_per_source: Rate = field(default_factory=lambda: Rate(5, 0.5 / 60))


class Gate:
    """Admits a conversation's messages within the budgets."""

    def __init__(self, core: Core, limits: Limits) -> None:
        self._core = core
        self._limits = limits

    async def refusal(
        self, event: InboundEvent, source: str, known: bool | None = None
    ) -> str | None:
        """Why ``event``, from ``source``, may not be submitted now; ``None`` when it may.
        ``known``: whether its identity has a customer already (looked up when not said)."""
        messages = self._limits.messages
        if not await self._core.allow(
            f"webchat:said:{event.sender.key}", messages.burst, messages.per_second
        ):
            return TOO_FAST
        if not event.anonymous:
            return None
        if known is None:
            known = await self._core.customer_of(event.sender) is not None
        fresh = self._limits.new_per_source
        if not known and not await self._core.allow(
            f"webchat:new:{source}", fresh.burst, fresh.per_second
        ):
            return TOO_MANY_NEW
        codes = self._limits.codes_per_source
        if self._core.presents_code(event) and not await self._core.allow(
            f"webchat:codes:{source}", codes.burst, codes.per_second
        ):
            return TOO_MANY_CODES
        return None
