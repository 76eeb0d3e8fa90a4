"""The working copy of one customer's conversation for the length of one turn."""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import JsonValue

from bot.outreach.consent import OutreachState
from bot.turn.customer import CustomerRecord, Handoff
from dialogs.state import DialogState, Frame, Timer


@dataclass
class Working:
    """What a turn reads from the customer record and changes: where the customer is in the
    flows (the stack, the slot being asked, invalid attempts), what they told (slots, and the
    profile that outlives a conversation), their language, the handoff, their answers about
    marketing and the channels they were offered to continue on."""

    stack: list[Frame]
    awaiting: str | None
    attempts: int
    started: bool
    language_sure: bool
    slots: dict[str, JsonValue]
    profile: dict[str, JsonValue]
    language: str
    handoff: Handoff
    timer: Timer | None = None
    outreach: OutreachState = field(default_factory=OutreachState)
    offered: tuple[str, ...] = ()
    given: set[str] = field(default_factory=set)
    """The slots the customer gave this turn (not kept: a turn's own)."""

    @classmethod
    def of(cls, record: CustomerRecord, default_language: str) -> Working:
        """The working copy of ``record``."""
        state = DialogState.load(record.dialog)
        return cls(
            stack=list(state.stack),
            awaiting=state.awaiting,
            attempts=state.attempts,
            started=state.started,
            language_sure=state.language_sure,
            slots=dict(record.slots),
            profile=dict(record.profile),
            language=record.language or default_language,
            handoff=record.handoff,
            timer=state.timer,
            outreach=record.outreach,
            offered=state.offered,
        )

    def event(self) -> dict[str, JsonValue] | None:
        """The business event of the running flow, or of the nearest flow under it that one
        started (what templates read as ``event``)."""
        return next((f.event for f in reversed(self.stack) if f.event is not None), None)

    def written(self, record: CustomerRecord) -> CustomerRecord:
        """``record`` with the turn's changes."""
        state = DialogState(
            stack=tuple(self.stack),
            awaiting=self.awaiting,
            attempts=self.attempts,
            started=self.started,
            language_sure=self.language_sure,
            timer=self.timer,
            offered=self.offered,
        )
        return record.model_copy(
            update={
                "slots": self.slots,
                "profile": self.profile,
                "dialog": state.dump(),
                "language": self.language,
                "handoff": self.handoff,
                "outreach": self.outreach,
            }
        )

    def current(self, timer: Timer) -> bool:
        """Whether the frame ``timer`` was set in still waits at its step."""
        if timer.depth >= len(self.stack):
            return False
        frame = self.stack[timer.depth]
        return frame.flow == timer.flow and frame.step == timer.step
