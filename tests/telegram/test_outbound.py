"""Rendered messages into Bot API calls: pure rendering, each call checked by the fake's rules."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.format.messages import Address
from bot.format.outbound import Button, Card, Media, Text, Typing
from connectors.telegram.callbacks import MARKER, encode
from connectors.telegram.outbound import ApiCall, Target, fit, render, to_html, utf16_length
from tests.fakes.telegram import Refusal, check_call, html_text

PRIVATE = Target(1001)
GROUP = Target(-1001234567890)
TOPIC = Target(-1001234567890, thread_id=77)
COURIER = Button(title="Courier", payload="courier")
STORE = Button(title="Store", payload="store")
TRACK = Button(title="Track the package", kind="url", url="https://tracking.example.com/QB1")
SHARE = Button(title="Share my phone number", kind="share_phone")
YES, NO = Button(title="Yes", payload="yes"), Button(title="No", payload="no")


def calls(message: Any, target: Target = PRIVATE) -> list[ApiCall]:
    """The calls for ``message``, each passed through JSON and the fake's checks."""
    rendered = render(message, target)
    for call in rendered:
        wire = json.loads(json.dumps(call.params))
        check_call(call.method, wire)
        if call.fallback is not None:
            check_call(call.fallback.method, json.loads(json.dumps(call.fallback.params)))
    return rendered


def shown(call: ApiCall) -> str:
    body = call.params.get("text", call.params.get("caption"))
    assert isinstance(body, str)
    return html_text(body)


def test_plain_text_is_escaped_so_nothing_typed_becomes_markup() -> None:
    [call] = calls(Text(text="<b>not bold</b> & <a href='x'>no link</a>"))
    assert call.params["text"] == (
        "&lt;b&gt;not bold&lt;/b&gt; &amp; &lt;a href='x'&gt;no link&lt;/a&gt;"
    )
    assert call.params["parse_mode"] == "HTML"
    assert shown(call) == "<b>not bold</b> & <a href='x'>no link</a>"


def test_markdown_spans_become_telegram_tags_with_their_text_escaped() -> None:
    text = (
        '**Order <A-1>** is _on its way_: `QB<1>&2`, see [the map](https://maps.example/?a=1&b="2")'
    )
    html = to_html(text, "markdown")
    assert html == (
        "<b>Order &lt;A-1&gt;</b> is <i>on its way</i>: <code>QB&lt;1&gt;&amp;2</code>, see "
        '<a href="https://maps.example/?a=1&amp;b=&quot;2&quot;">the map</a>'
    )
    assert html_text(html) == "Order <A-1> is on its way: QB<1>&2, see the map"


def test_unbalanced_markdown_stays_literal_and_escaped() -> None:
    assert to_html("2 * 3 < 7 and **half", "markdown") == "2 * 3 &lt; 7 and **half"


def test_a_malformed_html_message_would_be_refused_by_telegram() -> None:
    with pytest.raises(Refusal, match="can't parse entities"):
        check_call("sendMessage", {"chat_id": 1, "text": "<b>oops", "parse_mode": "HTML"})


def test_buttons_are_an_inline_keyboard_one_per_row() -> None:
    [call] = calls(Text(text="How should we send it?", buttons=(COURIER, STORE, TRACK)))
    assert call.params["reply_markup"] == {
        "inline_keyboard": [
            [{"text": "Courier", "callback_data": "courier"}],
            [{"text": "Store", "callback_data": "store"}],
            [{"text": "Track the package", "url": "https://tracking.example.com/QB1"}],
        ]
    }


def test_a_payload_longer_than_64_bytes_is_sent_as_a_digest() -> None:
    long = Button(title="Pick", payload="flow:" + "ã" * 40)
    marked = Button(title="Odd", payload=MARKER + "short")
    [call] = calls(Text(text="Choose", buttons=(long, marked)))
    markup: Any = call.params["reply_markup"]
    data = [row[0]["callback_data"] for row in markup["inline_keyboard"]]
    assert data == [encode(long.payload or ""), encode(marked.payload or "")]
    assert all(d.startswith(MARKER) and len(d.encode()) <= 64 for d in data)
    assert data[0] != data[1]


def test_quick_replies_in_a_private_chat_are_a_one_time_reply_keyboard() -> None:
    [call] = calls(Text(text="Is that right?", quick_replies=(YES, NO)))
    assert call.params["reply_markup"] == {
        "keyboard": [[{"text": "Yes"}, {"text": "No"}]],
        "one_time_keyboard": True,
        "resize_keyboard": True,
    }


def test_asking_for_the_phone_offers_the_share_button() -> None:
    [call] = calls(Text(text="What phone number can the courier call?", quick_replies=(SHARE,)))
    assert call.params["reply_markup"] == {
        "keyboard": [[{"text": "Share my phone number", "request_contact": True}]],
        "one_time_keyboard": True,
        "resize_keyboard": True,
    }


