"""Where a customer is in the flows: the part of the customer record the dialog engine owns.

It is small and plain on purpose: any worker, on any channel, can resume from it. Steps are
named by id (an ask step's id defaults to its slot's name), so that a bot folder reloaded with
edited flows still finds the step a customer was waiting at.
"""

from __future__ import annotations

from datetime import timedelta

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, JsonValue, ValidationError


class Frame(BaseModel):
    """A flow being run, and the id of the step to run next (or the ask step waiting); a flow
    a business event started keeps the event (``type`` and ``data``) for its templates until it
    ends."""

    model_config = ConfigDict(frozen=True)

    flow: str
    step: str
    event: dict[str, JsonValue] | None = None


class Timer(BaseModel):
    """A step that waits (``wait``, an ``ask`` with a ``timeout``): the frame it waits in (its
    place in the stack, its flow and step), for what, and the ``key`` of the item the schedule
    fires for it. A fired item, or an event, whose wait is not this one any more does nothing."""

    model_config = ConfigDict(frozen=True)

    key: str
    depth: int = Field(ge=0)
    flow: str
    step: str
    due_at: AwareDatetime | None = None
    until: str | None = None
    max_late: timedelta | None = None


class DialogState(BaseModel):
    """The flow stack (the running flow last), the slot being asked, invalid attempts, the step
    waiting for a time or an event, and the channels offered."""

    model_config = ConfigDict(frozen=True)

    stack: tuple[Frame, ...] = ()
    awaiting: str | None = None
    attempts: int = Field(default=0, ge=0)
    started: bool = False
    language_sure: bool = False
    timer: Timer | None = None
    offered: tuple[str, ...] = ()
    """The channels the customer was offered to continue on after giving an address there
    (said once a conversation, when the flow is done; ``email-owed`` until then)."""

    @classmethod
    def load(cls, stored: dict[str, JsonValue]) -> DialogState:
        """The state kept in a customer record; an unreadable one starts afresh."""
        try:
            return cls.model_validate(stored)
        except ValidationError:
            return cls()

    def dump(self) -> dict[str, JsonValue]:
        """The form stored in the customer record."""
        dumped: dict[str, JsonValue] = self.model_dump(mode="json", exclude_defaults=True)
        return dumped
