"""The embedded backend: the same contract as Redis, held in this process's memory.

Used when ``OMNIBOT_REDIS_URL`` is unset, for development and for one-process deployments. It
keeps nothing across restarts and cannot be shared by several workers, which is why
``omnibot run --workers N`` refuses it.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from bot.errors import LeaseLost
from bot.format.messages import ChannelIdentity, VerifiedAttribute
from bot.format.transcript import AUTO_ID, Logged, TranscriptEntry, entry_order
from bot.turn.customer import CustomerRecord
from bot.turn.store import (
    Bucket,
    Enqueued,
    EnqueueStatus,
    Lease,
    Memory,
    MemoryPolicy,
    Observed,
    Queued,
    TurnInput,
)
from memory.keys import KeyLayout

_PURGE_EVERY = 1024
_SEEN_SWEEP = 256


@dataclass(slots=True)
class _Customer:
    transcript: deque[Logged]
    touched: float
    record: CustomerRecord | None = None
    identities: set[str] = field(default_factory=set)
    seen: dict[str, float] = field(default_factory=dict)
    inbox: deque[Queued] = field(default_factory=deque)
    lease: tuple[str, float] | None = None
    last: tuple[int, int] = (0, 0)
    outbox: tuple[str, ...] = ()

    def log(self, entries: Sequence[TranscriptEntry], now: float) -> None:
        """Append with ids shaped like a Redis stream's: ``<ms>-<seq>``, always increasing."""
        for entry in entries:
            self.add(Logged(AUTO_ID, entry), now)

    def add(self, logged: Logged, now: float) -> None:
        if logged.id == AUTO_ID:
            ms = max(int(now * 1000), self.last[0])
            self.last = (ms, self.last[1] + 1 if ms == self.last[0] else 0)
        else:
            self.last = max(self.last, entry_order(logged.id))
        self.transcript.append(Logged(f"{self.last[0]}-{self.last[1]}", logged.entry))


@dataclass(frozen=True, slots=True)
class Holdings:
    """How much an :class:`EmbeddedMemory` holds, table by table (entries that have expired
    but are not purged yet included).

    The memory contract has no listing, by design: a Redis deployment is never scanned. The
    embedded memory can count what it holds, which is how a test checks that a refused request
    left nothing behind. Rate counters are left out: counting refused attempts is their job.
    """

    customers: int
    identities: int
    """Channel identities that lead to a customer."""
    attributes: int
    """Verified attributes (a phone, an e-mail) claimed by a customer."""
    secrets: int
    """One-time secrets: link codes, their tokens, phone checks."""
    blobs: int
    """Kept files (e-mail attachments)."""
    entries: int
    """Transcript entries, of every customer."""
    queued: int
    """Turn inputs waiting in the customers' inboxes."""


def _valid(table: dict[str, tuple[str, float]], key: str, now: float) -> str | None:
    """A value that has not expired (expired ones are dropped on the way)."""
    entry = table.get(key)
    if entry is None:
        return None
    if entry[1] <= now:
        del table[key]
        return None
    return entry[0]


