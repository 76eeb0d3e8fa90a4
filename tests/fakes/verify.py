"""A local fake of Twilio Verify v2: starting a verification and checking a code.

It checks what the real API checks (the method, Basic auth with the account SID and token, the
service SID in the path, a form body, ``To`` in E.164 and ``Channel`` for a start, ``Code`` of 4
to 10 digits and ``To`` or ``VerificationSid`` for a check) and keeps verifications as Verify
does: one pending verification per number and service, which a new start re-sends with the same
code (5 sends at most, then 60203), 5 checks at most (then 60202), 10 minutes of life, and gone
once approved or expired (a check then gets 20404). The codes it "texts" are in :attr:`texted`,
for a test to read as the customer would. Errors come in Verify's shape.
"""

from __future__ import annotations

import base64
import itertools
import re
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from bot.format.messages import utcnow
from tests.fakes.base import Call, FakeApi
from tests.fakes.twilio import ACCOUNT_SID, AUTH_TOKEN

VERIFY_SERVICE_SID = "VA" + "0123456789abcdef" * 2
START, CHECK = "verifications", "verification_checks"
_E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
_CODE = re.compile(r"^[0-9]{4,10}$")
_SID = re.compile(r"^VE[0-9a-f]{32}$")
_CHANNELS = frozenset({"sms", "call", "email", "whatsapp", "sna", "auto"})
_BASE = "https://verify.twilio.com"
MAX_SENDS = 5
MAX_CHECKS = 5


@dataclass
class Verification:
    """One verification as Verify keeps it."""

    sid: str
    to: str
    channel: str
    code: str
    created: float
    status: str = "pending"
    sends: int = 1
    checks: int = 0
    attempts: list[dict[str, str]] = field(default_factory=list)


