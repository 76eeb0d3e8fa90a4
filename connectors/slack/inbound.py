"""From Slack's Events API and interactivity payloads to the core's events. Pure.

:func:`verify` checks a request's signature (slack_sdk's ``SignatureVerifier``, the check bolt's
middleware makes on every request it can read); :func:`read` types a verified request body (a
malformed one is refused with a 400); :func:`parse` finds what the customer did in it, if
anything; :meth:`Heard.event` makes the core's event once the sender is known (see
:mod:`connectors.slack.people`).

What the bot takes, and what it leaves:

* a direct message (``message.im``), answered in the direct conversation, or in the thread the
  person wrote in;
* a mention in a channel (``app_mention``), answered in a thread under it (or in its thread);
* a reply in a channel thread without a mention (``message.channels``, if the app subscribes to
  it), but only where the person is talking to the bot: the connector checks that with the core;
* a button click (``block_actions``): the button's ``value`` is the core's payload;
* files, as attachments whose ``url`` is Slack's ``url_private`` (downloading it takes the bot
  token, so storing it reveals nothing);
* not: any bot's messages (ours included), edits and deletions (the bot has answered the
  original; answering again would repeat itself or act on a changed past), channel joins and
  other housekeeping, clicks on link buttons.

A message's event id is its channel and timestamp, not the envelope's ``event_id``: Slack's
retries carry both unchanged, and a thread reply that mentions the bot arrives twice, as
``app_mention`` and as ``message.channels``, with two envelope ids but one message, which must
be one turn.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    TypeAdapter,
    ValidationError,
)
from slack_sdk.signature import SignatureVerifier

from bot.errors import InboundRejected
from bot.format.messages import Address, Attachment, AttachmentKind, InboundEvent
from connectors.slack import mrkdwn
from connectors.slack.mrkdwn import strip_mention
from connectors.slack.people import Person
from connectors.slack.settings import CHANNEL

FORGED = "the request's signature is missing, wrong or stale"
_TAKEN_SUBTYPES = frozenset({"file_share", "thread_broadcast", "me_message"})
_GONE_FILES = frozenset({"tombstone", "hidden_by_limit"})
_URL = 2048


class Wire(BaseModel):
    """A Slack payload: immutable; the many fields omnibot does not use are ignored."""

    model_config = ConfigDict(frozen=True, extra="ignore")


class SlackFile(Wire):
    """A file shared in a message."""

    id: str = Field(min_length=1, max_length=512)
    name: str | None = None
    mimetype: str | None = None
    subtype: str | None = None
    url_private: str | None = None
    size: int | None = Field(default=None, ge=0)
    mode: str | None = None


class Edited(Wire):
    """Present on a message that was edited."""

    user: str | None = None
    ts: str | None = None


class MessageEvent(Wire):
    """A ``message`` event (``message.im``, ``message.channels``...)."""

    type: Literal["message"]
    subtype: str | None = None
    channel: str = Field(min_length=1, max_length=256)
    channel_type: str | None = None
    user: str | None = Field(default=None, min_length=1, max_length=256)
    bot_id: str | None = None
    text: str | None = None
    ts: str = Field(min_length=1, max_length=64)
    thread_ts: str | None = Field(default=None, max_length=64)
    files: tuple[SlackFile, ...] = ()


class AppMention(Wire):
    """An ``app_mention`` event: someone mentioned the bot in a channel."""

    type: Literal["app_mention"]
    channel: str = Field(min_length=1, max_length=256)
    user: str | None = Field(default=None, min_length=1, max_length=256)
    bot_id: str | None = None
    text: str | None = None
    ts: str = Field(min_length=1, max_length=64)
    thread_ts: str | None = Field(default=None, max_length=64)
    files: tuple[SlackFile, ...] = ()
    edited: Edited | None = None


class OtherEvent(Wire):
    """Any other event type; acknowledged and left alone."""

    type: str


def _event_kind(value: Any) -> str:
    kind = value.get("type") if isinstance(value, dict) else getattr(value, "type", None)
    return kind if kind in ("message", "app_mention") else "other"


SlackEvent = Annotated[
    Annotated[MessageEvent, Tag("message")]
    | Annotated[AppMention, Tag("app_mention")]
    | Annotated[OtherEvent, Tag("other")],
    Discriminator(_event_kind),
]


class EventCallback(Wire):
    """An Events API envelope."""

    type: Literal["event_callback"]
    team_id: str = Field(min_length=1, max_length=256)
    event_id: str = Field(min_length=1, max_length=256)
    event: SlackEvent


class ActionUser(Wire):
    """Who clicked."""

    id: str = Field(min_length=1, max_length=256)
    team_id: str | None = None


class Identified(Wire):
    """A team or a channel, by id."""

    id: str = Field(min_length=1, max_length=256)


class Container(Wire):
    """Where the clicked button is: a message in a channel, perhaps in a thread."""

    type: str
    channel_id: str | None = Field(default=None, max_length=256)
    message_ts: str | None = None
    thread_ts: str | None = Field(default=None, max_length=64)


class ActionMessage(Wire):
    """The message holding the clicked button."""

    ts: str | None = None
    thread_ts: str | None = Field(default=None, max_length=64)


class Label(Wire):
    """A button's label."""

    text: str


