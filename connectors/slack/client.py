"""The Slack Web API as omnibot uses it, on slack_sdk's async client.

Post a message (into a thread or not), look a person up, check the token. The connector sends
customers' replies with it; the agent desk (:mod:`connectors.slack.desk`) posts a summary,
keeps the returned ``ts``, posts the rest with ``thread_ts``, redraws the summary
(``chat.update``) and answers an agent privately (``chat.postEphemeral``).

Every failure is translated into the project's delivery errors with ``raise ... from``, in one
place (:func:`refusal`, reading Slack's codes with the table :data:`ERRORS` as every channel's
table is read, :mod:`connectors.refusals`), whose retry semantics :class:`bot.turn.delivery.Outlets`
knows: this client never retries by itself (the SDK's retry handlers are off), so that one
policy decides for every channel. Messages say what to do about the problem, and never carry
the token.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar

import aiohttp
from pydantic import BaseModel, ConfigDict, ValidationError
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.errors import (
    ChannelMisconfigured,
    DeliveryError,
    RateLimited,
    TemporaryDeliveryError,
    Unreachable,
)
from connectors.refusals import ErrorTable, Meaning, Refusal, translate
from connectors.slack.outbound import SlackMessage
from connectors.slack.people import Person

log = logging.getLogger("omnibot.slack")

_TOKEN_REFUSED = (
    "invalid_auth",
    "not_authed",
    "account_inactive",
    "token_revoked",
    "token_expired",
    "not_allowed_token_type",
    "ekm_access_denied",
)
_TARGET_GONE = {
    "channel_not_found": "Slack has no conversation {target} that the bot can see: it was "
    "deleted, or it is private and the bot is not in it",
    "not_in_channel": "the bot is not a member of {target}: invite it there (/invite @bot)",
    "is_archived": "{target} is archived",
    "user_not_found": "Slack has no user {target} in this workspace",
    "user_disabled": "the account of {target} is deactivated",
    "cannot_dm_bot": "{target} is a bot, which cannot be written to",
}
_TEMPORARY = ("internal_error", "fatal_error", "service_unavailable", "request_timeout")
_FAILED = Meaning(TemporaryDeliveryError, "Slack failed {method}: {code}")
_REFUSED = Meaning(DeliveryError, "Slack refused {method}: {code}")
ERRORS = ErrorTable(
    rate_limited=Meaning(RateLimited, "Slack rate-limited {method}"),
    server_error=_FAILED,
    bad_request=_REFUSED,
    otherwise=_REFUSED,
    codes={
        **dict.fromkeys(
            _TOKEN_REFUSED,
            Meaning(
                ChannelMisconfigured,
                "Slack refused the bot token on {method} ({code}): check SLACK_BOT_TOKEN, the "
                "app's Bot User OAuth Token (xoxb-...), and that the app is still installed",
            ),
        ),
        "missing_scope": Meaning(
            ChannelMisconfigured,
            "the Slack app lacks the scope {needed} for {method}: add it under OAuth & "
            "Permissions (docs/channels/slack.md has the manifest) and reinstall the app",
        ),
        **{
            code: Meaning(Unreachable, where + " ({code} on {method})")
            for code, where in _TARGET_GONE.items()
        },
        **dict.fromkeys(_TEMPORARY, _FAILED),
    },
    default_wait=1.0,
)
"""What Slack's refusals mean: Slack answers most of them with HTTP 200 and an error code."""


@dataclass(frozen=True, slots=True)
class Posted:
    """Where a message went, and its timestamp: Slack's id for it in the conversation (the
    ``thread_ts`` of replies to it)."""

    channel: str
    ts: str


@dataclass(frozen=True, slots=True)
class BotIdentity:
    """``auth.test``: the workspace and the bot's own ids."""

    team_id: str
    user_id: str
    bot_id: str | None


