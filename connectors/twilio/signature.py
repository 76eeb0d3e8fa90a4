"""Twilio's webhook requests, checked: ``X-Twilio-Signature`` with the twilio package's own
``RequestValidator``.

Twilio signs the URL it called (scheme, host, path and query string) and the POST fields with
the account's auth token. Behind a proxy or a tunnel, the URL this server sees is not that one,
so the URL is rebuilt from ``OMNIBOT_PUBLIC_URL`` and the path and query as received; without a
public URL, the request's own scheme and host are used (right only without a proxy).
:func:`verified_form` is the whole check every Twilio route makes before it reads anything.
"""

from __future__ import annotations

from aiohttp import web
from multidict import MultiMapping
from twilio.request_validator import RequestValidator  # type: ignore[import-untyped]

from bot.errors import InboundRejected
from bot.http import untrusted

HEADER = "X-Twilio-Signature"
SHARED_KEY_HEADER = "X-Twilio-Webhooks-Signature-Settings"
FORM = "application/x-www-form-urlencoded"


class SignatureCheck:
    """Verifies that a request comes from Twilio for this account."""

    def __init__(self, auth_token: str, public_url: str | None) -> None:
        self._validator = RequestValidator(auth_token)
        self._public_url = public_url.rstrip("/") if public_url else None

    def signed_url(self, request: web.Request) -> str:
        """The URL Twilio called, as it signed it."""
        base = self._public_url or f"{request.scheme}://{request.host}"
        return f"{base}{request.raw_path}"

    def verify(self, request: web.Request, form: MultiMapping[object]) -> None:
        """Raise :class:`InboundRejected` (403) unless the signature matches."""
        signature = untrusted.header(request, HEADER)
        if not signature:
            raise InboundRejected(403, "no X-Twilio-Signature")
        if not self._validator.validate(self.signed_url(request), form, signature):
            raise InboundRejected(403, _why(request))


async def verified_form(request: web.Request, check: SignatureCheck) -> dict[str, str]:
    """The form of a request Twilio signed; raises :class:`InboundRejected` (415 for another
    content type, 400 for an unreadable form, 403 for a signature that does not match)."""
    if request.content_type != FORM:
        raise InboundRejected(415, f"Twilio posts {FORM}")
    form = await untrusted.form(request)
    check.verify(request, form)
    return {name: value for name, value in form.items() if isinstance(value, str)}


def _why(request: web.Request) -> str:
    if SHARED_KEY_HEADER in request.headers:
        return (
            "the request is signed with a webhook shared key; omnibot checks the auth token "
            "signature"
        )
    return "X-Twilio-Signature does not match (is OMNIBOT_PUBLIC_URL the URL Twilio calls?)"
