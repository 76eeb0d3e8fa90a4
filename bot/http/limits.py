"""Every limit on what comes in from outside, in one place (see docs/reliability.md).

Two kinds of limit, with two behaviours:

- **Transport limits** bound how much a client can make the server read, and for how long: a
  request body over :data:`MAX_BODY` is answered 413 before it is parsed, a websocket frame
  over its limit closes the socket (1009), a head slower than :data:`HEAD_SECONDS` closes the
  connection and a body slower than :data:`BODY_SECONDS` is answered 408. Nothing is queued
  either way.
- **Content limits** bound what one customer message can hold once it is read. A webhook cannot
  show a refusal to the customer (Slack and Telegram would only retry it, Twilio drop it), so
  nothing is refused for being long: text over :data:`MAX_TEXT` is cut to it, attachments past
  :data:`MAX_ATTACHMENTS` are dropped, and the transcript gets a note saying so (see
  :class:`bot.format.messages.Cut`). The same holds on every channel.

What an agent types in the console is refused over :data:`MAX_AGENT_TEXT` instead, since the
console can say so and the agent can shorten it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

H = TypeVar("H", bound=Callable[..., object])
_BODY_LIMIT = "omnibot_max_body"

MAX_BODY = 1024 * 1024
"""Bytes in one HTTP request body, on every route but those that allow more
(:func:`reads_up_to`): more is answered 413."""

HEAD_SECONDS = 10.0
"""Seconds a client has to send a request's head (request line and headers) from the moment
it connects, or from the first byte of the next request on a connection kept alive: then the
connection is closed (see :mod:`bot.http.slow_clients`). A head is a few hundred bytes."""

IDLE_SECONDS = 75.0
"""Seconds a connection kept alive may wait for its next request (aiohttp's keep-alive timeout;
a proxy in front should keep its own idle upstream connections for less, nginx's 60 s does)."""

BODY_SECONDS = 30.0
"""Seconds a client has to send a request's whole body once its head has arrived: more is
answered 408 and the connection closed (1 MiB in 30 s is 35 kB/s; a proxy in front sends a
body it buffered at once)."""

MAX_LINE = 8190
"""Bytes in the request line (method, path and query) and in one header: more is answered 400
by the HTTP parser. Tokens never need more (the longest, a Direct Line stream URL's, is ~200)."""

MAX_JSON_DEPTH = 64
"""Levels of nesting in a JSON body or frame (arrays and objects): no channel's payload comes
near; deeper is refused with 400 (or an ignored frame) before anything reads it."""

MAX_FORM_FIELDS = 1000
"""Fields in one form body (Twilio's callbacks have a few dozen): more is refused with 400."""

MAX_TEXT = 4096
"""Characters of a customer's text in one message (a message, a caption, a button's title):
more is cut to this, with a note in the transcript."""

MAX_ATTACHMENTS = 10
"""Attachments in one customer message: the rest are dropped, with a note in the transcript."""

MAX_PAYLOAD = 1024
"""Characters of a button's payload (ours: the bot made it, so a longer one is refused)."""

MAX_WEBCHAT_FRAME = 32 * 1024
"""Bytes in one web chat websocket frame: more closes the socket with 1009. Room for a text of
:data:`MAX_TEXT` characters however it is encoded (6 bytes a character, escaped) and a frame's
other fields."""

MAX_DIRECTLINE_FRAME = 4096
"""Bytes in one frame a Direct Line stream client sends (it sends only keep-alives)."""

MAX_CONSOLE_FRAME = 4096
"""Bytes in one frame the agent console's page sends (it sends only ``watch``)."""

MAX_AGENT_TEXT = 4000
"""Characters of a reply or note an agent writes in the console: more is refused with 400."""


def reads_up_to(limit: int) -> Callable[[H], H]:
    """Let the route whose handler this decorates take bodies of up to ``limit`` bytes instead
    of :data:`MAX_BODY` (e-mail's inbound route: a message with its attachments)."""

    def allow(handler: H) -> H:
        setattr(handler, _BODY_LIMIT, limit)
        return handler

    return allow


def body_limit(handler: object) -> int:
    """The bytes a route's ``handler`` reads at most in one body (:func:`reads_up_to`)."""
    limit = getattr(handler, _BODY_LIMIT, MAX_BODY)
    return limit if isinstance(limit, int) else MAX_BODY
