"""YAML for people: positions kept for every key and item, errors as ``file:line:col: message``.

Deliberate departures from PyYAML's defaults, because bot designers write these files: only
``true``/``false`` are booleans (``yes``, ``no``, ``on``, ``off`` stay text, as in YAML 1.2),
dates stay text (``2026-11-22`` is a string, as in YAML 1.2's core schema), and a key given twice
in one mapping is an error instead of silently keeping the last one.
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
from pydantic import BaseModel, Tag, ValidationError
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

Loc = tuple[str | int, ...]


class _Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 booleans."""


_DROPPED = {"tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp"}
_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in _DROPPED]
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


MAX_DEPTH = 50
"""Deeper than any file a person writes; deeper nesting is refused rather than recursed into."""
MAX_VALUES = 200_000
"""More values than any bot has; anchors that repeat anchors ("billion laughs") stop here."""


def parse(text: str, path: str) -> YamlDocument:
    """Parse one YAML document; raises :class:`YamlSyntaxError` with a position."""
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        raise YamlSyntaxError(_marked(exc, path, text)) from exc
    except yaml.reader.ReaderError as exc:
        line, column = _line_column(text, exc.position)
        code = exc.character if isinstance(exc.character, int) else ord(exc.character)
        reason = f"unacceptable character #x{code:04x}: {exc.reason}"
        raise YamlSyntaxError(f"{path}:{line}:{column}: {reason}") from exc
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(f"{path}:1:1: {_one_line(str(exc))}") from exc
    except RecursionError as exc:
        message = f"the file nests more than {MAX_DEPTH} levels deep"
        raise YamlSyntaxError(f"{path}:1:1: {message}") from exc
    if root is None:
        return YamlDocument(path, None, {(): Position(1, 1)})
    builder = _Builder(path)
    try:
        data = builder.build(root, (), 0)
    except _TooManyValues as exc:
        raise YamlSyntaxError(exc.problem) from exc
    if builder.problems:
        raise YamlSyntaxError(builder.problems[0])
    return YamlDocument(path, data, builder.positions)


def _marked(error: yaml.MarkedYAMLError, path: str, text: str) -> str:
    """A PyYAML error at the place a person would look: an unclosed quote where it opens (the
    scanner only notices at the end of the file), anything else where it went wrong; with a
    hint in a designer's words after YAML's own."""
    context, problem = error.context or "", error.problem or ""
    opened = context.startswith("while scanning") and error.context_mark is not None
    mark = error.context_mark if opened else (error.problem_mark or error.context_mark)
    if opened:
        reason = f"{context.removeprefix('while scanning ')} that starts here: {problem}"
    elif context and problem and "single document" in context:
        reason = f"{context}, {problem}"
    else:
        reason = problem or context or "invalid YAML"
    line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    lines = text.splitlines()
    written = lines[line - 1] if 0 < line <= len(lines) else ""
    return f"{path}:{line}:{column}: {_one_line(reason)}{syntax_hint(reason, written)}"


_UNQUOTED_BRACES = re.compile(r"(?:^|[:,\[-])\s*\{\{")
_INDENTED_WRONG = (
    "; this line is indented differently from the lines above it: keys of one mapping, and "
    "items of one list, start in the same column"
)


def syntax_hint(reason: str, line: str) -> str:
    """A designer's words for what YAML's ``reason`` usually means on ``line``: a tab, a line
    indented off its block, an unquoted ``{{`` or an unquoted ``: `` in a text."""
    if _UNQUOTED_BRACES.search(line):
        return '; a text starting with {{ must be in quotes: "{{ slots.name }}, hello"'
    if "'\\t'" in reason:
        return "; indent with spaces: YAML does not accept tabs"
    if reason.startswith("mapping values are not allowed"):
        if line.count(": ") + line.endswith(":") > 1:
            return "; a text with ': ' in it must be in quotes: say: \"Note: closed\""
        return _INDENTED_WRONG
    if reason.startswith("expected <block end>"):
        return _INDENTED_WRONG
    return ""


