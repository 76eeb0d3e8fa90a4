"""What the Slack agent desk posts, as Block Kit. Pure.

A conversation handed to people is one thread in the desk channel: its parent, the **summary**
(who, on which channel, in which language; what they came for, why a person, what they told
and what failed, in the flows' words as the console reads them (:class:`~bot.desk.summary.
Readable`); since when, what was said just before, who has it now, and the buttons), is
redrawn whenever that changes; the thread holds
the conversation from then on, one line per message. Everything a customer, a bot designer or
a console agent wrote is escaped (:func:`~connectors.slack.mrkdwn.escape`), so no text can
mention anyone or ping the channel; the only mentions are of the Slack agents themselves.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime

from bot.desk.summary import Readable
from bot.format.messages import InboundEvent
from bot.format.outbound import Card, Media, OutboundMessage, Template, Text
from bot.format.transcript import (
    InboundEntry,
    NoteEntry,
    OutboundEntry,
    StatusEntry,
    TranscriptEntry,
)
from bot.turn.customer import CustomerRecord
from bot.turn.window import WindowState
from connectors.slack.desk_inbound import RESOLVE, TAKE
from connectors.slack.mrkdwn import escape
from connectors.slack.outbound import (
    BLOCKS,
    SECTION_TEXT,
    Actions,
    AnyBlock,
    ButtonElement,
    Markdown,
    PlainText,
    Section,
    SlackMessage,
    batched,
)

SLACK_AGENT = "slack:"
"""The prefix of a Slack agent's id on the desk: ``slack:<user id>``."""
CHANNEL_NAMES = {
    "webchat": "web chat",
    "sms": "SMS",
    "telegram": "Telegram",
    "slack": "Slack",
    "whatsapp": "WhatsApp",
    "email": "e-mail",
}
NOTED = frozenset({"agent", "handoff", "undeliverable", "unreachable", "window"})
"""The kinds of transcript notes shown in a thread (besides agents' own notes)."""
STALE = "This handoff is over: the conversation has a newer thread, or none."
TEXT_ONLY = (
    "Only text of up to 4,000 characters reaches the customer from here; files do not. "
    "Start a message with // for a note only the team sees."
)
NOT_WAITING = "This conversation is back with the bot: there is nothing to take."
LINE = 500
HISTORY = 6
"""How many messages from before the handoff the summary shows."""
HISTORY_LINE = 200
MAX_FACTS = 20
"""How many of the customer's facts (slots, by their labels) the summary shows."""
QUOTED = 80
"""How much of an agent's reply a delivery status quotes."""
DELIVERY_MARKS = {
    "delivered": ":white_check_mark:",
    "read": ":eyes:",
    "failed": ":x:",
    "undeliverable": ":x:",
}
"""The delivery statuses shown in a thread (``sent`` and ``uncertain`` are not news)."""
_SLACK_ID = re.compile(rf"{SLACK_AGENT}([UW][A-Z0-9]+)")


def agent_id(user: str) -> str:
    """The desk's id of the Slack user ``user``."""
    return f"{SLACK_AGENT}{user}"


def shown_agent(agent: str) -> str:
    """An agent as mrkdwn: a Slack agent mentioned, a console agent by name."""
    if agent.startswith(SLACK_AGENT):
        return f"<@{agent.removeprefix(SLACK_AGENT)}>"
    return f"*{escape(agent)}*"


def taken_by(holder: str) -> str:
    """The refusal when someone else has the conversation."""
    return f"{shown_agent(holder)} has this conversation."


def from_thread(entry: TranscriptEntry) -> bool:
    """Whether ``entry`` is a Slack agent's own reply or note, already in the thread."""
    if isinstance(entry, OutboundEntry):
        return entry.author.startswith(f"agent:{SLACK_AGENT}")
    if isinstance(entry, NoteEntry) and entry.kind == "agent_note":
        return str(entry.data.get("agent", "")).startswith(SLACK_AGENT)
    return False


