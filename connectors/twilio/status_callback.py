"""Twilio's message status callback, read (pure): what SMS's and WhatsApp's share.

Both channels ask Twilio to call ``<route>/status?m=<our message id>`` as a message moves on;
only the final states are recorded, and only for a message of ours (one that names it). Each
channel keeps what is its own: the recipient's shape, which states are final, and what its
error codes mean.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

from pydantic import Field, field_validator

from bot.errors import InboundRejected
from bot.format.transcript import DeliveryStatus
from connectors.twilio.forms import ACCOUNT_SID, MESSAGE_ID, SID, TwilioForm, same_account, validate

TWILIO_ERRORS = "see twilio.com/docs/errors"


class StatusForm(TwilioForm):
    """The fields of Twilio's status callback that omnibot uses; a channel's form adds the
    recipient (``To``) in its own shape."""

    message_sid: str = Field(alias="MessageSid", pattern=SID)
    account_sid: str = Field(alias="AccountSid", pattern=ACCOUNT_SID)
    status: str = Field(alias="MessageStatus", pattern=r"^[a-z_-]{1,32}$")
    recipient: str
    error_code: int | None = Field(default=None, alias="ErrorCode", ge=0)

    @field_validator("error_code", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if value == "" else value


S = TypeVar("S", bound=StatusForm)


@dataclass(frozen=True, slots=True)
class Callback(Generic[S]):
    """A status callback worth recording: its fields, our message it names, its final state."""

    fields: S
    message_id: str
    status: DeliveryStatus


def read_status(
    model: type[S],
    form: Mapping[str, str],
    query: Mapping[str, str],
    account_sid: str,
    final: Mapping[str, DeliveryStatus],
) -> Callback[S] | None:
    """Read a status callback as ``model``; ``None`` when there is nothing to record (a state
    not in ``final``, or a message that is not ours, without the ``m`` we put in the callback
    URL). Raises :class:`InboundRejected` (400 malformed, 403 another account's)."""
    fields = validate(model, form)
    same_account(fields.account_sid, account_sid)
    status = final.get(fields.status)
    message_id = query.get("m")
    if status is None or message_id is None:
        return None
    if not MESSAGE_ID.match(message_id):
        raise InboundRejected(400, "the status callback URL names no message")
    return Callback(fields, message_id, status)


def error_said(code: int | None, meanings: Mapping[int, str]) -> str:
    """``: error <code>, <what it means>`` for a status's error code; nothing without one."""
    if not code:
        return ""
    return f": error {code}, {meanings.get(code, TWILIO_ERRORS)}"
