"""The dialog engine: the turn pipeline's handler for bots written as YAML flows.

It holds the current :class:`~dialogs.flowset.FlowSet` and can swap it for a newly loaded one
(hot reload) between turns: a turn always runs against one version from start to end.

A step that waits (``wait:``, an ``ask`` with a ``timeout``) is kept in the customer's state;
its time is an item of the durable schedule (:mod:`bot.outreach.schedule`), put and cancelled
here, inside the turn and so under the customer's lease, before the state is saved. A turn that
is run again (a worker stopped before saving) makes the same key, and the schedule keeps one
item per key; an item left by a turn whose state was never saved fires for a wait the state
does not hold, and does nothing (:mod:`dialogs.conversation.waits`).
"""

from __future__ import annotations

from bot.format.messages import SystemEvent
from bot.outreach.events.business import BUSINESS_EVENT
from bot.outreach.schedule import Scheduled, Timers
from bot.turn.handler import Turn, TurnOutcome
from dialogs.conversation.turn import Conversation
from dialogs.conversation.waits import TIMER
from dialogs.design.flowset import FlowSet
from dialogs.state import Timer


class DialogEngine:
    """Runs flows; see :mod:`dialogs.conversation.turn` for how a turn is understood.

    ``timers`` schedules the waits' items; without it (a test of the engine alone) a wait is
    kept in the state and never fires."""

    def __init__(self, flowset: FlowSet, timers: Timers | None = None) -> None:
        self._flowset = flowset
        self.timers = timers

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
        outcome = conversation.outcome()
        await self._schedule(turn, conversation.timer_before, conversation.working.timer)
        return outcome

    async def _schedule(self, turn: Turn, before: Timer | None, after: Timer | None) -> None:
        """Cancel the item of a wait that is over (unless this turn is its item firing, which
        the metrics count as fired, not cancelled), put the item of a new one."""
        timers, customer = self.timers, turn.customer.id
        if timers is None:
            return
        item = turn.input
        if isinstance(item, SystemEvent) and item.name == BUSINESS_EVENT:
            await timers.cancel_on(customer, str(item.data.get("type", "")))
        fired = (
            item.data.get("key") if isinstance(item, SystemEvent) and item.name == TIMER else None
        )
        over = None if before is not None and fired == before.key else before
        if over is not None and over.due_at is not None and _other(after, over):
            await timers.cancel(customer, over.key)  # not when it is the item firing
        if after is not None and after.due_at is not None and _other(before, after):
            await timers.put(
                Scheduled(
                    customer_id=customer,
                    key=after.key,
                    due_at=after.due_at,
                    name=TIMER,
                    data={"key": after.key, "flow": after.flow, "step": after.step},
                    cancel_on=(after.until,) if after.until else (),
                    max_late=after.max_late,
                )
            )

    async def aclose(self) -> None:
        """Close what actions opened (their HTTP client)."""
        await self._flowset.actions.aclose()


def _other(timer: Timer | None, than: Timer) -> bool:
    """Whether ``timer`` is not the wait ``than`` (none, or another)."""
    return timer is None or timer.key != than.key
