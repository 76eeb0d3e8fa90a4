"""The web chat's JSON frames over ``/chat/ws``; ``docs/webchat-protocol.md`` describes them.

Client frames are validated strictly (unknown fields and types refused); server frames are
built from the transcript, so a reconnecting client asks for entries after the last id it saw.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from bot.http.limits import MAX_PAYLOAD

PROTOCOL = 1
CLIENT_ID = r"^[A-Za-z0-9_-]{1,64}$"
SESSION = r"^[A-Za-z0-9_-]{32,64}$"
LINK = r"^[A-Za-z0-9_-]{1,64}$"
ENTRY_ID = r"^\d{1,20}-\d{1,20}$"


class Frame(BaseModel):
    """A frame from the browser: strict, so a malformed one is refused, not guessed at."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Hello(Frame):
    """The first frame: who the customer is and how far they have read."""

    type: Literal["hello"]
    protocol: int = PROTOCOL
    session: str | None = Field(default=None, pattern=SESSION)
    identity: str | None = Field(default=None, max_length=4096)
    locale: str | None = Field(default=None, max_length=35)
    after: str | None = Field(default=None, pattern=ENTRY_ID)
    link: str | None = Field(default=None, pattern=LINK)
    """A link token from the chat's URL (``/chat?link=...``): continue a conversation begun on
    another channel."""


class Say(Frame):
    """The customer sends text (past :data:`~bot.http.limits.MAX_TEXT` characters, the core cuts it
    and notes that in the transcript; the frame's size bounds it before that)."""

    type: Literal["message"]
    id: str = Field(pattern=CLIENT_ID)
    text: str = Field(min_length=1)


class Press(Frame):
    """The customer presses a button."""

    type: Literal["button"]
    id: str = Field(pattern=CLIENT_ID)
    payload: str = Field(min_length=1, max_length=MAX_PAYLOAD)
    title: str | None = Field(default=None, max_length=256)


class Typing(Frame):
    """The customer is typing."""

    type: Literal["typing"]


ClientFrame = Annotated[Hello | Say | Press | Typing, Field(discriminator="type")]
CLIENT_FRAME: TypeAdapter[Hello | Say | Press | Typing] = TypeAdapter(ClientFrame)

CloseCode = Literal[4400, 4401, 4408]
BAD_HELLO: CloseCode = 4400
BAD_IDENTITY: CloseCode = 4401
NO_HELLO: CloseCode = 4408
