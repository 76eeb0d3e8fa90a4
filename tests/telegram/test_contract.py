"""omnibot's lean Bot API models against aiogram's ``Update``, the oracle.

omnibot reads updates with :mod:`connectors.telegram.api_types`, which declare only what it
reads (and what the Bot API requires of the objects holding it). aiogram, a development
dependency only, validates the whole of the Bot API. For every update of the corpus (the shapes
the other tests post, odd ones written out here, and hypothesis' examples) the contract is:

- whatever aiogram takes, omnibot takes, and reads the same values from it, field by field
  (:func:`same`): the events made from them are the same, :mod:`connectors.telegram.inbound`
  reading nothing else;
- whatever omnibot takes, aiogram takes once it is cut down to the fields omnibot declares
  (:func:`cut_down`), with the same values: what aiogram refuses for a field omnibot reads,
  omnibot refuses; what it refuses only for a field omnibot never reads, omnibot may take;
- and omnibot refuses nothing else: an update it refuses, aiogram refuses cut down, or it is
  not JSON at all.
"""

from __future__ import annotations

import functools
import json
import math
import operator
import types
import typing
from datetime import UTC, datetime
from typing import Any

import pytest
from aiogram import types as oracle
from hypothesis import event, given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError
from pydantic_core import from_json

from connectors.telegram import api_types as tg
from tests.fakes.telegram import BOT_ID
from tests.fakes.telegram_updates import ANA, GROUP, JOHN, MARIA, Updates
from tests.fuzz.strategies import fuzz, json_values, texts
from tests.fuzz.strategies.telegram import (
    chats,
    documents,
    entities,
    files,
    message_of,
    updates,
    users,
)

LEAN_MODELS = [
    value
    for value in vars(tg).values()
    if isinstance(value, type) and issubclass(value, tg.Wire) and value is not tg.Wire
]


def lean(body: bytes) -> tg.Update | None:
    try:
        return tg.Update.model_validate_json(body)
    except ValidationError:
        return None


def aiogram(body: bytes) -> oracle.Update | None:
    try:
        return oracle.Update.model_validate_json(body)
    except ValidationError:
        return None


def holds(update: Any) -> str:
    """Check the contract for one update (any JSON value); what happened, for statistics."""
    body = json.dumps(update).encode()
    ours, theirs = lean(body), aiogram(body)
    cut = aiogram(json.dumps(cut_down(update, tg.Update)).encode())
    shown = body[:2000]
    if theirs is not None:
        assert ours is not None, f"omnibot refused an update aiogram takes: {shown!r}"
        same(ours, theirs, "update")
    if ours is not None:
        assert cut is not None, f"omnibot took what aiogram refuses in what it reads: {shown!r}"
        same(ours, cut, "update")
        return "taken by both" if theirs is not None else "taken; aiogram refused an unread field"
    # Refused: rightly, if aiogram refuses what omnibot reads, or the body is not JSON at all
    # (a lone surrogate in a key omnibot does not read is still not JSON).
    assert cut is None or (theirs is None and not _parses(body)), (
        f"omnibot refused an update whose fields it reads aiogram takes: {shown!r}"
    )
    return "refused by both"


def _parses(body: bytes) -> bool:
    try:
        from_json(body)
    except ValueError:
        return False
    return True


def same(ours: object, theirs: object, where: str) -> None:
    """``ours`` (a lean model's value) holds what ``theirs`` (aiogram's) does, field by field."""
    if isinstance(ours, BaseModel):
        assert type(ours).__name__ == type(theirs).__name__, f"{where}: {ours!r} / {theirs!r}"
        for name in type(ours).model_fields:
            same(getattr(ours, name), getattr(theirs, name), f"{where}.{name}")
    elif isinstance(ours, tuple):
        assert isinstance(theirs, list), f"{where}: {ours!r} / {theirs!r}"
        assert len(ours) == len(theirs), f"{where}: {len(ours)} / {len(theirs)} items"
        for index, (mine, other) in enumerate(zip(ours, theirs, strict=True)):
            same(mine, other, f"{where}[{index}]")
    elif isinstance(ours, float) and math.isnan(ours):
        assert isinstance(theirs, float), f"{where}: nan / {theirs!r}"
        assert math.isnan(theirs), f"{where}: nan / {theirs!r}"
    else:
        assert type(ours) is type(theirs), f"{where}: {ours!r} / {theirs!r}"
        assert ours == theirs, f"{where}: {ours!r} / {theirs!r}"


