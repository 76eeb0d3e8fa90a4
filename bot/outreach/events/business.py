"""A business event as the store sends it, and as the customer's turn receives it.

The body of ``POST /events`` is ``{"type": "order.shipped", "customer": {"phone": "+55..."},
"data": {...}}``: the customer named by exactly one attribute (``phone``, ``email`` or
``external_id``, your site's user id), and ``data`` whatever the flows read as ``event.data``.
It reaches the dialog as the system event :data:`BUSINESS_EVENT`, whose ``data`` holds the
``type``, the store's ``data`` and the ``webhook_id``.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    ValidationError,
    field_validator,
    model_validator,
)

from bot.errors import InboundRejected
from bot.format.messages import SystemEvent, VerifiedAttribute, VerifiedKind, canonical

BUSINESS_EVENT = "event"
"""The system event a business event becomes: ``data`` holds ``type``, ``data`` (the store's)
and ``webhook_id``; a flow whose ``triggers: {event: TYPE}`` names the type runs on it."""
ISSUER = "events"
"""Who vouches for a phone or an e-mail a business event names: the store (through its signed
events)."""
SITE_SCOPE = "webchat"
"""The scope of an ``external_id``: your site's user ids, the same ones a web chat identity
signed by the site carries (``connectors.webchat.signed_identity.ISSUER``), so that a customer
signed in on the web chat is the customer the store names by id."""
EVENT_TYPE = r"^[a-z0-9_]+(\.[a-z0-9_]+)*$"
_EVENT_TYPE = re.compile(EVENT_TYPE)


def _event_type(value: str) -> str:
    if not _EVENT_TYPE.match(value):
        raise ValueError(
            f"{value!r} is not an event type: lowercase words, digits and _ joined by dots, "
            "like order.shipped"
        )
    return value


EventType = Annotated[
    str,
    Field(min_length=1, max_length=128, json_schema_extra={"pattern": EVENT_TYPE}),
    AfterValidator(_event_type),
]
"""A business event's type (``order.shipped``), as ``POST /events`` and flow triggers take it."""
MAX_WEBHOOK_ID = 200
_E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class Named(BaseModel):
    """The customer an event is about: exactly one of a phone (E.164), an e-mail, or your
    site's user id."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    phone: str | None = Field(default=None, max_length=32)
    email: str | None = Field(default=None, max_length=320)
    external_id: str | None = Field(default=None, min_length=1, max_length=256)

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        if value is not None and not _E164.match(canonical("phone", value)):
            raise ValueError("expected an E.164 number such as +5511987654321")
        return value

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is not None and not _EMAIL.match(value.strip()):
            raise ValueError("expected an e-mail address")
        return value

    @model_validator(mode="after")
    def _one(self) -> Named:
        given = [kind for kind in ("phone", "email", "external_id") if getattr(self, kind)]
        if len(given) != 1:
            raise ValueError("name the customer by exactly one of phone, email, external_id")
        return self

    @property
    def kind(self) -> VerifiedKind:
        """Which attribute names the customer."""
        if self.phone:
            return "phone"
        return "email" if self.email else "external_id"

    def attribute(self) -> VerifiedAttribute:
        """The attribute as the memory indexes it (see :data:`ISSUER`, :data:`SITE_SCOPE`)."""
        kind = self.kind
        value = self.phone or self.email or self.external_id or ""
        issuer = SITE_SCOPE if kind == "external_id" else ISSUER
        return VerifiedAttribute(kind=kind, value=value, issuer=issuer)


class BusinessEvent(BaseModel):
    """The body of ``POST /events``; unknown keys are refused, so that a typo is seen."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    type: EventType
    customer: Named
    data: dict[str, JsonValue] = Field(default_factory=dict)

    def system_event(self, webhook_id: str) -> SystemEvent:
        """The event the customer's turn receives, deduplicated by ``webhook_id``."""
        data: dict[str, JsonValue] = {"type": self.type, "data": self.data}
        data["webhook_id"] = webhook_id
        return SystemEvent(name=BUSINESS_EVENT, event_id=f"event:{webhook_id}", data=data)


def read_event(value: object) -> BusinessEvent:
    """``value`` (parsed JSON) as a business event; raises
    :class:`~bot.errors.InboundRejected` (400) naming the first field that is wrong."""
    try:
        return BusinessEvent.model_validate(value)
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]
        field = ".".join(str(part) for part in error["loc"]) or "body"
        message = str(error["msg"]).removeprefix("Value error, ")
        raise InboundRejected(400, f"{field}: {message}") from exc
