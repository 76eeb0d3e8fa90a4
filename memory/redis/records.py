"""The customer records a worker parsed, kept between its turns while they are current.

Reading a record back with the lease and validating its JSON was about 5 % of a worker's time
(docs/performance.md). A worker that ran a customer's last turn already holds that record: it
says which one (its size and SHA-1) when it enqueues, and the enqueue script answers ``=``
instead of the record when the stored one is still exactly that. The digest is of the bytes
stored, so another worker's write, a merge or an erase can never be mistaken for the record
held (a record written again with the same bytes is the same record).
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass

from bot.turn.customer import CustomerRecord

DEFAULT_SIZE = 4096
CURRENT = b"="
"""What the enqueue script answers instead of the record when the caller holds it."""


@dataclass(frozen=True, slots=True)
class Held:
    """A parsed record, with the size and SHA-1 (hex) of the JSON it is stored as."""

    size: int
    digest: str
    record: CustomerRecord


def held(raw: bytes, record: CustomerRecord) -> Held:
    """``record``, stored as ``raw``."""
    return Held(len(raw), hashlib.sha1(raw, usedforsecurity=False).hexdigest(), record)


class Records:
    """A bounded LRU of parsed records by customer id (the least recently used goes first)."""

    def __init__(self, size: int = DEFAULT_SIZE) -> None:
        self._size = size
        self._held: OrderedDict[str, Held] = OrderedDict()

    def get(self, customer_id: str) -> Held | None:
        """The record held for ``customer_id``, if any."""
        found = self._held.get(customer_id)
        if found is not None:
            self._held.move_to_end(customer_id)
        return found

    def keep(self, customer_id: str, record: Held) -> None:
        """Hold ``record`` as ``customer_id``'s latest."""
        self._held[customer_id] = record
        self._held.move_to_end(customer_id)
        while len(self._held) > self._size:
            self._held.popitem(last=False)

    def forget(self, customer_id: str) -> None:
        """Hold nothing for ``customer_id`` (its record was rewritten or erased)."""
        self._held.pop(customer_id, None)

    def __len__(self) -> int:
        return len(self._held)
