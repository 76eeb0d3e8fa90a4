"""Drawing a bot's flows for its designers: Mermaid for docs and pull requests, DOT and SVG.

The picture is built once as a small neutral :class:`Graph` (entry nodes, one cluster per flow,
links) and then written in either language. Control flow inside a flow comes from
:func:`dialogs.design.flowgraph.edges`, so the drawing shows the paths that ``omnibot validate``
reasons about; this module adds labels, shapes and the links between flows: a ``run`` goes
dashed to the sub-flow's first step and comes back from the sub-flow's end to the step after
it; a ``flow:`` switch (a step, a button, a case or a fallback) is a thick arrow.

What happens away from the steps is drawn too, when a flows file declares it: a step's
``fallback`` or ``on_error`` is labelled so and drawn in red in DOT, and leads to its step, its
flow, a person or the end of the conversation; ``settings: fallback`` and each global intent
under ``intents:`` are entry nodes of their own, with arrows to where they lead.

Time and the store's events are drawn as well: a flow a business event starts has an entry
node ``event: order.shipped``; a ``wait`` step's arrow on says what it waits for (the event, or
the time), and the ``on_timeout`` steps of a wait or of an ``ask`` with a ``timeout`` are boxes
of their flow, reached by an orange dashed arrow labelled with the time (``after 1h``, ``no
answer in 1d``) and going on to the step after the wait or the ask, as they run.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Literal

from bot.errors import OmnibotError
from bot.format.language_tags import pick
from dialogs.design.content import pieces
from dialogs.design.defaults import INTENT_EXAMPLES
from dialogs.design.flowgraph import END, Edge, edges, way_edges
from dialogs.design.flowset import Flow, FlowSet
from dialogs.design.parts import ButtonDef, Fallback, Localized, MessageDef
from dialogs.design.schema import IntentDef, TriggerDef
from dialogs.design.times import shown_duration
from dialogs.design.walk import step_buttons
from dialogs.steps.ask import AskStep
from dialogs.steps.base import Shape, StepBase, Way, fallback_leaves
from dialogs.steps.wait import WaitStep

LABEL_LIMIT = 40
"""Labels longer than this many characters are cut (with an ellipsis) to keep boxes small."""

DOT_TIMEOUT = 60.0
"""Seconds Graphviz may take to lay out a drawing."""

Style = Literal["next", "run", "return", "switch", "fallback", "timeout"]

_UNSAFE = re.compile(r"[^A-Za-z0-9_]")
_START = "in__start"
_FALLBACK = "in__fallback"
_HANDOFF = "out__handoff"
_ENDS = "out__ends"


class GraphvizMissing(OmnibotError):
    """SVG was asked for, but Graphviz's ``dot`` program is not installed."""

    def __init__(self) -> None:
        super().__init__(
            "SVG needs Graphviz: install it with `apt-get install graphviz` "
            "(or `brew install graphviz`), or use --format mermaid or --format dot"
        )


class GraphvizFailed(OmnibotError):
    """Graphviz's ``dot`` ran but could not draw the flows (it failed or took too long)."""


@dataclass(frozen=True, slots=True)
class Node:
    """A box in the drawing; ``label`` is plain text, escaped by each writer."""

    id: str
    label: str
    shape: Shape


@dataclass(frozen=True, slots=True)
class Link:
    """An arrow between two nodes, optionally labelled."""

    source: str
    target: str
    label: str = ""
    style: Style = "next"


@dataclass(frozen=True, slots=True)
class Cluster:
    """A group of nodes drawn in a frame: one per flow, and one for the FAQs."""

    id: str
    title: str
    nodes: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Graph:
    """A whole drawing, independent of the language it is written in; ``exits`` are the places
    outside every flow that a fallback or an intent leads to (a person, the end)."""

    entries: tuple[Node, ...]
    clusters: tuple[Cluster, ...]
    links: tuple[Link, ...]
    exits: tuple[Node, ...] = ()


_EXITS = {
    _HANDOFF: Node(_HANDOFF, "a person takes over", "handoff"),
    _ENDS: Node(_ENDS, "conversation ends", "end"),
}


def draw(flowset: FlowSet, fmt: str) -> str:
    """The flows drawn as ``mermaid``, ``dot`` or ``svg``."""
    writer = _FORMATS.get(fmt)
    if writer is None:
        raise ValueError(f"unknown drawing format {fmt!r}; choose one of {', '.join(_FORMATS)}")
    return writer(flowset)


