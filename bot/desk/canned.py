"""Canned responses: the team's ready answers, per language, with the customer's details in them.

Agents write them in the console and every agent sees the same ones (they live on the desk,
:class:`~bot.desk.store.Desk`, in the shared memory). A text may name a few variables —
``{{ profile.<key> }}``, ``{{ slots.<key> }}`` and ``{{ agent.name }}``, each with
``or "words"`` for when it has no value — and nothing else: no expressions, filters or loops.
That is a deliberate difference from the dialogs' sandboxed templates. A canned response is
written by any agent and filled with what customers typed, so it is filled by one pass of plain
substitution: a customer whose name is ``{{ agent.name }}`` is shown as exactly that, never
evaluated, and no text an agent saves can compute anything. An unknown variable is refused when
the response is saved, not discovered when it is used.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bot.turn.customer import CustomerRecord

MOST = 200
"""How many canned responses a team keeps (the console lists them all on every open)."""
MAX_TEXT = 1000
MAX_VALUE = 200
"""The longest value a variable is filled with (a profile field is the customer's own words)."""
_VARIABLE = re.compile(r"\{\{(.*?)\}\}")
_PATH = re.compile(
    r"^\s*(?P<path>agent\.name|(?:profile|slots)\.[A-Za-z0-9_]{1,64})\s*"
    r'(?:or\s+"(?P<default>[^"{}]{0,100})"\s*)?$'
)
_KEY = re.compile(r"^c_[A-Za-z0-9_-]{8,32}$")


class Invalid(ValueError):
    """A canned response an agent sent that cannot be kept; ``field`` names what is wrong."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


class Canned(BaseModel):
    """One canned response: a short ``title`` to find it by, the ``language`` it is written in
    (a bot language tag such as ``en`` or ``pt-BR``), and its ``text``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    key: str = Field(pattern=_KEY.pattern)
    title: str = Field(min_length=1, max_length=80)
    language: str = Field(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")
    text: str = Field(min_length=1, max_length=MAX_TEXT)
    by: str = Field(max_length=64)
    at: datetime

    @field_validator("title", "text")
    @classmethod
    def _trimmed(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("must not be blank")
        return value

    @field_validator("text")
    @classmethod
    def _known_variables(cls, text: str) -> str:
        rest = _VARIABLE.sub("", text)
        if "{{" in rest or "}}" in rest:
            raise ValueError("an unclosed '{{'")
        for found in _VARIABLE.finditer(text):
            if not _PATH.match(found.group(1)):
                raise ValueError(
                    f"{found.group(0)!r} is not one of {{{{ profile.<key> }}}}, "
                    '{{ slots.<key> }}, {{ agent.name }} (with or "words" after it)'
                )
        return text


def new_key() -> str:
    """A fresh key for a canned response."""
    return "c_" + secrets.token_urlsafe(12)


def is_key(key: str) -> bool:
    """Whether ``key`` could name a canned response (checked before it reaches the memory)."""
    return bool(_KEY.match(key))


def made(body: Mapping[str, object], key: str, agent: str, now: datetime) -> Canned:
    """The canned response an agent sent (``title``, ``language``, ``text``); raises
    :class:`Invalid` naming the first field that is wrong."""
    fields = {name: body.get(name) for name in ("title", "language", "text")}
    try:
        return Canned.model_validate({**fields, "key": key, "by": agent, "at": now})
    except ValidationError as exc:
        first = exc.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else "body"
        raise Invalid(field, str(first["msg"]).removeprefix("Value error, ")) from exc


def kept(raw: Mapping[str, str]) -> list[Canned]:
    """The canned responses as stored, by title; a damaged one is left out, never fatal."""
    found: list[Canned] = []
    for value in raw.values():
        try:
            found.append(Canned.model_validate_json(value))
        except ValidationError:
            continue
    return sorted(found, key=lambda item: (item.title.casefold(), item.key))


def for_language(responses: list[Canned], language: str | None) -> list[Canned]:
    """The responses written in ``language`` (``pt-BR`` also takes ``pt``, and the other way)."""
    if not language:
        return responses
    base = language.split("-")[0].lower()
    return [item for item in responses if item.language.split("-")[0].lower() == base]


def fill(text: str, customer: CustomerRecord, agent: str) -> str:
    """``text`` with its variables replaced by the customer's details and the agent's name, in
    one pass: what is put in is never read again as a variable."""

    def value(found: re.Match[str]) -> str:
        match = _PATH.match(found.group(1))
        if match is None:  # saved before the rules were what they are: shown as written
            return found.group(0)
        path, default = match.group("path"), match.group("default") or ""
        if path == "agent.name":
            return agent
        root, key = path.split(".", 1)
        held = (customer.profile if root == "profile" else customer.slots).get(key)
        if held is None or held == "" or isinstance(held, (dict, list)):
            return default
        return " ".join(str(held).split())[:MAX_VALUE]

    return _VARIABLE.sub(value, text)
