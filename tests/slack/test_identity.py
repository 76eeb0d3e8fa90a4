"""Who writes: the workspace's confirmed e-mail as a verified attribute, the profile's name and
locale, from users.info asked once per person and again when the answer is stale."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.format.messages import InboundEvent, VerifiedAttribute
from tests.fakes.base import Failure
from tests.fakes.slack import FakeSlack, FakeUser
from tests.fakes.slack_events import ANA, BRUNO, DM, envelope, message, texts
from tests.slack.kit import Bot, serving

SLACK_EMAIL = VerifiedAttribute(kind="email", value="ana.souza@example.com", issuer="slack")


async def test_the_workspace_email_is_verified_and_the_name_taken(
    bot: Bot, fake: FakeSlack
) -> None:
    await bot.event(envelope(message("hi")))
    await fake.wait_posts(1, DM)
    await bot.runtime.pipeline.join()
    record = await bot.customer(ANA)
    assert record is not None
    assert SLACK_EMAIL in record.verified
    [entry] = await bot.inputs(ANA)
    assert isinstance(entry.event, InboundEvent)
    assert entry.event.name == "Ana Souza"
    assert entry.event.locale == "en-US"


async def test_the_slack_locale_sets_the_language(bot: Bot, fake: FakeSlack) -> None:
    await bot.event(envelope(message("hi", user=BRUNO, channel="D0BRUNO")))
    [greeting] = await fake.wait_posts(1, "D0BRUNO")
    assert texts(greeting)[0].startswith("Olá! Sou o assistente da Loja.")


async def test_users_info_is_asked_once_per_person(bot: Bot, fake: FakeSlack) -> None:
    for text in ("hi", "where is my order?", "A-10001"):
        await bot.event(envelope(message(text)))
    await bot.event(envelope(message("hi", user=BRUNO, channel="D0BRUNO")))
    await bot.runtime.pipeline.join()
    asked = [call.params["user"] for call in fake.of("users.info")]
    assert sorted(asked) == [ANA, BRUNO]
    assert len(fake.of("auth.test")) == 1


@pytest.fixture
async def forgetful(fake: FakeSlack) -> AsyncIterator[Bot]:
    """The bot with a profile cache that is stale at once."""
    async with serving(fake, profile_ttl=0.0) as running:
        yield running


async def test_a_stale_profile_is_asked_again_and_a_new_email_taken(
    forgetful: Bot, fake: FakeSlack
) -> None:
    await forgetful.event(envelope(message("hi")))
    await fake.wait_posts(1, DM)
    fake.add_user(FakeUser(ANA, "ana", "Ana Souza", "ana@new.example.com"))
    await forgetful.event(envelope(message("where is my order?")))
    await fake.wait_posts(2, DM)
    await forgetful.runtime.pipeline.join()
    assert len(fake.of("users.info")) == 2
    record = await forgetful.customer(ANA)
    assert record is not None
    emails = {attribute.value for attribute in record.verified}
    assert "ana@new.example.com" in emails


async def test_without_users_info_the_message_still_goes_through(bot: Bot, fake: FakeSlack) -> None:
    fake.fail_next(
        "users.info", Failure(200, {"ok": False, "error": "missing_scope", "needed": "users:read"})
    )
    await bot.event(envelope(message("hi")))
    [greeting] = await fake.wait_posts(1, DM)
    assert texts(greeting)[0].startswith("Hi! I'm the Store's assistant.")
    await bot.runtime.pipeline.join()
    record = await bot.customer(ANA)
    assert record is not None
    assert record.verified == ()


@pytest.mark.parametrize("confirmed", [False, None], ids=["false", "absent"])
async def test_an_email_slack_does_not_say_it_confirmed_is_not_vouched_for(
    bot: Bot, fake: FakeSlack, confirmed: bool | None
) -> None:
    fake.add_user(FakeUser("U0NEW", "new", "New Person", "new@example.com", confirmed=confirmed))
    await bot.event(envelope(message("hi", user="U0NEW", channel="D0NEW")))
    await fake.wait_posts(1, "D0NEW")
    await bot.runtime.pipeline.join()
    record = await bot.customer("U0NEW")
    assert record is not None
    assert record.verified == ()
