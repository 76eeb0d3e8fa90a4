"""HTTP actions: the request a designer wrote, with a customer's words only where values go.

An action's ``url``, ``headers`` and ``body`` are templates, and their values often come from
what a customer typed. Three rules keep those words from changing where a request goes or what
else it carries:

- **The destination is the designer's.** The scheme, host and port are written out in the flow
  file (no template there); every value a template puts in the URL is percent-encoded as one
  piece: a path segment (``/``, ``?`` and ``#`` in it are encoded; an empty value, ``.`` or
  ``..`` is refused), or a query or fragment component (``&``, ``=`` and ``#`` encoded).
- **Secrets come from the designer's text only.** ``${NAME}`` in a header value is replaced,
  before rendering, by a lookup of that environment variable; rendered text is never expanded,
  so a customer who types ``${TWILIO_AUTH_TOKEN}`` sends those characters, not the token.
- **A header is one line.** A header value that would hold a line break or another control
  character is refused before anything is sent.

Everything is compiled when the bot folder is loaded (:func:`compile_http`), so a URL that
templates its host, or a malformed ``${...}``, is a ``file:line:col`` problem, not a surprise.
A request that breaks a rule at call time raises :class:`RequestRefused`, whose message names
the part (never the value, which may hold a secret or what the customer typed).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias
from urllib.parse import quote, urlsplit

from jinja2 import Environment, Template, TemplateSyntaxError, Undefined
from pydantic import Field, JsonValue

from bot.errors import OmnibotError
from bot.yaml_source import Loc
from dialogs.design.parts import Part
from dialogs.design.templates import environment

_ENV = re.compile(r"\$\{([A-Z_][A-Z0-9_]*)\}")
_ANY_ENV = re.compile(r"\$\{[^}]*\}?")
_TAGS = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)
_ORIGIN = re.compile(r"^(https?://[^/?#]+)(.*)$", re.DOTALL)
_HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,256}$")
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_ENVIRON = "__environ__"
"""The template variable ``${NAME}`` becomes: not a name a designer's template can mean."""

Problem = tuple[Loc, str]


class HttpAction(Part):
    """An action that calls an HTTP endpoint; its JSON answer is the result.

    ``url``, header values and ``body`` are templates over ``args``, ``slots`` and ``profile``.
    The URL's scheme and host are written out; a value in its path is one segment, in its query
    one component. ``${NAME}`` in a header value is read from the server's environment (where
    secrets live), and only there: never from what a template put in.
    """

    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE"] = Field(
        default="GET", description="GET, POST, PUT, PATCH or DELETE"
    )
    url: str = Field(description="the address, a template over args, slots and profile")
    headers: dict[str, str] = Field(
        default_factory=dict,
        description="headers to send; ${NAME} is read from the server's environment",
    )
    body: dict[str, JsonValue] | None = Field(
        default=None, description="the JSON body, templates over args, slots and profile"
    )
    timeout: float = Field(
        default=5.0, gt=0, le=60, description="seconds to wait for the answer (at most 60)"
    )


_Body: TypeAlias = "str | int | float | bool | Template | list[_Body] | dict[str, _Body] | None"


class RequestRefused(OmnibotError):
    """A request that would break one of the rules above; nothing was sent."""


@dataclass(frozen=True, slots=True)
class Request:
    """What an HTTP action sends, once its templates are rendered."""

    method: str
    url: str
    headers: dict[str, str]
    body: JsonValue
    timeout: float


@dataclass(frozen=True, slots=True)
class _Header:
    template: Template
    names: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class HttpCall:
    """One HTTP action, compiled: build its request with :meth:`request`."""

    spec: HttpAction
    origin: str
    path: Template
    rest: Template | None
    headers: Mapping[str, _Header]
    body: _Body

    def request(self, scope: Mapping[str, Any], environ: Mapping[str, str]) -> Request:
        """The request for one call: ``scope`` holds ``args``, ``slots`` and ``profile``;
        ``environ`` is where ``${NAME}`` is read. Raises :class:`RequestRefused`."""
        path = _render(self.path, scope, "the URL path")
        if any(segment in (".", "..") for segment in path.split("/")):
            raise RequestRefused("the URL path would hold a '.' or '..' segment")
        query = _render(self.rest, scope, "the URL query") if self.rest is not None else ""
        url = self.origin + path + query
        headers = {
            name: self._header(name, header, scope, environ)
            for name, header in self.headers.items()
        }
        body = _body(self.body, scope)
        return Request(self.spec.method, url, headers, body, self.spec.timeout)

    def _header(
        self, name: str, header: _Header, scope: Mapping[str, Any], environ: Mapping[str, str]
    ) -> str:
        missing = [variable for variable in header.names if variable not in environ]
        if missing:
            raise RequestRefused(f"${{{missing[0]}}} (header {name}) is not set on this server")
        values = {variable: environ[variable] for variable in header.names}
        scope = {**scope, _ENVIRON: values}
        value = _render(header.template, scope, f"the header {name}", secret=bool(values))
        if _CONTROL.search(value):
            raise RequestRefused(
                f"the header {name} would hold a line break or another control character"
            )
        return value


def compile_http(spec: HttpAction) -> tuple[HttpCall | None, list[Problem]]:
    """The compiled action, or the problems of what the designer wrote (with their places
    under the action's ``http``)."""
    problems: list[Problem] = []
    target = _split_url(spec.url, problems)
    headers = {name: _header(name, value, problems) for name, value in spec.headers.items()}
    body = _compile_body(spec.body, ("body",), problems)
    if target is None or problems:
        return None, problems
    origin, path, rest = target
    compiled = {name: header for name, header in headers.items() if header is not None}
    return HttpCall(spec, origin, path, rest, compiled, body), []