def build(flowset: FlowSet) -> Graph:
    """The drawing of a flow set, before it is written as Mermaid or DOT."""
    return _Builder(flowset).graph()


def mermaid(flowset: FlowSet) -> str:
    """A Mermaid ``flowchart``: paste it in Markdown, or in https://mermaid.live."""
    drawing = build(flowset)
    lines = ["flowchart TD"]
    lines += [f"    {_mermaid_node(node)}" for node in drawing.entries + drawing.exits]
    for cluster in drawing.clusters:
        lines.append(f'    subgraph {cluster.id} ["{_mermaid_text(cluster.title)}"]')
        lines += [f"        {_mermaid_node(node)}" for node in cluster.nodes]
        lines.append("    end")
    lines += [f"    {_mermaid_link(link)}" for link in drawing.links]
    return "\n".join(lines)


def dot(flowset: FlowSet) -> str:
    """A Graphviz ``digraph``, one ``cluster_<flow>`` per flow."""
    drawing = build(flowset)
    lines = [
        "digraph flows {",
        '    node [fontname="Helvetica", fontsize=11];',
        '    edge [fontname="Helvetica", fontsize=9];',
    ]
    lines += [f"    {_dot_node(node)}" for node in drawing.entries + drawing.exits]
    for cluster in drawing.clusters:
        lines.append(f"    subgraph {_dot_string(cluster.id)} {{")
        lines.append(f"        label={_dot_string(cluster.title)};")
        lines += [f"        {_dot_node(node)}" for node in cluster.nodes]
        lines.append("    }")
    lines += [f"    {_dot_link(link)}" for link in drawing.links]
    lines.append("}")
    return "\n".join(lines)


def svg(flowset: FlowSet) -> str:
    """The DOT drawing laid out by Graphviz as SVG; raises :class:`GraphvizMissing` without it."""
    program = shutil.which("dot")
    if program is None:
        raise GraphvizMissing
    try:
        done = subprocess.run(  # noqa: S603 - a fixed program and arguments; the DOT goes on stdin
            [program, "-Tsvg"],
            input=dot(flowset),
            capture_output=True,
            text=True,
            timeout=DOT_TIMEOUT,
            check=True,
        )
    except subprocess.CalledProcessError as exc:
        raise GraphvizFailed(f"Graphviz could not draw the flows: {exc.stderr.strip()}") from exc
    except subprocess.TimeoutExpired as exc:
        raise GraphvizFailed(
            f"Graphviz took longer than {DOT_TIMEOUT:g}s to draw the flows"
        ) from exc
    return done.stdout.rstrip("\n")


_FORMATS: dict[str, Callable[[FlowSet], str]] = {"mermaid": mermaid, "dot": dot, "svg": svg}


@dataclass(frozen=True)
class _Ids:
    """Node ids, safe in both languages and unique even when names contain ``__``."""

    steps: dict[tuple[str, int], str]
    ends: dict[str, str]
    inner: dict[tuple[str, str], str]
    """The steps written inside others (``on_timeout:``), by flow and step id."""

    @classmethod
    def of(cls, flowset: FlowSet) -> _Ids:
        taken: set[str] = set()
        steps: dict[tuple[str, int], str] = {}
        inner: dict[tuple[str, str], str] = {}
        for flow in flowset.flows.values():
            for position, step_id in enumerate(flow.ids):
                steps[flow.name, position] = _take(f"f_{flow.name}__{step_id}", taken)
            for step_id in flow.inner:
                inner[flow.name, step_id] = _take(f"f_{flow.name}__{step_id}", taken)
        ends = {name: _take(f"f_{name}__end", taken) for name in flowset.flows}
        return cls(steps, ends, inner)

    def named(self, flow: Flow, step_id: str | None) -> str:
        """The node of the step ``step_id`` of ``flow`` (one written inside another too), or of
        the flow's end for ``None``."""
        if step_id is None:
            return self.ends[flow.name]
        if step_id in flow.index:
            return self.steps[flow.name, flow.index[step_id]]
        return self.inner[flow.name, step_id]

    def at(self, flow: str, target: int) -> str:
        """The node of step ``target`` of ``flow``, or of its end."""
        return self.ends[flow] if target == END else self.steps[flow, target]

    def first(self, flow: str) -> str | None:
        """The node of the first step of ``flow``, if the flow exists."""
        return self.steps.get((flow, 0))


