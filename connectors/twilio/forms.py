"""Twilio's webhook forms, typed: the base of every form model, and reading one (pure).

Twilio adds fields without notice, so unknown ones are left aside rather than refused; a
malformed field is a 400 that names the field, never its value (phone numbers and texts stay
out of logs).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from bot.errors import InboundRejected

E164 = r"^\+[1-9][0-9]{6,14}$"
SID = r"^[A-Z]{2}[0-9a-fA-F]{32}$"
ACCOUNT_SID = r"^AC[0-9a-fA-F]{32}$"
MESSAGE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
"""Our message id, as it travels in a status callback's URL."""


class TwilioForm(BaseModel):
    """Fields of a Twilio form."""

    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)


F = TypeVar("F", bound=TwilioForm)


def validate(model: type[F], form: Mapping[str, str]) -> F:
    """``form`` as ``model``; raises :class:`InboundRejected` (400) naming the bad fields."""
    try:
        return model.model_validate(dict(form))
    except ValidationError as exc:
        names = sorted({str(error["loc"][0]) for error in exc.errors() if error["loc"]})
        raise InboundRejected(400, f"malformed form: {', '.join(names)}") from exc


def same_account(given: str, ours: str) -> None:
    """A valid signature already proves the sender knows our token; this catches a number of
    another (sub)account pointed at this bot, whose messages we could not answer from."""
    if given != ours:
        raise InboundRejected(403, "the message is for another Twilio account")
