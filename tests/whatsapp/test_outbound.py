"""Rendering into Cloud API bodies (pure), each body checked by the fake's own rules."""

from __future__ import annotations

from typing import Any

from bot.format.outbound import Button, Text
from bot.format.rendering import render as degrade
from connectors.channels import WHATSAPP
from connectors.whatsapp.cloud.outbound import DIGEST_MARK, render
from tests.fakes.whatsapp import problem
from tests.whatsapp.kit import WA_ID, body_text, choices


def bodies(message: Text) -> list[dict[str, Any]]:
    """``message`` degraded by the core as for WhatsApp, then rendered; each body valid."""
    rendered = degrade([message], WHATSAPP, "whatsapp")
    out: list[dict[str, Any]] = []
    for each in rendered.messages:
        out.extend(dict(body) for body in render(each, WA_ID, "m-1", "Options"))
    assert [problem(body) for body in out] == [None] * len(out)
    return out


def options(count: int, title: str = "Option {n}") -> tuple[Button, ...]:
    return tuple(Button(title=title.format(n=n), payload=f"pick:{n}") for n in range(1, count + 1))


def test_a_long_text_is_split_at_4096_characters() -> None:
    paragraph = "Uma frase sobre o pedido. " * 40
    sent = bodies(Text(text="\n\n".join([paragraph.strip()] * 8)))
    assert len(sent) == 3
    assert all(body["type"] == "text" and len(body_text(body)) <= 4096 for body in sent)


def test_three_short_choices_are_reply_buttons() -> None:
    [body] = bodies(Text(text="Which?", buttons=options(3)))
    assert body["interactive"]["type"] == "button"
    assert choices(body) == [("pick:1", "Option 1"), ("pick:2", "Option 2"), ("pick:3", "Option 3")]


def test_a_title_longer_than_a_button_takes_makes_a_list() -> None:
    long = (*options(1), Button(title="Exchanges and returns", payload="x"))
    [body] = bodies(Text(text="Which?", buttons=long))
    assert body["interactive"]["type"] == "list"
    assert body["interactive"]["action"]["button"] == "Options"


def test_ten_choices_are_a_list_and_eleven_are_numbered_text() -> None:
    [listed] = bodies(Text(text="Which?", buttons=options(10)))
    assert len(choices(listed)) == 10
    [numbered] = bodies(Text(text="Which?", buttons=options(11)))
    assert numbered["type"] == "text"
    assert body_text(numbered).endswith("10. Option 10\n11. Option 11")


def test_row_titles_are_cut_to_24_characters() -> None:
    many = options(4, title="A rather long title for option {n}")
    [body] = bodies(Text(text="Which?", buttons=many))
    assert all(len(title) <= 24 for _, title in choices(body))


def test_an_interactive_body_holds_1024_characters_and_the_rest_goes_first() -> None:
    text = "Uma frase sobre o pedido. " * 60
    first, last = bodies(Text(text=text, buttons=options(2)))
    assert first["type"] == "text"
    assert len(body_text(last)) <= 1024
    assert f"{body_text(first)} {body_text(last)}" == text.strip()


def test_a_payload_too_long_for_an_id_travels_as_a_digest() -> None:
    long = Button(title="Long", payload="goto:" + "x" * 300)
    [body] = bodies(Text(text="Which?", buttons=(long, *options(1))))
    [(ident, _), (short, _)] = choices(body)
    assert ident.startswith(DIGEST_MARK)
    assert len(ident) <= 200
    assert short == "pick:1"


def test_every_body_names_our_message_for_its_statuses() -> None:
    [body] = bodies(Text(text="Hi"))
    assert body["biz_opaque_callback_data"] == "m-1"
    assert (body["messaging_product"], body["to"]) == ("whatsapp", WA_ID)
