"""``omnibot customer``: what an operator does for one customer's privacy requests.

- ``export ID`` prints, as JSON, everything kept about the customer: the record (profile, slots,
  place in the dialog, addresses, verified attributes, answers about marketing with when, where
  and the words shown), every channel identity, the transcript
  any inputs still waiting, and the messages scheduled for them (reminders, waits, follow-ups,
  deferred messages);
- ``erase ID`` deletes all of it, the index entries that pointed at it, and every scheduled
  item (none of them fires after; the output says how many were dropped);
- ``unlink ID CHANNEL:USER`` separates one channel identity from the customer.

They work on the shared memory (``OMNIBOT_REDIS_URL``), so they run next to a live bot; the
embedded memory lives inside the bot's own process and cannot be reached from here.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from pydantic import JsonValue

from bot.app.compose import open_memory, open_schedule
from bot.app.config import Settings, load_bot_config
from bot.errors import ConfigError
from bot.format.messages import TURN_INPUT, ChannelIdentity
from bot.format.transcript import TRANSCRIPT_ENTRY
from bot.outreach.schedule import Schedule
from bot.turn.delivery import Outlets
from bot.turn.handler import Turn, TurnOutcome
from bot.turn.pipeline import TurnPipeline
from bot.turn.store import Memory

_ALL = 1_000_000


@dataclass(frozen=True, slots=True)
class Erased:
    """What an erasure removed: the channel identities and the scheduled items."""

    identities: list[str]
    scheduled: int


async def export(
    memory: Memory, customer_id: str, schedule: Schedule | None = None
) -> dict[str, JsonValue] | None:
    """Everything kept about ``customer_id``, or ``None`` if nothing is."""
    record = await memory.load(customer_id)
    identities = await memory.identities(customer_id)
    entries = await memory.entries(customer_id, None, _ALL)
    pending = await schedule.pending(customer_id) if schedule is not None else []
    if record is None and not identities and not entries and not pending:
        return None
    queued = await memory.queued(customer_id)
    return {
        "customer": record.model_dump(mode="json") if record else None,
        "identities": list(identities),
        "transcript": [
            {"id": e.id, **TRANSCRIPT_ENTRY.dump_python(e.entry, mode="json")} for e in entries
        ],
        "queued": [TURN_INPUT.dump_python(q.input, mode="json") for q in queued],
        "scheduled": [item.model_dump(mode="json") for item in pending],
    }


async def erase(memory: Memory, schedule: Schedule, customer_id: str) -> Erased:
    """Delete everything kept about ``customer_id``: the scheduled items first, so that none
    fires for a customer half erased."""
    dropped = await schedule.forget(customer_id)
    return Erased(await memory.erase(customer_id), dropped)


async def _no_dialog(turn: Turn) -> TurnOutcome:
    """This tool runs no dialog: a customer message that lands here waits for the bot."""
    return TurnOutcome(customer=turn.customer)


def identity_of(text: str) -> ChannelIdentity:
    """``channel:user`` as an identity; raises :class:`ConfigError` when malformed."""
    channel, _, user = text.partition(":")
    try:
        return ChannelIdentity(channel=channel, user_id=user)
    except ValueError as exc:
        raise ConfigError([f"{text!r} is not CHANNEL:USER (like sms:+15551234567)"]) from exc


async def unlink(memory: Memory, customer_id: str, identity: ChannelIdentity) -> str | None:
    """Move ``identity`` away from ``customer_id`` (see :meth:`TurnPipeline.unlink`)."""
    pipeline = TurnPipeline(memory=memory, handler=_no_dialog, outlets=Outlets([]))
    try:
        return await pipeline.unlink(customer_id, identity)
    finally:
        await pipeline.join()
        await pipeline.close()


def open_shared(bot_dir: Path, environ: Mapping[str, str]) -> tuple[Memory, Schedule]:
    """The bot's shared memory and schedule; raises :class:`ConfigError` without
    ``OMNIBOT_REDIS_URL``."""
    settings = Settings.from_env(environ)
    if settings.redis_url is None:
        raise ConfigError(
            [
                "omnibot customer needs OMNIBOT_REDIS_URL: the embedded memory lives inside "
                "the running bot's process"
            ]
        )
    config = load_bot_config(bot_dir)
    url = settings.redis_url.get_secret_value()
    namespace = config.memory.namespace
    return open_memory(url, config.memory.policy(), namespace), open_schedule(url, namespace)


async def run(
    action: str,
    shared: tuple[Memory, Schedule],
    customer_id: str,
    extra: str | None,
    out: TextIO,
) -> int:
    """Run one ``omnibot customer`` action; returns the exit status."""
    memory, schedule = shared
    try:
        if action == "export":
            found = await export(memory, customer_id, schedule)
            if found is None:
                print(f"no customer {customer_id}", file=sys.stderr)
                return 1
            print(json.dumps(found, indent=2, ensure_ascii=False), file=out)
        elif action == "erase":
            erased = await erase(memory, schedule, customer_id)
            print(
                f"erased customer {customer_id} ({len(erased.identities)} identities, "
                f"{erased.scheduled} scheduled items dropped)",
                file=out,
            )
        else:
            fresh = await unlink(memory, customer_id, identity_of(extra or ""))
            if fresh is None:
                print(f"{extra} is not linked to customer {customer_id}", file=sys.stderr)
                return 1
            print(f"{extra} is now customer {fresh}", file=out)
        return 0
    finally:
        await schedule.close()
        await memory.close()
