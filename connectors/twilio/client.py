"""Sending through twilio's REST client, asynchronously, translated at the edge (SMS and
WhatsApp alike: one Messages API).

The twilio package builds the request (URL, form fields, Basic auth) and parses the answer;
its ``AsyncTwilioHttpClient`` does the I/O on aiohttp, so the event loop never blocks. We hold
both (never subclass them) and put a small transport between them that:

- re-bases every URL onto ``TWILIO_API_BASE`` (regional endpoints, proxies, a local fake in
  tests), so the client cannot reach any other host;
- bounds every request with a timeout (the SDK's async client has none by default);
- turns a 429 into a rate limit with the server's ``Retry-After`` (the SDK's exception drops
  the headers), and a network failure into a temporary error;
- sends the credentials as a plain ``Authorization`` header (the SDK's client uses aiohttp's
  ``BasicAuth``, deprecated since aiohttp 3.14).

Every error leaves here as one of omnibot's :class:`~bot.errors.DeliveryError` kinds
(:func:`refusal`, reading Twilio's codes with the table :data:`ERRORS` as every channel's table
is read, :mod:`connectors.refusals`; a channel can read them with a table of its own, as WhatsApp
does for its codes). The core decides what to do with each kind (see
:mod:`bot.turn.delivery` and :mod:`bot.turn.pipeline`): an :class:`~bot.errors.Unreachable`
number is not tried again until the customer writes from it; a
:class:`~bot.errors.ChannelMisconfigured` channel needs its operator; rate limits and temporary
failures are retried with backoff. Messages are written here, not copied from Twilio: Twilio's
own text often quotes the phone number, which has no place in logs.
"""

from __future__ import annotations

import base64
import json
import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from twilio.base.exceptions import (  # type: ignore[import-untyped]
    TwilioRestException,
    TwilioServiceException,
)
from twilio.http.async_http_client import AsyncTwilioHttpClient  # type: ignore[import-untyped]
from twilio.rest import Client  # type: ignore[import-untyped]

from bot.errors import (
    ChannelMisconfigured,
    DeliveryError,
    RateLimited,
    TemporaryDeliveryError,
    Unreachable,
)
from connectors.refusals import ErrorTable, Meaning, Refusal, translate

_quiet = logging.getLogger("omnibot.twilio.http")
_quiet.setLevel(logging.WARNING)  # the SDK logs every request line and header at INFO
DEFAULT_TIMEOUT = 15.0

UNREACHABLE = {
    21610: "the number has opted out (replied STOP to this sender)",
    21211: "the number is not a valid phone number",
    21612: "Twilio cannot route SMS to this number",
    21614: "the number is not a mobile number",
    21408: "sending to this country is not enabled in the Twilio account",
}
"""Codes about the recipient: sending to this number again will fail the same way. (21408, the
account's geographic permissions, is the operator's to fix, but is per destination: other
customers stay reachable.)"""

MISCONFIGURED = {
    20003: "Twilio refused the credentials (check TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN)",
    20404: "Twilio does not know this account or resource (check TWILIO_ACCOUNT_SID)",
    21212: "the sender number is not valid (check TWILIO_FROM_NUMBER)",
    21606: "the sender number cannot send to this destination (check TWILIO_FROM_NUMBER)",
    21659: "the sender is not a Twilio number of this account (check TWILIO_FROM_NUMBER)",
    21703: "the Messaging Service has no sender for this destination",
    21704: "the Messaging Service has no senders",
    21705: "the Messaging Service is not valid (check TWILIO_MESSAGING_SERVICE_SID)",
}
"""Codes about our side: every message would fail until the configuration changes."""

_REFUSED = Meaning(DeliveryError, "{tag}: Twilio refused the message")
_CREDENTIALS = Meaning(ChannelMisconfigured, "{tag}: Twilio refused the credentials")
ERRORS = ErrorTable(
    rate_limited=Meaning(RateLimited, "{tag}: too many requests"),
    server_error=Meaning(TemporaryDeliveryError, "{tag}: Twilio is having trouble"),
    bad_request=_REFUSED,
    otherwise=_REFUSED,
    codes={
        **{code: Meaning(Unreachable, f"{{tag}}: {why}") for code, why in UNREACHABLE.items()},
        **{
            code: Meaning(ChannelMisconfigured, f"{{tag}}: {why}")
            for code, why in MISCONFIGURED.items()
        },
    },
    statuses={401: _CREDENTIALS, 403: _CREDENTIALS},
)
"""What Twilio's refusals mean; a 429 without a ``Retry-After`` leaves the wait to the core."""


@dataclass(frozen=True, slots=True)
class Accepted:
    """Twilio took a message: its ``MessageSid``, status and segment count as Twilio said."""

    sid: str
    status: str
    segments: int | None