def _take(wanted: str, taken: set[str]) -> str:
    base = _UNSAFE.sub("_", wanted)
    name, number = base, 1
    while name in taken:
        number += 1
        name = f"{base}_{number}"
    taken.add(name)
    return name


class _Builder:
    """Turns a flow set into a :class:`Graph`."""

    def __init__(self, flowset: FlowSet) -> None:
        self.flowset = flowset
        self.language = flowset.default_language
        self.ids = _Ids.of(flowset)
        self.returning = _returning(flowset)

    def graph(self) -> Graph:
        entries = list(self._entries())
        links = [item for item in entries if isinstance(item, Link)]
        for flow in self.flowset.flows.values():
            for position, step in enumerate(flow.steps):
                links += self._links(flow, position, step)
            links += self._timeouts(flow)
        targets = {link.target for link in links}
        clusters = [self._cluster(flow, targets) for flow in self.flowset.flows.values()]
        if self.flowset.faqs:
            clusters.append(self._faqs())
        nodes = tuple(item for item in entries if isinstance(item, Node))
        exits = tuple(node for name, node in _EXITS.items() if name in targets)
        return Graph(nodes, tuple(clusters), tuple(dict.fromkeys(links)), exits)

    def _entries(self) -> Iterator[Node | Link]:
        """The entry nodes, each followed by its links: the start, the flows' triggers, and
        what the flows files declare for every flow (the bot's fallback, global intents)."""
        start = self.flowset.start
        first = self.ids.first(start) if start else None
        if first is not None:
            yield Node(_START, "conversation starts", "entry")
            yield Link(_START, first)
        for flow in self.flowset.flows.values():
            triggers = flow.definition.triggers
            phrases = _phrases(triggers, self.language) if triggers else []
            if phrases:
                label = _short(f"trigger: {' / '.join(phrases)}")
                node = Node(_UNSAFE.sub("_", f"in_{flow.name}"), label, "entry")
                yield node
                yield Link(node.id, self.ids.steps[flow.name, 0])
            if triggers is not None and triggers.event is not None:
                label = _short(f"event: {triggers.event}")
                node = Node(_UNSAFE.sub("_", f"in_{flow.name}__event"), label, "entry")
                yield node
                yield Link(node.id, self.ids.steps[flow.name, 0])
        yield from self._settings_fallback()
        for name, intent in self.flowset.intents.items():
            if f"intents:{name}" in self.flowset.places:  # declared in a flows file
                yield from self._intent(name, intent)

    def _settings_fallback(self) -> Iterator[Node | Link]:
        """``settings: fallback``: where any question or action without its own goes."""
        fallback = self.flowset.settings.fallback
        if fallback is None:
            return
        how = f": goto {fallback.goto}" if fallback.goto else ": skip" if fallback.skip else ""
        yield Node(_FALLBACK, f"fallback (settings){how}", "entry")
        for target, style in self._fallback_targets(fallback):
            yield Link(_FALLBACK, target, "", style)

    def _fallback_targets(self, fallback: Fallback) -> Iterator[tuple[str, Style]]:
        leaves = fallback_leaves(fallback)
        if leaves is not None:
            yield (_HANDOFF if leaves == "handoff" else _ENDS), "fallback"
        first = self.ids.first(fallback.flow) if fallback.flow else None
        if first is not None:
            yield first, "switch"

    def _intent(self, name: str, intent: IntentDef) -> Iterator[Node | Link]:
        """A global intent declared under ``intents:``, with where it leads."""
        phrases = (
            _phrases(intent.triggers, self.language)
            if intent.triggers is not None
            else INTENT_EXAMPLES[name].get(self.language) or INTENT_EXAMPLES[name]["en"]
        )
        node = f"in__intent_{name}"
        yield Node(node, _short(f"intent {name}: {' / '.join(phrases)}"), "entry")
        for target, label, style in self._intent_targets(name):
            yield Link(node, target, _short(label), style)

    def _intent_targets(self, name: str) -> Iterator[tuple[str, str, Style]]:
        start = self.ids.first(self.flowset.start) if self.flowset.start else None
        if name == "cancel" or (name == "restart" and start is None):
            yield _ENDS, "", "next"
        elif name == "restart" and start is not None:
            yield start, "", "switch"
        elif name == "human":
            yield _HANDOFF, "", "next"
        elif name == "help":
            for flow in self.flowset.menu():
                first = self.ids.first(flow.name)
                title = flow.definition.title
                if first is not None and title is not None:
                    yield first, self._text(title), "switch"

    def _cluster(self, flow: Flow, targets: set[str]) -> Cluster:
        nodes = [self._step_node(flow, position, step) for position, step in enumerate(flow.steps)]
        for step_id, step in flow.inner.items():
            label, shape = step.describe(self._say)
            nodes.append(Node(self.ids.inner[flow.name, step_id], _short(label), shape))
        end = self.ids.ends[flow.name]
        if end in targets:
            nodes.append(Node(end, "end", "end"))
        title = flow.definition.title
        shown = f"{flow.name}: {_pick(title, self.language)}" if title is not None else flow.name
        return Cluster(_UNSAFE.sub("_", f"cluster_{flow.name}"), shown, tuple(nodes))

    def _faqs(self) -> Cluster:
        nodes = tuple(
            Node(_UNSAFE.sub("_", f"faq_{name}"), _short(f"{name}: {self._say(faq.say)}"), "step")
            for name, faq in self.flowset.faqs.items()
        )
        return Cluster("cluster__faqs", "FAQs: answered anywhere", nodes)

    def _step_node(self, flow: Flow, position: int, step: StepBase) -> Node:
        label, shape = step.describe(self._say)
        return Node(self.ids.steps[flow.name, position], _short(label), shape)

    def _links(self, flow: Flow, position: int, step: StepBase) -> Iterator[Link]:
        source = self.ids.steps[flow.name, position]
        labels = self._labels(flow, position, step)
        only_fallback = _only_fallback(flow, position, step)
        seen: set[tuple[int, str | None]] = set()
        for edge in _edges(flow, position, step):
            key = (edge.target, edge.run)
            if key in seen:
                continue
            seen.add(key)
            label = _short(" / ".join(dict.fromkeys(labels.get(key, []))))
            if edge.run is None:
                style: Style = "fallback" if key in only_fallback else "next"
                yield Link(source, self.ids.at(flow.name, edge.target), label, style)
            else:
                back = self.ids.at(flow.name, edge.target)
                yield from self._run(source, edge.run, back, label)
        for name, label in self._switches(flow, position, step):
            first = self.ids.first(name)
            if first is not None:
                yield Link(source, first, _short(label), "switch")
        for way in _own_ways(step):
            if way.leaves is not None:
                target = _HANDOFF if way.leaves == "handoff" else _ENDS
                yield Link(source, target, way.label, "fallback")

    def _run(self, source: str, run: str, back: str, label: str) -> Iterator[Link]:
        """Into the sub-flow (dashed), and back from its end to ``back``, the step after the
        call."""
        first = self.ids.first(run)
        if first is None:
            yield Link(source, back, label)
            return
        yield Link(source, first, label or "run", "run")
        if run in self.returning:
            yield Link(self.ids.ends[run], back, "return", "return")

    def _labels(
        self, flow: Flow, position: int, step: StepBase
    ) -> dict[tuple[int, str | None], list[str]]:
        """What each of the step's edges means, by ``(target, run)``: a button's title, or the
        label of the way out it belongs to (a condition, ``else``, ``fallback``, ``on error``);
        plain steps in sequence have none."""
        found: defaultdict[tuple[int, str | None], list[str]] = defaultdict(list)
        after = position + 1 if position + 1 < len(flow.ids) else END
        for button in _buttons(flow, position, step):
            if button.goto is not None and button.goto in flow.index:
                found[flow.index[button.goto], None].append(self._text(button.title))
        for way in _own_ways(step):
            if way.label:
                for edge in way_edges(flow, way, after):
                    found[edge.target, edge.run].append(way.label)
        waits_for = _waits_for(step)
        if waits_for:
            found[after, None].append(waits_for)
        return found

    def _switches(self, flow: Flow, position: int, step: StepBase) -> Iterator[tuple[str, str]]:
        """The flows this step can leave for, and why (these are not edges within a flow)."""
        for button in _buttons(flow, position, step):
            if button.flow is not None:
                yield button.flow, self._text(button.title)
        for way in _own_ways(step):
            if way.flow is not None:
                yield way.flow, way.label

    def _timeouts(self, flow: Flow) -> Iterator[Link]:
        """The ``on_timeout`` steps of the flow's waits and asks: into the first when the time
        comes, then on as they run."""
        for step_id, first in flow.timeouts.items():
            step = flow.step(step_id)
            label = _short(_timeout_label(step)) if step is not None else ""
            yield Link(self.ids.named(flow, step_id), self.ids.named(flow, first), label, "timeout")
        for step_id, step in flow.inner.items():
            source = self.ids.inner[flow.name, step_id]
            for way in step.ways():
                yield from self._inner_way(flow, source, step_id, way)

    def _inner_way(self, flow: Flow, source: str, step_id: str, way: Way) -> Iterator[Link]:
        """One way out of a step written inside another."""
        label = _short(way.label)
        after = self.ids.named(flow, flow.after(step_id))
        if way.run is not None:
            yield from self._run(source, way.run, after, label)
        elif way.next:
            yield Link(source, after, label)
        if way.goto is not None and flow.has(way.goto):
            yield Link(source, self.ids.named(flow, way.goto), label)
        if way.end:
            yield Link(source, self.ids.ends[flow.name], label)
        if way.flow is not None and self.ids.first(way.flow) is not None:
            yield Link(source, str(self.ids.first(way.flow)), label, "switch")
        if way.leaves is not None:
            yield Link(source, _HANDOFF if way.leaves == "handoff" else _ENDS, label, "fallback")

    def _text(self, value: Localized) -> str:
        return _pick(value, self.language)

    def _say(self, message: MessageDef) -> str:
        """The first text of a message, standing for all of it."""
        piece = next(pieces(message), None)
        return _pick(piece.value, self.language) if piece is not None else "(media)"


