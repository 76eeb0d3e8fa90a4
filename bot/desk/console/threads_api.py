"""The console's conversation list beyond the queue: filters and search, reopening a
conversation, and tags. Only a signed-in agent gets anything; see :mod:`bot.desk.search` for
what a search reads and :mod:`bot.desk.threads` for what the desk remembers."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from aiohttp import web
from pydantic import JsonValue

from bot.desk.handoff import agent_event
from bot.desk.search import (
    RESULTS,
    SCAN,
    TEXT_ENTRIES,
    TEXT_SCAN,
    Invalid,
    Query,
    matched,
    passes,
    query_of,
    said,
)
from bot.desk.threads import MAX_TAGS, TAG_RULE, Thread, checked_tag, thread_of
from bot.format.transcript import NoteEntry

if TYPE_CHECKING:
    from bot.desk.console.api import ConsoleApi

_TOGETHER = 10
HANDOFF_LOOKBACK = 500
"""How far back in the transcript a reopening looks for the last handoff's summary."""
ERASED = "this customer was erased meanwhile; nothing was done"
"""What an action says when the customer's record went (``omnibot customer erase``) while it
was under way: a 404, and nothing written."""
"""How many transcripts a search reads at once."""


def agent_languages(request: web.Request) -> list[str]:
    """The agent's languages, from the browser's ``Accept-Language`` (most wanted first)."""
    header = request.headers.get("Accept-Language", "")[:200]
    tags = (part.split(";")[0].strip() for part in header.split(","))
    return [tag for tag in tags if tag and tag != "*"][:5]


def _problem(status: int, error: str, **extra: Any) -> web.Response:
    return web.json_response({"error": error, **extra}, status=status)


async def search(api: ConsoleApi, request: web.Request) -> web.Response:
    """``GET /agent/api/conversations?status=&channel=&agent=&tag=&q=``: the conversations
    that pass the filters and match ``q``, most recently touched first, at most
    :data:`~bot.desk.search.RESULTS`."""
    if await api.parts.sessions.of(request) is None:
        return _problem(401, "signed_out")
    try:
        query = query_of(request.query)
    except Invalid as exc:
        return _problem(400, str(exc), field=exc.field)
    recent = await api.parts.keeper.desk.threads(SCAN)
    candidates = [thread for thread in recent if passes(thread, query)]
    found = [(t, how) for t in candidates if (how := matched(t, query)) is not None]
    if query.text and len(found) <= RESULTS:
        hit = {t.customer for t, _ in found}
        unread = [t for t in candidates if t.customer not in hit][:TEXT_SCAN]
        found += [(t, "transcript") for t in await _said_in(api, unread, query)]
        found.sort(key=lambda pair: pair[0].updated, reverse=True)
    return web.json_response(
        {
            "results": [
                shown(thread, how, api.came_for(thread, request)) for thread, how in found[:RESULTS]
            ],
            "more": len(found) > RESULTS,
            "scanned": len(recent),
        }
    )


def shown(thread: Thread, matched_on: str | None = None, goal: str | None = None) -> dict[str, Any]:
    """A conversation as the list shows it; ``goal``: what the customer came for, in words."""
    return {
        "customer": thread.customer,
        "status": thread.status,
        "agent": thread.agent,
        "name": thread.name,
        "language": thread.language,
        "channels": list(thread.channels),
        "phones": list(thread.phones[:3]),
        "emails": list(thread.emails[:3]),
        "reason": thread.reason,
        "goal": goal,
        "tags": list(thread.tags),
        "since": _iso(thread.since),
        "updated": _iso(thread.updated),
        "resolved_at": _iso(thread.resolved_at),
        "matched": matched_on or None,
    }


async def _said_in(api: ConsoleApi, threads: list[Thread], query: Query) -> list[Thread]:
    memory, found = api.parts.memory, []
    for start in range(0, len(threads), _TOGETHER):
        batch = threads[start : start + _TOGETHER]
        reads = [memory.entries(t.customer, None, TEXT_ENTRIES) for t in batch]
        for thread, entries in zip(batch, await asyncio.gather(*reads), strict=True):
            if said(entries, query):
                found.append(thread)
    return found


async def _reopen(api: ConsoleApi, customer: str, agent: str, body: dict[str, Any]) -> web.Response:
    """Take a conversation that went back to the bot (resolved, or left unanswered): it is the
    reopening agent's at once, and the customer is told nothing until they write."""
    record = await api.parts.memory.load(customer)
    if record is None:  # erased since act() looked
        return _problem(404, ERASED)
    if record.handoff.on_desk:
        return _problem(409, "this conversation is on the desk already; claim it instead")
    since = api.parts.pipeline.now().timestamp()
    if not await api.parts.keeper.desk.reopen(customer, agent, since):
        holder = await api.parts.keeper.desk.holder(customer)
        return _problem(409, "taken", holder=holder)
    told = await _last_handoff(api, customer)
    await api.parts.pipeline.notify(customer, agent_event("reopen", agent, **told))
    return web.json_response({"reopened": True, "holder": agent})


async def _last_handoff(api: ConsoleApi, customer: str) -> dict[str, JsonValue]:
    """The summary and reason of the customer's last handoff, from its note in the transcript
    (a resolve clears them from the record): what a reopened conversation is still about."""
    entries = await api.parts.memory.entries(customer, None, HANDOFF_LOOKBACK)
    for logged in reversed(entries):
        entry = logged.entry
        if isinstance(entry, NoteEntry) and entry.kind == "handoff":
            summary = entry.data.get("summary")
            if isinstance(summary, dict):
                return {"summary": summary, "reason": entry.text}
    return {}


async def _tag(api: ConsoleApi, customer: str, agent: str, body: dict[str, Any]) -> web.Response:
    return await _tagging(api, customer, body, add=True)


async def _untag(api: ConsoleApi, customer: str, agent: str, body: dict[str, Any]) -> web.Response:
    return await _tagging(api, customer, body, add=False)


async def _tagging(api: ConsoleApi, customer: str, body: dict[str, Any], add: bool) -> web.Response:
    tag = checked_tag(body.get("tag"))
    if tag is None:
        return _problem(400, TAG_RULE, field="tag")
    desk = api.parts.keeper.desk
    if add and await desk.thread(customer) is None:
        record = await api.parts.memory.load(customer)
        if record is None:  # erased since act() looked
            return _problem(404, ERASED)
        await desk.put_thread(thread_of(record, record, api.parts.pipeline.now()))
    tags = await desk.tag(customer, tag, add, MAX_TAGS)
    if tags is None:
        return _problem(
            400, f"A conversation has at most {MAX_TAGS} tags; remove one first", field="tag"
        )
    await api.parts.keeper.touched(customer)
    return web.json_response({"tags": list(tags)})


def _iso(seconds: float | None) -> str | None:
    return datetime.fromtimestamp(seconds, UTC).isoformat() if seconds is not None else None


Action = Callable[["ConsoleApi", str, str, dict[str, Any]], Awaitable[web.Response]]
THREAD_ACTIONS: dict[str, Action] = {"reopen": _reopen, "tag": _tag, "untag": _untag}