_BREAK = re.compile("\r\n|[\n\r\x85\u2028\u2029]")


def _line_column(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of ``offset``, counting line breaks as YAML does."""
    breaks = list(_BREAK.finditer(text, 0, offset))
    start = breaks[-1].end() if breaks else 0
    return len(breaks) + 1, offset - start + 1


def _one_line(text: str) -> str:
    return " ".join(text.split())


def load(path: Path, display: str | None = None) -> YamlDocument:
    """Read and parse a YAML file."""
    shown = display or str(path)
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        prefix = raw[: exc.start].decode("utf-8-sig", errors="replace")
        line, column = _line_column(prefix + "?", len(prefix))
        message = f"byte 0x{raw[exc.start]:02x} is not UTF-8 text; save the file as UTF-8"
        raise YamlSyntaxError(f"{shown}:{line}:{column}: {message}") from exc
    return parse(text, shown)


def shown_path(path: Path) -> str:
    """How a path is shown in problems: relative to the current directory when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _position(node: Node) -> Position:
    return Position(node.start_mark.line + 1, node.start_mark.column + 1)


class _TooManyValues(Exception):
    def __init__(self, problem: str) -> None:
        self.problem = problem
        super().__init__(problem)


class _Builder:
    def __init__(self, path: str) -> None:
        self.path = path
        self.positions: dict[Loc, Position] = {}
        self.problems: list[str] = []
        self._scalars = SafeConstructor()
        self._values = 0

    def build(self, node: Node, loc: Loc, depth: int) -> object:
        self._values += 1
        if self._values > MAX_VALUES:
            message = f"the file holds more than {MAX_VALUES} values (anchors repeating anchors?)"
            raise _TooManyValues(self._problem(node, message))
        if depth > MAX_DEPTH:
            self._report(node, f"this nests more than {MAX_DEPTH} levels deep")
            return None
        self.positions.setdefault(loc, _position(node))
        if isinstance(node, MappingNode):
            return self._mapping(node, loc, depth)
        if isinstance(node, SequenceNode):
            return [self.build(item, (*loc, i), depth + 1) for i, item in enumerate(node.value)]
        assert isinstance(node, ScalarNode)
        return self._scalar(node)

    def _scalar(self, node: ScalarNode) -> object:
        try:
            return self._scalars.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError, KeyError, AttributeError, TypeError) as exc:
            tag = node.tag.removeprefix("tag:yaml.org,2002:")
            if node.tag.startswith("!") and not node.tag.startswith("!!"):
                hint = f"'{node.tag}' is read as a YAML tag; put the text in quotes"
            else:
                hint = f"'{node.value}' is not a valid {tag}"
            self._report(node, f"{hint} ({_one_line(str(exc).splitlines()[0])})")
            return None

    def _mapping(self, node: MappingNode, loc: Loc, depth: int) -> dict[str, object]:
        result: dict[str, object] = {}
        merges: list[Node] = []
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                if isinstance(value_node, ScalarNode):
                    self._report(value_node, "'<<' merges a mapping (an anchor such as *defaults)")
                else:
                    merges.append(value_node)
                continue
            key = self._key(key_node)
            if key in result:
                self._report(key_node, f"'{shown_key(key)}' is given twice in this mapping")
            self.positions[(*loc, key)] = _position(key_node)
            result[key] = self.build(value_node, (*loc, key), depth + 1)
        for merge in merges:
            result = {**self._merged(merge, loc, depth), **result}
        return result

    def _merged(self, node: Node, loc: Loc, depth: int) -> dict[str, object]:
        """The keys a ``<<`` merge brings in; keys written explicitly keep their positions."""
        own, self.positions = self.positions, {}
        merged = self.build(node, loc, depth + 1)
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
            mark = node.start_mark
            buffer, at = mark.buffer or "", mark.pointer
            braces = isinstance(node, MappingNode) and buffer[at - 1 : at + 1] == "{{"
            hint = "; a text starting with {{ must be in quotes" if braces else ""
            self._report(node, f"a key must be plain text, not a list or a mapping{hint}")
            return f"<line {node.start_mark.line + 1}>"
        return str(self._scalar(node))

    def _report(self, node: Node, message: str) -> None:
        self.problems.append(self._problem(node, message))

    def _problem(self, node: Node, message: str) -> str:
        position = _position(node)
        return f"{self.path}:{position.line}:{position.column}: {message}"


