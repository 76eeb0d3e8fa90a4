"""Actions: what flows ``call`` to reach the world, e.g. looking up an order.

Python actions are ``async def`` functions in the bot folder's ``actions.py``, marked with
:func:`action`; they take the ``args`` the flow gives as keyword arguments, and may ask for an
:class:`ActionContext`. HTTP actions are declared in YAML. Either way the result is JSON and
lands in a slot; a failure or a timeout is an :class:`ActionFailed`, which the flow handles.
How an HTTP action's request is built from what the designer wrote is :mod:`dialogs.actions.http`.
"""

from __future__ import annotations

import asyncio
import importlib.util
import inspect
import os
import sys
import traceback
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeVar, overload

import aiohttp
from pydantic import JsonValue, TypeAdapter, ValidationError

from bot.errors import OmnibotError
from dialogs.actions.http import HttpAction, HttpCall, Request, RequestRefused

F = TypeVar("F", bound=Callable[..., Awaitable[Any]])
_MARK = "__omnibot_action__"
_JSON: TypeAdapter[JsonValue] = TypeAdapter(JsonValue)
DEFAULT_TIMEOUT = 10.0


class ActionFailed(OmnibotError):
    """An action raised, timed out, or returned something that is not JSON."""


@dataclass(frozen=True, slots=True)
class ActionContext:
    """What an action may know about the turn that calls it (read-only)."""

    customer_id: str
    language: str
    channel: str | None
    slots: Mapping[str, JsonValue]
    profile: Mapping[str, JsonValue]
    bot_dir: Path


@dataclass(frozen=True, slots=True)
class _Mark:
    name: str | None
    context: bool
    timeout: float


@overload
def action(function: F, /) -> F: ...
@overload
def action(
    *, name: str | None = None, context: bool = False, timeout: float = DEFAULT_TIMEOUT
) -> Callable[[F], F]: ...
def action(
    function: F | None = None,
    /,
    *,
    name: str | None = None,
    context: bool = False,
    timeout: float = DEFAULT_TIMEOUT,
) -> F | Callable[[F], F]:
    """Mark an ``async def`` in ``actions.py`` as an action flows can ``call``.

    ``@action`` names it after the function; ``@action(name=..., context=True, timeout=...)``
    renames it, passes an :class:`ActionContext` as ``context=``, or changes the time limit.
    """

    def mark(target: F) -> F:
        setattr(target, _MARK, _Mark(name, context, timeout))
        return target

    return mark(function) if function is not None else mark


@dataclass(frozen=True, slots=True)
class PythonAction:
    """A marked function, and what its signature accepts (checked against flows at load)."""

    name: str
    function: Callable[..., Awaitable[Any]]
    context: bool
    timeout: float
    line: int
    required: frozenset[str]
    accepted: frozenset[str] | None  # None: it takes **kwargs


def load_python_actions(path: Path, shown: str) -> tuple[dict[str, PythonAction], list[str]]:
    """Import ``actions.py`` and collect its actions; problems come back as ``file:line:col``."""
    if not path.is_file():
        return {}, []
    module_name = f"omnibot_actions_{abs(hash(path.resolve()))}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        return {}, [f"{shown}:1:1: cannot be imported"]
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except (Exception, SystemExit) as exc:  # the designer's Python: any failure is a problem
        return {}, [f"{shown}:{_failing_line(exc, path)}:1: {type(exc).__name__}: {exc}"]
    sys.modules[module_name] = module
    found: dict[str, PythonAction] = {}
    problems: list[str] = []
    for candidate in vars(module).values():
        mark = getattr(candidate, _MARK, None)
        if isinstance(mark, _Mark):
            _collect(candidate, mark, shown, found, problems)
    return found, problems


