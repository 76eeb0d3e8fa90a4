"""Buttons in e-mail: following a link presses nothing, confirming it presses once, for the
customer it was issued to, with the payload offered; anything else is refused and changes
nothing. On the embedded memory and on Redis."""

from __future__ import annotations

import asyncio
import logging

import pytest

from connectors.email.links.buttons import ButtonLinks, Option
from tests.email.buttons_kit import ANA, BOB, PUBLIC_URL, ButtonBot, tampered

BEFORE = ["email:text:choose"]


async def test_following_a_link_presses_nothing(buttons: ButtonBot) -> None:
    customer = await buttons.customer(ANA)
    path = buttons.link(customer, title="Courier")
    for _ in range(3):  # a mail scanner, a link preview, the customer
        response = await buttons.client.get(path)
        assert response.status == 200
        page = await response.text()
        assert "Choose “Courier”?" in page
        assert '<form method="post">' in page
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert await buttons.state(customer) == (BEFORE, 2)
    confirmed = await buttons.client.post(path)
    assert confirmed.status == 200  # the link was not spent by being followed


async def test_confirming_presses_the_offered_payload_once_for_that_customer(
    buttons: ButtonBot,
) -> None:
    customer = await buttons.customer(ANA)
    other = await buttons.customer(BOB)
    path = buttons.link(customer, payload="courier")
    response = await buttons.client.post(path)
    assert response.status == 200
    assert "Done — check your e-mail for the next message." in await response.text()
    await buttons.email.wait_for(ANA, 2)
    after = await buttons.state(customer)
    assert after[0] == [*BEFORE, "email:button:courier"]
    again = await buttons.client.post(path)
    assert again.status == 410
    assert await buttons.state(customer) == after
    assert await buttons.state(other) == (BEFORE, 2)


async def test_a_link_pressed_at_once_from_many_places_presses_once(buttons: ButtonBot) -> None:
    customer = await buttons.customer(ANA)
    path = buttons.link(customer)
    responses = await asyncio.gather(*(buttons.client.post(path) for _ in range(6)))
    assert sorted(r.status for r in responses) == [200, 410, 410, 410, 410, 410]
    await buttons.email.wait_for(ANA, 2)
    assert (await buttons.state(customer))[0] == [*BEFORE, "email:button:courier"]


async def test_an_expired_link_is_refused(buttons: ButtonBot) -> None:
    customer = await buttons.customer(ANA)
    path = buttons.link(customer)
    buttons.clock.advance(days=7, seconds=1)
    assert (await buttons.client.get(path)).status == 410
    assert (await buttons.client.post(path)).status == 410
    assert await buttons.state(customer) == (BEFORE, 2)


def forged(bot: ButtonBot, customer: str) -> str:
    links = ButtonLinks("another-secret", PUBLIC_URL, clock=bot.clock.seconds)
    option = Option(customer, ANA, "msg-1@bot.example.test", "courier", "Courier")
    return links.issue(option).removeprefix(PUBLIC_URL)


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(forged, id="forged"),
        pytest.param(lambda bot, c: tampered(bot.link(c), payload="goto:x:y"), id="other-payload"),
        pytest.param(lambda bot, c: tampered(bot.link(c), customer_id="c-else"), id="customer"),
        pytest.param(lambda bot, c: tampered(bot.link(c), expires=2**40), id="expiry"),
        pytest.param(lambda bot, c: bot.link(c)[:-3] + "AAA", id="signature"),
        pytest.param(lambda bot, c: bot.link(c).split(".")[0], id="unsigned"),
        pytest.param(lambda bot, c: "/email/press/" + "A" * 5000, id="huge"),
    ],
)
async def test_a_link_that_is_not_ours_is_refused_with_no_state_change(
    buttons: ButtonBot, make: object, caplog: pytest.LogCaptureFixture
) -> None:
    customer = await buttons.customer(ANA)
    assert callable(make)
    path = make(buttons, customer)
    caplog.set_level(logging.INFO, logger="omnibot.email")
    for method in (buttons.client.get, buttons.client.post):
        response = await method(path)
        assert response.status == 403
        assert "This link is not valid." in await response.text()
    refused = [r for r in caplog.records if r.name == "omnibot.email"]
    assert [(r.levelno, r.exc_info) for r in refused] == [(logging.INFO, None)] * 2
    assert await buttons.state(customer) == (BEFORE, 2)


async def test_another_customers_link_is_refused(buttons: ButtonBot) -> None:
    ana = await buttons.customer(ANA)
    bob = await buttons.customer(BOB)
    path = buttons.link(bob, user=ANA)  # signed for Bob, but Ana's address is not Bob's
    assert (await buttons.client.post(path)).status == 403
    assert await buttons.state(ana) == (BEFORE, 2)
    assert await buttons.state(bob) == (BEFORE, 2)


async def test_a_press_from_another_site_is_refused_and_the_link_kept(buttons: ButtonBot) -> None:
    customer = await buttons.customer(ANA)
    path = buttons.link(customer)
    cross = await buttons.client.post(path, headers={"Origin": "https://evil.example"})
    assert cross.status == 403
    fetched = await buttons.client.post(path, headers={"Sec-Fetch-Site": "cross-site"})
    assert fetched.status == 403
    assert await buttons.state(customer) == (BEFORE, 2)
    own = await buttons.client.post(path, headers={"Origin": PUBLIC_URL})
    assert own.status == 200


async def test_the_page_shows_a_title_as_text(buttons: ButtonBot) -> None:
    customer = await buttons.customer(ANA)
    path = buttons.link(customer, title="<script>alert(1)</script>")
    page = await (await buttons.client.get(path)).text()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script" not in page


async def test_the_page_speaks_the_messages_language(buttons: ButtonBot) -> None:
    customer = await buttons.customer(ANA)
    path = buttons.link(customer, title="Troca", language="pt-BR")
    page = await (await buttons.client.get(path)).text()
    assert 'lang="pt"' in page
    assert "Escolher “Troca”?" in page
    done = await (await buttons.client.post(path)).text()
    assert "Pronto — veja o seu e-mail para a próxima mensagem." in done