def cut_down(value: Any, kind: Any) -> Any:
    """``value`` with only the keys the lean models of ``kind`` declare, at every depth."""
    models = _models(kind)
    if models and isinstance(value, dict):
        declared = _declared(models)
        return {
            key: cut_down(item, declared[key]) for key, item in value.items() if key in declared
        }
    items = _items(kind)
    if items is not None and isinstance(value, list):
        return [cut_down(item, items) for item in value]
    return value


def _members(kind: Any) -> tuple[Any, ...]:
    if isinstance(kind, types.UnionType) or typing.get_origin(kind) is typing.Union:
        return typing.get_args(kind)
    return (kind,)


def _models(kind: Any) -> list[type[tg.Wire]]:
    return [m for m in _members(kind) if isinstance(m, type) and issubclass(m, tg.Wire)]


def _items(kind: Any) -> Any:
    """The item type of a ``tuple[X, ...]`` among ``kind``'s members, if there is one."""
    for member in _members(kind):
        if typing.get_origin(member) is tuple:
            return typing.get_args(member)[0]
    return None


def _declared(models: list[type[tg.Wire]]) -> dict[str, Any]:
    """Every key the models take (a field's JSON name and its Python name), with its type."""
    found: dict[str, list[Any]] = {}
    for model in models:
        for name, field in model.model_fields.items():
            for key in {name, field.alias or name}:
                found.setdefault(key, []).append(field.annotation)
    return {key: functools.reduce(operator.or_, kinds) for key, kinds in found.items()}


@pytest.mark.parametrize("model", LEAN_MODELS, ids=lambda model: model.__name__)
def test_each_lean_model_is_a_part_of_aiogram_s_with_every_required_field(
    model: type[tg.Wire],
) -> None:
    theirs = getattr(oracle, model.__name__).model_fields
    ours = model.model_fields
    assert set(ours) <= set(theirs), "fields the Bot API (as aiogram has it) does not have"
    required = {name for name, field in theirs.items() if field.is_required()}
    assert required <= set(ours), "fields the Bot API requires, which omnibot would not check"
    for name, field in ours.items():
        assert field.alias == theirs[name].alias, name
        assert field.is_required() == theirs[name].is_required(), name


def shapes() -> list[dict[str, Any]]:
    """Every shape of update the other Telegram tests deliver."""
    made = Updates()
    keyboard = [[{"text": "Order status", "callback_data": "order_status"}]]
    return [
        made.text(ANA, "Onde está meu pedido?"),
        made.text(JOHN, "/start link-Ab12_cd"),
        made.text(JOHN, "/help@store_test_bot"),
        made.text(ANA, "@store_test_bot onde está meu pedido?", chat=GROUP),
        made.text(ANA, "C-30005", chat=GROUP, reply_to=made.reply_to_bot()),
        made.text(JOHN, "/help@store_test_bot", chat=GROUP, thread=77),
        made.edited(JOHN, "A-10001"),
        made.contact(MARIA, "5531988887777", owner=MARIA.id),
        made.contact(JOHN, "5531988887777", owner=MARIA.id),
        made.contact(JOHN, "+55 31 98888-7777", owner=None),
        made.location(JOHN, -19.92, -43.94),
        made.photo(JOHN, "AgACphoto", caption="torn"),
        made.document(JOHN, "BQdoc", "page.html", "text/html"),
        made.voice(JOHN, "AwACvoice"),
        made.press(JOHN, "order_status", keyboard=keyboard),
        made.press(ANA, "#~" + "A" * 22, chat=GROUP, thread=77),
    ]


