"""The Bot API: every method omnibot calls, JSON in and out.

A turn's calls (``sendMessage``, ``sendChatAction``, ``sendPhoto``...) go through
:meth:`BotApi.call`, which posts JSON on kept-alive connections (:mod:`connectors.keepalive`,
the lean client of the hot path) and reads only the envelope; the connector's own calls
(``getMe``, ``setWebhook``, ``deleteWebhook``, ``getUpdates``, ``getFile``, and downloads from
the file server) have typed methods whose results are read as :mod:`.api_types`; the long poll
(``getUpdates``) and downloads use the shared aiohttp session. Every failure
becomes one of omnibot's delivery errors (:data:`ERRORS`, read as every channel's table is, by
:mod:`connectors.refusals`), so that :mod:`bot.turn.delivery` decides about retrying sends, once,
for every channel, and :mod:`.retrying` and :mod:`.polling` decide about the rest from the same
errors:

=================================================  ==============================
Telegram says                                      omnibot raises
=================================================  ==============================
429 (``parameters.retry_after``)                   RateLimited(retry_after)
403 (blocked, kicked, user deactivated)            Unreachable
400 "chat not found", group upgraded, no rights    Unreachable
400 anything else (our request was wrong)          TelegramBadRequest
401, 404 (token revoked or wrong)                  ChannelMisconfigured
409 (another poller, or a webhook, has updates)    TelegramConflict (temporary)
5xx, a network error, a timeout, not JSON          TemporaryDeliveryError
a result not of the documented shape               TemporaryDeliveryError
=================================================  ==============================

The request URL holds the bot token, so no message here ever includes a URL, or the text of
an aiohttp error (which can).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import TypeVar

import aiohttp
from pydantic import BaseModel, ConfigDict, JsonValue, ValidationError
from pydantic_core import to_json

from bot.errors import (
    ChannelMisconfigured,
    DeliveryError,
    RateLimited,
    TemporaryDeliveryError,
    Unreachable,
)
from connectors.keepalive import KeepAlive, Route, TransportError
from connectors.refusals import ErrorTable, Meaning, Refusal, translate
from connectors.telegram import api_types as tg

_JSON = {"Content-Type": "application/json"}
MEDIA_METHODS = frozenset({"sendPhoto", "sendDocument", "sendVideo", "sendAudio"})
POLL_GRACE = 10.0
"""How much longer than its long-poll ``timeout`` a ``getUpdates`` may take to be answered."""
_GONE = (
    "chat not found",
    "user not found",
    "peer_id_invalid",
    "group chat was upgraded",
    "message thread not found",
    "not enough rights",
    "have no rights",
    "chat_write_forbidden",
    "bot was kicked",
)
"""Descriptions of a 400 that mean the address will not take messages, not that the request
was malformed."""

W = TypeVar("W", bound=tg.Wire)


class TelegramBadRequest(DeliveryError):
    """Telegram refused the request itself (a 400 that is not about the address): retrying the
    same request cannot succeed."""


class TelegramConflict(TemporaryDeliveryError):
    """Another poller, or a webhook, holds this bot's updates (409): it may let go."""


GONE = "gone"
"""The code of a 400 whose description says the address is gone (Telegram says it in words)."""
_SAID = "{text}"
ERRORS = ErrorTable(
    rate_limited=Meaning(RateLimited, _SAID),
    server_error=Meaning(TemporaryDeliveryError, _SAID),
    bad_request=Meaning(TelegramBadRequest, _SAID),
    otherwise=Meaning(TemporaryDeliveryError, _SAID),
    codes={GONE: Meaning(Unreachable, _SAID)},
    statuses={
        401: Meaning(ChannelMisconfigured, _SAID),
        404: Meaning(ChannelMisconfigured, _SAID),
        403: Meaning(Unreachable, _SAID),
        409: Meaning(TelegramConflict, _SAID),
    },
    default_wait=1.0,
)
"""What Telegram's refusals mean (the module docstring's table); every message is Telegram's
own description, after the method."""


class ResponseParameters(BaseModel):
    """``ResponseParameters``: why a request failed, and what to do about it."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    retry_after: float | None = None
    migrate_to_chat_id: int | None = None


class Answer(BaseModel):
    """The envelope of every Bot API answer."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    ok: bool
    result: JsonValue = None
    error_code: int | None = None
    description: str | None = None
    parameters: ResponseParameters | None = None