class Transport:
    """What twilio's client calls for I/O: ``is_async`` and ``request``; see the module
    docstring for what it adds to the SDK's own async client."""

    is_async = True

    def __init__(
        self,
        api_base: str,
        timeout: float,
        *,
        rate_limits: bool = True,
        errors: ErrorTable = ERRORS,
    ) -> None:
        self._errors = errors
        self._api_base = api_base
        self._timeout = timeout
        self._rate_limits = rate_limits
        self._http = AsyncTwilioHttpClient(logger=_quiet, timeout=timeout)

    async def request(self, method: str, uri: str, **options: Any) -> Any:
        """Send one request (the SDK's keyword arguments, ``timeout`` among them); raises a
        :class:`~bot.errors.DeliveryError` when Twilio cannot be reached, and for a 429 when
        ``rate_limits`` (Verify's 429s are about one verification, not the account's pace:
        without ``rate_limits`` they go to the SDK, which raises them with Twilio's code);
        returns anything else for the SDK to parse."""
        options["timeout"] = options.get("timeout") or self._timeout
        options["headers"] = _with_basic_auth(options.get("headers"), options.pop("auth", None))
        try:
            response = await self._http.request(method, rebase(uri, self._api_base), **options)
        except (aiohttp.ClientError, TimeoutError) as exc:
            name = type(exc).__name__
            raise TemporaryDeliveryError(f"Twilio could not be reached: {name}") from exc
        if response.status_code == 429 and self._rate_limits:
            header = (response.headers or {}).get("Retry-After")
            raise refusal(429, _code(response.text), _retry_after(header), self._errors)
        return response

    async def close(self) -> None:
        await self._http.close()


def rebase(url: str, api_base: str) -> str:
    """``url`` (as the SDK built it) with its scheme and host, whatever they were, replaced by
    ``api_base``'s, whose path becomes a prefix."""
    base, parts = urlsplit(api_base), urlsplit(url)
    query = f"?{parts.query}" if parts.query else ""
    return f"{base.scheme}://{base.netloc}{base.path.rstrip('/')}{parts.path}{query}"


def rest_client(account_sid: str, auth_token: str, transport: Transport) -> Any:
    """twilio's REST client on ``transport``, for one account."""
    return Client(
        username=account_sid,
        password=auth_token,
        account_sid=account_sid,
        http_client=transport,
        # Not os.environ: TWILIO_EDGE or TWILIO_REGION there would rename the host.
        environment={"OMNIBOT": "1"},
    )


class TwilioMessages:
    """Creates messages on one Twilio account. Open it inside the running loop (the HTTP
    session belongs to a loop), close it on shutdown."""

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        api_base: str,
        timeout: float = DEFAULT_TIMEOUT,
        errors: ErrorTable = ERRORS,
    ) -> None:
        self._errors = errors
        self._account_sid = account_sid
        self._auth_token = auth_token
        self._api_base = api_base
        self._timeout = timeout
        self._transport: Transport | None = None
        self._client: Any = None

    async def open(self) -> None:
        """Create the HTTP session and the REST client."""
        self._transport = Transport(self._api_base, self._timeout, errors=self._errors)
        self._client = rest_client(self._account_sid, self._auth_token, self._transport)

    async def close(self) -> None:
        """Close the HTTP session."""
        if self._transport is not None:
            await self._transport.close()
            self._transport = None

    async def create(self, fields: dict[str, str | list[str]]) -> Accepted:
        """``POST Messages.json`` with ``fields`` (Twilio's own names: ``To``, ``From``,
        ``Body``, ``MediaUrl``, ``ContentSid``...); raises a :class:`~bot.errors.DeliveryError`."""
        if self._client is None:
            raise TemporaryDeliveryError("the Twilio client has not started")
        try:
            message = await self._client.messages.create_async(**_arguments(fields))
        except (TwilioRestException, TwilioServiceException) as exc:
            raise refusal(exc.status, exc.code, errors=self._errors) from exc
        return Accepted(
            sid=str(message.sid), status=str(message.status), segments=_int(message.num_segments)
        )


_ARGUMENTS = {
    "To": "to",
    "From": "from_",
    "MessagingServiceSid": "messaging_service_sid",
    "Body": "body",
    "ContentSid": "content_sid",
    "ContentVariables": "content_variables",
    "MediaUrl": "media_url",
    "StatusCallback": "status_callback",
}


def _arguments(fields: dict[str, str | list[str]]) -> dict[str, str | list[str]]:
    """Twilio's form names as the SDK's keyword arguments."""
    return {_ARGUMENTS[name]: value for name, value in fields.items()}


def _with_basic_auth(
    headers: dict[str, str] | None, auth: tuple[str, str] | None
) -> dict[str, str]:
    """The SDK's headers with its credentials as an ``Authorization`` header: the SDK's client
    would pass them as aiohttp's ``BasicAuth``, which aiohttp 3.14 deprecates."""
    headers = dict(headers or {})
    if auth is not None:
        token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode("ascii")
        headers["Authorization"] = f"Basic {token}"
    return headers


def refusal(
    status: int,
    code: int | None,
    retry_after: float | None = None,
    errors: ErrorTable = ERRORS,
) -> DeliveryError:
    """The delivery error for an HTTP ``status`` and Twilio error ``code`` (if any), read
    with ``errors`` (the table of Twilio's Messages API by default)."""
    tag = f"Twilio error {code}" if code else f"Twilio HTTP {status}"
    refused = Refusal(status=status, code=code, retry_after=retry_after, words={"tag": tag})
    return translate(errors, refused)


def _retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header given in seconds (an HTTP date, which Twilio does
    not send, counts as absent and leaves the backoff to the core)."""
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if 0 <= seconds <= 3600 else None


def _code(text: str | None) -> int | None:
    """The Twilio error code in an error body, if it has one."""
    try:
        code = json.loads(text or "").get("code")
    except (ValueError, AttributeError):
        return None
    return code if isinstance(code, int) else None


def _int(value: object) -> int | None:
    try:
        return int(str(value))
    except ValueError:
        return None
