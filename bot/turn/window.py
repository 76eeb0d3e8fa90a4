"""The customer-service window some channels keep: may a free-form message go now, else what.

WhatsApp lets a business send free-form messages only within 24 hours of the customer's last
message to it; outside that window only a template Meta approved may go, until the customer
writes again. A channel declares such a window in its capabilities (``window``); the customer's
record keeps when they last wrote on each channel (``wrote_at``). :meth:`Windows.decide` is the
one place that answers, for bot replies, agent replies and outreach alike:

- the window is open (or the channel keeps none): the messages go as they are;
- it is closed and ``bot.yaml`` names a template for the purpose in the customer's language
  (``channels.whatsapp.templates``): that template goes instead, its parameters filled from the
  customer's profile and slots and the words held back (``{{ message }}``);
- otherwise the customer's next reachable channel (the one they asked to be contacted on, then
  the ones they wrote on most recently; never one that is off, refuses them, was told stop,
  keeps its own window closed, or only shows a page they may have closed);
- otherwise nothing goes, and the transcript says why.

A channel whose own clock disagrees (WhatsApp's 131047) closes the window in the record
(:meth:`~bot.turn.customer.CustomerRecord.window_closed`), and what it refused is routed again.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field, field_validator

from bot.format.capabilities import Capabilities
from bot.format.channel_names import channel_name
from bot.format.messages import Address
from bot.format.outbound import Card, Media, OutboundMessage, Template, Text
from bot.format.transcript import NoteEntry
from bot.turn.customer import CustomerRecord

REOPEN = "reopen"
"""The purpose of the template that carries a reply outside the window (bot or agent)."""
PURPOSES = frozenset({REOPEN, "transactional", "marketing"})
"""The purposes a template may serve: a reply outside the window, or a message the business
starts, by its flow's purpose (:mod:`bot.outreach.reach`)."""
MARGIN = timedelta(minutes=5)
"""The window is taken to close this much early: the customer's message reached WhatsApp a
little before our turn began, and ours takes a moment to reach it."""
MAX_PARAMETER = 1000
_EXPRESSION = re.compile(r"\{\{(.*?)\}\}")
_PATH = re.compile(
    r'^\s*(?P<path>message|(?:profile|slots)\.[A-Za-z0-9_]+)\s*(?:or\s+"(?P<default>[^"{}]*)"\s*)?$'
)


class TemplateDef(BaseModel):
    """One approved template: its ``name`` and ``language`` code as approved in WhatsApp
    Manager, and its body's parameters in order. A parameter is text in which ``{{ message }}``
    (the words the template carries), ``{{ profile.<key> }}`` and ``{{ slots.<key> }}`` are
    replaced, each with ``or "words"`` for when it has no value. ``content_sid`` is the same
    approved template's Content API SID (``HX...``), which WhatsApp through Twilio sends it by;
    without it that provider refuses the template."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(pattern=r"^[a-z0-9_]{1,512}$")
    language: str = Field(pattern=r"^[a-z]{2,3}(_[A-Z]{2})?$")
    parameters: tuple[str, ...] = Field(default=(), max_length=20)
    content_sid: str | None = Field(default=None, pattern=r"^HX[0-9a-fA-F]{32}$")

    @field_validator("parameters")
    @classmethod
    def _known(cls, parameters: tuple[str, ...]) -> tuple[str, ...]:
        for number, parameter in enumerate(parameters, 1):
            if "{{" in _EXPRESSION.sub("", parameter) or "}}" in _EXPRESSION.sub("", parameter):
                raise ValueError(f"parameter {number}: an unclosed '{{{{'")
            for found in _EXPRESSION.finditer(parameter):
                if not _PATH.match(found.group(1)):
                    raise ValueError(
                        f"parameter {number}: {found.group(0)!r} is not one of {{{{ message }}}}, "
                        '{{ profile.<key> }}, {{ slots.<key> }} (with or "words" after it)'
                    )
        return parameters


Templates = Mapping[str, Mapping[str, TemplateDef]]
"""Templates by purpose (``reopen``), then by the bot's language (``en``, ``pt-BR``)."""


