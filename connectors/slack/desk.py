"""Slack as an agent desk: each handoff is a thread in one channel, where agents answer.

``agents.slack.channel`` in ``bot.yaml`` names the channel. When a conversation comes onto the
desk, :class:`SlackDesk` posts its summary there (:mod:`connectors.slack.desk_outbound`) and keeps
the summary's ``ts`` in the desk (:meth:`bot.desk.store.Desk.set_thread`), which every worker
shares: a reply in the thread reaches the customer whichever worker Slack sends it to. The
thread then follows the conversation; when it goes back to the bot, the summary loses its
buttons.

Agents are ``slack:<user id>`` on the desk. Whatever they do goes the console's way: first the
desk (claiming is atomic, so of two agents one gets the conversation), then an
:data:`~bot.desk.handoff.AGENT` event through the customer's turn path, carrying an event id made
from Slack's message or click, so that Slack's retries deliver nothing twice.

* A reply in the thread claims the conversation if nobody has it, then goes to the customer on
  their own channel. Someone else's conversation is refused, privately. A reply starting with
  ``//`` is a note for the team, never sent.
* **Take it** claims the conversation.
* While the customer's channel's window is closed (WhatsApp's 24 hours), the agent replying is
  told, privately, what their reply becomes: the core's decision, the one the console shows.
* What became of agents' replies (delivered, read, failed) is said in the thread as the
  channel reports it.
* **Resolve** hands it back to the bot: by the agent who has it, or by anyone while nobody does
  (it is claimed, then resolved, so the customer hears that someone looked at it before the bot
  carries on); never someone else's.

Posting to Slack happens after the customer's turn is committed and delivered, and a failure
there is logged by the desk keeper (:class:`~bot.desk.handoff.DeskKeeper`): it costs the customer
nothing, and the conversation stays on the console.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from pydantic import JsonValue

from bot.connector import Core
from bot.desk.handoff import AGENT, agent_event
from bot.desk.summary import Readable
from bot.errors import DeliveryError
from bot.format.messages import SystemEvent
from bot.format.transcript import (
    InboundEntry,
    Logged,
    NoteEntry,
    OutboundEntry,
    StatusEntry,
    TranscriptEntry,
)
from bot.turn.customer import CustomerRecord
from connectors.slack import desk_inbound, desk_outbound
from connectors.slack.client import SlackClient
from connectors.slack.desk_inbound import DeskClick, SlackRequest, ThreadReply
from connectors.slack.people import People

log = logging.getLogger("omnibot.slack.desk")

PLACE = "slack"
"""The desk's name for this place, in :meth:`bot.desk.store.Desk.set_thread`."""
NOTE = "//"
"""A thread reply starting with this is a note for the team, not a reply to the customer."""
MAX_TEXT = 4000
LOOK_BACK = 40


