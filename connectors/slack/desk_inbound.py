"""What agents do in the Slack agent desk's channel, found in a verified request. Pure.

Whatever happens in the desk channel belongs to the desk, never to a customer's conversation
with the bot: :func:`for_desk` says whether a request does, :func:`parse` what is in it
for the desk, if anything:

* a person's message in a thread (``message.channels`` or ``message.groups``): an agent
  answering the conversation the thread is about;
* a click on a summary's "Take it" or "Resolve" button (``block_actions``).

Not: the channel's own messages outside threads (agents talking among themselves), mentions
(a mention in a thread arrives as a ``message`` too, which is the one read), edits and
deletions, and any bot's messages (the desk's own posts included).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from connectors.slack.inbound import (
    BlockActions,
    EventCallback,
    Ignored,
    MessageEvent,
    message_id,
)
from connectors.slack.mrkdwn import read, strip_mention

TAKE = "omnibot_desk_take"
RESOLVE = "omnibot_desk_resolve"
_ACTIONS: dict[str, Literal["take", "resolve"]] = {TAKE: "take", RESOLVE: "resolve"}
_TAKEN_SUBTYPES = frozenset({"file_share", "thread_broadcast"})

SlackRequest = EventCallback | BlockActions | Ignored


@dataclass(frozen=True, slots=True)
class ThreadReply:
    """A person's message in a thread of the desk channel (``text`` empty if it held only
    files); ``event_id`` makes its delivery to the customer happen once."""

    event_id: str
    user: str
    thread: str
    text: str


@dataclass(frozen=True, slots=True)
class DeskClick:
    """A click on a summary's button: ``customer`` is the button's value, ``message_ts`` the
    summary it is on (the thread's parent)."""

    event_id: str
    user: str
    action: Literal["take", "resolve"]
    customer: str
    message_ts: str


def for_desk(request: SlackRequest, channel: str) -> bool:
    """Whether ``request`` happened in the desk ``channel`` (or is a click on a desk button)."""
    if isinstance(request, EventCallback):
        return getattr(request.event, "channel", None) == channel
    if isinstance(request, BlockActions):
        where = request.container.channel_id if request.container else None
        where = where or (request.channel.id if request.channel else None)
        return where == channel or any(a.action_id in _ACTIONS for a in request.actions)
    return False


def parse(
    request: SlackRequest, channel: str, bot_user: str | None
) -> ThreadReply | DeskClick | None:
    """What an agent did in ``request``, or ``None`` if it is nothing for the desk."""
    if isinstance(request, BlockActions):
        return _click(request, channel)
    if isinstance(request, EventCallback) and isinstance(request.event, MessageEvent):
        return _reply(request.event, channel, bot_user)
    return None


def _reply(event: MessageEvent, channel: str, bot_user: str | None) -> ThreadReply | None:
    taken = event.subtype is None or event.subtype in _TAKEN_SUBTYPES
    if not taken or event.bot_id is not None or event.user is None or event.channel != channel:
        return None
    if event.thread_ts is None or event.thread_ts == event.ts:
        return None  # the channel itself: agents among themselves
    text = read(strip_mention(event.text or "", bot_user) if bot_user else event.text or "")
    return ThreadReply(
        event_id=f"desk:{message_id(event.channel, event.ts)}",
        user=event.user,
        thread=event.thread_ts,
        text=text.strip(),
    )


def _click(request: BlockActions, channel: str) -> DeskClick | None:
    action = next((a for a in request.actions if a.action_id in _ACTIONS), None)
    container = request.container
    if action is None or not action.value or container is None:
        return None
    if container.channel_id != channel or container.message_ts is None:
        return None  # a desk button anywhere but on a summary in the desk channel
    return DeskClick(
        event_id=f"desk:action:{request.user.id}:{action.action_ts}",
        user=request.user.id,
        action=_ACTIONS[action.action_id],
        customer=action.value,
        message_ts=container.message_ts,
    )
