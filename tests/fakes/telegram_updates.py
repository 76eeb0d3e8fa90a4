"""Telegram updates as the Bot API sends them, for the tests to post or feed.

Each builder returns the JSON object of one ``Update`` with a fresh ``update_id``; entities are
filled in as Telegram fills them (commands and mentions, offsets in UTF-16 code units).
"""

from __future__ import annotations

import itertools
import re
import time
from dataclasses import dataclass
from typing import Any

import aiohttp

from connectors.telegram.connector import SECRET_HEADER
from tests.fakes.telegram import BOT_ID, USERNAME

_MENTION = re.compile(r"@[A-Za-z0-9_]{5,32}")
_COMMAND = re.compile(r"^/[A-Za-z0-9_]+(?:@[A-Za-z0-9_]+)?")


@dataclass(frozen=True)
class Person:
    """A Telegram user."""

    id: int
    first_name: str
    last_name: str | None = None
    language_code: str | None = "en"
    username: str | None = None

    def json(self) -> dict[str, Any]:
        user: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        for key in ("last_name", "language_code", "username"):
            value = getattr(self, key)
            if value is not None:
                user[key] = value
        return user


ANA = Person(1001, "Ana", "Souza", "pt-BR", "anasouza")
JOHN = Person(1002, "John", "Miller", "en")
MARIA = Person(1003, "Maria", "Oliveira", "en")
BOT = {"id": BOT_ID, "is_bot": True, "first_name": "Store", "username": USERNAME}
GROUP = -1001234567890


def utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def entities(text: str) -> list[dict[str, Any]]:
    """The command and mention entities Telegram would find in ``text``."""
    found = []
    command = _COMMAND.match(text)
    if command:
        found.append({"type": "bot_command", "offset": 0, "length": utf16(command.group())})
    for mention in _MENTION.finditer(text):
        offset = utf16(text[: mention.start()])
        found.append({"type": "mention", "offset": offset, "length": utf16(mention.group())})
    return found


class Updates:
    """Numbers updates and messages as Telegram does (increasing ids)."""

    def __init__(self, first: int = 500_000) -> None:
        self._updates = itertools.count(first)
        self._messages = itertools.count(1)

    def update(self, **content: Any) -> dict[str, Any]:
        return {"update_id": next(self._updates), **content}

    def message(
        self,
        person: Person,
        chat: int | None = None,
        *,
        thread: int | None = None,
        reply_to: dict[str, Any] | None = None,
        **content: Any,
    ) -> dict[str, Any]:
        """The ``Message`` object (not wrapped in an update)."""
        chat = person.id if chat is None else chat
        chat_json: dict[str, Any] = (
            {"id": chat, "type": "private", "first_name": person.first_name}
            if chat > 0
            else {"id": chat, "type": "supergroup", "title": "Store fans", "is_forum": True}
        )
        message: dict[str, Any] = {
            "message_id": next(self._messages),
            "date": int(time.time()),
            "chat": chat_json,
            "from": person.json(),
            **content,
        }
        if thread is not None:
            message.update(message_thread_id=thread, is_topic_message=True)
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        return message

    def text(
        self, person: Person, text: str, chat: int | None = None, **extra: Any
    ) -> dict[str, Any]:
        found = entities(text)
        content: dict[str, Any] = {"text": text}
        if found:
            content["entities"] = found
        return self.update(message=self.message(person, chat, **extra, **content))

    def edited(self, person: Person, text: str) -> dict[str, Any]:
        message = self.message(person, text=text, edit_date=int(time.time()))
        return self.update(edited_message=message)

    def contact(self, person: Person, phone: str, owner: int | None) -> dict[str, Any]:
        contact: dict[str, Any] = {"phone_number": phone, "first_name": person.first_name}
        if owner is not None:
            contact["user_id"] = owner
        return self.update(message=self.message(person, contact=contact))

    def location(self, person: Person, latitude: float, longitude: float) -> dict[str, Any]:
        location = {"latitude": latitude, "longitude": longitude}
        return self.update(message=self.message(person, location=location))

    def photo(self, person: Person, file_id: str, caption: str | None = None) -> dict[str, Any]:
        sizes = [
            {"file_id": f"{file_id}-small", "file_unique_id": "s1", "width": 90, "height": 67},
            {
                "file_id": file_id,
                "file_unique_id": "s2",
                "width": 1280,
                "height": 960,
                "file_size": 123_456,
            },
        ]
        content: dict[str, Any] = {"photo": sizes}
        if caption is not None:
            content["caption"] = caption
        return self.update(message=self.message(person, **content))

    def document(self, person: Person, file_id: str, name: str, mime: str) -> dict[str, Any]:
        document = {
            "file_id": file_id,
            "file_unique_id": "d1",
            "file_name": name,
            "mime_type": mime,
            "file_size": 2048,
        }
        return self.update(message=self.message(person, document=document))

    def voice(self, person: Person, file_id: str) -> dict[str, Any]:
        voice = {
            "file_id": file_id,
            "file_unique_id": "v1",
            "duration": 3,
            "mime_type": "audio/ogg",
        }
        return self.update(message=self.message(person, voice=voice))

    def press(
        self,
        person: Person,
        data: str,
        *,
        chat: int | None = None,
        keyboard: list[list[dict[str, Any]]] | None = None,
        thread: int | None = None,
    ) -> dict[str, Any]:
        """A press on a button of one of the bot's messages (Telegram sends that message back,
        keyboard included)."""
        chat = person.id if chat is None else chat
        message = self.message(person, chat, thread=thread, text="(the bot's message)")
        message["from"] = BOT
        if keyboard is not None:
            message["reply_markup"] = {"inline_keyboard": keyboard}
        query = {
            "id": f"cq{next(self._messages)}",
            "from": person.json(),
            "chat_instance": "ci-1",
            "message": message,
            "data": data,
        }
        return self.update(callback_query=query)

    def reply_to_bot(self) -> dict[str, Any]:
        """A message of the bot's, as it appears in ``reply_to_message``."""
        return {
            "message_id": next(self._messages),
            "date": int(time.time()),
            "chat": {"id": GROUP, "type": "supergroup", "title": "Store fans"},
            "from": BOT,
            "text": "What's your order number?",
        }


async def deliver(url: str, secret: str, update: dict[str, Any]) -> Any:
    """Post ``update`` to the bot served at ``url`` as Telegram does, with the webhook's
    ``secret``, on a connection of its own (so it may reach any worker); the bot answers 200,
    and its JSON answer, if any, is returned."""
    connector = aiohttp.TCPConnector(force_close=True)
    async with (
        aiohttp.ClientSession(connector=connector) as session,
        session.post(
            f"{url}/telegram/webhook", json=update, headers={SECRET_HEADER: secret}
        ) as response,
    ):
        assert response.status == 200, await response.text()
        return await response.json() if response.content_type == "application/json" else None
