"""Options offered to a customer, and what a customer's reply or button press stands for.

The options of the bot's latest message are the only buttons a customer can press. A client can
put any payload in a press (a web chat frame, a Direct Line ``value``, Telegram's
``callback_data``, a Slack ``value``), and a payload names where the conversation goes
(``goto:<flow>:<step>`` skips whatever stood before that step), so a press whose payload the bot
did not offer in its latest message is read as if the customer had typed the button's title: it
can do what typing that could, nothing more. :func:`interpret` is that rule, for every channel.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from pydantic import Field

from bot.format.messages import InboundEvent, Model

_NUMBER = re.compile(r"^\s*#?\s*(\d{1,3})\s*[.)]?\s*$")
_SPACES = re.compile(r"\s+")


class Option(Model):
    """One choice the bot offered: what it showed and the payload it stands for.

    ``number`` is set when the channel showed the choice as a numbered line of text.
    """

    title: str
    payload: str
    number: int | None = Field(default=None, ge=1)


class OfferedOptions(Model):
    """The choices of the bot's latest message (the one reply that offered them, on ``channel``).

    The record keeps only these: a new reply replaces them (with nothing, if it has no choices),
    so buttons of older messages still on the customer's screen no longer count as offered.
    """

    channel: str
    options: tuple[Option, ...] = ()

    def match(self, text: str) -> Option | None:
        """The option a typed reply stands for, by its number or by its title; else ``None``.

        Numbers only count where they were shown, so that "2" stays an answer to "how many?"
        on a channel that showed real buttons.
        """
        number = _NUMBER.match(text)
        if number:
            wanted = int(number.group(1))
            for option in self.options:
                if option.number == wanted:
                    return option
        key = normalise_title(text)
        for option in self.options:
            if normalise_title(option.title) == key:
                return option
        return None

    def offering(self, payload: str) -> Option | None:
        """The offered option that carries ``payload``, if there is one."""
        return next((option for option in self.options if option.payload == payload), None)


def interpret(offered: OfferedOptions | None, event: InboundEvent) -> InboundEvent:
    """What a customer's event stands for, given the options of the bot's latest message.

    A press counts only if its payload is one of those options; any other press becomes the
    typed text of its title (of its payload, when the channel gave no title). A typed reply
    that names an option ("2", "Courier") becomes a press of that option.
    """
    if event.kind == "button" and not _offered(offered, event.payload):
        event = _typed(event)
    if event.kind != "text" or event.text is None or offered is None:
        return event
    option = offered.match(event.text)
    if option is None:
        return event
    return event.model_copy(update={"kind": "button", "payload": option.payload})


def _typed(press: InboundEvent) -> InboundEvent:
    """A button press read as the text of the button, as if the customer had typed it."""
    title = (press.text or "").strip()
    return press.model_copy(
        update={"kind": "text", "text": title or press.payload, "payload": None}
    )


def _offered(offered: OfferedOptions | None, payload: str | None) -> bool:
    return offered is not None and payload is not None and offered.offering(payload) is not None


@lru_cache(maxsize=1024)
def normalise_title(text: str) -> str:
    """Case, accents, surrounding punctuation and runs of spaces do not matter in a title.
    Remembered: every typed message is compared with each offered title, and the titles are
    the bot's few."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", bare).strip(" \t\n.!?¡¿,;:\"'")