def _buttons(flow: Flow, position: int, step: StepBase) -> Iterator[ButtonDef]:
    """The buttons a step shows: in its messages, and an ask's own."""
    for at in step_buttons(flow, position, step):
        yield at.button


def _edges(flow: Flow, position: int, step: StepBase) -> Iterator[Edge]:
    """Where a step can go next, but through the steps written inside it (drawn as boxes of
    their own, :meth:`_Builder._timeouts`)."""
    if not any(True for _ in step.inner()):
        yield from edges(flow, position, step)
        return
    after = position + 1 if position + 1 < len(flow.ids) else END
    for at in step_buttons(flow, position, step):
        if at.button.goto is not None and at.button.goto in flow.index:
            yield Edge(flow.index[at.button.goto])
    for way in _own_ways(step):
        yield from way_edges(flow, way, after)


def _own_ways(step: StepBase) -> Iterator[Way]:
    """A step's ways out, but those of the steps written inside it."""
    inside = [loc for loc, _ in step.inner()]
    for way in step.ways():
        if not any(way.loc[: len(loc)] == loc for loc in inside):
            yield way


def _waits_for(step: StepBase) -> str:
    """What a wait step goes on after: the event it waits for (and the time, when the time
    coming first goes on too), or the time."""
    if not isinstance(step, WaitStep):
        return ""
    spec = step.spec
    time = _wait_time(step)
    if spec.until is None:
        return time
    return spec.until if spec.on_timeout or not time else f"{spec.until} / {time}"


