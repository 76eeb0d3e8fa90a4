"""Proving a phone number the channel does not vouch for: a one-time code sent by SMS.

A customer who types a phone number into the web chat has only claimed it. The bot texts a code
to that number; when the same customer types it back on the channel they claimed it from, the
number becomes one of their verified attributes, which may then link their SMS conversation.

Codes are single-use, expire, allow a few tries, are kept only as digests, and are compared in
constant time. Sending is rate-limited per phone number (the target: nobody can flood a stranger
with codes) and per customer.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bot.connector import Outgoing
from bot.delivery import Outlets
from bot.errors import DeliveryError
from bot.link_codes import CodeRules, digest
from bot.messages import Address, VerifiedAttribute
from bot.outbound import Text
from memory.store import Memory

PHONE = re.compile(r"^\+[1-9]\d{6,14}$")
ISSUER = "omnibot:sms-code"
"""Who vouches for a phone proven by a code: omnibot itself."""
_KIND = "otp"
_SENDS_PER_PHONE = 3
_SENDS_PER_CUSTOMER = 10


class Sent(StrEnum):
    """What became of a request to send a code."""

    SENT = "sent"
    INVALID_PHONE = "invalid_phone"
    LIMITED = "limited"
    NO_SMS = "no_sms"
    FAILED = "failed"


class Checked(StrEnum):
    """What a typed code proved."""

    VERIFIED = "verified"
    WRONG = "wrong"
    EXPIRED = "expired"
    LOCKED = "locked"


@dataclass(frozen=True, slots=True)
class CheckResult:
    """The answer to :meth:`PhoneCheck.check`; ``attribute`` when the phone is proven."""

    outcome: Checked
    left: int = 0
    attribute: VerifiedAttribute | None = None


def sms_address(phone: str) -> Address:
    """Where a text to ``phone`` goes: the SMS channel's address for that number."""
    return Address(channel="sms", user_id=phone, conversation_id=phone)


def masked(phone: str) -> str:
    """A phone for transcripts and messages: ``+1•••••••4567``."""
    return phone[:2] + "•" * max(len(phone) - 6, 0) + phone[-4:]


class PhoneCheck:
    """Sends one-time codes by SMS and checks them."""

    def __init__(
        self,
        memory: Memory,
        outlets: Outlets,
        rules: CodeRules | None = None,
        ids: Callable[[], str] = lambda: secrets.token_hex(6),
    ) -> None:
        self._memory = memory
        self._outlets = outlets
        self.rules = rules or CodeRules()
        self._ids = ids

    async def send(
        self, customer_id: str, phone: str, text: Callable[[str, int], str], now: datetime
    ) -> Sent:
        """Text a new code to ``phone`` (``text`` words the message around the code and the
        minutes it lasts); a new code replaces one sent before."""
        if not PHONE.match(phone):
            return Sent.INVALID_PHONE
        if self._outlets.capabilities("sms") is None:
            return Sent.NO_SMS
        lifetime = self.rules.lifetime
        if await self._memory.hit(f"otp-send:{phone}", lifetime) > _SENDS_PER_PHONE:
            return Sent.LIMITED
        if await self._memory.hit(f"otp-by:{customer_id}", timedelta(hours=1)) > (
            _SENDS_PER_CUSTOMER
        ):
            return Sent.LIMITED
        code = f"{secrets.randbelow(10**self.rules.digits):0{self.rules.digits}d}"
        key = self._key(customer_id, phone)
        await self._memory.take_secret(_KIND, key)
        stored = {
            "code": digest(_KIND, code),
            "ends": (now + lifetime).timestamp(),
            "round": secrets.token_hex(4),
        }
        await self._memory.put_secret(_KIND, key, json.dumps(stored), lifetime)
        try:
            await self._outlets.send(
                sms_address(phone), [Outgoing(self._ids(), Text(text=text(code, self._minutes)))]
            )
        except DeliveryError:
            await self._memory.take_secret(_KIND, key)
            return Sent.FAILED
        return Sent.SENT

    async def check(self, customer_id: str, phone: str, code: str, now: datetime) -> CheckResult:
        """Compare a typed code with the one sent to ``phone`` for this customer."""
        key = self._key(customer_id, phone)
        stored = await self._memory.take_secret(_KIND, key)
        if stored is None:
            return CheckResult(Checked.EXPIRED)
        value = json.loads(stored)
        typed = re.sub(r"[\s-]", "", code)
        if hmac.compare_digest(digest(_KIND, typed), str(value["code"])):
            attribute = VerifiedAttribute(kind="phone", value=phone, issuer=ISSUER)
            return CheckResult(Checked.VERIFIED, attribute=attribute)
        tries = await self._memory.hit(f"otp-try:{key}:{value['round']}", self.rules.lifetime)
        left = self.rules.attempts - tries
        remaining = float(value["ends"]) - now.timestamp()
        if left <= 0 or remaining <= 0:
            return CheckResult(Checked.LOCKED if left <= 0 else Checked.EXPIRED)
        await self._memory.put_secret(_KIND, key, stored, timedelta(seconds=remaining))
        return CheckResult(Checked.WRONG, left=left)

    @property
    def _minutes(self) -> int:
        return max(1, round(self.rules.lifetime.total_seconds() / 60))

    @staticmethod
    def _key(customer_id: str, phone: str) -> str:
        return hashlib.sha256(f"{customer_id}\x00{phone}".encode()).hexdigest()
