"""Core messages as Block Kit, without a server; every result passes the fake Slack's checks."""

from __future__ import annotations

from typing import Any

import pytest

from bot.format.outbound import Button, Card, Media, OutboundMessage, Text, Typing
from connectors.slack.outbound import Section, SlackMessage, render
from tests.fakes.slack import block_problems


def rendered(message: OutboundMessage) -> list[SlackMessage]:
    parts = render(message)
    for part in parts:
        assert block_problems(part.wire_blocks()) == []
        assert part.text.strip()
    return parts


def wire(part: SlackMessage) -> list[dict[str, Any]]:
    """The blocks of ``part`` as the Web API gets them: JSON, read by key."""
    return part.wire_blocks()


def test_a_text_is_a_section_with_its_fallback() -> None:
    [part] = rendered(Text(text="Hello <there> & welcome"))
    assert wire(part) == [
        {"type": "section", "text": {"type": "mrkdwn", "text": "Hello &lt;there&gt; &amp; welcome"}}
    ]
    assert part.text == "Hello &lt;there&gt; &amp; welcome"


def test_the_fallback_drops_link_markup_but_keeps_it_safe() -> None:
    [part] = rendered(Text(text="See [our <policy>](https://shop.example/p)", format="markdown"))
    section = part.blocks[0]
    assert isinstance(section, Section)
    assert section.text.text == "See <https://shop.example/p|our &lt;policy&gt;>"
    assert part.text == "See our &lt;policy&gt;"


def test_buttons_carry_payloads_with_action_ids_unique_in_the_message() -> None:
    many = tuple(Button(title=f"Option {n}", payload=f"p{n}" * 200) for n in range(30))
    [part] = rendered(Text(text="Pick one", buttons=many))
    section, first, second = wire(part)
    assert section["type"] == "section"
    assert (len(first["elements"]), len(second["elements"])) == (25, 5)
    ids = [e["action_id"] for block in (first, second) for e in block["elements"]]
    assert len(set(ids)) == 30
    assert first["elements"][0]["value"] == "p0" * 200


def test_a_long_button_title_is_clipped_to_slacks_75() -> None:
    [part] = rendered(Text(text="Pick", buttons=(Button(title="x" * 200, payload="p"),)))
    [_, actions] = wire(part)
    assert actions["elements"][0]["text"]["text"] == "x" * 74 + "…"


def test_share_buttons_are_left_out_and_quick_replies_become_buttons() -> None:
    text = Text(
        text="Your phone?",
        buttons=(Button(title="Share my phone", kind="share_phone"),),
        quick_replies=(Button(title="Later", payload="later"),),
    )
    [part] = rendered(text)
    [_, actions] = wire(part)
    assert [e["text"]["text"] for e in actions["elements"]] == ["Later"]


def test_a_text_that_grows_when_escaped_is_split_again() -> None:
    parts = rendered(Text(text="<>" * 1400))  # 2,800 characters, 11,200 once escaped
    sections = [block for part in parts for block in wire(part)]
    assert len(sections) >= 4
    assert all(len(s["text"]["text"]) <= 3000 for s in sections)
    joined = "".join(s["text"]["text"] for s in sections)
    assert joined == "&lt;&gt;" * 1400


def test_a_split_keeps_paragraphs_together_where_it_can() -> None:
    first, second = "a" * 2000, "b" * 1500
    [part] = rendered(Text(text=f"{first}\n\n{second}"))
    assert [b["text"]["text"] for b in wire(part)] == [first, second]


def test_more_than_fifty_blocks_make_several_messages() -> None:
    parts = rendered(Text(text=("<< " * 330 + "\n\n") * 64))  # 63,500 characters; 3x escaped
    assert len(parts) == 2
    assert len(parts[0].blocks) == 50
    assert len(parts[1].blocks) > 0


def test_an_image_with_a_long_caption() -> None:
    media = Media(kind="image", url="https://img.example/a.png", caption="c" * 2500)
    [part] = rendered(media)
    image, caption = wire(part)
    assert image["type"] == "image"
    assert "title" not in image
    assert len(image["alt_text"]) == 2000
    assert caption["text"]["text"] == "c" * 2500


def test_a_file_that_is_not_an_image_is_a_link() -> None:
    [part] = rendered(Media(kind="file", url="https://f.example/a.pdf", name="Invoice <1>"))
    [section] = wire(part)
    assert section["text"]["text"] == "<https://f.example/a.pdf|Invoice &lt;1&gt;>"


def test_a_card_without_an_image_and_with_a_long_subtitle() -> None:
    card = Card(title="Returns & exchanges", subtitle="s " * 2000)
    sections = [block for part in rendered(card) for block in wire(part)]
    assert sections[0]["text"]["text"].startswith("*Returns &amp; exchanges*\ns s")
    assert "accessory" not in sections[0]
    assert len(sections) == 2


@pytest.mark.parametrize("message", [Typing()])
def test_typing_is_nothing_to_post(message: OutboundMessage) -> None:
    assert render(message) == []
