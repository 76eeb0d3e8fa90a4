"""What a browser sends over the web chat's socket, verified and read into the common format
(pure: no I/O).

A page may open the socket only from an allowed origin (:func:`origin_allowed`). Its first
frame, the hello (``docs/webchat-protocol.md``), may carry an identity the host site signed for
its visitor: :func:`verify` checks it (:mod:`.signed_identity`), and the visitor is then the
same customer on every device; without one, they are their session. From then on each message
or button press is an event (:func:`parse`), as is a link token handed in with the page
(:func:`parse_link`). Frames themselves are read strictly by :mod:`.protocol`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from bot.errors import InboundRejected
from bot.format.messages import Address, Command, InboundEvent
from bot.http import untrusted
from connectors.webchat import signed_identity
from connectors.webchat.protocol import Hello, Press, Say
from connectors.webchat.settings import CHANNEL, WebchatSettings
from connectors.webchat.signed_identity import SignedIdentity


@dataclass(frozen=True, slots=True)
class Visitor:
    """Who one socket speaks for, once its hello is read: where they are answered, their
    language, the identity the host site signed (``None``: anonymous), and the digest of where
    they connect from (:func:`bot.http.sources.client_source`; ``None`` when unknown)."""

    address: Address
    locale: str | None
    identity: SignedIdentity | None
    client: str | None


def origin_allowed(origin: str | None, host: str, settings: WebchatSettings) -> bool:
    """Whether a page from ``origin`` may open the chat served at ``host``. Browsers say where a
    page comes from; other clients send no ``Origin`` and are let in, since the check exists to
    stop other sites' pages from talking as a visitor."""
    if origin is None or "*" in settings.origins:
        return True
    allowed = {o.rstrip("/") for o in settings.origins}
    if settings.public_url:
        public = urlsplit(settings.public_url)
        allowed.add(f"{public.scheme}://{public.netloc}")
    return origin.rstrip("/") in allowed or untrusted.netloc(origin) == host


def verify(hello: Hello, secret: str | None) -> SignedIdentity | None:
    """The identity the host site signed for this visitor, ``None`` for an anonymous one; raises
    :class:`InboundRejected` (401) for one not signed with ``secret``, or when the bot takes
    none."""
    if hello.identity is None:
        return None
    if not secret:
        raise InboundRejected(401, "this bot takes no signed identities")
    return signed_identity.verify(hello.identity, secret)


def visitor(
    hello: Hello, session: str, identity: SignedIdentity | None, client: str | None
) -> Visitor:
    """The visitor a verified hello stands for, in the session ``session``."""
    return Visitor(address_of(session, identity), hello.locale, identity, client)


def address_of(session: str, identity: SignedIdentity | None) -> Address:
    """A signed-in customer is the same on every device ("u:" + the site's id); an anonymous one
    is their session, kept by the browser (stored only as a hash: the token is their key)."""
    if identity is not None:
        user = f"u:{identity.user_id}"
    else:
        user = "s:" + hashlib.sha256(session.encode()).hexdigest()[:32]
    return Address(channel=CHANNEL, user_id=user, conversation_id=user)


def parse(frame: Say | Press, visitor: Visitor) -> InboundEvent:
    """The event of a message or a button press; the frame's id is the event's, so that a
    frame sent again is the same event."""
    identity = visitor.identity
    common: dict[str, Any] = {
        "event_id": frame.id,
        "channel": CHANNEL,
        "address": visitor.address,
        "locale": visitor.locale,
        "name": identity.name if identity else None,
        "verified": identity.verified if identity else (),
        "client": visitor.client,
        "anonymous": identity is None,
    }
    if isinstance(frame, Say):
        return InboundEvent(kind="text", text=frame.text, **common)
    return InboundEvent(kind="button", payload=frame.payload, text=frame.title, **common)


def parse_link(token: str, visitor: Visitor) -> InboundEvent:
    """The start command a link token handed in with the page stands for: the same event for
    every reconnect with the same token."""
    return InboundEvent(
        event_id=f"link-{hashlib.sha256(token.encode()).hexdigest()[:32]}",
        channel=CHANNEL,
        address=visitor.address,
        kind="command",
        command=Command(name="start", argument=token),
        locale=visitor.locale,
        client=visitor.client,
        anonymous=visitor.identity is None,
    )
