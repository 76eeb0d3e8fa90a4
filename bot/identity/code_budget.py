"""What may be spent on one-time codes: where they may go, how many, and never to a STOP.

A texted code costs money whoever asks for it, and asking costs nothing: a script can open
anonymous sessions by the thousand and ask each for a code to a number of its choosing (SMS
pumping: the numbers are premium-rate ones it is paid for). Limits per number and per customer
do not bound that, since every session is a new customer and every number a new number. What
does:

- an **allow-list of countries** (by the region of the number, so that +1 268 is Antigua, not
  the US): codes go only where the bot's customers are;
- a **budget per hour** for the whole bot, and optionally per country;
- a limit **per source**: the client asking (its network address on the web chat and Direct
  Line, see :mod:`bot.http.sources`; its channel identity on webhook channels), so that one client
  cannot spend the budget alone by opening many sessions.

And a number that texted STOP gets nothing until it texts START, whoever asks and however the
code would be sent.

Every counter lives in the shared memory, so the limits hold across workers. They are counted
narrowest first: a request refused for its own source or number never counts against the
bot-wide budget that honest customers share.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta

import phonenumbers

from bot.format.messages import ChannelIdentity
from bot.identity.phone_codes import Sent
from bot.turn.store import Memory

PHONE = re.compile(r"^\+[1-9]\d{6,14}$")
"""An E.164 number, as a ``phone`` slot holds it."""
HOUR = timedelta(hours=1)


def region_of(phone: str | None) -> str | None:
    """The country (ISO 3166 region) a valid E.164 number belongs to; ``None`` for a number
    that is malformed or in no country's numbering plan."""
    if not phone or not PHONE.match(phone):
        return None
    try:
        parsed = phonenumbers.parse(phone, None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    region: str | None = phonenumbers.region_code_for_number(parsed)
    return region


@dataclass(frozen=True, slots=True)
class CodeBudget:
    """How many one-time codes may go out, and where (``linking`` in ``bot.yaml``).

    ``countries`` maps each region codes may go to onto its own hourly cap (``None``: only the
    bot-wide one); a region not in it gets no code. ``per_hour`` is the bot-wide cap,
    ``per_source`` one client's, ``per_customer`` one customer's (all per hour), and
    ``per_phone`` what one number may receive per code lifetime (nobody floods a stranger).
    """

    countries: Mapping[str, int | None] = field(default_factory=dict)
    per_hour: int = 100
    per_source: int = 10
    per_customer: int = 10
    per_phone: int = 3


@dataclass(frozen=True, slots=True)
class CodeAsk:
    """A request for a code: who asked, from which source, to which number."""

    customer_id: str
    phone: str
    source: str


class CodeGate:
    """Decides whether a code may be sent, and counts it against the budget if so."""

    def __init__(self, memory: Memory, budget: CodeBudget, lifetime: timedelta) -> None:
        self._memory = memory
        self.budget = budget
        self._lifetime = lifetime

    async def admit(self, ask: CodeAsk) -> Sent | None:
        """``None`` when the code may go (and it has been counted); else why not."""
        region = region_of(ask.phone)
        if region is None:
            return Sent.INVALID_PHONE
        if region not in self.budget.countries:
            return Sent.COUNTRY
        if await self.opted_out(ask.phone):
            return Sent.OPTED_OUT
        return await self._spend(ask, region)

    async def opted_out(self, phone: str) -> bool:
        """Whether ``phone`` texted STOP (and not START since): the opt-out is kept on the
        record of the customer whose SMS identity the number is."""
        owner = await self._memory.lookup(ChannelIdentity(channel="sms", user_id=phone))
        if owner is None:
            return False
        record = await self._memory.load(owner)
        return record is not None and "sms" in record.opted_out

    async def _spend(self, ask: CodeAsk, region: str) -> Sent | None:
        budget = self.budget
        narrow = [
            (f"otp-send:{ask.phone}", self._lifetime, budget.per_phone),
            (f"otp-by:{ask.customer_id}", HOUR, budget.per_customer),
            (f"otp-source:{ask.source}", HOUR, budget.per_source),
        ]
        for key, window, cap in narrow:
            if await self._memory.hit(key, window) > cap:
                return Sent.LIMITED
        country_cap = budget.countries[region]
        if country_cap is not None and await self._memory.hit(f"otp-country:{region}", HOUR) > (
            country_cap
        ):
            return Sent.BUDGET
        if await self._memory.hit("otp-hour", HOUR) > budget.per_hour:
            return Sent.BUDGET
        return None