def _split_url(url: str, problems: list[Problem]) -> tuple[str, Template, Template | None] | None:
    """The literal origin, the path's template and the query's (with the fragment)."""
    where: Loc = ("url",)
    origin = _ORIGIN.match(url)
    if origin is None or _written_out(origin.group(1)) is not None:
        problems.append((where, _written_out(url) or _ORIGIN_HINT))
        return None
    try:
        parts = urlsplit(origin.group(1))
        if not parts.hostname or parts.port == 0:
            raise ValueError("no host")
    except ValueError:
        problems.append((where, _ORIGIN_HINT))
        return None
    rest = origin.group(2)
    if _ANY_ENV.search(_outside_tags(rest)):
        problems.append((where, "${NAME} is read only in header values; send the secret in one"))
    cut = _query_start(rest)
    path = _compile(_PATH, rest[:cut], where, problems)
    query = _compile(_QUERY, rest[cut:], where, problems) if cut < len(rest) else None
    if path is None:
        return None
    return origin.group(1), path, query


_ORIGIN_HINT = (
    "an HTTP action's url starts with http:// or https:// and a host written out, like "
    "https://api.example.com/orders/{{ args.id }}; values go in the path or the query"
)


def _written_out(text: str) -> str | None:
    """Why the origin part is not written out, if it is not."""
    if any(mark in text for mark in ("{{", "{%", "{#", "${")):
        return (
            "the scheme and host of an HTTP action's url are written out, never a template "
            "or ${NAME}: a value there could send the request anywhere"
        )
    return None


def _query_start(rest: str) -> int:
    """Where the query (or the fragment) starts: the first ``?`` or ``#`` outside a tag."""
    literal = _outside_tags(rest)
    found = [index for index in (literal.find("?"), literal.find("#")) if index >= 0]
    return min(found) if found else len(rest)


def _outside_tags(text: str) -> str:
    """``text`` with every template tag blanked out (same length, same positions)."""
    return _TAGS.sub(lambda match: " " * len(match.group()), text)


def _header(name: str, value: str, problems: list[Problem]) -> _Header | None:
    where: Loc = ("headers", name)
    if not _HEADER_NAME.match(name):
        problems.append((where, f"'{name}' is not a header name (letters, digits and - only)"))
        return None
    literal = _outside_tags(value)
    for match in _ANY_ENV.finditer(value):
        if literal[match.start()] != "$":
            problems.append((where, "write ${NAME} outside {{ }} and {% %}: it is not a value"))
            return None
        if not _ENV.fullmatch(match.group()):
            problems.append(
                (where, f"'{match.group()}' is not ${{NAME}}: capital letters, digits and _")
            )
            return None
    names = tuple(dict.fromkeys(_ENV.findall(value)))
    source = _ENV.sub(lambda match: f"{{{{ {_ENVIRON}['{match.group(1)}'] }}}}", value)
    template = _compile(_PLAIN, source, where, problems)
    return _Header(template, names) if template is not None else None


def _compile_body(value: JsonValue, where: Loc, problems: list[Problem]) -> _Body:
    """The body with each text that is a template compiled."""
    if isinstance(value, str):
        if "{{" not in value and "{%" not in value:
            return value
        return _compile(_PLAIN, value, where, problems)
    if isinstance(value, list):
        return [_compile_body(item, (*where, index), problems) for index, item in enumerate(value)]
    if isinstance(value, dict):
        return {key: _compile_body(item, (*where, key), problems) for key, item in value.items()}
    return value


def _body(value: _Body, scope: Mapping[str, Any]) -> JsonValue:
    if isinstance(value, Template):
        return _render(value, scope, "the body")
    if isinstance(value, list):
        return [_body(item, scope) for item in value]
    if isinstance(value, dict):
        return {key: _body(item, scope) for key, item in value.items()}
    return value


def _compile(env: Environment, source: str, where: Loc, problems: list[Problem]) -> Template | None:
    try:
        return env.from_string(source)
    except TemplateSyntaxError as exc:
        problems.append((where, f"template error: {exc.message}"))
        return None


def _render(template: Template, scope: Mapping[str, Any], part: str, secret: bool = False) -> str:
    """``template`` rendered; a failure names ``part`` (and, unless the template reads a
    secret, what went wrong)."""
    try:
        return template.render(scope).strip()
    except _Refused as exc:
        raise RequestRefused(f"{part}: {exc}") from None
    except Exception as exc:  # a designer's template must never crash a turn
        why = type(exc).__name__ if secret else f"{type(exc).__name__}: {exc}"
        raise RequestRefused(f"{part}: template failed: {why}") from None


class _Refused(Exception):
    """A value that cannot stand where the template puts it."""


def _text(value: Any) -> str:
    return "" if value is None or isinstance(value, Undefined) else str(value)


def _segment(value: Any) -> str:
    """A value in the URL's path: one segment, whatever it holds."""
    text = _text(value)
    if text in ("", ".", ".."):
        raise _Refused("a value in the path is empty, '.' or '..'")
    return quote(text, safe="")


def _component(value: Any) -> str:
    """A value in the URL's query or fragment: one component, whatever it holds."""
    return quote(_text(value), safe="")


_PLAIN = environment()
_PATH = environment(_segment)
_QUERY = environment(_component)
