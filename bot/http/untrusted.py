"""Reading what a client sent: the one way every route reads headers, bodies, JSON, forms and
numbers, and compares secrets.

Everything in a request is hostile until checked, and a check that fails must fail as a 4xx
(:class:`~bot.errors.InboundRejected`, 400 unless said otherwise), never as an exception from
the standard library that becomes a 500 and a traceback. The classes of input that did:

- header values with bytes that are not ASCII (aiohttp hands them over as text no encoding
  can write back): :func:`header` reads them as absent, :func:`same_secret` compares anything;
- a charset nobody knows (``charset=x-nope``), or a body that is not in its charset:
  :func:`text` refuses it;
- JSON nested deeper than Python's stack (a 50,000-deep array), or holding a lone surrogate
  (``"\\ud800"``, which no later step could encode): :func:`parse_json` refuses it, past
  :data:`~bot.http.limits.MAX_JSON_DEPTH` levels;
- numbers written with digits that are not ASCII (``²``) or with thousands of them:
  :func:`integer` reads them as no number.
"""

from __future__ import annotations

import codecs
import hmac
import json
import re
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from aiohttp import web
from multidict import MultiDict

from bot.errors import InboundRejected
from bot.http.limits import MAX_FORM_FIELDS, MAX_JSON_DEPTH

_HEADER_VALUE = re.compile(r"^[\x20-\x7e\t]*$")
_SURROGATE_ESCAPE = re.compile(rb"\\[uU][dD][89a-fA-F]")
_DIGITS = re.compile(r"^[0-9]+$")
_CHARSETS = frozenset({"utf-8", "ascii", "iso8859-1"})


def header(request: web.BaseRequest, name: str) -> str | None:
    """The value of header ``name``, or ``None`` when it is absent or holds anything but visible
    ASCII, spaces and tabs (no header omnibot reads can rightly hold more)."""
    value = request.headers.get(name)
    if value is None or not _HEADER_VALUE.match(value):
        return None
    return value


def headers(request: web.BaseRequest, name: str) -> list[str]:
    """Every value of header ``name`` a request carries, keeping only those :func:`header`
    would read."""
    return [value for value in request.headers.getall(name, []) if _HEADER_VALUE.match(value)]


def cookies(request: web.BaseRequest, name: str) -> list[str]:
    """The values of every cookie called ``name`` (a browser may send several of one name, set
    for different paths), keeping only those of visible ASCII."""
    values = []
    for line in request.headers.getall("Cookie", []):
        for pair in line.split(";"):
            key, _, value = pair.strip().partition("=")
            if key == name and _HEADER_VALUE.match(value):
                values.append(value)
    return values


def netloc(url: str) -> str | None:
    """The host and port of ``url`` (an ``Origin`` header, say), or ``None`` when it is no URL
    (``urlsplit`` raises on ``http://[``)."""
    try:
        return urlsplit(url).netloc
    except ValueError:
        return None


def same_secret(given: str | bytes | None, expected: str | bytes) -> bool:
    """Whether ``given`` is ``expected``, in a time that does not tell where they differ.
    ``given`` may be anything a request carried: missing, bytes, or text no encoding holds."""
    if given is None:
        return False
    return hmac.compare_digest(_bytes(given), _bytes(expected))


def integer(value: str | None, digits: int = 18) -> int | None:
    """``value`` as a non-negative integer written in at most ``digits`` ASCII digits, else
    ``None`` (``str.isdigit`` takes ``²`` and ``٣``, and ``int`` refuses more than 4,300
    digits, with exceptions of their own)."""
    if value is None or len(value) > digits or not _DIGITS.match(value):
        return None
    return int(value)


async def body(request: web.BaseRequest) -> bytes:
    """The whole body (the server's middleware has read it already, within the limits)."""
    return await request.read()


async def text(request: web.BaseRequest) -> str:
    """The body as text in its declared charset (UTF-8 when it names none): only UTF-8, ASCII
    and Latin-1 are read (no channel sends anything else), any other is refused with 415, and a
    body not written in its charset with 400."""
    charset = _charset(request)
    try:
        return (await body(request)).decode(charset)
    except ValueError as exc:  # UnicodeDecodeError is a ValueError
        raise InboundRejected(400, f"the body is not {charset} text") from exc


async def json_body(request: web.BaseRequest) -> Any:
    """The body as JSON (see :func:`parse_json`)."""
    return parse_json(await text(request))


async def json_object(request: web.BaseRequest) -> dict[str, Any]:
    """The body as a JSON object; anything else is refused."""
    value = await json_body(request)
    if not isinstance(value, dict):
        raise InboundRejected(400, "a JSON object is expected")
    return value


async def form(request: web.BaseRequest) -> MultiDict[str]:
    """An ``application/x-www-form-urlencoded`` body, every field decoded strictly."""
    return parse_form(await text(request), _charset(request))


def parse_form(encoded: str, charset: str = "utf-8") -> MultiDict[str]:
    """Fields of a form, in order; refused when a percent-escape is not in ``charset`` or there
    are more than :data:`~bot.http.limits.MAX_FORM_FIELDS` fields."""
    try:
        pairs = parse_qsl(
            encoded,
            keep_blank_values=True,
            encoding=charset,
            errors="strict",
            max_num_fields=MAX_FORM_FIELDS,
        )
    except (UnicodeDecodeError, ValueError) as exc:
        raise InboundRejected(400, "the form cannot be read") from exc
    return MultiDict(pairs)


def parse_json(raw: str | bytes) -> Any:
    """JSON a client sent, refused (400) unless it is JSON, UTF-8 (as text, and without a lone
    surrogate written as an escape) and nested at most :data:`~bot.http.limits.MAX_JSON_DEPTH`
    levels deep."""
    try:
        value = json.loads(raw)
    except RecursionError as exc:
        raise InboundRejected(400, "the JSON is nested too deeply") from exc
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise InboundRejected(400, "the body is not JSON") from exc
    if _brackets(raw) > MAX_JSON_DEPTH and _depth(value) > MAX_JSON_DEPTH:
        raise InboundRejected(400, f"the JSON is nested more than {MAX_JSON_DEPTH} levels")
    if _SURROGATE_ESCAPE.search(_bytes(raw)):
        try:
            json.dumps(value, ensure_ascii=False).encode()
        except UnicodeEncodeError as exc:
            raise InboundRejected(400, "the JSON holds text no UTF-8 can") from exc
    return value


def _charset(request: web.BaseRequest) -> str:
    declared = request.charset or "utf-8"
    try:
        name = codecs.lookup(declared).name
    except (LookupError, ValueError):  # ValueError: a name with a NUL in it
        name = ""
    if name not in _CHARSETS:
        raise InboundRejected(415, "the body's charset must be UTF-8")
    return name


def _bytes(value: str | bytes) -> bytes:
    # surrogatepass: text decoded from bytes that were not UTF-8 (aiohttp's headers) or from a
    # JSON escape can still be compared, byte for byte, and never raises.
    return value if isinstance(value, bytes) else value.encode("utf-8", "surrogatepass")


def _brackets(raw: str | bytes) -> int:
    """How many arrays and objects ``raw`` opens at most (nesting needs that many)."""
    if isinstance(raw, bytes):
        return raw.count(b"[") + raw.count(b"{")
    return raw.count("[") + raw.count("{")


def _depth(value: Any) -> int:
    """How deeply ``value`` nests, without recursion (a deep value is what is being refused)."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in children if isinstance(child, dict | list))
    return deepest
