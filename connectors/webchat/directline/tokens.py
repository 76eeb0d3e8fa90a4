"""Direct Line credentials: the secret, and the tokens made from it.

A token is a JWT (HS256) bound to one conversation, as on the real service, so that the Bot
Framework Web Chat can read the user id it carries (its ``user`` claim) and talk as that user.
Tokens are signed with a key derived from the secret, never with the secret itself, so a token
is useless for forging anything else signed with the same string (a web chat identity, say).
A ``stream`` token only opens the websocket: it travels in a URL, where proxies log it, so it
lives two minutes (an open stream outlives it) and cannot post, poll or refresh.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from bot.errors import InboundRejected
from bot.http.untrusted import same_secret

TOKEN_LIFETIME = 1800
STREAM_LIFETIME = 120
CONVERSATION_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
_JWT = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$")
ISSUER = "omnibot"
Scope = Literal["conversation", "stream"]
_AUDIENCE: dict[Scope, str] = {"conversation": "directline", "stream": "directline/stream"}


class DirectLineRefused(InboundRejected):
    """A Direct Line request refused; answered as ``{"error": {"code", "message"}}``."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(status, message)
        self.code = code


@dataclass(frozen=True, slots=True)
class Grant:
    """What a valid token allows: one conversation, as one user, until ``expires_at``."""

    conversation_id: str
    user_id: str
    expires_at: float
    token: str


def new_conversation_id() -> str:
    """A fresh, unguessable conversation id."""
    return secrets.token_urlsafe(18)


def user_of(conversation_id: str) -> str:
    """The user id a conversation's tokens carry. Web Chat reserves ``dl_`` ids for users whose
    id is embedded in the token, which is what this is."""
    return f"dl_{conversation_id}"


class Tokens:
    """Checks the secret and issues and verifies the tokens made from it."""

    def __init__(
        self, secret: str, lifetime: float = TOKEN_LIFETIME, clock: Callable[[], float] = time.time
    ) -> None:
        self._secret = secret.encode()
        self._key = hmac.new(self._secret, b"omnibot directline token v1", hashlib.sha256).digest()
        self.lifetime = lifetime
        self._clock = clock

    def is_secret(self, value: str) -> bool:
        """Whether ``value`` is the secret (compared in constant time)."""
        return same_secret(value, self._secret)

    def issue(self, conversation_id: str, scope: Scope = "conversation") -> Grant:
        """A token for ``conversation_id``."""
        now = int(self._clock())
        expires = now + (STREAM_LIFETIME if scope == "stream" else int(self.lifetime))
        claims = {
            "iss": ISSUER,
            "aud": _AUDIENCE[scope],
            "conv": conversation_id,
            "user": user_of(conversation_id),
            "iat": now,
            "exp": expires,
            "jti": secrets.token_urlsafe(9),
        }
        header = _encode(b'{"alg":"HS256","typ":"JWT"}')
        payload = _encode(json.dumps(claims, separators=(",", ":")).encode())
        token = f"{header}.{payload}.{_encode(self._sign(header, payload))}"
        return Grant(conversation_id, user_of(conversation_id), expires, token)

    def verify(self, token: str, *scopes: Scope) -> Grant:
        """The grant of a valid, unexpired token of one of ``scopes`` (by default a conversation
        token); raises :class:`DirectLineRefused` otherwise."""
        if not _JWT.match(token):
            raise _invalid()
        header, payload, signature = token.split(".")
        if not hmac.compare_digest(self._sign(header, payload), _decode(signature)):
            raise _invalid()
        claims = _claims(payload)
        conversation = claims.get("conv")
        expires = claims.get("exp")
        audiences = {_AUDIENCE[scope] for scope in scopes or ("conversation",)}
        if claims.get("aud") not in audiences or not isinstance(conversation, str):
            raise _invalid()
        if not isinstance(expires, int) or expires <= self._clock():
            raise DirectLineRefused(403, "TokenExpired", "Token expired")
        return Grant(conversation, user_of(conversation), expires, token)

    def expires_in(self, grant: Grant) -> int:
        """Seconds until ``grant`` expires."""
        return max(0, int(grant.expires_at - self._clock()))

    def _sign(self, header: str, payload: str) -> bytes:
        return hmac.new(self._key, f"{header}.{payload}".encode(), hashlib.sha256).digest()


def _invalid() -> DirectLineRefused:
    return DirectLineRefused(403, "TokenInvalid", "Invalid token or secret")


def _encode(value: bytes) -> str:
    return base64.urlsafe_b64encode(value).rstrip(b"=").decode()


def _decode(part: str) -> bytes:
    try:
        return base64.urlsafe_b64decode((part + "=" * (-len(part) % 4)).encode("ascii"))
    except (binascii.Error, UnicodeEncodeError, ValueError) as exc:
        raise _invalid() from exc


def _claims(payload: str) -> dict[str, object]:
    try:
        claims = json.loads(_decode(payload))
    except (ValueError, UnicodeDecodeError) as exc:
        raise _invalid() from exc
    if not isinstance(claims, dict):
        raise _invalid()
    return claims