class EmbeddedMemory(Memory):
    """In-process memory. Every operation yields to the event loop once, as a network call
    would, then runs to completion without awaiting: that is what makes it atomic."""

    def __init__(
        self, policy: MemoryPolicy | None = None, clock: Callable[[], float] = time.time
    ) -> None:
        self.policy = policy or MemoryPolicy()
        self.observe = Observed()
        self._clock = clock
        self._customers: dict[str, _Customer] = {}
        self._index: dict[str, tuple[str, float]] = {}
        self._attributes: dict[str, tuple[str, float]] = {}
        self._secrets: dict[str, tuple[str, float]] = {}
        self._blobs: dict[str, tuple[bytes, float]] = {}
        self._counters: dict[str, tuple[int, float]] = {}
        self._buckets: dict[str, float] = {}
        self._keys = KeyLayout()
        self._commits = 0
        self._pending: dict[str, float] = {}

    async def lookup(self, identity: ChannelIdentity) -> str | None:
        await self._hop("lookup")
        entry = self._index.get(identity.key)
        if entry is None or entry[1] <= self._clock():
            return None
        self._index[identity.key] = (entry[0], self._expiry())
        return entry[0]

    async def create_customer(self, identity: ChannelIdentity, customer_id: str) -> str:
        await self._hop("create_customer")
        entry = self._index.get(identity.key)
        if entry is not None and entry[1] > self._clock():
            return entry[0]
        self._customer(customer_id).identities.add(identity.key)
        self._index[identity.key] = (customer_id, self._expiry())
        return customer_id

    async def link(self, identity: ChannelIdentity, customer_id: str) -> str | None:
        await self._hop("link")
        previous = self._index.get(identity.key)
        self._customer(customer_id).identities.add(identity.key)
        self._index[identity.key] = (customer_id, self._expiry())
        if previous is None or previous[0] == customer_id:
            return None
        if previous[0] in self._customers:
            self._customers[previous[0]].identities.discard(identity.key)
        return previous[0]

    async def enqueue(
        self,
        customer_id: str,
        item: TurnInput,
        *,
        identity: ChannelIdentity | None,
        token: str,
    ) -> Enqueued:
        await self._hop("enqueue")
        customer = self._customer(customer_id)
        now = self._clock()
        if identity is not None and identity.key not in customer.identities:
            return Enqueued(EnqueueStatus.STALE)
        if item.event_id is not None and customer.seen.get(item.event_id, -1.0) > now:
            return Enqueued(EnqueueStatus.DUPLICATE)
        if len(customer.inbox) >= self.policy.inbox_limit:
            return Enqueued(EnqueueStatus.FULL)
        if item.event_id is not None:
            if len(customer.seen) >= _SEEN_SWEEP:
                customer.seen = {k: v for k, v in customer.seen.items() if v > now}
            customer.seen[item.event_id] = now + self.policy.dedup_window.total_seconds()
        customer.inbox.append(Queued(token, item))
        customer.touched = now
        self._pending[customer_id] = now
        if customer.lease is not None and customer.lease[1] > now:
            return Enqueued(EnqueueStatus.QUEUED)
        return self._acquire(customer_id, customer, token)

    async def commit(
        self,
        lease: Lease,
        done: Queued,
        customer: CustomerRecord,
        entries: Sequence[TranscriptEntry],
        sending: Sequence[str] = (),
    ) -> Queued | None:
        await self._hop("commit")
        state = self._held(lease)
        if not state.inbox or state.inbox[0].id != done.id:
            return state.inbox[0] if state.inbox else None
        state.record = customer
        state.outbox = tuple(sending)
        state.log(entries, self._clock())
        state.inbox.popleft()
        state.touched = self._clock()
        state.lease = (lease.token, self._clock() + self.policy.lease.total_seconds())
        self._commits += 1
        if self._commits % _PURGE_EVERY == 0:
            self._purge()
        return state.inbox[0] if state.inbox else None

    async def release(self, lease: Lease) -> Queued | None:
        await self._hop("release")
        state = self._held(lease)
        state.outbox = ()
        if state.inbox:
            state.lease = (lease.token, self._clock() + self.policy.lease.total_seconds())
            return state.inbox[0]
        state.lease = None
        self._pending.pop(lease.customer_id, None)
        return None

    async def stranded(self, idle: timedelta, limit: int) -> list[str]:
        await self._hop("stranded")
        horizon = self._clock() - idle.total_seconds()
        found = sorted((at, customer) for customer, at in self._pending.items() if at <= horizon)
        return [customer for _, customer in found[:limit]]

    async def recover(self, customer_id: str, token: str) -> Enqueued | None:
        await self._hop("recover")
        state = self._live(customer_id)
        if state is not None and state.lease is not None and state.lease[1] > self._clock():
            return Enqueued(EnqueueStatus.QUEUED)
        if state is None or not (state.inbox or state.outbox):
            self._pending.pop(customer_id, None)
            return None
        return self._acquire(customer_id, state, token)

    def _acquire(self, customer_id: str, state: _Customer, token: str) -> Enqueued:
        state.lease = (token, self._clock() + self.policy.lease.total_seconds())
        head = state.inbox[0] if state.inbox else None
        lease = Lease(customer_id, token)
        return Enqueued(EnqueueStatus.ACQUIRED, lease, state.record, head, state.outbox)

    async def renew(self, leases: Sequence[Lease]) -> list[Lease]:
        await self._hop("renew")
        lost = []
        for lease in leases:
            state = self._customers.get(lease.customer_id)
            if state is None or not self._holds(state, lease):
                lost.append(lease)
            else:
                state.lease = (lease.token, self._clock() + self.policy.lease.total_seconds())
        return lost

    async def load(self, customer_id: str) -> CustomerRecord | None:
        await self._hop("load")
        state = self._live(customer_id)
        return state.record if state else None

    async def entries(self, customer_id: str, after: str | None, limit: int) -> list[Logged]:
        await self._hop("entries")
        state = self._live(customer_id)
        if state is None or limit <= 0:
            return []
        if after is None:
            return list(state.transcript)[-limit:]
        start = entry_order(after)
        return [logged for logged in state.transcript if entry_order(logged.id) > start][:limit]

    async def append(self, customer_id: str, entries: Sequence[TranscriptEntry]) -> None:
        await self._hop("append")
        self._customer(customer_id).log(entries, self._clock())

    async def try_lease(self, customer_id: str, token: str) -> Lease | None:
        await self._hop("try_lease")
        state = self._customer(customer_id)
        now = self._clock()
        if state.lease is not None and state.lease[1] > now:
            return None
        state.lease = (token, now + self.policy.lease.total_seconds())
        return Lease(customer_id, token)

    async def drop_lease(self, lease: Lease) -> None:
        await self._hop("drop_lease")
        state = self._customers.get(lease.customer_id)
        if state is not None and state.lease is not None and state.lease[0] == lease.token:
            state.lease = None

    async def identities(self, customer_id: str) -> list[str]:
        await self._hop("identities")
        state = self._live(customer_id)
        return sorted(state.identities) if state else []

    async def queued(self, customer_id: str) -> list[Queued]:
        await self._hop("queued")
        state = self._live(customer_id)
        return list(state.inbox) if state else []

    async def owner(self, attribute: VerifiedAttribute) -> str | None:
        await self._hop("owner")
        return _valid(self._attributes, self._keys.attribute(attribute), self._clock())

    async def claim(self, attribute: VerifiedAttribute, customer_id: str) -> str:
        await self._hop("claim")
        key = self._keys.attribute(attribute)
        owner = _valid(self._attributes, key, self._clock()) or customer_id
        self._attributes[key] = (owner, self._expiry())
        return owner

    async def disown(self, attribute: VerifiedAttribute, customer_id: str) -> None:
        await self._hop("disown")
        key = self._keys.attribute(attribute)
        if _valid(self._attributes, key, self._clock()) == customer_id:
            del self._attributes[key]

    async def put_secret(self, kind: str, digest: str, value: str, ttl: timedelta) -> bool:
        await self._hop("put_secret")
        key = self._keys.secret(kind, digest)
        if _valid(self._secrets, key, self._clock()) is not None:
            return False
        self._secrets[key] = (value, self._clock() + ttl.total_seconds())
        return True

    async def take_secret(self, kind: str, digest: str) -> str | None:
        await self._hop("take_secret")
        key = self._keys.secret(kind, digest)
        value = _valid(self._secrets, key, self._clock())
        self._secrets.pop(key, None)
        return value

    async def put_blob(self, kind: str, digest: str, value: bytes, ttl: timedelta) -> bool:
        await self._hop("put_blob")
        key, now = self._keys.blob(kind, digest), self._clock()
        kept = self._blobs.get(key)
        if kept is not None and kept[1] > now:
            self._blobs[key] = (kept[0], now + ttl.total_seconds())
            return False
        self._blobs[key] = (value, now + ttl.total_seconds())
        return True

    async def get_blob(self, kind: str, digest: str) -> bytes | None:
        await self._hop("get_blob")
        kept = self._blobs.get(self._keys.blob(kind, digest))
        return kept[0] if kept is not None and kept[1] > self._clock() else None

    async def hit(self, key: str, window: timedelta) -> int:
        await self._hop("hit")
        now = self._clock()
        count, ends = self._counters.get(key, (0, 0.0))
        if ends <= now:
            count, ends = 0, now + window.total_seconds()
        self._counters[key] = (count + 1, ends)
        return count + 1

    async def count(self, key: str) -> int:
        await self._hop("count")
        count, ends = self._counters.get(key, (0, 0.0))
        return count if ends > self._clock() else 0

    async def throttle(self, key: str, burst: int, per_second: float) -> bool:
        await self._hop("throttle")
        now = self._clock()
        interval = 1 / per_second
        # GCRA: the bucket is the time at which it will be full again ("theoretical arrival")
        due = max(self._buckets.get(key, now), now)
        if due - now > interval * (burst - 1):
            return False
        self._buckets[key] = due + interval
        return True

    async def throttle_all(self, buckets: Sequence[Bucket]) -> float:
        self._keys.buckets([bucket.key for bucket in buckets])
        await self._hop("throttle_all")
        now = self._clock()
        dues = [max(self._buckets.get(bucket.key, now), now) for bucket in buckets]
        early = [
            due - now - (bucket.burst - 1) / bucket.per_second
            for due, bucket in zip(dues, buckets, strict=True)
        ]
        wait = max([0.0, *early])
        if wait > 0:
            return wait
        for due, bucket in zip(dues, buckets, strict=True):
            self._buckets[bucket.key] = due + 1 / bucket.per_second
        return 0.0

    async def erase(self, customer_id: str) -> list[str]:
        await self._hop("erase")
        state = self._customers.pop(customer_id, None)
        self._pending.pop(customer_id, None)
        identities = sorted(state.identities) if state else []
        for key in identities:
            if self._index.get(key, ("", 0.0))[0] == customer_id:
                del self._index[key]
        for key in [k for k, (owner, _) in self._attributes.items() if owner == customer_id]:
            del self._attributes[key]
        return identities

    async def seen(self, customer_id: str) -> dict[str, float]:
        await self._hop("seen")
        state = self._live(customer_id)
        if state is None:
            return {}
        window, now = self.policy.dedup_window.total_seconds(), self._clock()
        return {key: ends - window for key, ends in state.seen.items() if ends > now}

    async def rewrite(
        self,
        lease: Lease,
        customer: CustomerRecord,
        transcript: Sequence[Logged],
        seen: Mapping[str, float],
    ) -> None:
        await self._hop("rewrite")
        state = self._held(lease)
        state.record = customer
        state.transcript.clear()
        state.last = (0, 0)
        for logged in transcript:
            state.add(logged, self._clock())
        window = self.policy.dedup_window.total_seconds()
        state.seen.update({key: at + window for key, at in seen.items()})
        state.touched = self._clock()

    async def ping(self) -> None:
        await self._hop("ping")

    def holdings(self) -> Holdings:
        """How much this memory holds now (see :class:`Holdings`)."""
        customers = self._customers.values()
        return Holdings(
            customers=len(self._customers),
            identities=len(self._index),
            attributes=len(self._attributes),
            secrets=len(self._secrets),
            blobs=len(self._blobs),
            entries=sum(len(customer.transcript) for customer in customers),
            queued=sum(len(customer.inbox) for customer in customers),
        )

    async def close(self) -> None:
        self._customers.clear()
        self._index.clear()
        self._attributes.clear()
        self._secrets.clear()
        self._blobs.clear()
        self._counters.clear()
        self._buckets.clear()
        self._pending.clear()

    async def _hop(self, operation: str) -> None:
        self.observe(operation)
        await asyncio.sleep(0)

    def _expiry(self) -> float:
        return self._clock() + self.policy.retention.total_seconds()

    def _live(self, customer_id: str) -> _Customer | None:
        state = self._customers.get(customer_id)
        if state is not None and self._expired(state):
            del self._customers[customer_id]
            return None
        return state

    def _customer(self, customer_id: str) -> _Customer:
        state = self._live(customer_id)
        if state is None:
            limit = self.policy.transcript_limit
            state = _Customer(transcript=deque(maxlen=limit), touched=self._clock())
            self._customers[customer_id] = state
        return state

    def _expired(self, state: _Customer) -> bool:
        return state.touched + self.policy.retention.total_seconds() <= self._clock()

    def _holds(self, state: _Customer, lease: Lease) -> bool:
        return (
            state.lease is not None
            and state.lease[0] == lease.token
            and state.lease[1] > self._clock()
        )

    def _held(self, lease: Lease) -> _Customer:
        state = self._customers.get(lease.customer_id)
        if state is None or not self._holds(state, lease):
            raise LeaseLost(f"the turn lease of customer {lease.customer_id} has expired")
        return state

    def _purge(self) -> None:
        now = self._clock()
        for customer_id in [c for c, s in self._customers.items() if self._expired(s)]:
            del self._customers[customer_id]
            self._pending.pop(customer_id, None)
        for table in (self._index, self._attributes, self._secrets):
            for key in [k for k, (_, expiry) in table.items() if expiry <= now]:
                del table[key]
        for key in [k for k, (_, expiry) in self._blobs.items() if expiry <= now]:
            del self._blobs[key]
        for key in [k for k, (_, ends) in self._counters.items() if ends <= now]:
            del self._counters[key]
        for key in [k for k, full in self._buckets.items() if full <= now]:
            del self._buckets[key]