class SlackDesk:
    """The desk channel: a :class:`~bot.desk.handoff.DeskChannel`, and what agents do there."""

    def __init__(self, client: SlackClient, core: Core, channel: str, people: People) -> None:
        self._client = client
        self._core = core
        self._channel = channel
        self._people = people

    async def opened(self, customer: CustomerRecord) -> None:
        """Post the summary; its thread is the conversation's from now on (a new one each time
        the conversation comes back onto the desk)."""
        message = desk_outbound.summary(
            customer, await self._history(customer), self._read(customer)
        )
        posted = await self._client.post(self._channel, message)
        await self._core.desk.desk.set_thread(customer.id, PLACE, posted.ts)

    async def said(self, customer: CustomerRecord, entries: Sequence[TranscriptEntry]) -> None:
        """Post what the turn added to the thread; redraw the summary if who has it changed."""
        thread = await self._core.desk.desk.thread_of(customer.id, PLACE)
        if thread is None:
            return  # on the desk before the Slack desk was, or its summary could not be posted
        for message in desk_outbound.thread_messages(desk_outbound.thread_lines(customer, entries)):
            await self._client.post(self._channel, message, thread)
        if desk_outbound.changes_handoff(entries):
            history = await self._history(customer)
            summary = desk_outbound.summary(customer, history, self._read(customer))
            await self._client.update(self._channel, thread, summary)

    def _read(self, customer: CustomerRecord) -> Readable:
        """The handoff's summary in the flows' words, in the customer's language (the words
        of the transcript the agents read below it)."""
        return self._core.desk.summarise(customer.handoff.summary, ())

    async def closed(self, customer: CustomerRecord) -> None:
        """Say in the thread who handed the conversation back, and take the buttons away."""
        thread = await self._core.desk.desk.thread_of(customer.id, PLACE)
        if thread is None:
            return
        back = desk_outbound.back_with_bot(*_why_closed(await self._recent(customer.id)))
        await self._client.post(self._channel, desk_outbound.notice(back), thread)
        await self._client.update(self._channel, thread, desk_outbound.resolved(customer, back))

    async def delivered(self, customer_id: str, statuses: Sequence[StatusEntry]) -> None:
        """Say in the thread what became of agents' replies: delivered, read, failed."""
        thread = await self._core.desk.desk.thread_of(customer_id, PLACE)
        if thread is None:
            return
        replies = {
            logged.entry.message_id: logged.entry
            for logged in await self._recent(customer_id)
            if isinstance(logged.entry, OutboundEntry) and logged.entry.author.startswith("agent:")
        }
        lines = [
            line
            for status in statuses
            if (reply := replies.get(status.message_id))
            and (line := desk_outbound.delivery_line(reply, status))
        ]
        for message in desk_outbound.thread_messages(lines):
            await self._client.post(self._channel, message, thread)

    def concerns(self, request: SlackRequest) -> bool:
        """Whether ``request`` is the desk's (anything in the desk channel, or its buttons):
        then it is never a customer's."""
        return desk_inbound.for_desk(request, self._channel)

    async def handle(self, request: SlackRequest, bot_user: str | None) -> None:
        """Act on what an agent did; returns once it is recorded (Slack may be answered)."""
        found = desk_inbound.parse(request, self._channel, bot_user)
        if isinstance(found, ThreadReply):
            await self._reply(found)
        elif isinstance(found, DeskClick):
            await self._click(found)

    async def _reply(self, reply: ThreadReply) -> None:
        customer = await self._core.desk.desk.customer_of_thread(PLACE, reply.thread)
        if customer is None:
            return  # a thread the desk did not open
        if await self._core.desk.desk.thread_of(customer, PLACE) != reply.thread:
            await self._whisper(reply.user, desk_outbound.STALE, reply.thread)
            return
        agent = desk_outbound.agent_id(reply.user)
        if reply.text.startswith(NOTE):
            note = reply.text.removeprefix(NOTE).strip()[:MAX_TEXT]
            if note:
                await self._tell(customer, reply.event_id, "note", agent, text=note)
            return
        if not reply.text or len(reply.text) > MAX_TEXT:
            await self._whisper(reply.user, desk_outbound.TEXT_ONLY, reply.thread)
            return
        refused = await self._take(customer, agent)
        if refused is not None:
            await self._whisper(reply.user, refused, reply.thread)
            return
        await self._claimed(customer, reply.event_id, reply.user)
        window = await self._core.window_of(customer)
        if window is not None and not window.open:
            await self._whisper(reply.user, desk_outbound.window_closed(window), reply.thread)
        await self._tell(customer, reply.event_id, "reply", agent, text=reply.text)

    async def _click(self, click: DeskClick) -> None:
        desk = self._core.desk.desk
        thread = await desk.thread_of(click.customer, PLACE)
        current = await desk.customer_of_thread(PLACE, click.message_ts)
        if thread != click.message_ts or current != click.customer:
            await self._whisper(click.user, desk_outbound.STALE)
            return
        agent = desk_outbound.agent_id(click.user)
        refused = await self._take(click.customer, agent)
        if refused is not None:
            await self._whisper(click.user, refused)
            return
        await self._claimed(click.customer, click.event_id, click.user)
        if click.action == "resolve":
            await self._tell(click.customer, click.event_id, "resolve", agent)

    async def _take(self, customer: str, agent: str) -> str | None:
        """``None`` when ``agent`` has the conversation now (claimed if nobody had it), else
        why not, for the agent."""
        desk = self._core.desk.desk
        if await desk.claim(customer, agent):
            return None
        holder = await desk.holder(customer)
        return desk_outbound.taken_by(holder) if holder else desk_outbound.NOT_WAITING

    async def _claimed(self, customer: str, event_id: str, user: str) -> None:
        """Tell the conversation the agent has it. Sent every time, since a claim the desk
        recorded may not have reached the conversation before a retry; a repeat does nothing."""
        person = await self._people.get(user)
        name = person.name if person and person.name else "Someone"
        agent = desk_outbound.agent_id(user)
        await self._tell(customer, f"claim:{event_id}", "claim", agent, name=name[:100])

    async def _tell(
        self, customer: str, event_id: str, action: str, agent: str, **data: JsonValue
    ) -> None:
        event = agent_event(action, agent, **data).model_copy(update={"event_id": event_id})
        await self._core.notify(customer, event)

    async def _whisper(self, user: str, text: str, thread: str | None = None) -> None:
        """Tell one agent something only they see; a courtesy, so a failure is only logged."""
        try:
            await self._client.whisper(self._channel, user, desk_outbound.notice(text), thread)
        except DeliveryError as exc:
            log.warning("could not answer an agent in the Slack desk channel: %s", exc)

    async def _history(self, customer: CustomerRecord) -> list[TranscriptEntry]:
        """The recent entries up to the handoff, for the summary: the same each time it is
        redrawn, unless the conversation has gone on for long since."""
        since = customer.handoff.since
        return [
            logged.entry
            for logged in await self._recent(customer.id)
            if since is None or logged.entry.at <= since
        ]

    async def _recent(self, customer_id: str) -> list[Logged]:
        return await self._core.entries(customer_id, None, LOOK_BACK)


def _why_closed(recent: Sequence[Logged]) -> tuple[str | None, str | None]:
    """Who resolved the conversation, or else the note saying why it left the desk, from the
    turn that took it off: the newest entries, since the desk is told while that turn still
    holds the customer's lease."""
    note: str | None = None
    for logged in reversed(recent):
        entry = logged.entry
        if isinstance(entry, NoteEntry) and entry.kind == "handoff":
            note = entry.text
        elif isinstance(entry, InboundEntry):
            agent = _resolver(entry)
            return (agent, None) if agent else (None, note)
    return None, note


def _resolver(entry: InboundEntry) -> str | None:
    event = entry.event
    if not isinstance(event, SystemEvent) or event.name != AGENT:
        return None
    return str(event.data.get("agent", "")) if event.data.get("action") == "resolve" else None