def shown_key(key: object) -> str:
    """A key as text on one line (a key may contain a line break)."""
    text = str(key)
    return text if text.isprintable() else repr(text)[1:-1]


def validation_problems(
    document: YamlDocument, error: ValidationError, model: type[BaseModel]
) -> list[str]:
    """Pydantic's errors as ``file:line:col: message`` lines, with a hint for unknown keys."""
    problems = []
    for detail in error.errors(include_url=False):
        raw = tuple(part for part in detail["loc"] if isinstance(part, str | int))
        loc = _written(document, raw)
        problems.append(document.problem(loc, _message(detail, raw, loc, model)))
    return problems


def _written(document: YamlDocument, raw: Loc) -> Loc:
    """The location without the tags of discriminated unions (``~rich``), which pydantic puts
    in error locations but the file does not have; a key the file has is kept even if it
    starts with ``~``."""
    kept: list[str | int] = []
    for part in raw:
        tag = isinstance(part, str) and part.startswith("~")
        if not tag or (*kept, part) in document.positions:
            kept.append(part)
    return tuple(kept)


def _name(loc: Loc) -> str:
    """How a designer would call the place: ``title``, or ``step 4`` for the 4th of steps."""
    if not loc:
        return "the file"
    last = loc[-1]
    if isinstance(last, int):
        parent = shown_key(loc[-2]) if len(loc) > 1 else "item"
        singular = parent[:-1] if parent.endswith("s") else parent
        return f"{singular} {last + 1}"
    return shown_key(last)


def _message(detail: Any, raw: Loc, loc: Loc, model: type[BaseModel]) -> str:
    name = _name(loc)
    kind = detail["type"]
    if kind == "missing":
        return f"'{shown_key(loc[-1])}' is required" if loc else "a value is required"
    if kind == "extra_forbidden" and loc:
        known = _fields_at(model, raw[:-1])
        hint = difflib.get_close_matches(str(loc[-1]), known, n=1)
        suffix = f" (did you mean '{hint[0]}'?)" if hint else ""
        allowed = f"; expected one of: {', '.join(sorted(known))}" if known and not hint else ""
        return f"unknown key '{shown_key(loc[-1])}'{suffix}{allowed}"
    message = str(detail["msg"]) + _value_hint(detail)
    message = message.removeprefix("Value error, ")
    message = f"{message[0].lower()}{message[1:]}" if message else ""
    if raw and raw[-1] == "[key]":
        return message or "invalid name"  # the message names the key itself
    return f"{name}: {message}" if message else name


def _value_hint(detail: Any) -> str:
    """A did-you-mean for a value outside a closed set (a slot's ``type: int``)."""
    if detail["type"] not in ("literal_error", "enum") or not isinstance(detail["input"], str):
        return ""
    expected = re.findall(r"'([^']*)'", str(detail.get("ctx", {}).get("expected", "")))
    close = difflib.get_close_matches(detail["input"], expected, n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _fields_at(model: type[BaseModel], loc: Loc) -> list[str]:
    """The keys the model accepts at ``loc`` (following nested models, lists and dicts)."""
    current: Any = model
    for part in loc:
        current = _inner(current, part)
        if current is None:
            return []
    return list(current.model_fields) if _is_model(current) else []


def _inner(annotation: Any, part: str | int) -> Any:
    if isinstance(part, str) and part.startswith("~"):
        return _tagged_member(annotation, part)
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


def _tagged_member(union: Any, tag: str) -> Any:
    """The member of a discriminated union whose ``Tag`` is ``tag``."""
    for member in typing.get_args(union):
        for meta in getattr(member, "__metadata__", ()):
            if isinstance(meta, Tag) and meta.tag == tag:
                return _unwrap(typing.get_args(member)[0])
    return None


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)
