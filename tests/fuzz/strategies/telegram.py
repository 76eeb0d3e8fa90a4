"""What hostile Telegram input is made of (updates nearly right), and how it is posted to the
webhook as Telegram does."""

from __future__ import annotations

import itertools
from typing import Any

from hypothesis import strategies as st

from connectors.telegram.connector import SECRET_HEADER
from tests.fakes.telegram import BOT_ID, USERNAME
from tests.fuzz.kit import TELEGRAM_SECRET, Everything
from tests.fuzz.strategies import sometimes, texts

WEBHOOK = "/telegram/webhook"
JSON = {"Content-Type": "application/json"}

ids = st.integers(-(10**13), 10**13)
users = st.fixed_dictionaries(
    {
        "id": sometimes(st.one_of(st.integers(1, 2**40), st.just(BOT_ID))),
        "is_bot": st.booleans() | st.just(False),
        "first_name": texts,
    },
    optional={
        "last_name": texts,
        "language_code": st.sampled_from(["en", "pt-BR", "xx"]) | texts,
        "username": texts,
    },
)
chats = st.one_of(
    st.fixed_dictionaries({"id": st.integers(1, 2**40), "type": st.just("private")}),
    st.fixed_dictionaries(
        {
            "id": sometimes(ids),
            "type": sometimes(st.sampled_from(["private", "group", "supergroup", "channel", "x"])),
        },
        optional={"is_forum": st.booleans(), "title": texts},
    ),
)
entity_types = ["bot_command", "mention", "text_mention", "url", "bold", "hashtag"]
entities = st.fixed_dictionaries(
    {
        "type": st.sampled_from(entity_types),
        "offset": st.integers(-3, 60),
        "length": st.integers(-3, 60),
    },
    optional={"user": users},
)
short = st.text(min_size=1, max_size=30)
files = {"file_id": short | texts, "file_unique_id": short}
sizes = st.fixed_dictionaries(
    {**files, "width": st.integers(-1, 5000), "height": st.integers(-1, 5000)},
    optional={"file_size": st.integers(-1, 2**40)},
)
documents = st.fixed_dictionaries(
    files, optional={"file_name": texts, "mime_type": texts, "file_size": st.integers(-1, 2**40)}
)
stickers = st.fixed_dictionaries(
    {
        **files,
        "type": st.sampled_from(["regular", "mask", "custom_emoji"]),
        "width": st.integers(0, 512),
        "height": st.integers(0, 512),
        "is_animated": st.booleans(),
        "is_video": st.booleans(),
    }
)
phones = st.from_regex(r"\+?[0-9]{6,15}", fullmatch=True) | texts
contacts = st.fixed_dictionaries(
    {"phone_number": phones, "first_name": texts},
    optional={"last_name": texts, "user_id": sometimes(st.integers(1, 2**40))},
)
coordinates = st.floats(-90, 90) | st.floats(allow_nan=False, allow_infinity=False)
locations = st.fixed_dictionaries({"latitude": coordinates, "longitude": coordinates})
venues = st.fixed_dictionaries(
    {"location": locations, "title": texts, "address": texts},
)
commands = st.builds(
    lambda name, at, rest: f"/{name}{at}{rest}",
    st.sampled_from(["start", "stop", "help", "restart", "agent", "", "order_status"]),
    st.sampled_from(["", f"@{USERNAME}", "@other_bot", "@"]),
    texts,
)
message_text = st.one_of(
    texts, commands, texts.map(lambda t: f"@{USERNAME} {t}"), st.text(min_size=1, max_size=80)
)


def message_of(reply: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    """A message: from someone, with text (or a caption), and now and then a file, a contact,
    a place, a reply or entities that do not fit the text."""
    return st.fixed_dictionaries(
        {
            "message_id": st.integers(0, 2**31),
            "date": st.integers(0, 2**33),
            "chat": chats,
            "from": users,
        },
        optional={
            "text": message_text,
            "caption": texts,
            "entities": st.lists(entities, max_size=4),
            "caption_entities": st.lists(entities, max_size=3),
            "photo": st.lists(sizes, max_size=3),
            "document": documents,
            "voice": st.fixed_dictionaries({**files, "duration": st.integers(0, 99)}),
            "sticker": stickers,
            "contact": contacts,
            "location": locations,
            "venue": venues,
            "message_thread_id": st.integers(-1, 2**31),
            "is_topic_message": st.booleans(),
            "reply_to_message": reply,
        },
    )


messages = message_of(message_of(st.nothing()))
inaccessible = st.fixed_dictionaries(
    {"chat": chats, "message_id": st.integers(), "date": st.just(0)}
)
keyboards = st.lists(
    st.lists(st.fixed_dictionaries({"text": texts, "callback_data": texts}), max_size=3),
    max_size=3,
)
presses = st.fixed_dictionaries(
    {"id": sometimes(texts), "from": users, "chat_instance": texts},
    optional={
        "data": st.one_of(texts, st.just("#" + "0" * 40)),
        "message": st.one_of(
            messages.map(lambda m: m | {"reply_markup": {"inline_keyboard": []}}),
            st.tuples(messages, keyboards).map(
                lambda mk: mk[0] | {"reply_markup": {"inline_keyboard": mk[1]}}
            ),
            inaccessible,
        ),
    },
)
update_ids = sometimes(st.integers(0, 2**40))
people = users.map(lambda user: user | {"is_bot": False})
privately = st.tuples(messages, people, message_text).map(
    lambda m: m[0] | {"from": m[1], "chat": {"id": m[1]["id"], "type": "private"}, "text": m[2]}
)
"""What a customer writes to the bot, with the oddities a message can have."""
updates = st.one_of(
    st.fixed_dictionaries({"update_id": update_ids, "message": privately}),
    st.fixed_dictionaries({"update_id": update_ids, "message": privately}),
    st.fixed_dictionaries({"update_id": update_ids, "message": messages}),
    st.fixed_dictionaries({"update_id": update_ids, "callback_query": presses}),
    st.fixed_dictionaries(
        {"update_id": update_ids},
        optional={"message": messages, "callback_query": presses, "edited_message": messages},
    ),
)


_fresh = itertools.count(1_000_000)


def numbered(update: dict[str, Any]) -> dict[str, Any]:
    """The update with an id of its own (when its id is a number): the examples draw the same
    few ids again and again, and a repeated id is a redelivery, which is taken once."""
    if isinstance(update.get("update_id"), int):
        return {**update, "update_id": next(_fresh)}
    return update


async def post(bot: Everything, body: bytes, secret: str | None = TELEGRAM_SECRET) -> int:
    headers = JSON | ({SECRET_HEADER: secret} if secret is not None else {})
    answer = await bot.request("POST", WEBHOOK, body, headers)
    await bot.settle()
    return answer.status
