"""A vendor's refusal, translated into omnibot's delivery errors the same way for every channel.

A channel's client reads a failed call into a :class:`Refusal`: the HTTP status, the vendor's
own error code, the wait the vendor asked for, and the words its messages may quote. Its
vendor's :class:`ErrorTable` says what the vendor's codes mean, and :func:`translate` decides in
one order for every vendor:

1. too many requests (HTTP 429, or the vendor's own way of saying so): ``rate_limited``, raised
   with the wait the vendor asked for, or else the table's ``default_wait``; with neither, as a
   temporary error, so that the core's backoff decides;
2. a server error (5xx): ``server_error``; the vendor has not judged the request;
3. the vendor's code, where the table knows it: the address will not take messages
   (:class:`~bot.errors.Unreachable`), our configuration is wrong
   (:class:`~bot.errors.ChannelMisconfigured`), a passing trouble...;
4. the HTTP status, where the table knows it (Telegram's 403: the customer blocked the bot);
5. any other 4xx: ``bad_request``, the request was wrong and sending it again cannot help;
6. anything else: ``otherwise``.

What to do about each kind is then decided once, for every channel, by the core
(:mod:`bot.turn.delivery`). Messages are the table's templates filled with the refusal's words:
they are written for the log, and never carry a token, a URL or a phone number.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.errors import DeliveryError, RateLimited, TemporaryDeliveryError

Code = str | int


@dataclass(frozen=True, slots=True)
class Meaning:
    """What a refusal means: the error to raise, and its message, a template of the refusal's
    words (``"Slack refused {method}: {code}"``)."""

    error: type[DeliveryError]
    message: str


@dataclass(frozen=True, slots=True)
class ErrorTable:
    """One vendor's refusals by what they mean (see the module docstring for the order)."""

    rate_limited: Meaning
    server_error: Meaning
    bad_request: Meaning
    otherwise: Meaning
    codes: Mapping[Code, Meaning] = field(default_factory=dict)
    statuses: Mapping[int, Meaning] = field(default_factory=dict)
    default_wait: float | None = None
    """The wait after a rate limit that names none; ``None``: leave it to the core's backoff."""


@dataclass(frozen=True, slots=True)
class Refusal:
    """A failed call as the vendor answered it.

    ``slow_down`` is the vendor asking for fewer requests other than by a 429 (Slack's
    ``ratelimited``, Telegram's ``retry_after``); ``retry_after`` is the wait it asked for, in
    seconds; ``words`` fill the table's message templates.
    """

    status: int
    code: Code | None = None
    slow_down: bool = False
    retry_after: float | None = None
    words: Mapping[str, object] = field(default_factory=dict)


def translate(table: ErrorTable, refusal: Refusal) -> DeliveryError:
    """The delivery error ``refusal`` means, by ``table``."""
    meaning = _meaning(table, refusal)
    message = meaning.message.format_map(refusal.words)
    if not issubclass(meaning.error, RateLimited):
        return meaning.error(message)
    wait = refusal.retry_after if refusal.retry_after is not None else table.default_wait
    if wait is None:
        return TemporaryDeliveryError(message)
    return meaning.error(message, wait)


def _meaning(table: ErrorTable, refusal: Refusal) -> Meaning:
    status = refusal.status
    if status == 429 or refusal.slow_down:
        return table.rate_limited
    if status >= 500:
        return table.server_error
    if refusal.code is not None and refusal.code in table.codes:
        return table.codes[refusal.code]
    if status in table.statuses:
        return table.statuses[status]
    if 400 <= status < 500:
        return table.bad_request
    return table.otherwise
