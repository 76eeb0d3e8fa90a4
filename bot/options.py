"""Options offered to a customer, and mapping a typed reply ("2", "Courier") back to one."""

from __future__ import annotations

import re
import unicodedata

from pydantic import Field

from bot.messages import Model

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
    """The choices of the bot's last message on one channel."""

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


def normalise_title(text: str) -> str:
    """Case, accents, surrounding punctuation and runs of spaces do not matter in a title."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", bare).strip(" \t\n.!?¡¿,;:\"'")
