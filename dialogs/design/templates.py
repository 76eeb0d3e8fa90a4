"""Templates and conditions, in Jinja2's sandbox: designers' expressions cannot reach Python.

Every template is compiled once, when the bot folder is loaded (a syntax error is reported with
its place in the YAML); rendering looks the compiled form up by its source text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from difflib import get_close_matches
from typing import Any, TypeVar

from jinja2 import ChainableUndefined, Template, TemplateSyntaxError, Undefined, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment

from bot.errors import OmnibotError
from dialogs.design.formats import Formats, call_problem

T = TypeVar("T")


class TemplateError(OmnibotError):
    """A template or condition failed to compile or to render."""


class _Sandbox(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox, where ``order.items`` is the order's ``items`` field, not the
    dictionary method of that name (designers' data comes as JSON objects)."""

    def getattr(self, obj: Any, attribute: str) -> Any:
        if isinstance(obj, Mapping) and attribute in obj:
            return obj[attribute]
        return super().getattr(obj, attribute)


class _Missing(ChainableUndefined):
    """A value that is not there (a slot never filled, a profile field never given): it renders
    as nothing, chains (``slots.order.status``), and equals ``none``, as designers are told."""

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        return other is None or isinstance(other, Undefined)

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    __hash__ = ChainableUndefined.__hash__


def _is_none(value: object) -> bool:
    """Jinja's ``none`` test, true of a missing value too: ``slots.x is none`` before x is
    asked, ``slots.x is not none`` only once it has a value."""
    return value is None or isinstance(value, Undefined)


def environment(
    finalize: Callable[[Any], Any] | None = None, formats: Formats | None = None
) -> ImmutableSandboxedEnvironment:
    """The sandbox: no access to Python internals, no mutation of lists or dicts, missing
    values render as nothing (and chain: ``slots.order.status`` is empty, not an error) and are
    ``none`` to a test or a comparison.

    ``finalize``, if given, turns every value a ``{{ }}`` puts out into its text (an HTTP
    action's URL encodes values with it). ``formats`` are the bot's for the customers' formats
    filters (``date``, ``time``, ``money``, ``title``); without, they know no bot."""
    sandbox = _Sandbox(
        undefined=_Missing,
        autoescape=False,
        keep_trailing_newline=False,
        finalize=finalize,
    )
    sandbox.tests["none"] = _is_none
    sandbox.filters.update((formats or Formats()).filters())
    return sandbox


