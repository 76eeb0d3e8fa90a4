"""The shared memory's contract (a port): a narrow async interface that every backend in
``memory/`` implements (the adapters), so that the core names what it needs and never a backend.

The operations are shaped around the turn pipeline rather than around get/set, so that each is
one atomic step on the backend (one Lua script on Redis) and the whole of a turn costs few round
trips:

- ``enqueue`` deduplicates the input by its provider id, appends it to the customer's inbox, and
  tries to take the customer's turn lease; when it gets the lease it also returns the stored
  record and the head of the inbox, so the turn can start without another round trip;
- ``commit`` writes the new record and the transcript entries and removes the finished input
  from the inbox, only while the lease is still held (a fenced compare-and-set);
- ``release`` gives the lease up only if the inbox is empty, so no input is ever stranded.

A worker that dies while holding a lease strands its customer's inputs until the lease
expires; then the next input takes the lease and runs them first. In case no input comes,
``stranded`` lists customers who were sent something a while ago and ``recover`` takes the
lease of one whose inbox still holds work. A commit also names the messages about to be sent
(the outbox); whoever takes the lease after a holder died finds those ids in
``Enqueued.unsent``: they may or may not have reached the channel, and are never sent again.

Order is the inbox's order, which is the order inputs reached the backend, across every worker.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum

from bot.format.messages import ChannelIdentity, InboundEvent, SystemEvent, VerifiedAttribute
from bot.format.transcript import Logged, TranscriptEntry
from bot.turn.customer import CustomerRecord

TurnInput = InboundEvent | SystemEvent


@dataclass(frozen=True, slots=True)
class Bucket:
    """A token bucket in the shared memory: ``burst`` at once, then refilled at ``per_second``.
    Buckets taken together by :meth:`Memory.throttle_all` carry one hash tag in their keys
    (``whatsapp:{1065}:out`` and ``whatsapp:{1065}:to:5511...``), so that on a cluster they
    sit in one slot and one script takes them all."""

    key: str
    burst: int
    per_second: float


class EnqueueStatus(StrEnum):
    """What became of an enqueued input."""

    ACQUIRED = "acquired"
    """Queued, and this caller now holds the customer's lease: it must run the turns."""
    QUEUED = "queued"
    """Queued behind a turn that another caller (maybe another worker) is running."""
    DUPLICATE = "duplicate"
    """Seen before (same provider id inside the deduplication window): dropped."""
    STALE = "stale"
    """The identity no longer belongs to that customer (linked elsewhere): resolve it again."""
    FULL = "full"
    """The inbox is at its limit: not queued; the sender should retry later."""


@dataclass(frozen=True, slots=True)
class Queued:
    """An input in a customer's inbox, under the id it was queued with (unique per enqueue)."""

    id: str
    input: TurnInput


@dataclass(frozen=True, slots=True)
class Lease:
    """The right to run a customer's turns, identified by a token unique to one acquisition."""

    customer_id: str
    token: str


@dataclass(frozen=True, slots=True)
class Enqueued:
    """The answer to :meth:`Memory.enqueue`; ``lease``, ``customer`` and ``head`` come with
    ``ACQUIRED`` (``customer`` is ``None`` for a customer with no stored record yet)."""

    status: EnqueueStatus
    lease: Lease | None = None
    customer: CustomerRecord | None = None
    head: Queued | None = None
    unsent: tuple[str, ...] = ()
    """With ``ACQUIRED``: the message ids a previous holder committed and was sending when it
    stopped (its lease expired before it released)."""


@dataclass(frozen=True, slots=True)
class MemoryPolicy:
    """Retention and limits, from ``bot.yaml``'s ``memory`` section."""

    retention: timedelta = timedelta(days=365)
    dedup_window: timedelta = timedelta(days=1)
    lease: timedelta = timedelta(seconds=30)
    transcript_limit: int = 1000
    inbox_limit: int = 500


def _no_observer(operation: str) -> None:
    """Default observer: round trips are not counted."""


@dataclass(slots=True)
class Observed:
    """Counts the backend's round trips by operation, for metrics and benchmarks."""

    observer: Callable[[str], None] = field(default=_no_observer)

    def __call__(self, operation: str) -> None:
        self.observer(operation)