def _wait_time(step: WaitStep) -> str:
    spec = step.spec
    if spec.at_most is not None:
        return f"after {shown_duration(spec.at_most)}"
    if spec.at is not None:
        return f"at {spec.day or 'soonest'} {spec.at.strftime('%H:%M')}"
    return ""


def _timeout_label(step: StepBase) -> str:
    """The arrow into a step's ``on_timeout`` steps."""
    if isinstance(step, AskStep) and step.timeout is not None:
        return f"no answer in {shown_duration(step.timeout)}"
    if isinstance(step, WaitStep):
        return _wait_time(step)
    return "on timeout"


def _only_fallback(flow: Flow, position: int, step: StepBase) -> set[tuple[int, str | None]]:
    """The edges, by ``(target, run)``, that only a fallback or ``on_error`` takes."""
    after = position + 1 if position + 1 < len(flow.ids) else END
    taken: dict[bool, set[tuple[int, str | None]]] = {True: set(), False: set()}
    for way in _own_ways(step):
        taken[way.fallback] |= {(edge.target, edge.run) for edge in way_edges(flow, way, after)}
    for at in step_buttons(flow, position, step):
        if at.button.goto is not None and at.button.goto in flow.index:
            taken[False].add((flow.index[at.button.goto], None))
    return taken[True] - taken[False]