class Templates:
    """Compiled templates and conditions of one bot, by source text."""

    def __init__(self, formats: Formats | None = None) -> None:
        self.env = environment(formats=formats)
        self._templates: dict[str, Template] = {}
        self._conditions: dict[str, Any] = {}

    @staticmethod
    def is_template(text: str) -> bool:
        """Whether ``text`` has template syntax at all (most texts are plain)."""
        return "{{" in text or "{%" in text

    def add_template(self, source: str) -> None:
        """Compile ``source``; raises :class:`TemplateError` with Jinja's message."""
        if source in self._templates or not self.is_template(source):
            return
        self._templates[source] = self._compile(source, source, "template", self.env.from_string)

    def add_condition(self, source: str) -> None:
        """Compile the expression ``source`` (a branch's ``when``, a ``= ...`` value)."""
        if source in self._conditions:
            return
        self._conditions[source] = self._compile(
            source,
            f"{{{{ {source} }}}}",
            "expression",
            lambda text: self.env.compile_expression(text, undefined_to_none=True),
        )

    def _compile(self, source: str, template: str, kind: str, build: Callable[[str], T]) -> T:
        """``build(source)``, its syntax errors in Jinja's words, a filter the sandbox does not
        have named with the nearest it has, and a customers' formats filter called wrongly
        (``template`` is ``source`` as a template)."""
        try:
            compiled = build(source)
        except TemplateSyntaxError as exc:
            self._known_filters(template, kind)
            hint = syntax_hint(exc.message or "", source)
            raise TemplateError(f"{kind} error: {exc.message}{hint}") from exc
        self._known_filters(template, kind)  # Jinja says nothing of one inside an `if`
        return compiled

    def _known_filters(self, template: str, kind: str) -> None:
        try:
            tree = self.env.parse(template)
        except TemplateSyntaxError:
            return
        for node in tree.find_all(nodes.Filter):
            if node.name not in self.env.filters:
                close = get_close_matches(node.name, list(self.env.filters), n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                raise TemplateError(f"{kind} error: unknown filter '{node.name}'{hint}")
            arguments = [a.value if isinstance(a, nodes.Const) else ... for a in node.args]
            problem = call_problem(node.name, arguments)
            if problem is not None:
                raise TemplateError(f"{kind} error: {problem}")

    def render(self, source: str, context: Mapping[str, Any]) -> str:
        """Render a compiled template (or return a plain text as it is)."""
        template = self._templates.get(source)
        if template is None:
            return source
        try:
            return template.render(context).strip()
        except Exception as exc:  # a designer's template must never crash a turn
            raise TemplateError(f"template failed: {exc}") from exc

    def evaluate(self, source: str, context: Mapping[str, Any]) -> Any:
        """Evaluate a compiled expression."""
        try:
            return self._conditions[source](**context)
        except Exception as exc:  # a designer's expression must never crash a turn
            raise TemplateError(f"expression failed: {exc}") from exc

    def slot_references(self, source: str, expression: bool = False) -> Iterator[tuple[str, bool]]:
        """The slots a template or expression reads, each with whether the read is guarded
        (inside an ``if`` test, or passed through ``default``), so may run before it is set."""
        tree = self.env.parse(f"{{{{ {source} }}}}") if expression else self.env.parse(source)
        yield from _references(tree, guarded=expression)


_SINGLE_EQUALS = re.compile(r"(?<![=!<>])=(?!=)")
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")


def syntax_hint(message: str, source: str) -> str:
    """A designer's words for what Jinja's ``message`` usually means in ``source``: ``=`` for
    ``==``, two conditions without ``and``, a ``{{`` closed by one brace."""
    single_equals = _SINGLE_EQUALS.search(_QUOTED.sub("''", source)) is not None
    if single_equals and ("got '='" in message or message == "chunk after expression"):
        return "; compare with '==' (a single '=' is not a comparison)"
    if message == "chunk after expression":
        return (
            "; the expression goes on after its end: join conditions with 'and' or 'or', "
            "and put texts in quotes"
        )
    if message == "unexpected '}'":
        return "; close '{{' with '}}' and '{%' with '%}'"
    return ""


_PARSER = environment()
_ORDERING = frozenset({"gt", "gteq", "lt", "lteq", "in"})


def implied_slots(condition: str) -> set[str]:
    """The slots a condition can only be true with: ``slots.x``, ``slots.x == 'a'``,
    ``slots.x > 3 and slots.y``, ``slots.x is not none``. Negations, ``or``, ``!=`` and
    ``is none`` imply nothing (an unset slot can make them true)."""
    try:
        tree = _PARSER.parse(f"{{{{ {condition} }}}}")
    except TemplateSyntaxError:
        return set()
    found: set[str] = set()
    for output in tree.find_all(nodes.Output):
        for expression in output.nodes:
            found |= _implied(expression)
    return found


def _implied(node: nodes.Node) -> set[str]:
    if isinstance(node, nodes.And):
        return _implied(node.left) | _implied(node.right)
    if isinstance(node, nodes.Getattr | nodes.Getitem) and _is_slots(node.node):
        name = node.attr if isinstance(node, nodes.Getattr) else getattr(node.arg, "value", None)
        return {name} if isinstance(name, str) else set()
    if isinstance(node, nodes.Compare) and len(node.ops) == 1:
        operand = node.ops[0]
        if operand.op in _ORDERING or (operand.op == "eq" and _not_none(operand.expr)):
            return _implied(node.expr)
        return set()
    if isinstance(node, nodes.Test) and node.name == "defined":
        return _implied(node.node)
    if isinstance(node, nodes.Not) and isinstance(node.node, nodes.Test):
        return _implied(node.node.node) if node.node.name == "none" else set()
    return set()


def _not_none(value: nodes.Expr) -> bool:
    """A constant other than ``none``: ``slots.x == 'a'`` implies x, ``== none`` does not."""
    return isinstance(value, nodes.Const) and value.value is not None


def _references(
    node: nodes.Node, guarded: bool, safe: frozenset[str] = frozenset()
) -> Iterator[tuple[str, bool]]:
    """Slot reads under ``node``; ``safe`` are slots an enclosing ``if`` has made sure of."""
    if isinstance(node, nodes.Getattr | nodes.Getitem) and _is_slots(node.node):
        name = node.attr if isinstance(node, nodes.Getattr) else getattr(node.arg, "value", None)
        if isinstance(name, str):
            yield name, guarded or name in safe
        return
    if isinstance(node, nodes.If | nodes.CondExpr):
        yield from _references(node.test, True, safe)
        sure = safe | frozenset(_implied(node.test))
        then = node.body if isinstance(node, nodes.If) else [node.expr1]
        for child in then:
            yield from _references(child, guarded, sure)
        for child in node.iter_child_nodes():
            if child is not node.test and child not in then:
                yield from _references(child, guarded, safe)
        return
    if isinstance(node, nodes.Or):
        yield from _references(node.left, True, safe)  # `slots.name or 'you'` has a fallback
        yield from _references(node.right, guarded, safe)
        return
    if isinstance(node, nodes.Filter) and node.name == "default":
        guarded = True
    if isinstance(node, nodes.Test) and node.name in ("defined", "undefined", "none"):
        guarded = True
    for child in node.iter_child_nodes():
        yield from _references(child, guarded, safe)


def compared_values(source: str, expression: bool = False) -> Iterator[tuple[str, str]]:
    """The texts a template or expression compares a slot with: ``slots.mode == 'pickup'``,
    ``'pickup' != slots.mode``, ``slots.mode in ['pickup', 'delivery']``, as (slot, text)."""
    try:
        tree = _PARSER.parse(f"{{{{ {source} }}}}" if expression else source)
    except TemplateSyntaxError:
        return
    for compare in tree.find_all(nodes.Compare):
        if len(compare.ops) != 1 or compare.ops[0].op not in ("eq", "ne", "in", "notin"):
            continue
        left, right = compare.expr, compare.ops[0].expr
        for slot, other in ((left, right), (right, left)):
            name = _slot_name(slot)
            if name is not None:
                for text in _texts_of(other):
                    yield name, text


def _slot_name(node: nodes.Node) -> str | None:
    if isinstance(node, nodes.Getattr) and _is_slots(node.node):
        return node.attr
    if isinstance(node, nodes.Getitem) and _is_slots(node.node):
        name = getattr(node.arg, "value", None)
        return name if isinstance(name, str) else None
    return None


def _texts_of(node: nodes.Node) -> list[str]:
    if isinstance(node, nodes.Const) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, nodes.List | nodes.Tuple):
        return [text for item in node.items for text in _texts_of(item)]
    return []


def _is_slots(node: nodes.Node) -> bool:
    return isinstance(node, nodes.Name) and node.name == "slots"
