"""The Redis backend: the shared memory of every worker, on redis.asyncio.

Each turn-path operation is one Lua script over one customer's keys (one hash slot), so a turn
costs three round trips: ``enqueue``, ``commit`` and ``release``, plus one ``lookup`` when the
identity is not in the worker's cache. Records are JSON strings, transcripts capped Redis
Streams, inboxes lists, deduplication ids a sorted set trimmed by time; every key has a TTL,
set once a period rather than every turn (the ``kept`` key: see commit.lua and
docs/performance.md, "Redis commands per turn"). A worker keeps the records it parsed
(:mod:`memory.redis.records`) and is not sent one it holds still.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import timedelta
from typing import TypeVar, cast

from redis.asyncio.cluster import RedisCluster
from redis.commands.core import AsyncScript
from redis.exceptions import NoScriptError, RedisError

from bot.errors import LeaseLost, MemoryUnavailable
from bot.format.messages import TURN_INPUT, ChannelIdentity, VerifiedAttribute
from bot.format.transcript import TRANSCRIPT_ENTRY, Logged, TranscriptEntry
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
from memory.redis.connection import Client, check, close, connect, explain
from memory.redis.lua import lua
from memory.redis.records import CURRENT, DEFAULT_SIZE, Held, Records, held
from memory.redis.wire import Arg, Wire, wire_for

T = TypeVar("T")
_CREATE_ATTEMPTS = 3
_CLOCK_SKEW = 2.0
_PERIOD = timedelta(hours=1)


def _ms(span: timedelta) -> int:
    return max(1, int(span.total_seconds() * 1000))


def _script(client: Client, name: str) -> AsyncScript:
    source = lua(name)
    return client.register_script(source)


def _text(raw: object) -> str | None:
    """A Redis reply as text (``None`` for a missing value)."""
    if isinstance(raw, bytes):
        return raw.decode()
    return raw if isinstance(raw, str) else None


def _encode_queued(entry_id: str, item: TurnInput) -> bytes:
    return entry_id.encode() + b"\n" + TURN_INPUT.dump_json(item, exclude_none=True)


def _decode_queued(raw: bytes | None) -> Queued | None:
    if not raw:
        return None
    entry_id, _, body = raw.partition(b"\n")
    return Queued(entry_id.decode(), TURN_INPUT.validate_json(body))


def _encode_entry(entry: TranscriptEntry) -> bytes:
    return TRANSCRIPT_ENTRY.dump_json(entry, exclude_none=True)


class RedisMemory(Memory):
    """Shared memory on one Redis server (or a managed Redis behind one address), or on a
    Redis Cluster: every operation touches one customer's hash slot, or one global key."""

    def __init__(
        self,
        client: Client,
        policy: MemoryPolicy | None = None,
        keys: KeyLayout | None = None,
        clock: Callable[[], float] = time.time,
        wire: Wire | None = None,
        records: int = DEFAULT_SIZE,
    ) -> None:
        self.policy = policy or MemoryPolicy()
        self.observe = Observed()
        self._redis = client
        self._wire = wire
        # On one server the turn scripts keep the pending set themselves (see _noting).
        self._scripts_note = not isinstance(client, RedisCluster)
        self._keys = keys or KeyLayout()
        self._clock = clock
        self._scripts = {
            name: _script(client, name)
            for name in (
                "enqueue",
                "commit",
                "release",
                "renew",
                "link",
                "disown",
                "hit",
                "throttle",
                "throttle_all",
                "rewrite",
                "recover",
                "settle",
                "note",
                "leave",
            )
        }
        self._retention = _ms(self.policy.retention)
        self._lease_ms = _ms(self.policy.lease)
        # How long the turn scripts go without setting TTLs again (see commit.lua).
        self._period = _ms(min(_PERIOD, self.policy.retention / 8))
        self._records = Records(records)  # parsed or written here (memory/redis/records.py)

    @classmethod
    def from_url(
        cls,
        url: str,
        policy: MemoryPolicy | None = None,
        namespace: str = "omnibot",
        max_connections: int = 64,
    ) -> RedisMemory:
        """Connect lazily to the Redis or Redis Cluster that ``url`` names (see
        :mod:`memory.redis.connection`)."""
        client = connect(url, max_connections)
        wire = None if isinstance(client, RedisCluster) else wire_for(url)
        return cls(client, policy, KeyLayout(namespace), wire=wire)

    @property
    def on_wire(self) -> bool:
        """Whether the turn path runs on the lean connection of :mod:`memory.redis.wire`
        (one server, at a URL it serves) rather than on redis-py (a cluster, or a URL it does not
        serve)."""
        return self._wire is not None

    async def lookup(self, identity: ChannelIdentity) -> str | None:
        key = self._keys.identity(identity)
        if self._wire is not None:
            found = self._wire.call("GETEX", key, "PX", self._retention)
            return _text(await self._call("lookup", found))
        return _text(await self._call("lookup", self._redis.getex(key, px=self._retention)))

    async def create_customer(self, identity: ChannelIdentity, customer_id: str) -> str:
        key = self._keys.identity(identity)
        ids = self._keys.customer(customer_id).identities
        await self._run("create_customer", "link", [ids], [identity.key, self._retention])
        for _ in range(_CREATE_ATTEMPTS):
            won = self._redis.set(key, customer_id, nx=True, px=self._retention)
            if await self._call("create_customer", won):
                return customer_id
            existing = _text(await self._call("create_customer", self._redis.get(key)))
            if existing:
                kept = self._keys.customer(customer_id).kept
                await self._call("create_customer", self._redis.delete(ids, kept))
                return existing
        raise MemoryUnavailable(f"could not bind identity on channel {identity.channel}")

    async def link(self, identity: ChannelIdentity, customer_id: str) -> str | None:
        key = self._keys.identity(identity)
        ids = self._keys.customer(customer_id).identities
        await self._run("link", "link", [ids], [identity.key, self._retention])
        swap = self._redis.set(key, customer_id, px=self._retention, get=True)
        former = _text(await self._call("link", swap))
        if not former or former == customer_id:
            return None
        keys = self._keys.customer(former)
        await self._run("link", "leave", [keys.identities, keys.kept], [identity.key])
        return former

    async def enqueue(
        self,
        customer_id: str,
        item: TurnInput,
        *,
        identity: ChannelIdentity | None,
        token: str,
    ) -> Enqueued:
        keys = self._keys.customer(customer_id)
        holding = self._records.get(customer_id)
        args: list[str | int | bytes] = [
            identity.key if identity else "",
            item.event_id or "",
            int(self._clock() * 1000),
            _ms(self.policy.dedup_window),
            _encode_queued(token, item),
            token,
            self._lease_ms,
            self.policy.inbox_limit,
            self._retention,
            self._period,
            holding.size if holding else "",
            holding.digest if holding else "",
        ]
        script_keys = [
            keys.identities,
            keys.seen,
            keys.inbox,
            keys.lease,
            keys.record,
            keys.outbox,
            keys.kept,
        ]
        reply = await self._noting(customer_id, "enqueue", script_keys, args)
        return _acquired(customer_id, token, reply, self._parsed(customer_id, reply, holding))

    async def commit(
        self,
        lease: Lease,
        done: Queued,
        customer: CustomerRecord,
        entries: Sequence[TranscriptEntry],
        sending: Sequence[str] = (),
    ) -> Queued | None:
        keys = self._keys.customer(lease.customer_id)
        raw = customer.model_dump_json(exclude_defaults=True).encode()
        args: list[str | int | bytes] = [
            lease.token,
            raw,
            self._retention,
            self.policy.transcript_limit,
            done.id,
            " ".join(sending),
            int(self._clock() * 1000),
            _ms(self.policy.dedup_window),
            self._period,
        ]
        args.extend(_encode_entry(entry) for entry in entries)
        script_keys = [
            keys.lease,
            keys.record,
            keys.transcript,
            keys.inbox,
            keys.identities,
            keys.outbox,
            keys.seen,
            keys.kept,
        ]
        reply = await self._run("commit", "commit", script_keys, args)
        if reply[0] == b"lost":
            self._records.forget(lease.customer_id)
            raise LeaseLost(f"the turn lease of customer {lease.customer_id} has expired")
        # Stored now (by this call, or by the earlier try whose answer was lost).
        self._records.keep(lease.customer_id, held(raw, customer))
        return _decode_queued(reply[1])

    async def release(self, lease: Lease) -> Queued | None:
        keys = self._keys.customer(lease.customer_id)
        script_keys = [keys.lease, keys.inbox, keys.outbox]
        args: list[str | int | bytes] = [lease.token, self._lease_ms]
        if self._scripts_note:
            script_keys.append(self._keys.pending)
            args.append(lease.customer_id)
        reply = await self._run("release", "release", script_keys, args)
        if reply[0] == b"lost":
            raise LeaseLost(f"the turn lease of customer {lease.customer_id} has expired")
        return _decode_queued(reply[1]) if reply[0] == b"next" else None

    async def stranded(self, idle: timedelta, limit: int) -> list[str]:
        horizon = int((self._clock() - idle.total_seconds()) * 1000)
        found = self._redis.zrangebyscore(self._keys.pending, "-inf", horizon, start=0, num=limit)
        return [_text(member) or "" for member in await self._call("stranded", found)]

    async def recover(self, customer_id: str, token: str) -> Enqueued | None:
        keys = self._keys.customer(customer_id)
        script_keys = [keys.lease, keys.inbox, keys.record, keys.outbox]
        # Sent something after this (give or take the workers' clocks): not to be forgotten.
        horizon = int((self._clock() - _CLOCK_SKEW) * 1000)
        reply = await self._run("recover", "recover", script_keys, [token, self._lease_ms])
        if reply[0] != b"idle":
            return _acquired(customer_id, token, reply)
        await self._run("recover", "settle", [self._keys.pending], [customer_id, horizon])
        return None

    async def renew(self, leases: Sequence[Lease]) -> list[Lease]:
        async def renew_one(lease: Lease) -> bool:
            key = self._keys.customer(lease.customer_id).lease
            renewal = self._scripts["renew"](keys=[key], args=[lease.token, self._lease_ms])
            return bool(await self._call("renew", renewal))

        held = await asyncio.gather(*(renew_one(lease) for lease in leases))
        return [lease for lease, ok in zip(leases, held, strict=True) if not ok]

    async def load(self, customer_id: str) -> CustomerRecord | None:
        raw = await self._call("load", self._redis.get(self._keys.customer(customer_id).record))
        return CustomerRecord.model_validate_json(raw) if raw else None

    async def entries(self, customer_id: str, after: str | None, limit: int) -> list[Logged]:
        if limit <= 0:
            return []
        key = self._keys.customer(customer_id).transcript
        if after is None:
            reply = await self._call("entries", self._redis.xrevrange(key, count=limit))
            rows = list(reversed(cast(list[tuple[bytes, dict[bytes, bytes]]], reply)))
        else:
            start = f"({after}"
            reply = await self._call("entries", self._redis.xrange(key, min=start, count=limit))
            rows = cast(list[tuple[bytes, dict[bytes, bytes]]], reply)
        return [
            Logged(entry_id.decode(), TRANSCRIPT_ENTRY.validate_json(fields[b"e"]))
            for entry_id, fields in rows
        ]

    async def append(self, customer_id: str, entries: Sequence[TranscriptEntry]) -> None:
        key = self._keys.customer(customer_id).transcript
        pipe = self._redis.pipeline(transaction=False)
        for entry in entries:
            pipe.xadd(key, {"e": _encode_entry(entry)}, maxlen=self.policy.transcript_limit)
        pipe.pexpire(key, self._retention)
        await self._call("append", pipe.execute())

    async def try_lease(self, customer_id: str, token: str) -> Lease | None:
        key = self._keys.customer(customer_id).lease
        taken = self._redis.set(key, token, nx=True, px=self._lease_ms)
        return Lease(customer_id, token) if await self._call("try_lease", taken) else None

    async def drop_lease(self, lease: Lease) -> None:
        key = self._keys.customer(lease.customer_id).lease
        await self._run("drop_lease", "disown", [key], [lease.token])

    async def identities(self, customer_id: str) -> list[str]:
        key = self._keys.customer(customer_id).identities
        members = await self._call("identities", self._redis.smembers(key))
        return sorted(_text(member) or "" for member in members)

    async def queued(self, customer_id: str) -> list[Queued]:
        key = self._keys.customer(customer_id).inbox
        raw = await self._call("queued", self._redis.lrange(key, 0, -1))
        items = (_decode_queued(cast(bytes, entry)) for entry in raw)
        return [item for item in items if item is not None]

    async def owner(self, attribute: VerifiedAttribute) -> str | None:
        key = self._keys.attribute(attribute)
        return _text(await self._call("owner", self._redis.getex(key, px=self._retention)))

    async def claim(self, attribute: VerifiedAttribute, customer_id: str) -> str:
        key = self._keys.attribute(attribute)
        won = await self._call(
            "claim", self._redis.set(key, customer_id, nx=True, px=self._retention)
        )
        if won:
            return customer_id
        owner = _text(await self._call("claim", self._redis.getex(key, px=self._retention)))
        return owner or await self.claim(attribute, customer_id)

    async def disown(self, attribute: VerifiedAttribute, customer_id: str) -> None:
        await self._run("disown", "disown", [self._keys.attribute(attribute)], [customer_id])

    async def put_secret(self, kind: str, digest: str, value: str, ttl: timedelta) -> bool:
        key = self._keys.secret(kind, digest)
        stored = self._redis.set(key, value, nx=True, px=_ms(ttl))
        return bool(await self._call("put_secret", stored))

    async def take_secret(self, kind: str, digest: str) -> str | None:
        key = self._keys.secret(kind, digest)
        return _text(await self._call("take_secret", self._redis.getdel(key)))

    async def put_blob(self, kind: str, digest: str, value: bytes, ttl: timedelta) -> bool:
        key = self._keys.blob(kind, digest)
        # Extending one that is kept already spares sending its bytes again.
        if await self._call("put_blob", self._redis.pexpire(key, _ms(ttl))):
            return False
        stored = self._redis.set(key, value, nx=True, px=_ms(ttl))
        return bool(await self._call("put_blob", stored))

    async def get_blob(self, kind: str, digest: str) -> bytes | None:
        value = await self._call("get_blob", self._redis.get(self._keys.blob(kind, digest)))
        return value if isinstance(value, bytes) else None

    async def hit(self, key: str, window: timedelta) -> int:
        counted = await self._call(
            "hit", self._scripts["hit"](keys=[self._keys.counter(key)], args=[_ms(window)])
        )
        return int(counted)

    async def count(self, key: str) -> int:
        counted = await self._call("count", self._redis.get(self._keys.counter(key)))
        return int(counted or 0)

    async def throttle(self, key: str, burst: int, per_second: float) -> bool:
        interval = 1000 / per_second
        taken = await self._call(
            "throttle",
            self._scripts["throttle"](
                keys=[self._keys.bucket(key)],
                args=[int(self._clock() * 1000), f"{interval:.3f}", burst],
            ),
        )
        return bool(taken)

    async def throttle_all(self, buckets: Sequence[Bucket]) -> float:
        names = self._keys.buckets([bucket.key for bucket in buckets])
        if not names:
            return 0.0
        args: list[Arg] = [int(self._clock() * 1000)]
        for bucket in buckets:
            args += [f"{1000 / bucket.per_second:.3f}", bucket.burst]
        wait = await self._call(
            "throttle_all", self._scripts["throttle_all"](keys=names, args=args)
        )
        return int(wait) / 1000

    async def erase(self, customer_id: str) -> list[str]:
        keys = self._keys.customer(customer_id)
        self._records.forget(customer_id)
        members = await self._call("erase", self._redis.smembers(keys.identities))
        identities = sorted(_text(member) or "" for member in members)
        record = await self.load(customer_id)
        for key in identities:
            channel, _, user = key.partition(":")
            index = self._keys.identity(ChannelIdentity(channel=channel, user_id=user))
            await self._run("erase", "disown", [index], [customer_id])
        for attribute in record.verified if record else ():
            await self.disown(attribute, customer_id)
        every = [
            keys.record,
            keys.identities,
            keys.seen,
            keys.inbox,
            keys.lease,
            keys.transcript,
            keys.outbox,
            keys.pages,
            keys.kept,
        ]
        await self._call("erase", self._redis.delete(*every))
        await self._call("erase", self._redis.zrem(self._keys.pending, customer_id))
        return identities

    async def seen(self, customer_id: str) -> dict[str, float]:
        key = self._keys.customer(customer_id).seen
        horizon = (self._clock() - self.policy.dedup_window.total_seconds()) * 1000
        reply = await self._call(
            "seen", self._redis.zrangebyscore(key, f"({horizon}", "+inf", withscores=True)
        )
        rows = cast(list[tuple[bytes, float]], reply)
        return {_text(member) or "": score / 1000 for member, score in rows}

    async def rewrite(
        self,
        lease: Lease,
        customer: CustomerRecord,
        transcript: Sequence[Logged],
        seen: Mapping[str, float],
    ) -> None:
        keys = self._keys.customer(lease.customer_id)
        self._records.forget(lease.customer_id)
        args: list[str | int | bytes] = [
            lease.token,
            customer.model_dump_json(exclude_defaults=True),
            self._retention,
            self.policy.transcript_limit,
            _ms(self.policy.dedup_window),
            len(seen),
        ]
        for key, at in seen.items():
            args.extend((key, int(at * 1000)))
        for logged in transcript:
            args.extend((logged.id, _encode_entry(logged.entry)))
        script_keys = [keys.lease, keys.record, keys.transcript, keys.seen]
        reply = await self._call("rewrite", self._scripts["rewrite"](keys=script_keys, args=args))
        if reply == b"lost":
            raise LeaseLost(f"the turn lease of customer {lease.customer_id} has expired")

    async def ping(self) -> None:
        await self._call("ping", check(self._redis))

    async def close(self) -> None:
        if self._wire is not None:
            await self._wire.close()
        await close(self._redis)

    async def _run(
        self, operation: str, script: str, keys: list[str], args: Sequence[str | int | bytes]
    ) -> list[bytes]:
        if self._wire is not None:
            return await self._call(operation, self._evalsha(self._wire, script, keys, args))
        reply: list[bytes] = await self._call(
            operation, self._scripts[script](keys=keys, args=list(args))
        )
        return reply

    async def _evalsha(
        self, wire: Wire, script: str, keys: list[str], args: Sequence[Arg]
    ) -> list[bytes]:
        """Run a script by its digest, loading it first if Redis does not know it (yet)."""
        code = self._scripts[script]
        try:
            reply: list[bytes] = await wire.call("EVALSHA", code.sha, len(keys), *keys, *args)
        except NoScriptError:
            await wire.call("SCRIPT", "LOAD", cast(str | bytes, code.script))
            reply = await wire.call("EVALSHA", code.sha, len(keys), *keys, *args)
        return reply

    async def _noting(
        self, customer_id: str, script: str, keys: list[str], args: Sequence[str | int | bytes]
    ) -> list[bytes]:
        """Run a customer's script and, in the same round trip, note in the pending set that
        the customer was sent something (see :meth:`stranded`).

        On one server the script notes it itself, atomically with queueing the input, so that
        ``release`` can take a customer with nothing left off the set without racing a new
        input. On a cluster the set lives on another node: it is noted side by side, for every
        input, and only recovery's sweep takes customers off it.
        """
        if self._scripts_note:
            noted = [*keys, self._keys.pending]
            return await self._run(script, script, noted, [*args, customer_id])
        replies: Sequence[object] = await self._call(
            script,
            asyncio.gather(
                self._scripts["note"](
                    keys=[self._keys.pending],
                    args=[customer_id, int(self._clock() * 1000), self._retention],
                ),
                self._scripts[script](keys=keys, args=list(args)),
                return_exceptions=True,
            ),
        )
        for failed in replies:
            if isinstance(failed, RedisError):
                raise MemoryUnavailable(f"redis {script} failed: {explain(failed)}") from failed
            if isinstance(failed, BaseException):
                raise failed
        return cast(list[bytes], replies[1])

    def _parsed(self, customer_id: str, reply: list[bytes], holding: Held | None) -> Held | None:
        """The record an ``acquired`` enqueue answered: the one held when it answered
        :data:`~memory.redis.records.CURRENT`, else parsed (and held from now on)."""
        if reply[0] != b"acquired" or not reply[1]:
            return None
        if reply[1] == CURRENT and holding is not None:
            return holding
        parsed = held(reply[1], CustomerRecord.model_validate_json(reply[1]))
        self._records.keep(customer_id, parsed)
        return parsed

    async def _call(self, operation: str, awaitable: Awaitable[T]) -> T:
        self.observe(operation)
        try:
            return await awaitable
        except RedisError as exc:
            raise MemoryUnavailable(f"redis {operation} failed: {explain(exc)}") from exc


def _acquired(
    customer_id: str, token: str, reply: list[bytes], current: Held | None = None
) -> Enqueued:
    """The answer of a script that may have taken the lease: ``[status, record, head, outbox]``
    (``current``: the record, already parsed)."""
    status = EnqueueStatus(reply[0].decode())
    if status is not EnqueueStatus.ACQUIRED:
        return Enqueued(status)
    if current is not None:
        record: CustomerRecord | None = current.record
    else:
        record = CustomerRecord.model_validate_json(reply[1]) if reply[1] else None
    unsent = tuple(reply[3].decode().split()) if len(reply) > 3 and reply[3] else ()
    return Enqueued(status, Lease(customer_id, token), record, _decode_queued(reply[2]), unsent)
