"""The shape of each flow: which step can follow which, and which slots are surely filled where.

``slots_filled`` is a forward "definitely assigned" analysis over every flow at once: a flow
started by a trigger, a button or the start of a conversation begins with no slot filled; a flow
only ever reached by ``run`` or ``flow`` from other flows begins with what every caller surely
filled; after ``run`` a caller also has what the sub-flow surely filled before returning.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from dialogs.flowset import Flow, FlowSet
from dialogs.schema import (
    AskStep,
    BranchStep,
    CallStep,
    Case,
    ElseDef,
    EndStep,
    FlowStep,
    GotoStep,
    HandoffStep,
    RunStep,
    SetStep,
    StepBase,
)
from dialogs.templates import implied_slots
from dialogs.walk import references, set_target, step_buttons

END = -1
"""The edge target meaning "this flow ends here and returns to its caller"."""


@dataclass(frozen=True, slots=True)
class Edge:
    """From a step to ``target`` (a position, or :data:`END`), filling ``fills`` on the way;
    ``run`` names a sub-flow run on the way (its filled slots are added too)."""

    target: int
    fills: frozenset[str] = frozenset()
    run: str | None = None


def edges(flow: Flow, position: int, step: StepBase) -> Iterator[Edge]:
    """Where a step can go next."""
    after = position + 1 if position + 1 < len(flow.ids) else END
    for at in step_buttons(flow, position, step):
        if at.button.goto is not None and at.button.goto in flow.index:
            yield Edge(flow.index[at.button.goto])
    if isinstance(step, GotoStep):
        if step.goto in flow.index:
            yield Edge(flow.index[step.goto])
        return
    if isinstance(step, FlowStep | EndStep | HandoffStep):
        if isinstance(step, EndStep):
            yield Edge(END)
        return
    yield from _continuing(flow, step, after)


def _continuing(flow: Flow, step: StepBase, after: int) -> Iterator[Edge]:
    if isinstance(step, AskStep):
        fallback = step.fallback
        yield Edge(after, frozenset() if fallback and fallback.skip else frozenset({step.ask}))
        if fallback is not None and fallback.goto is not None and fallback.goto in flow.index:
            yield Edge(flow.index[fallback.goto])
    elif isinstance(step, CallStep):
        fills = frozenset({step.into}) if step.into else frozenset()
        on_error = step.on_error
        yield Edge(after, frozenset() if on_error and on_error.skip else fills)
        if on_error is not None and on_error.goto is not None and on_error.goto in flow.index:
            yield Edge(flow.index[on_error.goto])
    elif isinstance(step, SetStep):
        targets = (set_target(key) for key in step.set)
        yield Edge(after, frozenset(name for scope, name in targets if scope == "slots"))
    elif isinstance(step, BranchStep):
        yield from _branch(flow, step, after)
    elif isinstance(step, RunStep):
        yield Edge(after, run=step.run)
    else:
        yield Edge(after)


def _branch(flow: Flow, step: BranchStep, after: int) -> Iterator[Edge]:
    otherwise = step.else_
    targets: list[Case | ElseDef] = [*step.branch, *([otherwise] if otherwise else [])]
    for target in targets:
        fills = frozenset(implied_slots(target.when)) if isinstance(target, Case) else frozenset()
        if target.goto is not None and target.goto in flow.index:
            yield Edge(flow.index[target.goto], fills)
        if target.run:
            yield Edge(after, fills, run=target.run)
        if target.end:
            yield Edge(END)
    if otherwise is None or not (
        otherwise.goto or otherwise.flow or otherwise.run or otherwise.end
    ):
        yield Edge(after)


def reachable(flow: Flow) -> set[int]:
    """The positions of the steps that can run (from the first)."""
    seen = {0}
    todo = [0]
    steps = flow.steps
    while todo:
        position = todo.pop()
        for edge in edges(flow, position, steps[position]):
            if edge.target != END and edge.target not in seen:
                seen.add(edge.target)
                todo.append(edge.target)
    return seen


def entry_flows(flowset: FlowSet) -> set[str]:
    """Flows a customer can start directly: by a trigger, a button, a menu, or the start."""
    direct = {name for name, flow in flowset.flows.items() if flow.definition.triggers}
    direct |= {flow.name for flow in flowset.menu()}
    direct |= {r.name for r in references(flowset) if r.kind == "flow" and "buttons" in r.place.loc}
    if flowset.start:
        direct.add(flowset.start)
    if flowset.settings.fallback and flowset.settings.fallback.flow:
        direct.add(flowset.settings.fallback.flow)
    return direct


@dataclass
class SlotFlow:
    """Per flow and step, the slots surely filled when the step starts."""

    before: dict[str, list[frozenset[str] | None]]


def slots_filled(flowset: FlowSet, rounds: int = 8) -> SlotFlow:
    """Run the analysis to a fixed point (a few rounds: flows nest shallowly)."""
    everything = frozenset(flowset.known_slots)
    direct = entry_flows(flowset)
    entry = {name: frozenset() if name in direct else everything for name in flowset.flows}
    exits = {name: frozenset[str]() for name in flowset.flows}
    before: dict[str, list[frozenset[str] | None]] = {}
    for _ in range(rounds):
        calls: dict[str, list[frozenset[str]]] = {name: [] for name in flowset.flows}
        previous = dict(exits)
        for name, flow in flowset.flows.items():
            before[name], exits[name] = _one_flow(flow, entry[name], exits, calls)
        changed = exits != previous  # a sub-flow's exit may be known only after its caller ran
        for name in flowset.flows:
            if name in direct or not calls[name]:
                continue
            new = frozenset.intersection(*calls[name])
            if new != entry[name]:
                entry[name], changed = new, True
        if not changed:
            break
    return SlotFlow(before)


def _one_flow(
    flow: Flow,
    start: frozenset[str],
    exits: dict[str, frozenset[str]],
    calls: dict[str, list[frozenset[str]]],
) -> tuple[list[frozenset[str] | None], frozenset[str]]:
    steps = flow.steps
    before: list[frozenset[str] | None] = [None] * len(steps)
    before[0] = start
    ends: list[frozenset[str]] = []
    todo = [0]
    while todo:
        position = todo.pop()
        here = before[position]
        assert here is not None
        step = steps[position]
        _record_call(step, here, calls)
        for edge in edges(flow, position, step):
            after = (
                here | edge.fills | (exits.get(edge.run, frozenset()) if edge.run else frozenset())
            )
            if edge.target == END:
                ends.append(after)
                continue
            known = before[edge.target]
            merged = after if known is None else known & after
            if merged != known:
                before[edge.target] = merged
                todo.append(edge.target)
    return before, frozenset.intersection(*ends) if ends else frozenset()


def _record_call(
    step: StepBase, here: frozenset[str], calls: dict[str, list[frozenset[str]]]
) -> None:
    targets: list[str] = []
    if isinstance(step, RunStep):
        targets.append(step.run)
    elif isinstance(step, FlowStep):
        targets.append(step.flow)
    elif isinstance(step, BranchStep):
        options: list[Case | ElseDef] = [*step.branch, *([step.else_] if step.else_ else [])]
        targets += [option.flow or option.run or "" for option in options]
    elif isinstance(step, AskStep) and step.fallback is not None and step.fallback.flow:
        targets.append(step.fallback.flow)
    elif isinstance(step, CallStep) and step.on_error is not None and step.on_error.flow:
        targets.append(step.on_error.flow)
    for target in targets:
        if target in calls:
            calls[target].append(here)
