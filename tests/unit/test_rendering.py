"""Degrading channel-neutral messages to a channel's capabilities, and mapping replies back."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot.format.capabilities import RICH, Capabilities
from bot.format.offered import OfferedOptions, Option, normalise_title
from bot.format.outbound import Button, Card, Media, Text, Typing
from bot.format.rendering import render

SMS = Capabilities(max_text=160)
MMS = Capabilities(max_text=160, media=frozenset({"image"}))
SLACK = Capabilities(
    max_text=3000,
    buttons=25,
    quick_replies=0,
    button_title=75,
    url_buttons=True,
    markdown=True,
    media=frozenset({"image"}),
    cards=True,
)
TELEGRAM = Capabilities(
    max_text=4096,
    buttons=8,
    quick_replies=8,
    url_buttons=True,
    share_requests=True,
    markdown=True,
    media=frozenset({"image", "video", "audio", "file"}),
    typing=True,
)

COURIER = Button(title="Courier", payload="ship:courier")
PICKUP = Button(title="Pick up in store", payload="ship:pickup")
EXPRESS = Button(title="Entrega rápida", payload="ship:express")
TRACK = Button(title="Track", kind="url", url="https://track.example/A-1")
SHARE_PHONE = Button(title="Share my phone", kind="share_phone")
SHIPPING = Text(text="How should we ship it?", buttons=(COURIER, PICKUP, EXPRESS))


def offered_on(caps: Capabilities, *messages: Text | Media | Card | Typing) -> OfferedOptions:
    offered = render(messages, caps, "sms").offered
    assert offered is not None
    return offered


def test_buttons_become_numbered_lines_on_a_text_only_channel() -> None:
    rendered = render([SHIPPING], SMS, "sms")
    assert rendered.messages == (
        Text(text="How should we ship it?\n1. Courier\n2. Pick up in store\n3. Entrega rápida"),
    )
    assert rendered.offered == OfferedOptions(
        channel="sms",
        options=(
            Option(title="Courier", payload="ship:courier", number=1),
            Option(title="Pick up in store", payload="ship:pickup", number=2),
            Option(title="Entrega rápida", payload="ship:express", number=3),
        ),
    )


@pytest.mark.parametrize("reply", ["2", "2.", "#2", " 2 ", "2)", "# 2", "02"])
def test_a_typed_number_maps_back_to_the_numbered_option(reply: str) -> None:
    option = offered_on(SMS, SHIPPING).match(reply)
    assert option is not None
    assert option.payload == "ship:pickup"


@pytest.mark.parametrize(
    ("reply", "payload"),
    [
        ("courier!", "ship:courier"),
        ("COURIER", "ship:courier"),
        ("  Courier.  ", "ship:courier"),
        ('"courier"', "ship:courier"),
        ("pick  up   in STORE?", "ship:pickup"),
        ("entrega rapida", "ship:express"),
        ("ENTREGA RÁPIDA!", "ship:express"),
    ],
)
def test_a_typed_title_maps_back_whatever_its_case_accents_or_punctuation(
    reply: str, payload: str
) -> None:
    option = offered_on(SMS, SHIPPING).match(reply)
    assert option is not None
    assert option.payload == payload


@pytest.mark.parametrize("reply", ["4", "0", "2 please", "courier please", "", "1 2"])
def test_a_reply_that_is_no_option_matches_nothing(reply: str) -> None:
    assert offered_on(SMS, SHIPPING).match(reply) is None


def test_options_shown_as_real_buttons_keep_no_numbers() -> None:
    rendered = render([SHIPPING], RICH, "webchat")
    assert rendered.messages == (SHIPPING,)
    assert rendered.offered == OfferedOptions(
        channel="webchat",
        options=(
            Option(title="Courier", payload="ship:courier"),
            Option(title="Pick up in store", payload="ship:pickup"),
            Option(title="Entrega rápida", payload="ship:express"),
        ),
    )


@pytest.mark.parametrize("reply", ["1", "2.", "#3"])
def test_numbers_are_not_matched_when_options_were_shown_as_buttons(reply: str) -> None:
    assert offered_on(RICH, SHIPPING).match(reply) is None


def test_titles_are_matched_when_options_were_shown_as_buttons() -> None:
    assert offered_on(RICH, SHIPPING).match("courier!") == Option(
        title="Courier", payload="ship:courier"
    )


def test_numbering_continues_across_the_messages_of_one_batch() -> None:
    first = Text(text="Ship how?", buttons=(COURIER, PICKUP))
    second = Text(text="Gift wrap?", buttons=(Button(title="Yes", payload="wrap:yes"),))
    rendered = render([first, second], SMS, "sms")
    assert [m.text for m in rendered.messages if isinstance(m, Text)] == [
        "Ship how?\n1. Courier\n2. Pick up in store",
        "Gift wrap?\n3. Yes",
    ]
    assert rendered.offered is not None
    option = rendered.offered.match("3")
    assert option is not None
    assert option.payload == "wrap:yes"


def test_numbering_skips_links_that_became_lines() -> None:
    rendered = render([Text(text="Choose", buttons=(COURIER, TRACK, PICKUP))], SMS, "sms")
    assert rendered.messages == (
        Text(text="Choose\n1. Courier\nTrack: https://track.example/A-1\n2. Pick up in store"),
    )
    assert rendered.offered is not None
    assert [o.number for o in rendered.offered.options] == [1, 2]


def test_quick_replies_become_buttons_where_there_are_buttons_but_no_quick_replies() -> None:
    message = Text(text="Anything else?", quick_replies=(COURIER, TRACK))
    rendered = render([message], SLACK, "slack")
    assert rendered.messages == (Text(text="Anything else?", buttons=(COURIER, TRACK)),)
    assert rendered.offered == OfferedOptions(
        channel="slack", options=(Option(title="Courier", payload="ship:courier"),)
    )


def test_quick_replies_join_the_attached_buttons_after_them() -> None:
    message = Text(text="Ship how?", buttons=(COURIER,), quick_replies=(PICKUP,))
    rendered = render([message], SLACK, "slack")
    assert rendered.messages == (Text(text="Ship how?", buttons=(COURIER, PICKUP)),)


def test_quick_replies_become_numbered_lines_after_the_buttons_on_sms() -> None:
    message = Text(text="Ship how?", buttons=(COURIER,), quick_replies=(PICKUP, SHARE_PHONE))
    rendered = render([message], SMS, "sms")
    assert rendered.messages == (Text(text="Ship how?\n1. Courier\n2. Pick up in store"),)


def test_quick_replies_stay_quick_replies_where_the_channel_has_them() -> None:
    message = Text(text="Ship how?", quick_replies=(COURIER, PICKUP))
    assert render([message], TELEGRAM, "telegram").messages == (message,)


def test_too_many_buttons_all_become_numbered_lines() -> None:
    three = Capabilities(max_text=500, buttons=3, url_buttons=True)
    four = (*SHIPPING.buttons, Button(title="Drone", payload="ship:drone"))
    rendered = render([Text(text="Ship how?", buttons=four)], three, "x")
    assert rendered.messages == (
        Text(
            text="Ship how?\n1. Courier\n2. Pick up in store\n3. Entrega rápida\n4. Drone",
        ),
    )
    assert rendered.offered is not None
    assert [o.number for o in rendered.offered.options] == [1, 2, 3, 4]


def test_buttons_that_exactly_fill_the_room_stay_buttons() -> None:
    three = Capabilities(max_text=500, buttons=3)
    assert render([SHIPPING], three, "x").messages == (SHIPPING,)


def test_url_buttons_become_title_and_url_lines_where_links_cannot_be_buttons() -> None:
    no_links = Capabilities(max_text=500, buttons=5, url_buttons=False)
    rendered = render([Text(text="Your order", buttons=(TRACK,))], no_links, "x")
    assert rendered.messages == (Text(text="Your order\nTrack: https://track.example/A-1"),)
    assert rendered.offered is None


def test_url_buttons_stay_buttons_where_the_channel_has_link_buttons() -> None:
    message = Text(text="Your order", buttons=(TRACK,))
    rendered = render([message], RICH, "webchat")
    assert rendered.messages == (message,)
    assert rendered.offered is None


def test_share_phone_quick_reply_is_kept_where_the_client_can_be_asked_to_share() -> None:
    message = Text(text="May we text you?", quick_replies=(COURIER, SHARE_PHONE))
    rendered = render([message], TELEGRAM, "telegram")
    assert rendered.messages == (message,)


def test_share_phone_alone_is_kept_where_the_client_can_be_asked_to_share() -> None:
    message = Text(text="Your number?", quick_replies=(SHARE_PHONE,))
    rendered = render([message], TELEGRAM, "telegram")
    assert rendered.messages == (message,)
    assert rendered.offered is None


def test_share_phone_quick_reply_is_dropped_where_sharing_cannot_be_asked() -> None:
    no_share = TELEGRAM.model_copy(update={"share_requests": False})
    message = Text(text="May we text you?", quick_replies=(COURIER, SHARE_PHONE))
    rendered = render([message], no_share, "x")
    assert rendered.messages == (Text(text="May we text you?", quick_replies=(COURIER,)),)


def test_share_phone_quick_reply_is_dropped_on_sms() -> None:
    rendered = render([Text(text="Your number?", quick_replies=(SHARE_PHONE,))], SMS, "sms")
    assert rendered.messages == (Text(text="Your number?"),)


SHOE = Card(
    title="Blue shoe",
    subtitle="Size 42",
    image_url="https://cdn.example/shoe.jpg",
    buttons=(Button(title="Buy", payload="buy:shoe"),),
)


def test_card_stays_a_card_where_cards_are_supported() -> None:
    rendered = render([SHOE], SLACK, "slack")
    assert rendered.messages == (SHOE,)
    assert rendered.offered == OfferedOptions(
        channel="slack", options=(Option(title="Buy", payload="buy:shoe"),)
    )


def test_card_degrades_to_an_image_and_a_bold_title_where_markdown_is_supported() -> None:
    rendered = render([SHOE], TELEGRAM, "telegram")
    assert rendered.messages == (
        Media(kind="image", url="https://cdn.example/shoe.jpg"),
        Text(text="**Blue shoe**\nSize 42", format="markdown", buttons=SHOE.buttons),
    )


def test_card_degrades_to_an_image_and_a_plain_title_where_markdown_is_not_supported() -> None:
    rendered = render([SHOE], MMS, "sms")
    assert rendered.messages == (
        Media(kind="image", url="https://cdn.example/shoe.jpg"),
        Text(text="Blue shoe\nSize 42\n1. Buy"),
    )


def test_card_degrades_to_plain_text_and_a_link_on_sms() -> None:
    rendered = render([SHOE], SMS, "sms")
    assert rendered.messages == (
        Text(text="https://cdn.example/shoe.jpg"),
        Text(text="Blue shoe\nSize 42\n1. Buy"),
    )
    assert offered_on(SMS, SHOE).match("1") == Option(title="Buy", payload="buy:shoe", number=1)


def test_card_without_image_or_subtitle_degrades_to_its_title() -> None:
    rendered = render([Card(title="Thanks!")], SMS, "sms")
    assert rendered.messages == (Text(text="Thanks!"),)


def test_card_buttons_that_do_not_fit_follow_the_card_as_numbered_lines() -> None:
    one_button = SLACK.model_copy(update={"buttons": 1})
    card = SHOE.model_copy(update={"buttons": (COURIER, PICKUP)})
    rendered = render([card], one_button, "slack")
    assert rendered.messages == (
        SHOE.model_copy(update={"buttons": ()}),
        Text(text="1. Courier\n2. Pick up in store"),
    )


def test_unsupported_media_becomes_its_caption_and_link() -> None:
    video = Media(kind="video", url="https://cdn.example/howto.mp4", caption="How to return")
    assert render([video], MMS, "sms").messages == (
        Text(text="How to return\nhttps://cdn.example/howto.mp4"),
    )


def test_unsupported_media_without_caption_becomes_its_link() -> None:
    invoice = Media(kind="file", url="https://cdn.example/invoice.pdf", name="invoice.pdf")
    assert render([invoice], SMS, "sms").messages == (Text(text="https://cdn.example/invoice.pdf"),)


def test_unsupported_media_buttons_become_numbered_lines() -> None:
    video = Media(kind="video", url="https://cdn.example/v.mp4", buttons=(COURIER,))
    assert render([video], SMS, "sms").messages == (
        Text(text="https://cdn.example/v.mp4\n1. Courier"),
    )


def test_supported_media_is_kept_and_buttons_that_do_not_fit_follow_it() -> None:
    photo = Media(
        kind="image", url="https://cdn.example/p.jpg", caption="Yours?", buttons=(COURIER,)
    )
    rendered = render([photo], MMS, "sms")
    assert rendered.messages == (
        photo.model_copy(update={"buttons": ()}),
        Text(text="1. Courier"),
    )


def test_supported_media_keeps_buttons_that_fit() -> None:
    photo = Media(kind="image", url="https://cdn.example/p.jpg", buttons=(COURIER,))
    assert render([photo], SLACK, "slack").messages == (photo,)


MARKED = Text(
    text="**Hi** _Ana_, see [the docs](https://d.example/x) or run `status`",
    format="markdown",
)


def test_markdown_is_stripped_to_plain_text_where_unsupported_and_links_keep_their_url() -> None:
    assert render([MARKED], SMS, "sms").messages == (
        Text(text="Hi Ana, see the docs (https://d.example/x) or run status"),
    )


def test_markdown_is_kept_where_supported() -> None:
    assert render([MARKED], TELEGRAM, "telegram").messages == (MARKED,)


def test_plain_text_is_never_parsed_as_markdown() -> None:
    literal = Text(text="2 * 3 = **6** and snake_case_name")
    assert render([literal], SMS, "sms").messages == (literal,)
    assert render([literal], TELEGRAM, "telegram").messages == (literal,)


LONG = " ".join(f"Sentence number {i} is here." for i in range(1, 9))


def test_long_text_is_split_at_max_text_with_buttons_on_the_last_chunk_only() -> None:
    small = Capabilities(max_text=60, buttons=3, quick_replies=3)
    message = Text(text=LONG, buttons=(COURIER,), quick_replies=(PICKUP,))
    rendered = render([message], small, "x")
    assert rendered.messages == (
        Text(text="Sentence number 1 is here. Sentence number 2 is here."),
        Text(text="Sentence number 3 is here. Sentence number 4 is here."),
        Text(text="Sentence number 5 is here. Sentence number 6 is here."),
        Text(
            text="Sentence number 7 is here. Sentence number 8 is here.",
            buttons=(COURIER,),
            quick_replies=(PICKUP,),
        ),
    )


def test_long_markdown_text_keeps_its_format_in_every_chunk() -> None:
    small = Capabilities(max_text=60, markdown=True)
    rendered = render([Text(text=LONG, format="markdown")], small, "x")
    assert len(rendered.messages) == 4
    assert {m.format for m in rendered.messages if isinstance(m, Text)} == {"markdown"}


def test_every_sms_chunk_fits_and_numbered_lines_are_kept() -> None:
    rendered = render([Text(text=LONG * 3, buttons=(COURIER, PICKUP))], SMS, "sms")
    texts = [m.text for m in rendered.messages if isinstance(m, Text)]
    assert len(texts) == len(rendered.messages) > 1
    assert all(len(text) <= 160 for text in texts)
    assert texts[-1].endswith("\n1. Courier\n2. Pick up in store")


def test_long_button_titles_are_truncated_but_offered_keeps_the_original() -> None:
    short_titles = RICH.model_copy(update={"button_title": 10})
    long_title = Button(title="Express delivery", payload="ship:express")
    rendered = render([Text(text="Ship how?", buttons=(long_title, COURIER))], short_titles, "x")
    assert rendered.messages == (
        Text(
            text="Ship how?",
            buttons=(Button(title="Express d…", payload="ship:express"), COURIER),
        ),
    )
    assert rendered.offered is not None
    assert rendered.offered.options[0].title == "Express delivery"
    assert rendered.offered.match("express delivery") == Option(
        title="Express delivery", payload="ship:express"
    )


def test_truncated_title_does_not_end_in_a_space_before_the_ellipsis() -> None:
    short_titles = RICH.model_copy(update={"button_title": 6})
    rendered = render(
        [Text(text="?", buttons=(Button(title="Pick up", payload="p"),))], short_titles, "x"
    )
    assert rendered.messages == (Text(text="?", buttons=(Button(title="Pick…", payload="p"),)),)


def test_typing_is_dropped_where_the_channel_cannot_show_it() -> None:
    rendered = render([Typing(), Text(text="Hi")], SMS, "sms")
    assert rendered.messages == (Text(text="Hi"),)


def test_typing_is_kept_where_the_channel_can_show_it() -> None:
    rendered = render([Typing(), Text(text="Hi")], TELEGRAM, "telegram")
    assert rendered.messages == (Typing(), Text(text="Hi"))


@pytest.mark.parametrize(
    "messages",
    [
        [Text(text="Hello")],
        [Typing()],
        [Text(text="Track it", buttons=(TRACK,))],
        [Text(text="Your number?", quick_replies=(SHARE_PHONE,))],
        [],
    ],
)
def test_offered_is_none_without_postback_options(messages: list[Text | Typing]) -> None:
    for caps in (SMS, SLACK, TELEGRAM, RICH):
        assert render(messages, caps, "x").offered is None


def test_offered_names_the_channel_it_was_rendered_for() -> None:
    assert offered_on(SMS, SHIPPING).channel == "sms"
    rendered = render([SHIPPING], RICH, "webchat")
    assert rendered.offered is not None
    assert rendered.offered.channel == "webchat"


def test_whitespace_only_text_is_refused_where_it_is_made() -> None:
    with pytest.raises(ValidationError, match="pattern"):
        Text(text="  \n ")


def test_normalise_title_ignores_case_accents_spaces_and_surrounding_punctuation() -> None:
    assert normalise_title("  ¿Entrega   RÁPIDA?! ") == "entrega rapida"
    assert normalise_title("Straße") == "strasse"
    assert normalise_title("A-1") == "a-1"