class SentMessage(BaseModel):
    """The part of a sent ``Message`` that omnibot keeps: its id, for the receipt."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    message_id: int


class BotApi:
    """Calls Bot API methods with JSON parameters on connections the caller owns: ``poster``'s
    for the calls, ``session``'s for the long poll and downloads.

    A call gets ``seconds`` to be answered, media calls ``media_seconds`` (Telegram fetches the
    file from its URL before it answers), ``getUpdates`` its long poll and :data:`POLL_GRACE`.
    """

    def __init__(
        self,
        token: str,
        base: str,
        session: aiohttp.ClientSession,
        poster: KeepAlive,
        seconds: float = 15.0,
        media_seconds: float = 60.0,
    ) -> None:
        base = base.rstrip("/")
        self._prefix = f"{base}/bot{token}/"
        self._files = f"{base}/file/bot{token}/"
        self._session = session
        self._poster = poster
        self._routes: dict[str, Route] = {}
        self._quick = seconds
        self._slow = media_seconds

    async def call(
        self, method: str, params: Mapping[str, object], seconds: float | None = None
    ) -> JsonValue:
        """The ``result`` of ``method``, answered within ``seconds`` (by default the client's
        own for the method); raises a :class:`~bot.errors.DeliveryError`."""
        if seconds is None:
            seconds = self._slow if method in MEDIA_METHODS else self._quick
        route = self._routes.get(method)
        if route is None:
            route = self._routes[method] = self._poster.route(self._prefix + method)
        try:
            status, body = await route.post(to_json(params), seconds)
        except TransportError as exc:
            raise TemporaryDeliveryError(f"telegram {method}: {exc.reason}") from exc
        return _result(method, status, body)

    async def _poll(self, params: Mapping[str, object], seconds: float) -> JsonValue:
        """``getUpdates`` on the aiohttp session: a long poll holds its connection for as long
        as Telegram waits, which is no work for the turns' kept-alive connections."""
        try:
            async with self._session.post(
                self._prefix + "getUpdates",
                data=to_json(params),
                headers=_JSON,
                timeout=aiohttp.ClientTimeout(total=seconds),
            ) as response:
                status, body = response.status, await response.read()
        except TimeoutError as exc:
            raise TemporaryDeliveryError(f"telegram getUpdates: no answer in {seconds:g}s") from exc
        except aiohttp.ClientError as exc:
            raise TemporaryDeliveryError(
                f"telegram getUpdates: network error ({type(exc).__name__})"
            ) from exc
        return _result("getUpdates", status, body)

    async def get_me(self) -> tg.User:
        """The bot itself: its id and username."""
        return _read("getMe", await self.call("getMe", {}), tg.User)

    async def set_webhook(self, url: str, secret: str | None, allowed: Sequence[str]) -> None:
        """Have Telegram post ``allowed`` updates to ``url`` with ``secret``; updates waiting
        to be delivered are kept."""
        params: dict[str, object] = {
            "url": url,
            "allowed_updates": list(allowed),
            "drop_pending_updates": False,
        }
        if secret is not None:
            params["secret_token"] = secret
        await self.call("setWebhook", params)

    async def delete_webhook(self) -> None:
        """Stop webhook delivery (so that ``getUpdates`` may be used), keeping waiting updates."""
        await self.call("deleteWebhook", {"drop_pending_updates": False})

    async def get_updates(
        self, offset: int | None, wait: int, allowed: Sequence[str]
    ) -> list[JsonValue]:
        """Updates from ``offset`` on, Telegram waiting up to ``wait`` seconds for one (its long
        poll); each still to be read as an :class:`~.api_types.Update`, so that one malformed
        update spoils no other."""
        params: dict[str, object] = {"timeout": wait, "allowed_updates": list(allowed)}
        if offset is not None:
            params["offset"] = offset
        result = await self._poll(params, wait + POLL_GRACE)
        if not isinstance(result, list):
            raise _unexpected("getUpdates")
        return result

    async def get_file(self, file_id: str) -> tg.File:
        """Where the file server has the file ``file_id`` (``file_path``)."""
        return _read("getFile", await self.call("getFile", {"file_id": file_id}), tg.File)

    @asynccontextmanager
    async def download(self, path: str) -> AsyncIterator[aiohttp.ClientResponse]:
        """The file server's response for a ``file_path`` (its URL holds the token, so it never
        leaves this class); a network error, reading the body included, raises
        :class:`~bot.errors.TemporaryDeliveryError`."""
        try:
            async with self._session.get(self._files + path) as response:
                yield response
        except aiohttp.ClientError as exc:
            raise TemporaryDeliveryError(
                f"telegram file: network error ({type(exc).__name__})"
            ) from exc


def _result(method: str, status: int, body: bytes) -> JsonValue:
    try:
        answer = Answer.model_validate_json(body)
    except ValidationError as exc:
        raise TemporaryDeliveryError(
            f"telegram {method}: HTTP {status} without a Bot API answer"
        ) from exc
    if answer.ok and 200 <= status < 300:
        return answer.result
    raise refusal(method, status, answer)


def _read(method: str, result: JsonValue, model: type[W]) -> W:
    try:
        return model.model_validate(result)
    except ValidationError as exc:
        raise _unexpected(method) from exc


def _unexpected(method: str) -> TemporaryDeliveryError:
    return TemporaryDeliveryError(f"telegram {method}: a result not of the documented shape")


def refusal(method: str, status: int, answer: Answer) -> DeliveryError:
    """The delivery error for a refused call (see the module docstring's table)."""
    parameters = answer.parameters or ResponseParameters()
    code = answer.error_code or status
    description = answer.description or f"HTTP {status}"
    gone = code == 400 and bool(parameters.migrate_to_chat_id or _gone(description))
    wait = parameters.retry_after
    refused = Refusal(
        status=code,
        code=GONE if gone else None,
        slow_down=wait is not None,
        retry_after=max(wait, 0.0) if wait is not None else None,
        words={"text": f"telegram {method}: {description}"},
    )
    return translate(ERRORS, refused)


def message_id(result: JsonValue) -> str | None:
    """The id of a sent message, from a ``send*`` result (``None`` for other results)."""
    if not isinstance(result, dict):
        return None
    try:
        return str(SentMessage.model_validate(result).message_id)
    except ValidationError:
        return None


def _gone(description: str) -> bool:
    lowered = description.casefold()
    return any(marker in lowered for marker in _GONE)