def message(**content: Any) -> dict[str, Any]:
    return {
        "message_id": 7,
        "date": 1_700_000_000,
        "chat": {"id": 1002, "type": "private"},
        "from": JOHN.json(),
        **content,
    }


def press(**query: Any) -> dict[str, Any]:
    return {"update_id": 9, "callback_query": {"id": "cq", "from": JOHN.json(), **query}}


def by_name(value: dict[str, Any]) -> dict[str, Any]:
    """``value`` with its sender under the Python name, ``from_user``."""
    return {key: item for key, item in value.items() if key != "from"} | {
        "from_user": value["from"]
    }


FILE = {"file_id": "F", "file_unique_id": "u"}
ODD: list[Any] = [
    # not updates at all, as the webhook tests post them
    [],
    {"message": {"text": "no update_id"}},
    {"update_id": "seven", "message": {}},
    {"update_id": 9, "message": {"message_id": 1, "date": 1, "text": "no chat"}},
    {"update_id": 9},
    # values in the forms pydantic's lax mode converts
    {"update_id": "9", "message": message(message_id="7", text="numbers as strings")},
    {"update_id": 9.0, "message": message(date="2026-11-20T12:00:00Z", text="an ISO date")},
    {"update_id": 9, "message": message(date=1.5e9, text="a float date")},
    {"update_id": 9, "message": message(**{"from": {**JOHN.json(), "is_bot": "false"}})},
    {"update_id": 9, "message": message(**{"from": {**JOHN.json(), "is_bot": 0}}, text="x")},
    {"update_id": 9, "message": message(**{"from": {**JOHN.json(), "id": 1002.5}})},
    {"update_id": 9, "message": message(date=10**20, text="a date out of range")},
    {"update_id": 9, "message": message(text=5)},
    {"update_id": True, "message": message(text="a boolean id")},
    # aiogram takes a field by its Python name too
    {"update_id": 9, "message": by_name(message(text="hi"))},
    {"update_id": 9, "message": {**message(text="hi"), "from": None, "from_user": ANA.json()}},
    {"update_id": 9, "callback_query": by_name(press(chat_instance="ci")["callback_query"])},
    # every kind of file, and the places in a message omnibot looks at
    {"update_id": 9, "message": message(audio={**FILE, "duration": 3, "file_name": "a.mp3"})},
    {"update_id": 9, "message": message(audio={**FILE, "file_name": "no duration"})},
    {"update_id": 9, "message": message(video={**FILE, "width": 1, "height": 1, "duration": 2})},
    {
        "update_id": 9,
        "message": message(
            animation={**FILE, "width": 1, "height": 1, "duration": 2, "mime_type": "video/mp4"},
            document={**FILE, "file_name": "a.gif"},
        ),
    },
    {"update_id": 9, "message": message(video_note={**FILE, "length": 240, "duration": 5})},
    {"update_id": 9, "message": message(video_note={**FILE, "duration": 5})},
    {
        "update_id": 9,
        "message": message(
            sticker={
                **FILE,
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": True,
                "is_video": False,
            }
        ),
    },
    {"update_id": 9, "message": message(photo=[{**FILE, "width": 1}])},
    {"update_id": 9, "message": message(document={"file_id": "F"})},
    {
        "update_id": 9,
        "message": message(
            location={"latitude": 1, "longitude": 2},
            venue={"location": {"latitude": 1, "longitude": 2}, "title": "Shop", "address": "A"},
        ),
    },
    {
        "update_id": 9,
        "message": message(
            location={"latitude": 1, "longitude": 2}, venue={"title": "no location"}
        ),
    },
    {"update_id": 9, "message": message(contact={"phone_number": "5531988887777"})},
    {
        "update_id": 9,
        "message": message(
            text="Store, where is my order?",
            chat={"id": GROUP, "type": "supergroup"},
            entities=[
                {"type": "text_mention", "offset": 0, "length": 5, "user": {"id": BOT_ID}},
            ],
        ),
    },
    {
        "update_id": 9,
        "message": message(
            text="in a topic",
            chat={"id": GROUP, "type": "supergroup"},
            reply_to_message={
                "message_id": 1,
                "date": 1,
                "chat": {"id": GROUP, "type": "supergroup"},
                "from": {"id": BOT_ID, "is_bot": True, "first_name": "Store"},
                "forum_topic_created": {"name": "Orders", "icon_color": 7322096},
            },
        ),
    },
    {
        "update_id": 9,
        "message": message(
            text="a topic created without its colour",
            reply_to_message={
                "message_id": 1,
                "date": 1,
                "chat": {"id": 1, "type": "private"},
                "forum_topic_created": {"name": "Orders"},
            },
        ),
    },
    # presses: on a message the bot can no longer see, without data, on odd keyboards
    press(
        chat_instance="ci",
        data="x",
        message={"chat": {"id": 1, "type": "private"}, "message_id": 3, "date": 0},
    ),
    press(
        chat_instance="ci",
        data="x",
        message={"chat": {"id": 1, "type": "private"}, "message_id": 3},
    ),
    press(
        chat_instance="ci",
        data="x",
        message={"chat": {"id": 1, "type": "private"}, "message_id": 3, "date": 0, "text": "seen"},
    ),
    press(
        chat_instance="ci",
        data="x",
        message={"chat": {"id": 1, "type": "private"}, "message_id": 3, "date": 0, "text": 5},
    ),
    press(
        chat_instance="ci",
        data="x",
        message={"chat": {"id": 1, "type": "private"}, "message_id": "3", "date": 0},
    ),
    press(
        chat_instance="ci",
        data="x",
        message={"chat": {"id": 1, "type": "private"}, "message_id": 3, "date": "0"},
    ),
    press(chat_instance="ci", data="x", message={"message_id": 3, "date": 0}),
    press(chat_instance="ci", inline_message_id="im", data="x"),
    press(data="no chat_instance"),
    press(
        chat_instance="ci",
        data="b",
        message=message(
            reply_markup={
                "inline_keyboard": [
                    [{"text": "A", "callback_data": "a"}, {"text": "B", "callback_data": "b"}]
                ]
            }
        ),
    ),
    press(chat_instance="ci", data="b", message=message(reply_markup={"inline_keyboard": [[{}]]})),
    press(chat_instance="ci", data="b", message=message(reply_markup={"keyboard": [["A"]]})),
    # what omnibot does not read: refused by aiogram when malformed, taken by omnibot
    {"update_id": 9, "edited_message": {"text": "no chat"}},
    {"update_id": 9, "poll": "not a poll"},
    {"update_id": 9, "message": message(text="hi", edit_date="yesterday")},
    {"update_id": 9, "message": message(text="hi", **{"from": {**JOHN.json(), "is_premium": []}})},
    {
        "update_id": 9,
        "message": message(text="hi", chat={"id": 1002, "type": "private", "title": 5}),
    },
    {"update_id": 9, "message": message(photo=[{**FILE, "width": 1, "height": 1, "x": 1}])},
]