@dataclass(frozen=True, slots=True)
class FreeForm:
    """The messages may go as they are."""


@dataclass(frozen=True, slots=True)
class ByTemplate:
    """Only this template may go."""

    template: Template


@dataclass(frozen=True, slots=True)
class ByChannel:
    """The window is closed and no template fits: this other channel of the customer's."""

    address: Address


@dataclass(frozen=True, slots=True)
class Nowhere:
    """Nothing may go anywhere; ``reason`` says why."""

    reason: str


Verdict = FreeForm | ByTemplate | ByChannel | Nowhere


@dataclass(frozen=True, slots=True)
class WindowState:
    """What an agent is shown of a channel's window: open until ``closes_at``, or closed (since
    ``closes_at``, ``None`` if the customer never wrote there), and what a reply would become."""

    channel: str
    open: bool
    closes_at: datetime | None
    then: str | None


@dataclass(frozen=True, slots=True)
class Routed:
    """Where the messages of a reply go after the window is considered, and what the
    transcript says about it."""

    address: Address | None
    messages: tuple[OutboundMessage, ...]
    note: NoteEntry | None = None


@dataclass(frozen=True, slots=True)
class Windows:
    """The windows of the channels that are on, and the templates that may go outside them.

    ``capabilities`` and ``live`` say what a channel can do (``None``: it is off) and whether it
    only shows pages the customer keeps open (:class:`bot.turn.delivery.Outlets`)."""

    templates: Templates
    language: str
    capabilities: Callable[[str], Capabilities | None]
    live: Callable[[str], bool]

    def closes_at(self, customer: CustomerRecord, channel: str) -> datetime | None:
        """When ``channel``'s window for ``customer`` closes (closed already if in the past, or
        ``None`` when they never wrote there); ``None`` also for a channel with no window."""
        window = self._window(channel)
        wrote = customer.wrote_at.get(channel)
        return wrote + window - MARGIN if window is not None and wrote is not None else None

    def is_open(self, customer: CustomerRecord, channel: str, now: datetime) -> bool:
        """Whether a free-form message may go to ``customer`` on ``channel`` now."""
        if self._window(channel) is None:
            return True
        closes = self.closes_at(customer, channel)
        return closes is not None and now < closes

    def decide(
        self,
        customer: CustomerRecord,
        address: Address,
        now: datetime,
        words: str = "",
        purpose: str = REOPEN,
    ) -> Verdict:
        """May a free-form message go to ``customer`` at ``address`` now, and if not, what may:
        see the module docstring. ``words`` is what the message says, for ``{{ message }}``."""
        if self.is_open(customer, address.channel, now):
            return FreeForm()
        template = self.template(customer, purpose, words)
        if template is not None:
            return ByTemplate(template)
        other = self.next_address(customer, address.channel, now)
        if other is not None:
            return ByChannel(other)
        return Nowhere(
            f"{address.channel}'s window is closed, no {purpose!r} template fits and the "
            "customer has no other channel to reach them on"
        )

    def template(self, customer: CustomerRecord, purpose: str, words: str) -> Template | None:
        """The ``purpose`` template in the customer's language (else the bot's), filled in;
        ``None`` when there is none or a parameter would be empty (WhatsApp refuses those)."""
        chosen = _in_language(self.templates.get(purpose, {}), customer.language, self.language)
        if chosen is None:
            return None
        values = tuple(_fill(parameter, customer, words) for parameter in chosen.parameters)
        if not all(values):
            return None
        text = words or f"({chosen.name})"
        return Template(name=chosen.name, language=chosen.language, parameters=values, text=text)

    def next_address(self, customer: CustomerRecord, avoid: str, now: datetime) -> Address | None:
        """The customer's next channel to reach them on, other than ``avoid``."""
        for channel in _by_preference(customer):
            address = customer.addresses.get(channel)
            if address is not None and channel != avoid and self._reaches(customer, channel, now):
                return address
        return None

    def route(
        self,
        customer: CustomerRecord,
        address: Address,
        messages: Sequence[OutboundMessage],
        now: datetime,
        purpose: str = REOPEN,
    ) -> Routed:
        """``messages`` for ``address`` as the window lets them go (outside it, as the template
        for ``purpose``)."""
        if self.is_open(customer, address.channel, now) or all(
            isinstance(m, Template) for m in messages
        ):
            return Routed(address, tuple(messages))  # what they say matters only to a template
        verdict = self.decide(customer, address, now, words(messages), purpose)
        if isinstance(verdict, FreeForm):
            return Routed(address, tuple(messages))
        channel = channel_name(address.channel)
        if isinstance(verdict, ByTemplate):
            name = verdict.template.name
            text = f"{channel}'s window is closed: sent as the approved template {name!r}"
            return Routed(address, (verdict.template,), NoteEntry(at=now, kind="window", text=text))
        if isinstance(verdict, ByChannel):
            other = channel_name(verdict.address.channel, in_sentence=True)
            text = f"{channel}'s window is closed and no template fits: sent on {other}"
            note = NoteEntry(at=now, kind="window", text=text)
            return Routed(verdict.address, tuple(messages), note)
        text = f"{len(messages)} message(s) not sent: {verdict.reason}"
        return Routed(None, tuple(messages), NoteEntry(at=now, kind="undeliverable", text=text))

    def state(self, customer: CustomerRecord, now: datetime) -> WindowState | None:
        """The window of the channel the customer last wrote on, for the agent console;
        ``None`` when that channel keeps none."""
        channel = customer.last_channel
        address = customer.addresses.get(channel) if channel else None
        if channel is None or address is None or self._window(channel) is None:
            return None
        closes = self.closes_at(customer, channel)
        verdict = self.decide(customer, address, now, "…")
        then = None
        if isinstance(verdict, ByTemplate):
            then = f"template {verdict.template.name} ({verdict.template.language})"
        elif isinstance(verdict, ByChannel):
            then = verdict.address.channel
        return WindowState(channel, isinstance(verdict, FreeForm), closes, then)

    def _window(self, channel: str) -> timedelta | None:
        capabilities = self.capabilities(channel)
        return capabilities.window if capabilities is not None else None

    def _reaches(self, customer: CustomerRecord, channel: str, now: datetime) -> bool:
        return (
            self.capabilities(channel) is not None
            and not self.live(channel)
            and channel not in customer.unreachable | customer.opted_out
            and self.is_open(customer, channel, now)
        )