def _returning(flowset: FlowSet) -> set[str]:
    """The flows that can end, and so return to a flow that ran them: those with a way to their
    end that does not pass through a sub-flow that never returns."""
    returning: set[str] = set()
    while True:
        more = {
            name
            for name, flow in flowset.flows.items()
            if name not in returning
            and any(
                edge.target == END
                and (edge.run is None or edge.run in returning or edge.run not in flowset.flows)
                for position, step in enumerate(flow.steps)
                for edge in _edges(flow, position, step)
            )
        }
        if not more:
            return returning
        returning |= more


def _phrases(triggers: TriggerDef, language: str) -> list[str]:
    """What a customer says to start a flow: examples, else keywords, else patterns."""
    for given in (triggers.examples(), triggers.keywords):
        if given:
            return pick(given, language) or next(iter(given.values()))
    return [f"/{pattern}/" for pattern in triggers.patterns]


def _pick(value: str | dict[str, str], language: str) -> str:
    if isinstance(value, str):
        return value
    return pick(value, language) or next(iter(value.values()), "")


def _short(text: str, limit: int = LABEL_LIMIT) -> str:
    """``text`` on one line, cut to ``limit`` characters (on a word boundary when there is one
    near the end)."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1]
    if flat[limit - 1] != " " and " " in cut[limit // 2 :]:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip() + "…"


_MERMAID_SHAPES: dict[Shape, tuple[str, str]] = {
    "entry": ("([", "])"),
    "step": ("[", "]"),
    "ask": ("[/", "/]"),
    "branch": ("{", "}"),
    "run": ("[[", "]]"),
    "switch": (">", "]"),
    "handoff": ("{{", "}}"),
    "end_step": ("(", ")"),
    "end": ("((", "))"),
}
_MERMAID_ARROWS: dict[Style, str] = {
    "next": "-->",
    "run": "-.->",
    "return": "-.->",
    "switch": "==>",
    "fallback": "-->",
    "timeout": "-.->",
}
# Mermaid reads "#name;" as an entity code, so a '#' of the text is escaped too; the others
# would end a label, open a shape, or be read as HTML or Markdown.
_MERMAID_ESCAPES = {
    "#": "#35;",
    '"': "#quot;",
    "&": "#amp;",
    "<": "#lt;",
    ">": "#gt;",
    "[": "#91;",
    "]": "#93;",
    "{": "#123;",
    "}": "#125;",
    "|": "#124;",
    "`": "#96;",
}


def _mermaid_text(text: str) -> str:
    return "".join(_MERMAID_ESCAPES.get(char, char) for char in " ".join(text.split()))


def _mermaid_node(node: Node) -> str:
    opening, closing = _MERMAID_SHAPES[node.shape]
    return f'{node.id}{opening}"{_mermaid_text(node.label)}"{closing}'


def _mermaid_link(link: Link) -> str:
    arrow = _MERMAID_ARROWS[link.style]
    label = f'|"{_mermaid_text(link.label)}"|' if link.label else ""
    return f"{link.source} {arrow}{label} {link.target}"


_DOT_SHAPES: dict[Shape, str] = {
    "entry": "shape=oval, style=bold",
    "step": "shape=box",
    "ask": "shape=parallelogram",
    "branch": "shape=diamond",
    "run": "shape=box, peripheries=2",
    "switch": "shape=cds",
    "handoff": "shape=hexagon",
    "end_step": "shape=box, style=rounded",
    "end": "shape=doublecircle",
}
_DOT_STYLES: dict[Style, str] = {
    "next": "",
    "run": "style=dashed",
    "return": "style=dotted",
    "switch": "style=bold",
    "fallback": "color=firebrick, fontcolor=firebrick",
    "timeout": "style=dashed, color=darkorange, fontcolor=darkorange",
}


def _dot_string(text: str) -> str:
    flat = " ".join(text.split())
    return '"' + flat.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _dot_node(node: Node) -> str:
    return f"{_dot_string(node.id)} [label={_dot_string(node.label)}, {_DOT_SHAPES[node.shape]}];"


def _dot_link(link: Link) -> str:
    attributes = [f"label={_dot_string(link.label)}"] if link.label else []
    attributes += [_DOT_STYLES[link.style]] if _DOT_STYLES[link.style] else []
    listed = f" [{', '.join(attributes)}]" if attributes else ""
    return f"{_dot_string(link.source)} -> {_dot_string(link.target)}{listed};"