@pytest.mark.parametrize(
    "update", shapes(), ids=lambda update: sorted(set(update) - {"update_id"})[0]
)
def test_the_updates_the_tests_deliver_are_read_as_aiogram_reads_them(
    update: dict[str, Any],
) -> None:
    assert holds(update) == "taken by both"


@pytest.mark.parametrize("update", ODD)
def test_odd_updates_are_taken_or_refused_as_aiogram_would(update: Any) -> None:
    holds(update)


def test_the_odd_updates_reach_every_side_of_the_contract() -> None:
    seen = {holds(update) for update in ODD}
    assert seen == {"refused by both", "taken by both", "taken; aiogram refused an unread field"}


def test_the_contract_can_fail() -> None:
    """A lean model that read a field otherwise than aiogram would be caught."""
    update = shapes()[0]
    body = json.dumps(update).encode()
    ours, theirs = lean(body), aiogram(body)
    assert ours is not None
    assert theirs is not None
    assert ours.message is not None
    changed = ours.model_copy(
        update={"message": ours.message.model_copy(update={"text": "something else"})}
    )
    with pytest.raises(AssertionError, match=r"update\.message\.text"):
        same(changed, theirs, "update")
    dated = ours.message.model_copy(update={"date": datetime(2000, 1, 1, tzinfo=UTC)})
    with pytest.raises(AssertionError, match=r"update\.message\.date"):
        same(ours.model_copy(update={"message": dated}), theirs, "update")


