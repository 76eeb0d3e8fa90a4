"""Sending: retries for what is worth retrying, nothing sent twice, refused addresses kept."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pytest

from bot.connector import Connector, Core, Outgoing, Receipt
from bot.errors import (
    ChannelMisconfigured,
    DeliveryError,
    RateLimited,
    TemporaryDeliveryError,
    Unreachable,
)
from bot.format.capabilities import PLAIN_TEXT, RICH
from bot.format.messages import Address, InboundEvent, SystemEvent
from bot.format.outbound import Text
from bot.format.transcript import NoteEntry
from bot.turn.delivery import Outlets, RetryPolicy
from bot.turn.pipeline import TurnPipeline
from bot.turn.store import Memory
from connectors.loopback import LoopbackConnector
from tests.helpers import counting

ADDRESS = Address(channel="flaky", user_id="u1", conversation_id="u1")


@dataclass
class Flaky(Connector):
    """A channel that fails as scripted, then accepts; it remembers what it accepted."""

    failures: list[DeliveryError] = field(default_factory=list)
    accepted: list[str] = field(default_factory=list)
    channel: str = "flaky"
    capabilities = RICH
    accept_before_failing: int = 0

    async def start(self, core: Core) -> None:
        return None

    async def send(self, address: Address, messages: Sequence[Outgoing]) -> list[Receipt]:
        if self.failures:
            error = self.failures.pop(0)
            taken = list(messages[: self.accept_before_failing])
            self.accepted += [o.message_id for o in taken]
            error.sent = tuple(Receipt(o.message_id, f"p-{o.message_id}") for o in taken)
            raise error
        self.accepted += [o.message_id for o in messages]
        return [Receipt(o.message_id, f"p-{o.message_id}") for o in messages]


def outgoing(*ids: str) -> list[Outgoing]:
    return [Outgoing(i, Text(text=i)) for i in ids]


def outlets(channel: Flaky, policy: RetryPolicy | None = None) -> tuple[Outlets, list[float]]:
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    return Outlets([channel], policy, sleep=sleep, jitter=lambda: 1.0), waits


async def test_a_rate_limit_is_waited_out_as_the_channel_asks() -> None:
    channel = Flaky(failures=[RateLimited("slow down", retry_after=3.0)])
    sender, waits = outlets(channel)
    receipts = await sender.send(ADDRESS, outgoing("a", "b"))
    assert [r.message_id for r in receipts] == ["a", "b"]
    assert waits == [3.0]


async def test_temporary_failures_back_off_exponentially_up_to_a_cap() -> None:
    channel = Flaky(failures=[TemporaryDeliveryError("502") for _ in range(4)])
    sender, waits = outlets(channel, RetryPolicy(attempts=5, first=0.5, cap=2.0, budget=60))
    await sender.send(ADDRESS, outgoing("a"))
    assert waits == [0.5, 1.0, 2.0, 2.0]


async def test_backoff_is_jittered_so_workers_do_not_retry_in_step() -> None:
    channel = Flaky(failures=[TemporaryDeliveryError("502")])
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    sender = Outlets([channel], RetryPolicy(first=1.0), sleep=sleep, jitter=lambda: 0.0)
    await sender.send(ADDRESS, outgoing("a"))
    assert waits == [0.5]


@pytest.mark.parametrize("error", [Unreachable("blocked"), ChannelMisconfigured("invalid_auth")])
async def test_what_cannot_succeed_is_not_retried(error: DeliveryError) -> None:
    channel = Flaky(failures=[error])
    sender, waits = outlets(channel)
    with pytest.raises(type(error)):
        await sender.send(ADDRESS, outgoing("a"))
    assert waits == []
    assert channel.accepted == []


async def test_giving_up_after_the_last_attempt() -> None:
    channel = Flaky(failures=[TemporaryDeliveryError("502") for _ in range(3)])
    sender, waits = outlets(channel, RetryPolicy(attempts=3))
    with pytest.raises(TemporaryDeliveryError):
        await sender.send(ADDRESS, outgoing("a"))
    assert len(waits) == 2


async def test_a_wait_beyond_the_budget_gives_up_at_once() -> None:
    channel = Flaky(failures=[RateLimited("come back in an hour", retry_after=3600)])
    sender, waits = outlets(channel, RetryPolicy(budget=30))
    with pytest.raises(RateLimited):
        await sender.send(ADDRESS, outgoing("a"))
    assert waits == []


async def test_a_retry_sends_only_what_the_channel_did_not_take() -> None:
    channel = Flaky(failures=[TemporaryDeliveryError("502")], accept_before_failing=2)
    sender, _ = outlets(channel)
    receipts = await sender.send(ADDRESS, outgoing("a", "b", "c"))
    assert channel.accepted == ["a", "b", "c"]
    assert [(r.message_id, r.provider_id) for r in receipts] == [
        ("a", "p-a"),
        ("b", "p-b"),
        ("c", "p-c"),
    ]


class Blocking(Connector):
    """A channel whose customer blocked the bot: every send is refused."""

    channel = "blocking"
    capabilities = RICH

    def __init__(self) -> None:
        self.attempts = 0

    async def start(self, core: Core) -> None:
        return None

    async def send(self, address: Address, messages: Sequence[Outgoing]) -> list[Receipt]:
        self.attempts += 1
        raise Unreachable("Forbidden: bot was blocked by the user")


BLOCKING = Address(channel="blocking", user_id="b1", conversation_id="b1")


def from_blocking(event_id: str) -> InboundEvent:
    return InboundEvent(
        event_id=event_id, channel="blocking", address=BLOCKING, kind="text", text="hi"
    )


async def test_an_address_that_refuses_is_marked_and_not_tried_again(memory: Memory) -> None:
    blocking = Blocking()
    pipeline = TurnPipeline(memory=memory, handler=counting, outlets=Outlets([blocking]))
    submission = await pipeline.submit(from_blocking("e1"))
    await pipeline.join()
    customer = submission.customer_id
    stored = await memory.load(customer)
    assert stored is not None
    assert stored.unreachable == frozenset({"blocking"})
    notes = [e for e in await memory.transcript(customer) if isinstance(e, NoteEntry)]
    assert [n.kind for n in notes] == ["unreachable"]
    assert blocking.attempts == 1

    await pipeline.notify(customer, SystemEvent(name="reminder"))
    await pipeline.join()
    assert blocking.attempts == 1, "a refused address is not tried again"
    notes = [e for e in await memory.transcript(customer) if isinstance(e, NoteEntry)]
    assert notes[-1].kind == "undeliverable"

    await pipeline.submit(from_blocking("e2"))
    await pipeline.join()
    assert blocking.attempts == 2, "writing again from it makes the address reachable again"
    await pipeline.close()


async def test_stop_opts_out_of_a_channel_until_start(memory: Memory) -> None:
    sms = LoopbackConnector("sms", PLAIN_TEXT)
    pipeline = TurnPipeline(memory=memory, handler=counting, outlets=Outlets([sms]))
    await sms.start(pipeline)
    stop = {"name": "stop"}
    submission = await sms.submit("+15550001", "e1", kind="command", text="STOP", command=stop)
    await pipeline.join()
    assert sms.sent["+15550001"] == [], "nothing is sent to a customer who said stop"
    await sms.say("+15550001", "hello?", event_id="e2")
    await pipeline.join()
    assert sms.sent["+15550001"] == [], "writing again does not undo a stop; start does"
    stored = await memory.load(submission.customer_id)
    assert stored is not None
    assert stored.opted_out == frozenset({"sms"})
    notes = [e for e in await memory.transcript(submission.customer_id) if isinstance(e, NoteEntry)]
    assert notes[-1].text == "1 message(s) not sent to sms: the customer opted out"
    start = {"name": "start"}
    await sms.submit("+15550001", "e3", kind="command", text="START", command=start)
    await pipeline.join()
    assert sms.sent["+15550001"] == [Text(text="#3")]
    await pipeline.close()
