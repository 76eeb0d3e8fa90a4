"""Proving a phone number the channel does not vouch for: a one-time code sent to it.

A customer who types a phone number into the web chat has only claimed it. The bot sends a code
to that number; when the same customer types it back on the channel they claimed it from, the
number becomes one of their verified attributes, which may then link their SMS conversation.

Who makes, sends and checks the code is a :class:`~bot.identity.phone_codes.CodeProvider`: omnibot
itself by SMS, or Twilio Verify. What stays here whichever it is:

- whether a code may go at all: the number, its country, STOP, and the budget
  (:mod:`bot.identity.code_budget`);
- the binding to the customer who asked: a code is checked only for the customer and number it
  was sent for (kept under a digest of both, with a digest of the code when omnibot made it);
- the lifetime and the tries: a code lasts ``rules.lifetime`` and allows ``rules.attempts``
  wrong tries, compared in constant time;
- metrics of what became of each request, and never the code in a log or a record.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from datetime import datetime, timedelta

from bot.app.metrics import Metrics
from bot.format.messages import VerifiedAttribute
from bot.identity.code_budget import CodeAsk, CodeBudget, CodeGate
from bot.identity.link_codes import CodeRules
from bot.identity.phone_codes import Checked, CheckResult, CodeProvider, CodeRefused, CodeText, Sent
from bot.turn.store import Memory

_KIND = "otp"
_TYPED = re.compile(r"^\d{4,12}$")
"""What a code can look like once spaces and dashes are gone (Verify's are 4 to 10 digits,
omnibot's 6 to 12): anything else is a wrong try, not worth asking a provider about."""


def masked(phone: str) -> str:
    """A phone for transcripts and messages: ``+1•••••••4567``."""
    return phone[:2] + "•" * max(len(phone) - 6, 0) + phone[-4:]


class PhoneCheck:
    """Sends one-time codes through ``provider`` within ``budget``, and checks them."""

    def __init__(
        self,
        memory: Memory,
        provider: CodeProvider,
        rules: CodeRules | None = None,
        budget: CodeBudget | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self._memory = memory
        self.provider = provider
        self.rules = rules or CodeRules()
        self.gate = CodeGate(memory, budget or CodeBudget(), self.rules.lifetime)
        self._metrics = metrics or Metrics()

    async def send(self, ask: CodeAsk, text: CodeText, now: datetime) -> Sent:
        """Send a new code for ``ask`` (``text`` words a texted one around the code and the
        minutes it lasts); a new code replaces one sent before. Never raises for a refusal:
        the answer says why nothing was sent."""
        outcome = await self._send(ask, text, now)
        self._metrics.of(self._metrics.code_sends, self.provider.name, outcome.value).inc()
        return outcome

    async def _send(self, ask: CodeAsk, text: CodeText, now: datetime) -> Sent:
        if not self.provider.ready:
            return Sent.NO_SMS
        refused = await self.gate.admit(ask)
        if refused is not None:
            return refused
        key = _key(ask.customer_id, ask.phone)
        await self._memory.take_secret(_KIND, key)
        try:
            kept = await self.provider.send(ask.phone, text)
        except CodeRefused as refusal:
            return refusal.reason
        lifetime = self.rules.lifetime
        stored = {"ends": (now + lifetime).timestamp(), "round": secrets.token_hex(4)}
        if kept is not None:
            stored["code"] = kept
        await self._memory.put_secret(_KIND, key, json.dumps(stored), lifetime)
        return Sent.SENT

    async def check(self, customer_id: str, phone: str, code: str, now: datetime) -> CheckResult:
        """Compare a typed code with the one sent to ``phone`` for this customer."""
        result = await self._check(customer_id, phone, code, now)
        outcome = result.outcome.value
        self._metrics.of(self._metrics.code_checks, self.provider.name, outcome).inc()
        return result

    async def _check(self, customer_id: str, phone: str, code: str, now: datetime) -> CheckResult:
        key = _key(customer_id, phone)
        stored = await self._memory.take_secret(_KIND, key)
        if stored is None:
            return CheckResult(Checked.EXPIRED)
        value = json.loads(stored)
        remaining = timedelta(seconds=float(value["ends"]) - now.timestamp())
        if remaining <= timedelta(0):
            return CheckResult(Checked.EXPIRED)
        typed = re.sub(r"[\s-]", "", code)
        verdict = Checked.WRONG
        if _TYPED.match(typed):
            verdict = await self.provider.check(phone, typed, value.get("code"))
        if verdict is Checked.VERIFIED:
            attribute = VerifiedAttribute(kind="phone", value=phone, issuer=self.provider.issuer)
            return CheckResult(Checked.VERIFIED, attribute=attribute)
        if verdict is Checked.FAILED:  # nothing was compared: the code and its tries stand
            await self._memory.put_secret(_KIND, key, stored, remaining)
            return CheckResult(Checked.FAILED)
        if verdict is not Checked.WRONG:
            return CheckResult(verdict)
        tries = await self._memory.hit(f"otp-try:{key}:{value['round']}", self.rules.lifetime)
        left = self.rules.attempts - tries
        if left <= 0:
            return CheckResult(Checked.LOCKED)
        await self._memory.put_secret(_KIND, key, stored, remaining)
        return CheckResult(Checked.WRONG, left=left)


def _key(customer_id: str, phone: str) -> str:
    return hashlib.sha256(f"{customer_id}\x00{phone}".encode()).hexdigest()
