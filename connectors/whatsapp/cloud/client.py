"""The Graph API's messages endpoint, on kept-alive connections (:mod:`connectors.keepalive`),
JSON in and out.

:meth:`GraphApi.send` posts one message body to ``{base}/{version}/{phone_number_id}/messages``
with the access token as a bearer, and answers with WhatsApp's id for it (``wamid...``). Every
failure becomes one of omnibot's delivery errors (:data:`ERRORS`, read as every channel's table
is, by :mod:`connectors.refusals`), so that :mod:`bot.turn.delivery` decides about retrying:

=========================================================  ===============================
Graph says (``{"error": {"code", "message", ...}}``)       omnibot raises
=========================================================  ===============================
130429, 131056, 4, 80007, HTTP 429 (too many messages)     RateLimited (retried)
5xx, a network error, a timeout, not Graph's JSON          TemporaryDeliveryError
190, 10, 200, HTTP 401 (token expired, revoked, no right)  ChannelMisconfigured
131047 (more than 24 hours since the customer wrote)       ReengagementRequired
131026, 131050 (the number cannot receive it)              Unreachable
any other 4xx (code 100: an invalid parameter...)          GraphBadRequest
=========================================================  ===============================

Messages are written here, with Graph's code and ``fbtrace_id`` (for Meta's support), never
Graph's own text, which can quote the recipient's number.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic_core import to_json

from bot.errors import (
    ChannelMisconfigured,
    DeliveryError,
    RateLimited,
    TemporaryDeliveryError,
    Unreachable,
)
from connectors.keepalive import KeepAlive, TransportError
from connectors.refusals import ErrorTable, Meaning, Refusal, translate
from connectors.whatsapp.cloud.outbound import MessageBody
from connectors.whatsapp.cloud.reading import ReadBody
from connectors.whatsapp.rules import PAIR_WAIT, ReengagementRequired

SLOW_DOWN = frozenset({4, 80007, 130429, 131056})
"""Graph's codes for "too many": the app's calls, the account's, the number's throughput, the
pace to one customer."""


class GraphBadRequest(DeliveryError):
    """WhatsApp refused the request itself: sending the same again cannot succeed."""


_TAG = "whatsapp error {code} ({trace})"
_MISCONFIGURED = Meaning(
    ChannelMisconfigured,
    _TAG + ": WhatsApp refused the access token (check WHATSAPP_ACCESS_TOKEN)",
)
ERRORS = ErrorTable(
    rate_limited=Meaning(RateLimited, _TAG + ": too many messages"),
    server_error=Meaning(TemporaryDeliveryError, _TAG + ": WhatsApp is having trouble"),
    bad_request=Meaning(GraphBadRequest, _TAG + ": WhatsApp refused the message"),
    otherwise=Meaning(TemporaryDeliveryError, _TAG + ": unexpected answer"),
    codes={
        190: _MISCONFIGURED,
        10: Meaning(ChannelMisconfigured, _TAG + ": the app lacks the whatsapp permissions"),
        200: Meaning(ChannelMisconfigured, _TAG + ": the app lacks the whatsapp permissions"),
        131047: Meaning(
            ReengagementRequired,
            _TAG + ": more than 24 hours since the customer wrote; only a template may go",
        ),
        131026: Meaning(Unreachable, _TAG + ": the number cannot receive WhatsApp messages"),
        131050: Meaning(Unreachable, _TAG + ": the customer stopped these messages"),
    },
    statuses={401: _MISCONFIGURED},
    default_wait=PAIR_WAIT,
)
"""What Graph's refusals mean (the module docstring's table)."""


class GraphError(BaseModel):
    """Graph's ``error`` object."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    code: int | None = None
    error_subcode: int | None = None
    type: str | None = Field(default=None, max_length=256)
    fbtrace_id: str | None = Field(default=None, max_length=256)


class Failed(BaseModel):
    """A failed call's body."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    error: GraphError


class SentId(BaseModel):
    """A sent message's id."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    id: str = Field(min_length=1, max_length=256)


class Sent(BaseModel):
    """A successful send: ``{"messaging_product", "contacts", "messages": [{"id"}]}``."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    messages: tuple[SentId, ...] = Field(min_length=1)


class GraphApi:
    """Sends messages from one business number, on connections the caller owns."""

    def __init__(self, url: str, token: str, poster: KeepAlive, seconds: float = 15.0) -> None:
        self._route = poster.route(url, {"Authorization": f"Bearer {token}"})
        self._seconds = seconds

    async def send(self, body: MessageBody) -> str:
        """WhatsApp's id for the message ``body`` makes; raises a
        :class:`~bot.errors.DeliveryError`."""
        return _sent(await self._post(body))

    async def mark_read(self, body: ReadBody) -> None:
        """Mark a customer's message read (and show the typing indicator, if ``body`` asks);
        raises a :class:`~bot.errors.DeliveryError`."""
        await self._post(body)

    async def _post(self, body: MessageBody | ReadBody) -> bytes:
        try:
            status, raw = await self._route.post(to_json(body), self._seconds)
        except TransportError as exc:
            raise TemporaryDeliveryError(f"whatsapp: {exc.reason}") from exc
        if status == 200:
            return raw
        raise refusal(status, raw)


def refusal(status: int, raw: bytes) -> DeliveryError:
    """The delivery error a failed call's status and body mean."""
    try:
        error: GraphError | None = Failed.model_validate_json(raw).error
    except ValidationError:
        error = None
    code = error.code if error is not None else None
    words = {
        "code": code if code is not None else f"HTTP {status}",
        "trace": (error.fbtrace_id if error is not None else None) or "no trace",
    }
    slow = code in SLOW_DOWN
    return translate(ERRORS, Refusal(status, code=code, slow_down=slow, words=words))


def _sent(raw: bytes) -> str:
    try:
        return Sent.model_validate_json(raw).messages[0].id
    except ValidationError as exc:
        raise TemporaryDeliveryError("whatsapp: a success without a message id") from exc
