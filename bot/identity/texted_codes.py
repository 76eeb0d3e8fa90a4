"""The built-in way to prove a phone: omnibot makes a code and texts it through the SMS channel.

The code is random digits from :mod:`secrets`; only its digest is kept (by the core, with the
customer it was sent for), and a typed code is compared with it in constant time.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from datetime import timedelta

from bot.connector import Outgoing
from bot.errors import DeliveryError
from bot.format.messages import Address
from bot.format.outbound import Text
from bot.identity.link_codes import digest
from bot.identity.phone_codes import Checked, CodeRefused, CodeText, Sent
from bot.turn.delivery import Outlets

ISSUER = "omnibot:sms-code"
"""Who vouches for a phone proven by a texted code: omnibot itself."""
_KIND = "otp"


def sms_address(phone: str) -> Address:
    """Where a text to ``phone`` goes: the SMS channel's address for that number."""
    return Address(channel="sms", user_id=phone, conversation_id=phone)


class TextedCodes:
    """Codes of ``digits`` digits, lasting ``lifetime``, texted through ``outlets``."""

    name = "sms"
    issuer = ISSUER

    def __init__(
        self,
        outlets: Outlets,
        digits: int,
        lifetime: timedelta,
        ids: Callable[[], str] = lambda: secrets.token_hex(6),
    ) -> None:
        self._outlets = outlets
        self._digits = digits
        self._minutes = max(1, round(lifetime.total_seconds() / 60))
        self._ids = ids

    @property
    def ready(self) -> bool:
        """Whether the SMS channel is on."""
        return self._outlets.capabilities("sms") is not None

    async def send(self, phone: str, text: CodeText) -> str:
        """Text a new code; returns its digest."""
        code = f"{secrets.randbelow(10**self._digits):0{self._digits}d}"
        message = Outgoing(self._ids(), Text(text=text(code, self._minutes)))
        try:
            await self._outlets.send(sms_address(phone), [message])
        except DeliveryError as exc:
            raise CodeRefused(Sent.FAILED, f"the code could not be texted: {exc}") from exc
        return digest(_KIND, code)

    async def check(self, phone: str, typed: str, kept: str | None) -> Checked:
        """Compare ``typed`` with the digest kept when the code was sent."""
        if kept is None:
            return Checked.EXPIRED
        same = hmac.compare_digest(digest(_KIND, typed), kept)
        return Checked.VERIFIED if same else Checked.WRONG