def _collect(
    function: Any, mark: _Mark, shown: str, found: dict[str, PythonAction], problems: list[str]
) -> None:
    line = inspect.getsourcelines(function)[1] if inspect.isfunction(function) else 1
    name = mark.name or function.__name__
    if not inspect.iscoroutinefunction(function):
        problems.append(f"{shown}:{line}:1: action '{name}' must be an 'async def' function")
        return
    if name in found:
        problems.append(f"{shown}:{line}:1: action '{name}' is defined twice")
        return
    parameters = inspect.signature(function).parameters.values()
    kinds = {p.kind for p in parameters}
    named = [p for p in parameters if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    if mark.context:
        named = [p for p in named if p.name != "context"]
    required = frozenset(p.name for p in named if p.default is p.empty)
    accepted = None if inspect.Parameter.VAR_KEYWORD in kinds else frozenset(p.name for p in named)
    found[name] = PythonAction(name, function, mark.context, mark.timeout, line, required, accepted)


def _failing_line(error: BaseException, path: Path) -> int:
    if isinstance(error, SyntaxError) and error.lineno:
        return error.lineno
    frames = [f for f in traceback.extract_tb(error.__traceback__) if Path(f.filename) == path]
    return (frames[-1].lineno or 1) if frames else 1


@dataclass
class Actions:
    """Every action of a bot, by name: ``http`` as the designer wrote them, ``requests``
    the same compiled (see :mod:`dialogs.actions.http`)."""

    python: dict[str, PythonAction] = field(default_factory=dict)
    http: dict[str, HttpAction] = field(default_factory=dict)
    requests: dict[str, HttpCall] = field(default_factory=dict)
    _session: aiohttp.ClientSession | None = None

    @property
    def names(self) -> set[str]:
        """All action names."""
        return set(self.python) | set(self.http)

    async def call(
        self, name: str, args: dict[str, JsonValue], context: ActionContext
    ) -> JsonValue:
        """Run an action within its time limit; raises :class:`ActionFailed`."""
        if name in self.python:
            return await self._python(self.python[name], args, context)
        if name in self.requests:
            return await self._http(name, self.requests[name], args, context)
        raise ActionFailed(f"no action named {name!r}")

    async def aclose(self) -> None:
        """Close the HTTP client, if one was opened."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _python(
        self, spec: PythonAction, args: dict[str, JsonValue], context: ActionContext
    ) -> JsonValue:
        kwargs: dict[str, Any] = dict(args)
        if spec.context:
            kwargs["context"] = context
        try:
            async with asyncio.timeout(spec.timeout):
                result = await spec.function(**kwargs)
        except TimeoutError as exc:
            raise ActionFailed(f"action {spec.name!r} took longer than {spec.timeout}s") from exc
        except Exception as exc:  # the designer's Python: any failure is the action's failure
            raise ActionFailed(f"action {spec.name!r} failed: {type(exc).__name__}: {exc}") from exc
        return _as_json(spec.name, result)

    async def _http(
        self, name: str, call: HttpCall, args: dict[str, JsonValue], context: ActionContext
    ) -> JsonValue:
        scope = {"args": args, "slots": dict(context.slots), "profile": dict(context.profile)}
        try:
            request = call.request(scope, os.environ)
        except RequestRefused as exc:
            raise ActionFailed(f"HTTP action {name!r} sent nothing: {exc}") from exc
        return await self._send(request)

    async def _send(self, request: Request) -> JsonValue:
        session = self._session or aiohttp.ClientSession()
        self._session = session
        try:
            async with session.request(
                request.method,
                request.url,
                headers=request.headers,
                json=request.body,
                timeout=aiohttp.ClientTimeout(total=request.timeout),
            ) as response:
                if response.status >= 400:
                    raise ActionFailed(f"HTTP {response.status} from {response.url.host}")
                return _as_json("http", await response.json(content_type=None))
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise ActionFailed(f"HTTP action failed: {type(exc).__name__}: {exc}") from exc


def _as_json(name: str, result: Any) -> JsonValue:
    try:
        return _JSON.validate_python(result)
    except ValidationError as exc:
        raise ActionFailed(f"action {name!r} returned something that is not JSON") from exc


def read_only(values: Mapping[str, JsonValue]) -> Mapping[str, JsonValue]:
    """A view an action cannot change."""
    return MappingProxyType(dict(values))
