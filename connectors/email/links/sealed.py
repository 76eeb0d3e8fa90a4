"""Values sealed into the tokens of our mail's links (a button's press, an unsubscribe).

A token is ``<body>.<signature>``: the value as JSON in URL-safe base64, and its HMAC-SHA256
under a key derived from the channel's secret with a label of its own (the secret itself signs
nothing, and a token of one kind is no token of another). Every worker can open a token without
storing anything when it is issued; changing any part of the value breaks the signature.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Generic, TypeVar

from pydantic import Field, ValidationError

from bot.format.messages import Model
from bot.http.untrusted import same_secret

MAX_TOKEN = 4096
"""Longer tokens are not ours, and are refused before anything is decoded."""


class LinkRefused(Exception):
    """A link that does nothing: ``status`` is the HTTP status, ``reason`` a short word for the
    log and the page (``invalid``, ``expired``, ``used``, ``moved``, ``busy``)."""

    def __init__(self, reason: str, status: int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


class Expiring(Model):
    """A value that a token carries until ``expires`` (epoch seconds)."""

    expires: int = Field(ge=0)


M = TypeVar("M", bound=Expiring)


class Sealer(Generic[M]):
    """Seals values of ``kind`` into tokens and opens them again."""

    def __init__(
        self,
        secret: str,
        label: bytes,
        kind: type[M],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._key = hmac.new(secret.encode(), label, hashlib.sha256).digest()
        self._kind = kind
        self._clock = clock

    def seal(self, value: M) -> str:
        """The token of ``value``."""
        body = _b64(value.model_dump_json().encode())
        return f"{body}.{self._sign(body)}"

    def open(self, token: str) -> M:
        """The value a token holds, if it is ours, untouched and not expired; else raises
        :class:`LinkRefused` (``invalid`` 403, ``expired`` 410)."""
        body, _, signature = token.partition(".")
        if len(token) > MAX_TOKEN or not same_secret(signature, self._sign(body)):
            raise LinkRefused("invalid", 403)
        try:
            raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
            value = self._kind.model_validate_json(raw)
        except (ValueError, ValidationError) as exc:  # binascii.Error is a ValueError
            raise LinkRefused("invalid", 403) from exc
        if value.expires < self._clock():
            raise LinkRefused("expired", 410)
        return value

    def _sign(self, body: str) -> str:
        return _b64(hmac.new(self._key, body.encode(), hashlib.sha256).digest())


class LinkBook(Generic[M]):
    """The links of one kind, ``{base_url}{path}/<token>``: issued with an expiry ``lifetime``
    from now, and read back (see :class:`Sealer`)."""

    def __init__(
        self,
        sealer: Sealer[M],
        base_url: str,
        path: str,
        lifetime: timedelta,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._sealer = sealer
        self._base = base_url.rstrip("/") + path
        self._lifetime = lifetime.total_seconds()
        self._clock = clock

    def read(self, token: str) -> M:
        """What a token holds, if it is ours, untouched and not expired; else raises
        :class:`LinkRefused` (``invalid`` 403, ``expired`` 410). Spends nothing."""
        return self._sealer.open(token)

    def _expires(self) -> int:
        """The expiry of a link issued now."""
        return int(self._clock() + self._lifetime)

    def _url(self, value: M) -> str:
        return f"{self._base}/{self._sealer.seal(value)}"


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
