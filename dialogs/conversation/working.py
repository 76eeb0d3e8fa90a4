"""The working copy of one customer's conversation for the length of one turn."""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import JsonValue

from bot.turn.customer import CustomerRecord, Handoff
from dialogs.state import DialogState, Frame


@dataclass
class Working:
    """What a turn reads from the customer record and changes: where the customer is in the
    flows (the stack, the slot being asked, invalid attempts), what they told (slots, and the
    profile that outlives a conversation), their language, the handoff and the channels they
    were offered to continue on."""

    stack: list[Frame]
    awaiting: str | None
    attempts: int
    started: bool
    language_sure: bool
    slots: dict[str, JsonValue]
    profile: dict[str, JsonValue]
    language: str
    handoff: Handoff
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
            offered=state.offered,
        )

    def written(self, record: CustomerRecord) -> CustomerRecord:
        """``record`` with the turn's changes."""
        state = DialogState(
            stack=tuple(self.stack),
            awaiting=self.awaiting,
            attempts=self.attempts,
            started=self.started,
            language_sure=self.language_sure,
            offered=self.offered,
        )
        return record.model_copy(
            update={
                "slots": self.slots,
                "profile": self.profile,
                "dialog": state.dump(),
                "language": self.language,
                "handoff": self.handoff,
            }
        )