def words(messages: Sequence[OutboundMessage]) -> str:
    """What ``messages`` say, on one line (a template's parameter may hold no line breaks)."""
    said: list[str] = []
    for message in messages:
        if isinstance(message, Text):
            said.append(message.text)
        elif isinstance(message, Media) and message.caption:
            said.append(message.caption)
        elif isinstance(message, Card):
            said.append(message.title)
    return _one_line(" ".join(said))


def _one_line(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= MAX_PARAMETER else flat[: MAX_PARAMETER - 1].rstrip() + "…"


def _fill(parameter: str, customer: CustomerRecord, said: str) -> str:
    def value(found: re.Match[str]) -> str:
        match = _PATH.match(found.group(1))
        assert match is not None  # checked when bot.yaml was loaded
        path, default = match.group("path"), match.group("default") or ""
        if path == "message":
            return said or default
        root, key = path.split(".", 1)
        held = (customer.profile if root == "profile" else customer.slots).get(key)
        return str(held) if held not in (None, "") else default

    return _one_line(_EXPRESSION.sub(value, parameter))


def _in_language(
    by_language: Mapping[str, TemplateDef], language: str | None, fallback: str
) -> TemplateDef | None:
    for tag in (language, fallback):
        if not tag:
            continue
        if tag in by_language:
            return by_language[tag]
        base = tag.split("-")[0]
        if base in by_language:
            return by_language[base]
    return None


def _by_preference(customer: CustomerRecord) -> list[str]:
    """The customer's channels: the one they asked to be contacted on, then the ones they wrote
    on, most recent first, then the rest (a phone they proved, for instance)."""
    wrote = sorted(customer.wrote_at, key=lambda name: customer.wrote_at[name], reverse=True)
    order = [customer.handoff.contact_on, *wrote, *customer.addresses]
    return list(dict.fromkeys(name for name in order if name))
