"""Rendering for WhatsApp through Twilio (pure), and what Twilio's refusals mean."""

from __future__ import annotations

import json

import pytest

from bot.errors import ChannelMisconfigured, RateLimited, Unreachable
from bot.format.outbound import Button, Text
from connectors.twilio.client import refusal
from connectors.whatsapp.cloud.outbound import DIGEST_MARK
from connectors.whatsapp.rules import ReengagementRequired
from connectors.whatsapp.twilio.client import ERRORS
from connectors.whatsapp.twilio.outbound import MAX_BODY, render
from connectors.whatsapp.twilio.settings import TwilioContent
from tests.whatsapp.twilio_kit import CONTENT, LIST_PICKER, QUICK_REPLY


def buttons(*titles: str) -> tuple[Button, ...]:
    return tuple(Button(title=t, payload=f"p:{n}") for n, t in enumerate(titles))


def test_a_long_text_goes_as_bodies_twilio_takes() -> None:
    parts = render(Text(text="palavra " * 600), TwilioContent())
    assert len(parts) == 3
    assert all(p.body is not None and len(p.body) <= MAX_BODY for p in parts)


def test_titles_too_long_for_buttons_go_as_a_list_and_long_payloads_as_digests() -> None:
    long = Button(title="Exchanges and returns", payload="x" * 300)
    [part] = render(Text(text="Pick", buttons=(long, *buttons("B"))), CONTENT)
    assert part.content_sid == LIST_PICKER[2]
    variables = json.loads(part.variables or "")
    assert variables["2"] == "Exchanges and returns"
    assert variables["3"].startswith(DIGEST_MARK)


def test_a_body_over_the_templates_limit_goes_before_it() -> None:
    text = "Uma frase longa. " * 100
    head, template = render(Text(text=text, buttons=buttons("A", "B")), CONTENT)
    assert template.content_sid == QUICK_REPLY[2]
    body = json.loads(template.variables or "")["1"]
    assert len(body) <= 1024
    assert f"{head.body} {body}" == text.strip()


def test_the_reach_is_as_many_choices_as_templates_cover_without_a_gap() -> None:
    assert TwilioContent().reach == 0
    assert TwilioContent({1: "a", 2: "b"}, {4: "d"}).reach == 2
    assert CONTENT.reach == 10


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        (63016, ReengagementRequired),
        (63003, Unreachable),
        (63018, RateLimited),
        (63007, ChannelMisconfigured),
        (21655, ChannelMisconfigured),
        (21610, Unreachable),
    ],
)
def test_twilios_whatsapp_refusals_mean_what_to_do(code: int, kind: type[Exception]) -> None:
    error = refusal(400, code, errors=ERRORS)
    assert type(error) is kind
    assert f"Twilio error {code}" in str(error)
