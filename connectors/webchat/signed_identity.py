"""The customer identity a host site signs for its logged-in customers.

It is a standard JWT (HS256) signed with ``OMNIBOT_WEBCHAT_SECRET``, so the host site can make
one with any JWT library: ``sub`` (the site's user id, required), ``exp`` (required), optional
``name``, ``email`` with ``email_verified`` and ``phone_number`` (E.164) with
``phone_number_verified`` (the OpenID Connect claims): an e-mail or phone the site says it has
verified becomes a verified attribute, which can link the customer's other channels. A token
that does not verify is refused, never ignored: a customer must not silently become anonymous,
nor anyone else.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import time
from dataclasses import dataclass

from bot.errors import InboundRejected
from bot.format.messages import VerifiedAttribute

ISSUER = "webchat"
_MAX_LIFETIME = 7 * 24 * 3600


_E164 = re.compile(r"^\+[1-9]\d{6,14}$")


@dataclass(frozen=True, slots=True)
class SignedIdentity:
    """A verified identity from the host site."""

    user_id: str
    name: str | None
    verified: tuple[VerifiedAttribute, ...]


def _decode(part: str) -> bytes:
    padded = part + "=" * (-len(part) % 4)
    try:
        return base64.urlsafe_b64decode(padded.encode("ascii"))
    except (binascii.Error, UnicodeEncodeError, ValueError) as exc:
        raise InboundRejected(401, "the identity is not a JWT") from exc


def _json(part: str) -> dict[str, object]:
    try:
        value = json.loads(_decode(part))
    except (ValueError, UnicodeDecodeError) as exc:
        raise InboundRejected(401, "the identity is not a JWT") from exc
    if not isinstance(value, dict):
        raise InboundRejected(401, "the identity is not a JWT")
    return value


def verify(token: str, secret: str, now: float | None = None) -> SignedIdentity:
    """Check the signature and the claims; raises :class:`InboundRejected` (401) otherwise."""
    parts = token.split(".")
    if len(parts) != 3:
        raise InboundRejected(401, "the identity is not a JWT")
    header, payload, signature = parts
    if _json(header).get("alg") != "HS256":
        raise InboundRejected(401, "the identity must be signed with HS256")
    expected = hmac.new(secret.encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest()
    if not hmac.compare_digest(expected, _decode(signature)):
        raise InboundRejected(401, "the identity's signature is wrong")
    return _claims(_json(payload), time.time() if now is None else now)


def _claims(claims: dict[str, object], now: float) -> SignedIdentity:
    subject, expiry = claims.get("sub"), claims.get("exp")
    if not isinstance(subject, str) or not 1 <= len(subject) <= 200:
        raise InboundRejected(401, "the identity needs 'sub', the site's user id")
    if not isinstance(expiry, int | float) or isinstance(expiry, bool):
        raise InboundRejected(401, "the identity needs 'exp'")
    if expiry <= now:
        raise InboundRejected(401, "the identity has expired")
    if expiry > now + _MAX_LIFETIME:
        raise InboundRejected(401, "the identity lives too long (at most 7 days)")
    verified = [VerifiedAttribute(kind="external_id", value=subject, issuer=ISSUER)]
    email = claims.get("email")
    if isinstance(email, str) and claims.get("email_verified") is True and "@" in email:
        verified.append(VerifiedAttribute(kind="email", value=email, issuer=ISSUER))
    phone = claims.get("phone_number")
    if (
        isinstance(phone, str)
        and claims.get("phone_number_verified") is True
        and _E164.match(phone)
    ):
        verified.append(VerifiedAttribute(kind="phone", value=phone, issuer=ISSUER))
    name = claims.get("name")
    return SignedIdentity(subject, name[:100] if isinstance(name, str) else None, tuple(verified))


def sign(claims: dict[str, object], secret: str) -> str:
    """Make a signed identity (what a host site does; used by the demo page and tests)."""

    def part(value: bytes) -> str:
        return base64.urlsafe_b64encode(value).rstrip(b"=").decode()

    header = part(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    payload = part(json.dumps(claims, separators=(",", ":")).encode())
    digest = hmac.new(secret.encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{part(digest)}"