class Action(Wire):
    """One clicked element."""

    action_id: str
    type: str
    value: str | None = None
    text: Label | None = None
    action_ts: str = Field(min_length=1, max_length=64)


class BlockActions(Wire):
    """An interactivity payload for a click on a Block Kit element."""

    type: Literal["block_actions"]
    user: ActionUser
    team: Identified | None = None
    channel: Identified | None = None
    container: Container | None = None
    message: ActionMessage | None = None
    actions: tuple[Action, ...] = Field(min_length=1)


class Ignored(Wire):
    """Any other request type (``app_rate_limited``, shortcuts, view submissions...); bolt has
    already answered ``url_verification`` and ``ssl_check``."""

    type: str


def _request_kind(value: Any) -> str:
    kind = value.get("type") if isinstance(value, dict) else getattr(value, "type", None)
    return kind if kind in ("event_callback", "block_actions") else "other"


SlackRequest = Annotated[
    Annotated[EventCallback, Tag("event_callback")]
    | Annotated[BlockActions, Tag("block_actions")]
    | Annotated[Ignored, Tag("other")],
    Discriminator(_request_kind),
]
_REQUEST: TypeAdapter[EventCallback | BlockActions | Ignored] = TypeAdapter(SlackRequest)


def verify(secret: str | None, body: bytes, timestamp: str, signature: str) -> None:
    """Raise :class:`InboundRejected` (401) unless Slack signed ``body`` at ``timestamp`` with
    ``secret``, within the last five minutes; without a secret, no request is Slack's."""
    verifier = SignatureVerifier(secret or "-")
    try:
        signed = verifier.is_valid(body, timestamp, signature)
    except ValueError:  # a body that is not UTF-8 cannot be what Slack signed
        signed = False
    if not signed:
        raise InboundRejected(401, FORGED)


def read(body: Mapping[str, Any]) -> EventCallback | BlockActions | Ignored:
    """The typed form of a request body bolt has verified and decoded."""
    try:
        return _REQUEST.validate_python(body)
    except ValidationError as exc:
        raise InboundRejected(400, _problem(exc)) from exc


def _problem(error: ValidationError) -> str:
    """Where the payload is wrong and how, never what it holds."""
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "body"
    return f"malformed Slack payload: {where}: {first['msg']}"


@dataclass(frozen=True, slots=True)
class Heard:
    """What a customer did, found in a Slack request, before the sender is looked up.

    ``thread_reply`` marks a reply in a channel thread that did not mention the bot: it is the
    bot's only if the customer is talking to the bot in that thread.
    """

    event_id: str
    address: Address
    kind: Literal["text", "button", "attachment"]
    text: str | None = None
    payload: str | None = None
    attachments: tuple[Attachment, ...] = ()
    thread_reply: bool = False

    def event(self, person: Person | None) -> InboundEvent:
        """The core's event, with what Slack says about the sender (if it could say)."""
        try:
            return InboundEvent(
                event_id=self.event_id,
                channel=CHANNEL,
                address=self.address,
                kind=self.kind,
                text=self.text,
                payload=self.payload,
                attachments=self.attachments,
                name=person.name[:100] if person and person.name else None,
                locale=person.locale if person else None,
                verified=person.verified() if person else (),
            )
        except ValidationError as exc:
            raise InboundRejected(400, _problem(exc)) from exc