class FakeVerify(FakeApi):
    """``fake.url`` is the ``TWILIO_VERIFY_API_BASE``.

    ``texted`` lists ``(number, code)`` for every code Verify sent; ``refusing`` maps numbers
    to the error a start gets, as ``(status, code, message)`` (Fraud Guard's 60410, geo
    permissions' 60605); ``lifetime`` is how long a verification lasts, in seconds.
    """

    def __init__(
        self,
        account_sid: str = ACCOUNT_SID,
        auth_token: str = AUTH_TOKEN,
        services: frozenset[str] = frozenset({VERIFY_SERVICE_SID}),
        lifetime: float = 600.0,
    ) -> None:
        super().__init__()
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.services = services
        self.lifetime = lifetime
        self.texted: list[tuple[str, str]] = []
        self.refusing: dict[str, tuple[int, int, str]] = {}
        self.verifications: dict[tuple[str, str], Verification] = {}
        self._ids = itertools.count(1)

    def routes(self) -> list[web.RouteDef]:
        return [
            web.route("*", "/v2/Services/{service}/Verifications", self.start_verification),
            web.route("*", "/v2/Services/{service}/VerificationCheck", self.check_verification),
        ]

    def codes_to(self, number: str) -> list[str]:
        """The codes Verify texted to ``number``, oldest first."""
        return [code for to, code in self.texted if to == number]

    def expire(self, number: str) -> None:
        """Let the verification pending for ``number`` run out, as ten minutes would."""
        for verification in self.verifications.values():
            if verification.to == number:
                verification.created -= self.lifetime + 1

    async def start_verification(self, request: web.Request) -> web.Response:
        """``POST /v2/Services/{ServiceSid}/Verifications``."""
        form = await self._form(request, START)
        refused = self._refused(request, START) or self._invalid_start(form)
        if refused is not None:
            return refused
        to, service = form["To"], request.match_info["service"]
        if to in self.refusing:
            return _error(*self.refusing[to])
        current = self._live(service, to)
        if current is not None and current.status == "max_attempts_reached":
            return _error(429, 60202, "Max check attempts reached")
        if current is not None:
            if current.sends >= MAX_SENDS:
                return _error(429, 60203, "Max send attempts reached")
            current.sends += 1
        else:
            code = f"{secrets.randbelow(10**6):06d}"
            sid = f"VE{next(self._ids):032x}"
            current = Verification(sid, to, form["Channel"], code, time.monotonic())
            self.verifications[(service, to)] = current
        current.attempts.append(
            {"time": utcnow().isoformat(), "channel": "SMS", "attempt_sid": f"VL{current.sid[2:]}"}
        )
        self.texted.append((to, current.code))
        return web.json_response(self._shape(service, current), status=201)

    async def check_verification(self, request: web.Request) -> web.Response:
        """``POST /v2/Services/{ServiceSid}/VerificationCheck``."""
        form = await self._form(request, CHECK)
        refused = self._refused(request, CHECK) or self._invalid_check(form)
        if refused is not None:
            return refused
        service = request.match_info["service"]
        current = self._find(service, form)
        if current is None:
            return _error(404, 20404, "The requested resource was not found")
        current.checks += 1
        if current.checks > MAX_CHECKS or current.status == "max_attempts_reached":
            current.status = "max_attempts_reached"
            return _error(429, 60202, "Max check attempts reached")
        if secrets.compare_digest(form["Code"], current.code):
            current.status = "approved"
            del self.verifications[(service, current.to)]  # approved ones are soft deleted
        return web.json_response(self._shape(service, current), status=200)

    async def _form(self, request: web.Request, method: str) -> dict[str, str]:
        form = await request.post()
        params = {key: str(value) for key, value in form.items()}
        await self.record(Call(method, params, dict(request.headers)))
        return params

    def _refused(self, request: web.Request, method: str) -> web.Response | None:
        """A failure a test queued; else what the real API says before it reads the form:
        method, auth, service."""
        failure = self.failure(method)
        if failure is not None:
            return web.json_response(failure.body, status=failure.status, headers=failure.headers)
        if request.method != "POST":
            return _error(405, 20004, "Method not allowed")
        expected = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        if not secrets.compare_digest(
            request.headers.get("Authorization", ""), f"Basic {expected}"
        ):
            return _error(401, 20003, "Authenticate")
        if request.content_type != "application/x-www-form-urlencoded":
            return _error(400, 60200, "Invalid parameter")
        if request.match_info["service"] not in self.services:
            return _error(404, 20404, "The requested resource was not found")
        return None

    @staticmethod
    def _invalid_start(form: dict[str, str]) -> web.Response | None:
        if not _E164.match(form.get("To", "")):
            return _error(400, 60200, "Invalid parameter: To")
        if form.get("Channel") not in _CHANNELS:
            return _error(400, 60200, "Invalid parameter: Channel")
        return None

    @staticmethod
    def _invalid_check(form: dict[str, str]) -> web.Response | None:
        if not _CODE.match(form.get("Code", "")):
            return _error(400, 60200, "Invalid parameter: Code")
        to, sid = form.get("To"), form.get("VerificationSid")
        if to is None and sid is None:
            return _error(400, 60200, "Invalid parameter: To")
        if (to is not None and not _E164.match(to)) or (sid is not None and not _SID.match(sid)):
            return _error(400, 60200, "Invalid parameter")
        return None

    def _live(self, service: str, to: str) -> Verification | None:
        """The verification of ``to`` that has not expired nor been approved."""
        current = self.verifications.get((service, to))
        if current is not None and time.monotonic() - current.created > self.lifetime:
            del self.verifications[(service, to)]  # expired: soft deleted
            return None
        return current

    def _find(self, service: str, form: dict[str, str]) -> Verification | None:
        if "To" in form:
            return self._live(service, form["To"])
        for (where, to), verification in list(self.verifications.items()):
            if where == service and verification.sid == form["VerificationSid"]:
                return self._live(service, to)
        return None

    def _shape(self, service: str, verification: Verification) -> dict[str, Any]:
        now = utcnow().isoformat()
        return {
            "sid": verification.sid,
            "service_sid": service,
            "account_sid": self.account_sid,
            "to": verification.to,
            "channel": verification.channel,
            "status": verification.status,
            "valid": verification.status == "approved",
            "lookup": {},
            "amount": None,
            "payee": None,
            "send_code_attempts": verification.attempts,
            "date_created": now,
            "date_updated": now,
            "sna": None,
            "url": f"{_BASE}/v2/Services/{service}/Verifications/{verification.sid}",
        }


def _error(status: int, code: int, message: str) -> web.Response:
    """An error in Verify's REST shape."""
    body = {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }
    return web.json_response(body, status=status)