loose: st.SearchStrategy[Any] = st.sampled_from(
    ["1", 1.0, 1.5, "true", "no", 0, None, [], {}, "2026-11-20T12:00:00Z"]
)
"""Values that pydantic's lax mode converts, or refuses, depending on the field."""


def or_loose(value: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """``value`` nine times in ten, a value of another type the tenth (a message has a dozen
    such fields: more often, nearly every message would be refused)."""
    return st.sampled_from(range(10)).flatmap(lambda n: loose if n == 9 else value)


def unread(*keys: str) -> st.SearchStrategy[dict[str, Any]]:
    """Keys omnibot does not read (some of which aiogram reads, and checks), with any value."""
    return st.dictionaries(st.sampled_from(keys), json_values | loose, max_size=2)


media = st.fixed_dictionaries(
    files,
    optional={
        "width": or_loose(st.integers(0, 4096)),
        "height": or_loose(st.integers(0, 4096)),
        "duration": or_loose(st.integers(-1, 10**4)),
        "length": or_loose(st.integers(0, 640)),
        "file_name": texts,
        "mime_type": st.sampled_from(["video/mp4", "audio/mpeg", "image/gif"]) | texts,
        "file_size": or_loose(st.integers(-1, 2**40)),
    },
)
topics = st.fixed_dictionaries({"name": texts}, optional={"icon_color": or_loose(st.integers())})
replies = st.tuples(message_of(st.nothing()), topics).map(
    lambda parts: parts[0] | {"forum_topic_created": parts[1]}
)
buttons = st.fixed_dictionaries({"text": texts}, optional={"callback_data": or_loose(texts)})
markups = st.fixed_dictionaries(
    {"inline_keyboard": or_loose(st.lists(st.lists(buttons, max_size=3), max_size=3))}
)
wider = st.fixed_dictionaries(
    {
        "message_id": or_loose(st.integers(0, 2**31)),
        "date": or_loose(st.integers(0, 2**33)),
        "chat": chats,
        "from": users,
    },
    optional={
        "text": texts,
        "entities": st.lists(entities, max_size=3),
        "audio": media,
        "video": media,
        "animation": media,
        "video_note": media,
        "document": documents,
        "is_topic_message": or_loose(st.booleans()),
        "message_thread_id": or_loose(st.integers(-1, 2**31)),
        "reply_to_message": replies,
        "reply_markup": markups,
    },
)
"""Messages with the parts :data:`tests.fuzz.test_telegram.updates` leaves out, values of the
wrong type now and then."""
noisy = st.tuples(
    wider,
    unread("x_unknown", "edit_date", "has_protected_content", "author_signature", "poll"),
    unread("x_unknown", "edited_message", "poll", "inline_query"),
).map(lambda parts: {"update_id": 1, "message": parts[0] | parts[1]} | parts[2])


@fuzz(300)
@given(update=updates)
def test_the_fuzzers_updates_are_read_as_aiogram_reads_them(update: dict[str, Any]) -> None:
    event(holds(update))


@fuzz(300)
@given(update=noisy)
def test_wider_messages_and_unread_fields_are_read_as_aiogram_reads_them(
    update: dict[str, Any],
) -> None:
    event(holds(update))