def summary(
    customer: CustomerRecord, history: Sequence[TranscriptEntry], readable: Readable
) -> SlackMessage:
    """The thread's parent for a conversation on the desk: who, what for and why (``readable``:
    the handoff's summary in words), since when, the last messages of ``history`` (the
    transcript up to the handoff), who has it, and the buttons that fit its state."""
    blocks: list[AnyBlock] = [_section(_who(customer)), _section(_why(customer, readable))]
    said = [line for entry in history if (line := _line(customer, entry, HISTORY_LINE))]
    before = said[-HISTORY:]
    if before:
        blocks.append(_section("*Just before*\n" + "\n".join(before)))
    blocks.append(_section(_state(customer)))
    buttons = _buttons(customer)
    if buttons:
        blocks.append(Actions(elements=buttons))
    name = escape(_name(customer))
    return SlackMessage(text=f"{name} would like a person", blocks=tuple(blocks))


def resolved(customer: CustomerRecord, back: str) -> SlackMessage:
    """The summary once the conversation is back with the bot: no buttons any more."""
    blocks = (_section(_who(customer)), _section(f":white_check_mark: {back}"))
    return SlackMessage(text=back, blocks=blocks)


def back_with_bot(agent: str | None, note: str | None) -> str:
    """Why the conversation left the desk, as mrkdwn."""
    if agent is not None:
        return f"Back with the bot (resolved by {shown_agent(agent)})."
    if note is not None:
        return f"Back with the bot: {_mentions(escape(note))}."
    return "Back with the bot."


def notice(text: str) -> SlackMessage:
    """A short message (``text`` is mrkdwn already)."""
    return SlackMessage(text=text, blocks=(_section(text),))


def delivery_line(reply: OutboundEntry, status: StatusEntry) -> str | None:
    """What became of an agent's ``reply``, for the thread (``None`` for a status not shown):
    ":eyes: read on WhatsApp: @Ana's reply “It ships today.”"."""
    mark = DELIVERY_MARKS.get(status.status)
    if mark is None:
        return None
    failed = status.status in ("failed", "undeliverable") and status.detail
    why = f" ({_said(status.detail, HISTORY_LINE)})" if failed and status.detail else ""
    agent = shown_agent(reply.author.removeprefix("agent:"))
    said = _said(_outbound(reply.message) or "(a message)", QUOTED)
    return f"{mark} _{status.status} on {_channel(reply.channel)}_{why}: {agent}'s reply “{said}”"


def window_closed(state: WindowState) -> str:
    """What an agent is told, replying while the customer's channel's window is closed: what
    their reply becomes (the console's banner says the same, from the same decision)."""
    if state.then is None:
        then = "cannot reach the customer until they write again"
    elif state.then.startswith("template "):
        then = f"goes as the approved {escape(state.then)}, with your words in it"
    else:
        then = f"goes by {_channel(state.then)} instead"
    return f":lock: {_channel(state.channel)}'s 24-hour window is closed: your reply {then}."


def thread_lines(customer: CustomerRecord, entries: Sequence[TranscriptEntry]) -> list[str]:
    """What a turn adds to the thread: the customer's messages, the bot's and console agents'
    replies, notes; never what a Slack agent wrote in the thread."""
    shown = [entry for entry in entries if not from_thread(entry)]
    return [line for entry in shown if (line := _line(customer, entry, LINE, notes=True))]


def thread_messages(lines: Sequence[str]) -> list[SlackMessage]:
    """``lines`` as few posts as fit: sections of at most 3,000 characters, 50 per post."""
    sections: list[str] = []
    for line in lines:
        if sections and len(sections[-1]) + 1 + len(line) <= SECTION_TEXT:
            sections[-1] += "\n" + line
        else:
            sections.append(_clip(line, SECTION_TEXT))
    return [
        SlackMessage(text=_clip(part[0], SECTION_TEXT), blocks=tuple(_section(s) for s in part))
        for part in batched(sections, BLOCKS)
    ]


def changes_handoff(entries: Sequence[TranscriptEntry]) -> bool:
    """Whether a turn changed who has the conversation (or asked for it): the summary is
    redrawn then."""
    return any(isinstance(e, NoteEntry) and e.kind in ("agent", "handoff") for e in entries)


def _who(customer: CustomerRecord) -> str:
    channel = _channel(customer.last_channel)
    language = f" · {escape(customer.language)}" if customer.language else ""
    return (
        f":raising_hand: *{escape(_name(customer))}* · {channel}{language}\n"
        f"customer `{customer.id}`"
    )


