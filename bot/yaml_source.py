"""YAML for people: positions kept for every key and item, errors as ``file:line:col: message``.

Two deliberate departures from PyYAML's defaults, because bot designers write these files:
only ``true``/``false`` are booleans (``yes``, ``no``, ``on``, ``off`` stay text, as in YAML 1.2),
and a key given twice in one mapping is an error instead of silently keeping the last one.
"""

from __future__ import annotations

import difflib
import re
import types
import typing
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

Loc = tuple[str | int, ...]


class _Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 booleans."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_MERGE = "tag:yaml.org,2002:merge"


@dataclass(frozen=True, slots=True)
class Position:
    """A 1-based line and column."""

    line: int
    column: int


@dataclass(frozen=True)
class YamlDocument:
    """Parsed YAML data with the position of every key (for mappings) and item (for lists)."""

    path: str
    data: object
    positions: dict[Loc, Position] = field(default_factory=dict)

    def where(self, loc: Sequence[str | int]) -> Position:
        """The position of ``loc``, or of its nearest ancestor that exists in the file."""
        for end in range(len(loc), 0, -1):
            position = self.positions.get(tuple(loc[:end]))
            if position is not None:
                return position
        return self.positions.get((), Position(1, 1))

    def problem(self, loc: Sequence[str | int], message: str) -> str:
        """One ``file:line:col: message`` line about ``loc``."""
        position = self.where(loc)
        return f"{self.path}:{position.line}:{position.column}: {message}"


class YamlSyntaxError(Exception):
    """The file is not valid YAML; ``problem`` is the ``file:line:col: message`` line."""

    def __init__(self, problem: str) -> None:
        self.problem = problem
        super().__init__(problem)


def parse(text: str, path: str) -> YamlDocument:
    """Parse one YAML document; raises :class:`YamlSyntaxError` with a position."""
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        reason = exc.problem or exc.context or "invalid YAML"
        raise YamlSyntaxError(f"{path}:{line}:{column}: {reason}") from exc
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(f"{path}:1:1: {exc}") from exc
    if root is None:
        return YamlDocument(path, None, {(): Position(1, 1)})
    builder = _Builder(path)
    data = builder.build(root, ())
    if builder.problems:
        raise YamlSyntaxError(builder.problems[0])
    return YamlDocument(path, data, builder.positions)


def load(path: Path, display: str | None = None) -> YamlDocument:
    """Read and parse a YAML file."""
    shown = display or str(path)
    try:
        text = path.read_text("utf-8")
    except UnicodeDecodeError as exc:
        raise YamlSyntaxError(f"{shown}:1:1: the file is not UTF-8 text") from exc
    return parse(text, shown)


def _position(node: Node) -> Position:
    return Position(node.start_mark.line + 1, node.start_mark.column + 1)


class _Builder:
    def __init__(self, path: str) -> None:
        self.path = path
        self.positions: dict[Loc, Position] = {}
        self.problems: list[str] = []
        self._scalars = SafeConstructor()

    def build(self, node: Node, loc: Loc) -> object:
        self.positions.setdefault(loc, _position(node))
        if isinstance(node, MappingNode):
            return self._mapping(node, loc)
        if isinstance(node, SequenceNode):
            return [self.build(item, (*loc, i)) for i, item in enumerate(node.value)]
        assert isinstance(node, ScalarNode)
        return self._scalars.construct_object(node, deep=True)

    def _mapping(self, node: MappingNode, loc: Loc) -> dict[str, object]:
        result: dict[str, object] = {}
        merges: list[Node] = []
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                merges.append(value_node)
                continue
            key = self._key(key_node)
            if key in result:
                self._report(key_node, f"'{key}' is given twice in this mapping")
            self.positions[(*loc, key)] = _position(key_node)
            result[key] = self.build(value_node, (*loc, key))
        for merge in merges:
            result = {**self._merged(merge, loc), **result}
        return result

    def _merged(self, node: Node, loc: Loc) -> dict[str, object]:
        """The keys a ``<<`` merge brings in; keys written explicitly keep their positions."""
        own, self.positions = self.positions, {}
        merged = self.build(node, loc)
        for place, position in self.positions.items():
            own.setdefault(place, position)
        self.positions = own
        combined: dict[str, object] = {}
        for source in merged if isinstance(merged, list) else [merged]:
            if isinstance(source, dict):
                combined = {**source, **combined}
        return combined

    def _key(self, node: Node) -> str:
        if not isinstance(node, ScalarNode):
            self._report(node, "a key must be plain text, not a list or a mapping")
            return f"<line {node.start_mark.line + 1}>"
        return str(self._scalars.construct_object(node))

    def _report(self, node: Node, message: str) -> None:
        position = _position(node)
        self.problems.append(f"{self.path}:{position.line}:{position.column}: {message}")


def validation_problems(
    document: YamlDocument, error: ValidationError, model: type[BaseModel]
) -> list[str]:
    """Pydantic's errors as ``file:line:col: message`` lines, with a hint for unknown keys."""
    problems = []
    for detail in error.errors(include_url=False):
        loc = tuple(part for part in detail["loc"] if isinstance(part, str | int))
        problems.append(document.problem(loc, _message(detail, loc, model)))
    return problems


def _message(detail: Any, loc: Loc, model: type[BaseModel]) -> str:
    name = ".".join(str(part) for part in loc) or "the file"
    kind = detail["type"]
    if kind == "missing":
        return f"'{loc[-1]}' is required" if loc else "a value is required"
    if kind == "extra_forbidden":
        known = _fields_at(model, loc[:-1])
        hint = difflib.get_close_matches(str(loc[-1]), known, n=1)
        suffix = f" (did you mean '{hint[0]}'?)" if hint else ""
        allowed = f"; expected one of: {', '.join(sorted(known))}" if known and not hint else ""
        return f"unknown key '{loc[-1]}'{suffix}{allowed}"
    message = str(detail["msg"])
    message = message.removeprefix("Value error, ")
    return f"{name}: {message[0].lower()}{message[1:]}" if message else name


def _fields_at(model: type[BaseModel], loc: Loc) -> list[str]:
    """The keys the model accepts at ``loc`` (following nested models, lists and dicts)."""
    current: Any = model
    for part in loc:
        current = _inner(current, part)
        if current is None:
            return []
    return list(current.model_fields) if _is_model(current) else []


def _inner(annotation: Any, part: str | int) -> Any:
    if _is_model(annotation):
        info = annotation.model_fields.get(str(part))
        return _unwrap(info.annotation) if info else None
    args = typing.get_args(annotation)
    origin = typing.get_origin(annotation)
    if origin in (list, tuple, Sequence) and args:
        return _unwrap(args[0])
    if origin is dict and len(args) == 2:
        return _unwrap(args[1])
    return None


def _unwrap(annotation: Any) -> Any:
    """``X | None`` and ``Annotated[X, ...]`` are looked through; unions of models are not."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(annotation) if a is not type(None)]
        return _unwrap(options[0]) if len(options) == 1 else annotation
    return annotation


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)