class _Reply(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class _PostReply(_Reply):
    channel: str
    ts: str


class _Profile(_Reply):
    email: str | None = None
    display_name: str | None = None
    real_name: str | None = None


class _User(_Reply):
    id: str
    name: str | None = None
    real_name: str | None = None
    locale: str | None = None
    deleted: bool = False
    is_bot: bool = False
    is_email_confirmed: bool | None = None
    profile: _Profile = _Profile()

    def person(self) -> Person:
        """Only an e-mail the workspace says it confirmed is vouched for: ``users.info`` leaves
        ``is_email_confirmed`` out for some accounts (guests, a token without the scope), and
        silence is not a confirmation."""
        confirmed = self.is_email_confirmed is True and not (self.is_bot or self.deleted)
        email = self.profile.email if confirmed and self.profile.email else None
        name = self.profile.display_name or self.profile.real_name or self.real_name or self.name
        return Person(user_id=self.id, name=name or None, email=email, locale=self.locale)


class _UserReply(_Reply):
    user: _User


class _AuthReply(_Reply):
    team_id: str
    user_id: str
    bot_id: str | None = None


class SlackClient:
    """One workspace's Web API, with the bot token, on one HTTP connection pool.

    Create it inside the running event loop; :meth:`close` it when done. :attr:`web` is the
    SDK client underneath, which the bolt app and Socket Mode share.
    """

    def __init__(self, token: str, base_url: str, timeout: float = 10.0) -> None:
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout))
        self.web = AsyncWebClient(
            token=token,
            base_url=base_url,
            timeout=int(timeout),
            session=self._session,
            retry_handlers=[],
            logger=logging.getLogger("omnibot.slack.sdk"),
        )

    async def close(self) -> None:
        """Close the connection pool."""
        await self._session.close()

    async def post(
        self, channel: str, message: SlackMessage, thread_ts: str | None = None
    ) -> Posted:
        """``chat.postMessage`` to ``channel`` (in the thread ``thread_ts`` if given)."""
        with _translated("chat.postMessage", channel):
            response = await self.web.chat_postMessage(
                channel=channel,
                text=message.text,
                blocks=message.wire_blocks(),
                thread_ts=thread_ts,
            )
        reply = _parse(_PostReply, response.data, "chat.postMessage")
        return Posted(reply.channel, reply.ts)

    async def update(self, channel: str, ts: str, message: SlackMessage) -> None:
        """``chat.update``: replace the message ``ts`` in ``channel`` (the bot's own)."""
        with _translated("chat.update", channel):
            await self.web.chat_update(
                channel=channel, ts=ts, text=message.text, blocks=message.wire_blocks()
            )

    async def whisper(
        self, channel: str, user: str, message: SlackMessage, thread_ts: str | None = None
    ) -> None:
        """``chat.postEphemeral``: a message in ``channel`` (in the thread ``thread_ts``) that
        only ``user`` sees, until they reload."""
        with _translated("chat.postEphemeral", channel):
            await self.web.chat_postEphemeral(
                channel=channel,
                user=user,
                text=message.text,
                blocks=message.wire_blocks(),
                thread_ts=thread_ts,
            )

    async def person(self, user_id: str) -> Person:
        """``users.info``: the user's name, confirmed e-mail and locale."""
        with _translated("users.info", user_id):
            response = await self.web.users_info(user=user_id, include_locale=True)
        return _parse(_UserReply, response.data, "users.info").user.person()

    async def identity(self) -> BotIdentity:
        """``auth.test``: which workspace and bot the token belongs to."""
        with _translated("auth.test", None):
            response = await self.web.auth_test()
        reply = _parse(_AuthReply, response.data, "auth.test")
        return BotIdentity(reply.team_id, reply.user_id, reply.bot_id)


R = TypeVar("R", bound=_Reply)


def _parse(model: type[R], data: object, method: str) -> R:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise DeliveryError(f"Slack answered {method} in an unexpected shape") from exc


@contextmanager
def _translated(method: str, target: str | None) -> Iterator[None]:
    """Raise what a failure of the call ``method`` (to ``target``) means (:func:`refusal`)."""
    try:
        yield
    except (SlackApiError, aiohttp.ClientError, TimeoutError) as exc:
        raise refusal(method, exc, target) from exc


def refusal(method: str, error: Exception, target: str | None) -> DeliveryError:
    """The delivery error for a failed Web API call; ``target`` is the channel or user."""
    if not isinstance(error, SlackApiError):
        return TemporaryDeliveryError(f"Slack could not be reached for {method}: {error!r}")
    status = error.response.status_code
    data = error.response.data if isinstance(error.response.data, dict) else {}
    code = str(data.get("error") or f"HTTP {status}")
    refused = Refusal(
        status=status,
        code=code,
        slow_down=code == "ratelimited",
        retry_after=_retry_after(error.response.headers),
        words={
            "method": method,
            "code": code,
            "target": target or "the target",
            "needed": data.get("needed") or "?",
        },
    )
    return translate(ERRORS, refused)


def _retry_after(headers: object) -> float | None:
    """The wait a ``Retry-After`` header asks for, in seconds (``None`` if it asks none)."""
    raw = headers.get("Retry-After") if isinstance(headers, Mapping) else None
    try:
        return max(0.0, float(raw)) if raw is not None else None
    except ValueError:
        return None
