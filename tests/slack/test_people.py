"""The users.info cache: asked once, again when stale, and never at the cost of the event."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from bot.errors import TemporaryDeliveryError
from connectors.slack.people import People, Person


@dataclass
class Directory:
    """A users.info stand-in that counts calls and fails on demand."""

    email: str = "ana@example.com"
    calls: int = 0
    failing: bool = False
    slow: bool = False
    now: float = 0.0
    asked: list[str] = field(default_factory=list)

    async def lookup(self, user_id: str) -> Person:
        self.calls += 1
        self.asked.append(user_id)
        if self.slow:
            await asyncio.sleep(10)
        if self.failing:
            raise TemporaryDeliveryError("Slack could not be reached")
        return Person(user_id, name="Ana", email=self.email)

    def people(
        self,
        fresh: float = 3600.0,
        keep: float = 86400.0,
        pause: float = 60.0,
        timeout: float = 2.0,
        size: int = 10_000,
    ) -> People:
        return People(
            self.lookup,
            clock=lambda: self.now,
            fresh=fresh,
            keep=keep,
            pause=pause,
            timeout=timeout,
            size=size,
        )


async def test_a_person_is_asked_once_while_fresh() -> None:
    directory = Directory()
    people = directory.people(fresh=60)
    for _ in range(3):
        assert (await people.get("U1")) == Person("U1", name="Ana", email="ana@example.com")
    assert directory.calls == 1


async def test_a_stale_answer_is_asked_again() -> None:
    directory = Directory()
    people = directory.people(fresh=60)
    await people.get("U1")
    directory.now, directory.email = 61, "ana@new.example.com"
    person = await people.get("U1")
    assert person is not None
    assert person.email == "ana@new.example.com"
    assert directory.calls == 2


async def test_when_slack_fails_the_last_answer_serves_for_a_while() -> None:
    directory = Directory()
    people = directory.people(fresh=60, keep=3600, pause=30)
    await people.get("U1")
    directory.now, directory.failing = 100, True
    assert (await people.get("U1")) is not None
    directory.now = 4000
    assert (await people.get("U1")) is None


async def test_after_a_failure_the_person_is_not_asked_again_at_once() -> None:
    directory = Directory(failing=True)
    people = directory.people(pause=30)
    assert (await people.get("U1")) is None
    assert (await people.get("U1")) is None
    assert directory.calls == 1
    directory.now, directory.failing = 31, False
    assert (await people.get("U1")) is not None
    assert directory.calls == 2


async def test_a_slow_answer_is_not_waited_for() -> None:
    directory = Directory(slow=True)
    people = directory.people(timeout=0.05)
    assert (await people.get("U1")) is None


async def test_the_cache_forgets_the_longest_unseen_beyond_its_size() -> None:
    directory = Directory()
    people = directory.people(size=2)
    for user in ("U1", "U2", "U3", "U1"):
        await people.get(user)
    assert directory.asked == ["U1", "U2", "U3", "U1"]


def test_only_an_email_is_vouched_for_and_lowercased() -> None:
    assert Person("U1").verified() == ()
    [email] = Person("U1", email="Ana@Example.COM").verified()
    assert (email.kind, email.value, email.issuer) == ("email", "ana@example.com", "slack")
