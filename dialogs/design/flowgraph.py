"""The shape of each flow: which step can follow which, and which slots are surely filled where.

``slots_filled`` is a forward "definitely assigned" analysis over every flow at once: a flow
started by a trigger, a button or the start of a conversation begins with no slot filled; a flow
only ever reached by ``run`` or ``flow`` from other flows begins with what every caller surely
filled; after ``run`` a caller also has what the sub-flow surely filled before returning.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from dialogs.design.flowset import Flow, FlowSet
from dialogs.design.walk import references, step_buttons
from dialogs.steps.base import StepBase, Way

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
    """Where a step can go next: a button's ``goto``, and the step's ways out."""
    after = position + 1 if position + 1 < len(flow.ids) else END
    for at in step_buttons(flow, position, step):
        if at.button.goto is not None and at.button.goto in flow.index:
            yield Edge(flow.index[at.button.goto])
    for way in step.ways():
        yield from way_edges(flow, way, after)


def way_edges(flow: Flow, way: Way, after: int) -> Iterator[Edge]:
    """The edges of one way out of a step (a ``flow`` way leaves the flow: no edge in it);
    ``after`` is the position of the next step, or :data:`END`."""
    if way.goto is not None and way.goto in flow.index:
        yield Edge(flow.index[way.goto], way.fills)
    if way.run:
        yield Edge(after, way.fills, run=way.run)
    if way.end:
        yield Edge(END)
    if way.next:
        yield Edge(after, way.fills)


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
    """Count ``here`` as what is filled when the flows the step leads into start."""
    for way in step.ways():
        target = way.flow or way.run
        if target is not None and target in calls:
            calls[target].append(here)
