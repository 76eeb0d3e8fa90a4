"""The Bot API on the per-turn path: one shared aiohttp session, JSON in and out.

aiogram's ``Bot`` builds a request object and a multipart form for every call, which is right
for its generality and too much for the few methods a turn uses (``sendMessage``,
``sendChatAction``, ``sendPhoto``...); those go through :class:`BotApi`, which posts JSON and
reads only the envelope. Every failure becomes one of omnibot's delivery errors, so that
:mod:`bot.delivery` decides about retrying, once, for every channel:

=================================================  ==============================
Telegram says                                      omnibot raises
=================================================  ==============================
429 (``parameters.retry_after``)                   RateLimited(retry_after)
403 (blocked, kicked, user deactivated)            Unreachable
400 "chat not found", group upgraded, no rights    Unreachable
400 anything else (our request was wrong)          TelegramBadRequest
401, 404 (token revoked or wrong)                  ChannelMisconfigured
5xx, a network error, a timeout, not JSON          TemporaryDeliveryError
=================================================  ==============================

The request URL holds the bot token, so no message here ever includes a URL, or the text of
an aiohttp error (which can).
"""

from __future__ import annotations

from collections.abc import Mapping

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

_JSON = {"Content-Type": "application/json"}
MEDIA_METHODS = frozenset({"sendPhoto", "sendDocument", "sendVideo", "sendAudio"})
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


class TelegramBadRequest(DeliveryError):
    """Telegram refused the request itself (a 400 that is not about the address): retrying the
    same request cannot succeed."""


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
    """Calls Bot API methods with JSON parameters on a session the caller owns.

    A call gets ``seconds`` to be answered, media calls ``media_seconds`` (Telegram fetches the
    file from its URL before it answers).
    """

    def __init__(
        self,
        token: str,
        base: str,
        session: aiohttp.ClientSession,
        seconds: float = 15.0,
        media_seconds: float = 60.0,
    ) -> None:
        self._prefix = f"{base.rstrip('/')}/bot{token}/"
        self._session = session
        self._quick = aiohttp.ClientTimeout(total=seconds)
        self._slow = aiohttp.ClientTimeout(total=media_seconds)

    async def call(self, method: str, params: Mapping[str, object]) -> JsonValue:
        """The ``result`` of ``method``; raises a :class:`~bot.errors.DeliveryError`."""
        limit = self._slow if method in MEDIA_METHODS else self._quick
        try:
            async with self._session.post(
                self._prefix + method, data=to_json(params), headers=_JSON, timeout=limit
            ) as response:
                status, body = response.status, await response.read()
        except TimeoutError as exc:
            raise TemporaryDeliveryError(
                f"telegram {method}: no answer in {limit.total:g}s"
            ) from exc
        except aiohttp.ClientError as exc:
            raise TemporaryDeliveryError(
                f"telegram {method}: network error ({type(exc).__name__})"
            ) from exc
        return _result(method, status, body)


def _result(method: str, status: int, body: bytes) -> JsonValue:
    try:
        answer = Answer.model_validate_json(body)
    except ValidationError as exc:
        raise TemporaryDeliveryError(
            f"telegram {method}: HTTP {status} without a Bot API answer"
        ) from exc
    if answer.ok and 200 <= status < 300:
        return answer.result
    raise failure(method, status, answer)


def failure(method: str, status: int, answer: Answer) -> DeliveryError:
    """The delivery error for a refused call (see the module docstring's table)."""
    description = answer.description or f"HTTP {status}"
    text = f"telegram {method}: {description}"
    parameters = answer.parameters or ResponseParameters()
    code = answer.error_code or status
    if code == 429 or parameters.retry_after is not None:
        wait = parameters.retry_after if parameters.retry_after is not None else 1.0
        return RateLimited(text, retry_after=max(wait, 0.0))
    if code in (401, 404):
        return ChannelMisconfigured(text)
    if code == 403:
        return Unreachable(text)
    if code == 400 and (parameters.migrate_to_chat_id or _gone(description)):
        return Unreachable(text)
    if 400 <= code < 500:
        return TelegramBadRequest(text)
    return TemporaryDeliveryError(text)


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
