"""The dialog engine: the turn pipeline's handler for bots written as YAML flows.

It holds the current :class:`~dialogs.flowset.FlowSet` and can swap it for a newly loaded one
(hot reload) between turns: a turn always runs against one version from start to end.
"""

from __future__ import annotations

from bot.turn.handler import Turn, TurnOutcome
from dialogs.conversation.turn import Conversation
from dialogs.design.flowset import FlowSet


class DialogEngine:
    """Runs flows; see :mod:`dialogs.conversation.turn` for how a turn is understood."""

    def __init__(self, flowset: FlowSet) -> None:
        self._flowset = flowset

    @property
    def flowset(self) -> FlowSet:
        """The flows in use."""
        return self._flowset

    def swap(self, flowset: FlowSet) -> FlowSet:
        """Use ``flowset`` from the next turn on; returns the one it replaces."""
        previous, self._flowset = self._flowset, flowset
        return previous

    async def __call__(self, turn: Turn) -> TurnOutcome:
        conversation = Conversation(self._flowset, turn)
        await conversation.respond()
        return conversation.outcome()

    async def aclose(self) -> None:
        """Close what actions opened (their HTTP client)."""
        await self._flowset.actions.aclose()