def _why(customer: CustomerRecord, readable: Readable) -> str:
    handoff = customer.handoff
    lines = [f"*Came for:* {_said(readable.goal, HISTORY_LINE)}"] if readable.goal else []
    lines.append(f"*Handed over:* {escape(handoff.reason or 'asked for a person')}")
    lines += [
        f"*{_said(label, QUOTED)}:* {_said(value, HISTORY_LINE)}"
        for label, value in readable.facts[:MAX_FACTS]
    ]
    lines += [f":warning: {_said(failure, HISTORY_LINE)}" for failure in readable.failed]
    if handoff.since is not None:
        lines.append(f"*Since:* {_date(handoff.since)}")
    return "\n".join(lines)


def _state(customer: CustomerRecord) -> str:
    handoff = customer.handoff
    if handoff.status == "agent" and handoff.agent_id:
        return f":speech_balloon: Taken by {shown_agent(handoff.agent_id)}"
    if handoff.status == "waiting":
        return ":hourglass_flowing_sand: Waiting for someone to take it"
    if handoff.contact_on:
        return (
            ":telephone_receiver: Nobody could answer; the customer asked to be contacted on "
            f"{_channel(handoff.contact_on)}"
        )
    return "With the bot"


def _buttons(customer: CustomerRecord) -> tuple[ButtonElement, ...]:
    handoff = customer.handoff
    if not handoff.on_desk:
        return ()
    resolve = ButtonElement(
        text=PlainText(text="Resolve"), action_id=RESOLVE, value=customer.id, style="danger"
    )
    if handoff.status == "agent":
        return (resolve,)
    take = ButtonElement(
        text=PlainText(text="Take it"), action_id=TAKE, value=customer.id, style="primary"
    )
    return (take, resolve)


def _line(
    customer: CustomerRecord, entry: TranscriptEntry, limit: int, notes: bool = False
) -> str | None:
    if isinstance(entry, InboundEntry) and isinstance(entry.event, InboundEvent):
        who = f"*{escape(_name(customer))}* ({_channel(entry.event.channel)})"
        return f"{who}: {_said(_inbound(entry.event), limit)}"
    if isinstance(entry, OutboundEntry):
        text = _outbound(entry.message)
        if text is None:
            return None
        author = entry.author.removeprefix("agent:")
        who = "_bot_" if entry.author == "bot" else shown_agent(author)
        return f"{who}: {_said(text, limit)}"
    if notes and isinstance(entry, NoteEntry):
        return _note(entry, limit)
    return None


def _note(entry: NoteEntry, limit: int) -> str | None:
    if entry.kind == "agent_note":
        agent = str(entry.data.get("agent", "")) or "an agent"
        return f":memo: note by {shown_agent(agent)}: {_said(entry.text, limit)}"
    if entry.kind in NOTED:
        return f"_{_mentions(escape(_clip(entry.text, limit)))}_"
    return None


def _mentions(text: str) -> str:
    """Slack agents' ids in a note (``slack:U0ANA took the conversation``) as mentions."""
    return _SLACK_ID.sub(r"<@\1>", text)


def _inbound(event: InboundEvent) -> str:
    if event.text:
        return event.text
    if event.kind == "location":
        return "(a location)"
    if event.kind == "contact":
        return "(a contact card)"
    if event.attachments:
        return ", ".join(f"({attachment.kind})" for attachment in event.attachments)
    return event.payload or f"({event.kind})"


def _outbound(message: OutboundMessage) -> str | None:
    if isinstance(message, Text):
        return message.text
    if isinstance(message, Media):
        return message.caption or f"({message.kind})"
    if isinstance(message, Card):
        return message.title
    if isinstance(message, Template):
        return message.text
    return None  # typing


def _said(text: str, limit: int) -> str:
    return escape(_clip(" ".join(text.split()), limit))


def _name(customer: CustomerRecord) -> str:
    name = customer.profile.get("name")
    return _clip(name, 100) if isinstance(name, str) and name.strip() else "A customer"


def _channel(channel: str | None) -> str:
    return escape(CHANNEL_NAMES.get(channel, channel)) if channel else "no channel yet"


def _date(moment: datetime) -> str:
    """A time every reader sees in their own time zone, with a fallback for old clients."""
    fallback = moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} {{time}}|{fallback}>"


def _section(text: str) -> Section:
    return Section(text=Markdown(text=_clip(text, SECTION_TEXT)))


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