def test_in_a_group_quick_replies_are_inline_buttons_and_share_requests_are_left_out() -> None:
    [call] = calls(Text(text="Is that right?", quick_replies=(YES, NO, SHARE)), GROUP)
    assert call.params["reply_markup"] == {
        "inline_keyboard": [
            [{"text": "Yes", "callback_data": "yes"}],
            [{"text": "No", "callback_data": "no"}],
        ]
    }


def test_buttons_and_quick_replies_share_the_one_keyboard_a_message_has() -> None:
    [call] = calls(Text(text="Which?", buttons=(COURIER,), quick_replies=(YES, SHARE)))
    assert call.params["reply_markup"] == {
        "inline_keyboard": [
            [{"text": "Courier", "callback_data": "courier"}],
            [{"text": "Yes", "callback_data": "yes"}],
        ]
    }


def test_a_plain_message_closes_a_reply_keyboard_left_open_in_a_private_chat() -> None:
    [private] = calls(Text(text="Thanks!"))
    assert private.params["reply_markup"] == {"remove_keyboard": True}
    [group] = calls(Text(text="Thanks!"), GROUP)
    assert "reply_markup" not in group.params


def test_every_call_goes_to_the_forum_topic() -> None:
    rendered = calls(Text(text="Hi", buttons=(COURIER,)), TOPIC) + calls(Typing(), TOPIC)
    assert [c.params["message_thread_id"] for c in rendered] == [77, 77]
    assert [c.params["chat_id"] for c in rendered] == [TOPIC.chat_id] * 2


def test_typing_is_a_chat_action() -> None:
    [call] = calls(Typing())
    assert (call.method, call.params) == ("sendChatAction", {"chat_id": 1001, "action": "typing"})


def test_a_long_text_is_split_on_sentences_and_the_keyboard_goes_last() -> None:
    sentence = "Your order left our warehouse and is with the carrier now. "
    text = sentence * 150  # about 8,850 characters
    rendered = calls(Text(text=text, buttons=(COURIER,)))
    assert len(rendered) == 3
    assert all(utf16_length(shown(c)) <= 4096 for c in rendered)
    assert all(shown(c).endswith("carrier now.") for c in rendered)
    assert [("reply_markup" in c.params) for c in rendered] == [False, False, True]
    assert " ".join(shown(c) for c in rendered) == text.strip()


def test_splitting_counts_what_telegram_counts() -> None:
    emoji = "😀 " * 3000  # 3,000 characters of 2 UTF-16 units each, plus spaces
    chunks = fit(emoji.strip(), 4096)
    assert len(chunks) > 2
    assert all(utf16_length(chunk) <= 4096 for chunk in chunks)


def test_a_photo_carries_its_caption_and_buttons() -> None:
    [call] = calls(
        Media(
            kind="image",
            url="https://cdn.example/p.jpg",
            caption="A <blue> shirt",
            buttons=(COURIER,),
        )
    )
    assert call.method == "sendPhoto"
    assert call.params["photo"] == "https://cdn.example/p.jpg"
    assert call.params["caption"] == "A &lt;blue&gt; shirt"
    assert call.params["reply_markup"] == {
        "inline_keyboard": [[{"text": "Courier", "callback_data": "courier"}]]
    }


def test_a_caption_over_1024_characters_continues_as_text() -> None:
    caption = "This is the size chart for the linen shirt. " * 40  # 1,760 characters
    rendered = calls(
        Media(kind="file", url="https://cdn.example/chart.pdf", caption=caption, buttons=(COURIER,))
    )
    assert [c.method for c in rendered] == ["sendDocument", "sendMessage"]
    first, rest = shown(rendered[0]), shown(rendered[1])
    assert len(first) <= 1024
    assert first.endswith("linen shirt.")
    assert f"{first} {rest}" == caption.strip()
    assert "reply_markup" not in rendered[0].params
    assert rendered[1].params["reply_markup"] == {
        "inline_keyboard": [[{"text": "Courier", "callback_data": "courier"}]]
    }


def test_media_telegram_cannot_fetch_falls_back_to_its_link() -> None:
    [call] = calls(Media(kind="video", url="https://cdn.example/v.mov", caption="How to fold it"))
    assert call.method == "sendVideo"
    assert call.fallback is not None
    assert call.fallback.method == "sendMessage"
    assert shown(call.fallback) == "How to fold it\nhttps://cdn.example/v.mov"


def test_a_card_is_its_image_then_its_text() -> None:
    rendered = calls(
        Card(
            title="Linen shirt",
            subtitle="R$189.90",
            image_url="https://cdn.example/s.jpg",
            buttons=(COURIER,),
        )
    )
    assert [c.method for c in rendered] == ["sendPhoto", "sendMessage"]
    assert shown(rendered[1]) == "Linen shirt\nR$189.90"


def test_the_target_of_an_address_is_its_chat_and_topic() -> None:
    address = Address(channel="telegram", user_id="1001", conversation_id="-100123", thread_id="9")
    assert Target.of(address) == Target(-100123, 9)
    assert not Target.of(address).private
    with pytest.raises(ValueError, match="invalid literal"):
        Target.of(address.model_copy(update={"conversation_id": "not-a-chat"}))