def message_id(channel: str, ts: str) -> str:
    """The event id of the message ``ts`` in ``channel``."""
    return f"msg:{channel}:{ts}"


def parse(request: EventCallback | BlockActions | Ignored, bot_user: str | None) -> Heard | None:
    """What the customer did in ``request``, or ``None`` if it is nothing for the bot.

    ``bot_user`` is the bot's own user id (from ``auth.test``), to take its mention out of the
    text; without it, only a leading mention is taken out of an ``app_mention``.
    """
    try:
        if isinstance(request, BlockActions):
            return _click(request)
        if isinstance(request, EventCallback):
            event = request.event
            if isinstance(event, MessageEvent):
                return _message(event, request.team_id, bot_user)
            if isinstance(event, AppMention):
                return _mention(event, request.team_id, bot_user)
        return None
    except ValidationError as exc:
        raise InboundRejected(400, _problem(exc)) from exc


def _message(event: MessageEvent, team: str, bot_user: str | None) -> Heard | None:
    taken = event.subtype is None or event.subtype in _TAKEN_SUBTYPES
    if not taken or event.bot_id is not None or event.user is None:
        return None
    direct = event.channel_type == "im"
    thread = event.thread_ts if event.thread_ts != event.ts else None
    if not direct and thread is None:
        return None  # a channel's own messages reach the bot only by mentioning it
    text = strip_mention(event.text or "", bot_user) if bot_user else event.text or ""
    return _said(event.user, event, team, thread, text, thread_reply=not direct)


def _mention(event: AppMention, team: str, bot_user: str | None) -> Heard | None:
    if event.bot_id is not None or event.user is None or event.edited is not None:
        return None
    text = strip_mention(event.text or "", bot_user)
    return _said(event.user, event, team, event.thread_ts or event.ts, text, thread_reply=False)


def _said(
    user: str,
    event: MessageEvent | AppMention,
    team: str,
    thread: str | None,
    text: str,
    *,
    thread_reply: bool,
) -> Heard | None:
    shown = mrkdwn.read(text).strip()
    attachments = _attachments(event.files)
    if not shown and not attachments:
        return None
    address = Address(
        channel=CHANNEL, user_id=user, conversation_id=event.channel, thread_id=thread, bot_id=team
    )
    return Heard(
        event_id=message_id(event.channel, event.ts),
        address=address,
        kind="attachment" if attachments else "text",
        text=shown or None,
        attachments=attachments,
        thread_reply=thread_reply,
    )


def _attachments(files: tuple[SlackFile, ...]) -> tuple[Attachment, ...]:
    present = [file for file in files if file.mode not in _GONE_FILES]
    return tuple(_attachment(file) for file in present)


def _attachment(file: SlackFile) -> Attachment:
    url = file.url_private if file.url_private and len(file.url_private) <= _URL else None
    return Attachment(
        kind=_file_kind(file),
        url=url,
        file_id=file.id,
        content_type=file.mimetype[:128] if file.mimetype else None,
        name=file.name[:256] if file.name else None,
        size=file.size,
    )


def _file_kind(file: SlackFile) -> AttachmentKind:
    if file.subtype == "slack_audio":
        return "voice"
    family = (file.mimetype or "").partition("/")[0]
    if family == "image":
        return "image"
    if family == "audio":
        return "audio"
    if family == "video":
        return "video"
    return "file"


def _click(request: BlockActions) -> Heard | None:
    action = next((a for a in request.actions if a.value is not None), None)
    container, message = request.container, request.message
    channel = (container.channel_id if container else None) or (
        request.channel.id if request.channel else None
    )
    if action is None or channel is None:
        return None  # a link button (no value), or a click outside a conversation (a modal)
    thread = (container.thread_ts if container else None) or (
        message.thread_ts if message else None
    )
    team = request.team.id if request.team else request.user.team_id
    address = Address(
        channel=CHANNEL,
        user_id=request.user.id,
        conversation_id=channel,
        thread_id=thread,
        bot_id=team,
    )
    return Heard(
        event_id=f"action:{request.user.id}:{action.action_ts}",
        address=address,
        kind="button",
        text=action.text.text if action.text else None,
        payload=action.value,
    )