class Memory(ABC):
    """A shared memory backend. Every method is safe to call from many workers at once."""

    policy: MemoryPolicy
    observe: Observed

    @abstractmethod
    async def lookup(self, identity: ChannelIdentity) -> str | None:
        """The customer id an identity belongs to, or ``None``."""

    @abstractmethod
    async def create_customer(self, identity: ChannelIdentity, customer_id: str) -> str:
        """Bind ``identity`` to the new ``customer_id`` unless it is already bound; return the
        id it ends up bound to (another caller may have won the race)."""

    @abstractmethod
    async def link(self, identity: ChannelIdentity, customer_id: str) -> str | None:
        """Bind ``identity`` to ``customer_id``, taking it from the customer it was bound to
        (returned). Only identity linking, after verification, calls this."""

    @abstractmethod
    async def enqueue(
        self,
        customer_id: str,
        item: TurnInput,
        *,
        identity: ChannelIdentity | None,
        token: str,
    ) -> Enqueued:
        """Deduplicate, queue and try to take the lease; see the module docstring.

        ``token`` must be unique to this call: it becomes the queued entry's id and, if the
        lease is taken, the lease's token. With ``identity``, the input is queued only if that
        identity still belongs to the customer; otherwise the answer is ``STALE`` and nothing
        is written.
        """

    @abstractmethod
    async def commit(
        self,
        lease: Lease,
        done: Queued,
        customer: CustomerRecord,
        entries: Sequence[TranscriptEntry],
        sending: Sequence[str] = (),
    ) -> Queued | None:
        """Persist the turn that processed ``done``, drop ``done`` from the inbox, and return
        the next input. ``sending``: the ids of the messages the caller sends next, kept until
        it releases the lease or commits again (the outbox).

        Idempotent: if ``done`` is no longer at the head of the inbox (a retry after a reply
        was lost), nothing is written again. Raises :class:`~bot.errors.LeaseLost` (and writes
        nothing) if the lease has expired.
        """

    @abstractmethod
    async def release(self, lease: Lease) -> Queued | None:
        """Give up the lease if the inbox is empty (``None``); else keep it and return the next
        input. Either way the outbox is emptied: what it named was sent. Raises
        :class:`~bot.errors.LeaseLost` if the lease had expired."""

    @abstractmethod
    async def stranded(self, idle: timedelta, limit: int) -> list[str]:
        """Up to ``limit`` customers who may have work left and were sent nothing for
        ``idle`` or longer (candidates for :meth:`recover`), longest idle first.

        A customer whose lease was released with nothing left is not listed (in process and on
        one Redis server); on a Redis Cluster they are, until a sweep's :meth:`recover` finds
        nothing to do, since the set lives apart from their keys."""

    @abstractmethod
    async def recover(self, customer_id: str, token: str) -> Enqueued | None:
        """Take the lease of a :meth:`stranded` customer whose inbox or outbox holds work and
        whose lease has expired: ``ACQUIRED``, as from :meth:`enqueue`. ``QUEUED`` while a
        holder has the lease; ``None`` when there is nothing to do (the customer is then no
        longer :meth:`stranded`, unless sent something meanwhile)."""

    @abstractmethod
    async def renew(self, leases: Sequence[Lease]) -> list[Lease]:
        """Extend each lease still held by its token; return the ones that were lost."""

    @abstractmethod
    async def load(self, customer_id: str) -> CustomerRecord | None:
        """The stored record, without taking the lease (a read for consoles and tools)."""

    async def transcript(self, customer_id: str, limit: int = 100) -> list[TranscriptEntry]:
        """The newest ``limit`` transcript entries, oldest first."""
        return [logged.entry for logged in await self.entries(customer_id, None, limit)]

    @abstractmethod
    async def entries(self, customer_id: str, after: str | None, limit: int) -> list[Logged]:
        """Transcript entries with their ids, oldest first: the first ``limit`` after the id
        ``after``, or the newest ``limit`` when ``after`` is ``None``."""

    @abstractmethod
    async def append(self, customer_id: str, entries: Sequence[TranscriptEntry]) -> None:
        """Append entries outside a turn (delivery statuses arriving later)."""

    @abstractmethod
    async def try_lease(self, customer_id: str, token: str) -> Lease | None:
        """Take a customer's lease without queueing anything (a merge takes the customer it
        absorbs); ``None`` while another holder has it."""

    @abstractmethod
    async def drop_lease(self, lease: Lease) -> None:
        """Give up a lease taken with :meth:`try_lease` (only if still held by its token)."""

    @abstractmethod
    async def identities(self, customer_id: str) -> list[str]:
        """The channel identities (``channel:user``) linked to a customer."""

    @abstractmethod
    async def queued(self, customer_id: str) -> list[Queued]:
        """The inputs waiting in a customer's inbox, oldest first."""

    @abstractmethod
    async def owner(self, attribute: VerifiedAttribute) -> str | None:
        """The customer a verified attribute (a phone, an e-mail, a site's user id) belongs to."""

    @abstractmethod
    async def claim(self, attribute: VerifiedAttribute, customer_id: str) -> str:
        """Make ``customer_id`` the owner of ``attribute`` unless a customer owns it already;
        return the owner."""

    @abstractmethod
    async def disown(self, attribute: VerifiedAttribute, customer_id: str) -> None:
        """Drop ``attribute`` from the index if ``customer_id`` owns it."""

    @abstractmethod
    async def put_secret(self, kind: str, digest: str, value: str, ttl: timedelta) -> bool:
        """Keep a single-use secret (by its digest, never the secret) for ``ttl``; ``False``
        if one with that digest exists."""

    @abstractmethod
    async def take_secret(self, kind: str, digest: str) -> str | None:
        """Redeem a secret: its value the first time, ``None`` ever after or once expired."""

    @abstractmethod
    async def put_blob(self, kind: str, digest: str, value: bytes, ttl: timedelta) -> bool:
        """Keep ``value`` under its ``digest`` for ``ttl`` (a file a channel cannot fetch again,
        such as an e-mail attachment); when one is kept under that digest already, it is kept
        for ``ttl`` from now and not written again. ``True`` when this call wrote it."""

    @abstractmethod
    async def get_blob(self, kind: str, digest: str) -> bytes | None:
        """What :meth:`put_blob` keeps under ``digest``, or ``None`` once it has expired."""

    @abstractmethod
    async def hit(self, key: str, window: timedelta) -> int:
        """Count one more event under ``key``; the count starts again after ``window``."""

    @abstractmethod
    async def count(self, key: str) -> int:
        """How many events :meth:`hit` has counted under ``key`` in its current window (0 when
        none), counting none."""

    @abstractmethod
    async def throttle(self, key: str, burst: int, per_second: float) -> bool:
        """Take one from the token bucket ``key`` that every worker shares: ``burst`` at once,
        refilled at ``per_second``. ``False``, and nothing taken, when it is empty."""

    @abstractmethod
    async def throttle_all(self, buckets: Sequence[Bucket]) -> float:
        """Take one from every bucket, or from none, in one step: ``0.0`` when all were taken,
        else the seconds until all could be (nothing taken). Their keys share one hash tag
        (:class:`Bucket`); a :class:`ValueError` when they do not."""

    @abstractmethod
    async def erase(self, customer_id: str) -> list[str]:
        """Delete everything kept for ``customer_id``: record, transcript, inbox, identities
        (and their index entries) and verified attributes. Returns the identities removed."""

    @abstractmethod
    async def seen(self, customer_id: str) -> dict[str, float]:
        """The provider ids deduplicated for a customer, with when each was seen (epoch
        seconds), inside the deduplication window."""

    @abstractmethod
    async def rewrite(
        self,
        lease: Lease,
        customer: CustomerRecord,
        transcript: Sequence[Logged],
        seen: Mapping[str, float],
    ) -> None:
        """Replace the record and the whole transcript and add deduplication ids, while
        ``lease`` is held: a merge folding another customer into this one. The entries keep the
        ids given (increasing; :data:`AUTO_ID` for a new one), so a reader that has seen some
        of them does not see them again. Raises :class:`~bot.errors.LeaseLost` (and writes
        nothing) if the lease has expired."""

    @abstractmethod
    async def ping(self) -> None:
        """Raise :class:`~bot.errors.MemoryUnavailable` unless the backend answers."""

    @abstractmethod
    async def close(self) -> None:
        """Release connections."""
