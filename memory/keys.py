"""Where things live in Redis.

Every key of one customer carries the same hash tag, ``{c:<id>}``, so that on Redis Cluster they
sit in one hash slot and each turn's script touches one slot only. Identity keys stand alone:
one key, one slot, one command. The schedule is cut in shards, each under a hash tag of its own,
``{sched:<n>}``, and a customer's items all go to one shard (see :class:`ScheduleShard`).
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass

from bot.format.messages import ChannelIdentity, VerifiedAttribute


@dataclass(frozen=True, slots=True)
class CustomerKeys:
    """The keys of one customer."""

    record: str
    identities: str
    seen: str
    inbox: str
    lease: str
    transcript: str
    outbox: str
    pages: str
    """The customer's open pages (:mod:`memory.redis.presence`)."""
    kept: str
    """Present while the customer's keys have had their time to live set this period, and
    naming the identities checked against :attr:`identities` since (deleted with any of them):
    the turn scripts skip both while it stands (:mod:`memory.redis.store`)."""


@dataclass(frozen=True, slots=True)
class ScheduleShard:
    """The keys of one shard of the schedule, all in one hash slot: its items (a hash, id ->
    json), when each pending item is due (a sorted set, ms), the claimed ones by when their
    claim runs out (a sorted set, ms) and who holds each claim (a hash), and, per customer
    whose items the shard holds, their index (a hash, key -> id)."""

    due: str
    claimed: str
    claims: str
    items: str
    base: str

    def customer(self, customer_id: str) -> str:
        """The index of one customer's items (in this shard's slot)."""
        return f"{self.base}:c:{customer_id}"


def shard_of(customer_id: str, shards: int) -> int:
    """The schedule shard that holds a customer's items: the same in every worker."""
    return zlib.crc32(customer_id.encode()) % shards


@dataclass(frozen=True, slots=True)
class KeyLayout:
    """Key names under a namespace (several bots may share one Redis)."""

    namespace: str = "omnibot"

    def __post_init__(self) -> None:
        if not self.namespace or any(ch in self.namespace for ch in "{}: "):
            raise ValueError(
                "a memory namespace must be non-empty, without '{', '}', ':' or spaces"
            )

    def customer(self, customer_id: str) -> CustomerKeys:
        """The keys of ``customer_id``, all in one hash slot."""
        base = f"{self.namespace}:{{c:{customer_id}}}"
        return CustomerKeys(
            record=f"{base}:rec",
            identities=f"{base}:ids",
            seen=f"{base}:seen",
            inbox=f"{base}:inbox",
            lease=f"{base}:lease",
            transcript=f"{base}:log",
            outbox=f"{base}:out",
            pages=f"{base}:pages",
            kept=f"{base}:kept",
        )

    def schedule(self, shard: int) -> ScheduleShard:
        """The keys of the schedule's shard ``shard``, all in one hash slot."""
        base = f"{self.namespace}:{{sched:{shard}}}"
        return ScheduleShard(
            due=f"{base}:due",
            claimed=f"{base}:claimed",
            claims=f"{base}:claims",
            items=f"{base}:items",
            base=base,
        )

    @property
    def pending(self) -> str:
        """The sorted set of customers sent something, by when (ms): :meth:`Memory.stranded`
        reads it. One key of its own: never in a script with a customer's keys."""
        return f"{self.namespace}:pending"

    def identity(self, identity: ChannelIdentity) -> str:
        """The index key that maps a channel identity to its customer."""
        return f"{self.namespace}:ident:{identity.key}"

    def attribute(self, attribute: VerifiedAttribute) -> str:
        """The index key of a verified attribute, its value in its canonical form. A phone or
        an e-mail is the same whoever vouched for it; a site's user id is scoped by the site that
        issued it, and kept exactly (``attr:id:``: the ``attr:external_id:`` keys of earlier
        versions held it lowercased, joining users whose ids differ only in case, and are no
        longer read)."""
        if attribute.kind == "external_id":
            return f"{self.namespace}:attr:id:{attribute.issuer}:{attribute.value}"
        return f"{self.namespace}:attr:{attribute.kind}:{attribute.value}"

    def secret(self, kind: str, digest: str) -> str:
        """A single-use secret's key (a digest, never the secret itself)."""
        return f"{self.namespace}:secret:{kind}:{digest}"

    def blob(self, kind: str, digest: str) -> str:
        """A kept file's key (by the digest of what it holds)."""
        return f"{self.namespace}:blob:{kind}:{digest}"

    def counter(self, key: str) -> str:
        """A rate counter's key."""
        return f"{self.namespace}:count:{key}"

    def bucket(self, key: str) -> str:
        """A token bucket's key (when it will be full again)."""
        return f"{self.namespace}:rate:{key}"

    def buckets(self, keys: Sequence[str]) -> list[str]:
        """The keys of buckets taken together, in one hash slot: they must carry one hash tag
        (``{...}``, the part Redis Cluster hashes), and no bucket twice."""
        names = [self.bucket(key) for key in keys]
        if len(set(names)) != len(names):
            raise ValueError("a bucket is named twice in one throttle")
        if len({hash_tag(name) for name in names}) > 1:
            raise ValueError(f"buckets taken together need one hash tag: {', '.join(keys)}")
        return names


def hash_tag(key: str) -> str:
    """What Redis Cluster hashes of ``key``: the text between its first ``{`` and the next
    ``}`` when that is not empty, else the whole key."""
    start = key.find("{")
    end = key.find("}", start + 1)
    if start < 0 or end < 0 or end == start + 1:
        return key
    return key[start + 1 : end]
