"""One-time codes through Twilio Verify, when ``TWILIO_VERIFY_SERVICE_SID`` is set.

Verify makes the code, texts it from Twilio's own senders, and checks it, with its own lifetime,
tries and fraud protection (Fraud Guard, geo permissions, rate limits set on the service). The
core still decides whether a code may go at all (countries, STOP, the budget) and binds it to the
customer who asked (see :mod:`bot.identity.phone_check`); what it asks of Verify is only "send a
code to this number" and "is this the code". The code itself never passes through omnibot on its way
out, and a typed one is never logged.

Requests go through twilio's async REST client, re-based onto ``TWILIO_VERIFY_API_BASE``
(default ``https://verify.twilio.com``) like every Twilio request; Verify's answers and errors
are translated here into what a flow is told (see ``docs/channels/sms.md``).
"""

from __future__ import annotations

import logging
from typing import Any

from twilio.base.exceptions import (  # type: ignore[import-untyped]
    TwilioRestException,
    TwilioServiceException,
)

from bot.errors import DeliveryError
from bot.identity.phone_codes import Checked, CodeRefused, CodeText, Sent
from connectors.sms.settings import VerifySettings
from connectors.twilio.client import Transport, rest_client

log = logging.getLogger("omnibot.sms.verify")

ISSUER = "twilio:verify"
"""Who vouches for a phone proven through Verify."""

SEND_REFUSALS: dict[int, Sent] = {
    60200: Sent.INVALID_PHONE,  # an invalid parameter: the only one we send from a customer is To
    60205: Sent.INVALID_PHONE,  # SMS is not supported by a landline
    60203: Sent.LIMITED,  # max send attempts for this number (5 per verification)
    60202: Sent.LIMITED,  # max attempts on the verification still pending for this number
    60212: Sent.LIMITED,  # too many concurrent requests for this number
    60605: Sent.COUNTRY,  # the service's geo permissions block the destination
}
"""Verify's refusals to send that say something about the number: the flow is told why."""

MISCONFIGURED = {
    20003: "Twilio refused the credentials (check TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN)",
    20404: "Verify does not know the service (check TWILIO_VERIFY_SERVICE_SID)",
    60410: "Verify's Fraud Guard blocked the number's prefix for 12 hours",
}
"""Refusals that are the operator's to read: logged at WARNING, and the flow is told ``failed``."""

_STATUSES: dict[str, Checked] = {
    "approved": Checked.VERIFIED,
    "pending": Checked.WRONG,
    "max_attempts_reached": Checked.LOCKED,
}
"""A check's ``status``; any other (``canceled``, ``expired``, ``failed``, ``deleted``) means
there is no code to compare with any more."""


class VerifyCodes:
    """A :class:`~bot.identity.phone_codes.CodeProvider` on one Verify service. Started and stopped
    with the bot (its HTTP session belongs to the running loop)."""

    name = "verify"
    issuer = ISSUER

    def __init__(self, settings: VerifySettings) -> None:
        self._settings = settings
        self._transport: Transport | None = None
        self._service: Any = None

    @property
    def ready(self) -> bool:
        """Whether the client is open."""
        return self._service is not None

    async def start(self) -> None:
        """Open the HTTP session and the REST client."""
        settings = self._settings
        self._transport = Transport(settings.api_base, settings.timeout, rate_limits=False)
        client = rest_client(settings.account_sid, settings.auth_token, self._transport)
        self._service = client.verify.v2.services(settings.service_sid)

    async def stop(self) -> None:
        """Close the HTTP session."""
        self._service = None
        if self._transport is not None:
            await self._transport.close()
            self._transport = None

    async def send(self, phone: str, text: CodeText) -> None:
        """Start a verification of ``phone`` by SMS (Verify words the message); raises
        :class:`~bot.identity.phone_codes.CodeRefused`."""
        if self._service is None:
            raise CodeRefused(Sent.FAILED, "Verify has not started")
        try:
            await self._service.verifications.create_async(to=phone, channel="sms")
        except (TwilioRestException, TwilioServiceException) as exc:
            raise _send_refusal(exc.status, exc.code) from exc
        except DeliveryError as exc:  # Verify could not be reached
            log.warning("Verify could not send a code: %s", exc)
            raise CodeRefused(Sent.FAILED, str(exc)) from exc

    async def check(self, phone: str, typed: str, kept: str | None) -> Checked:
        """Ask Verify whether ``typed`` is the code it sent to ``phone``."""
        if self._service is None:
            return Checked.FAILED
        try:
            checked = await self._service.verification_checks.create_async(to=phone, code=typed)
        except (TwilioRestException, TwilioServiceException) as exc:
            return _check_refusal(exc.status, exc.code)
        except DeliveryError as exc:
            log.warning("Verify could not check a code: %s", exc)
            return Checked.FAILED
        return _STATUSES.get(str(checked.status), Checked.EXPIRED)


def _send_refusal(status: int, code: int | None) -> CodeRefused:
    """What a refused verification tells the flow (and the operator, when it is theirs)."""
    tag = f"Verify error {code}" if code else f"Verify HTTP {status}"
    if code in SEND_REFUSALS:
        return CodeRefused(SEND_REFUSALS[code], f"{tag}: the number was refused")
    if code in MISCONFIGURED:
        log.warning("%s: %s", tag, MISCONFIGURED[code])
    elif status in (401, 403):
        log.warning("%s: Twilio refused the credentials", tag)
    else:
        log.warning("%s: Verify did not send the code", tag)
    return CodeRefused(Sent.FAILED, f"{tag}: Verify did not send the code")


def _check_refusal(status: int, code: int | None) -> Checked:
    """What a refused check means for the code typed."""
    if code == 20404 or status == 404:  # expired, already approved, or never started
        return Checked.EXPIRED
    if code == 60202:  # Verify's own limit of tries on this verification
        return Checked.LOCKED
    if code == 60200:  # the code's shape: a wrong try
        return Checked.WRONG
    tag = f"Verify error {code}" if code else f"Verify HTTP {status}"
    log.warning("%s: Verify did not check the code", tag)
    return Checked.FAILED
