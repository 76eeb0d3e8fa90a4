"""Received mail into the common format: pure functions, no I/O.

:func:`verify` checks the bearer token; :func:`read` parses the raw MIME with the standard
library (``policy.default``), a 400 for what is not a message; :func:`parse` turns it into an
:class:`Incoming`: a customer event, or an automatic message (an auto-reply or a bounce) that is
recorded and never answered, so that two robots never write to each other forever.

Threading: our Message-IDs are ``<omnibot.{thread}.{random}@{our domain}>``. A reply naming one
in ``In-Reply-To`` or ``References`` continues that thread (the address's
``conversation_id``); a message naming none starts one, keyed by a digest of its own
Message-ID. A From that our receiving server vouches for (:mod:`.authentication`) is the
customer's identity and a verified e-mail attribute; any other From is an identity of its own
thread only (``unverified/{thread}/{address}``), which never links to anyone: a forged From
reaches no one's conversation.

A mail that presents a link's token (its subject, or the invitation it answers:
:mod:`.invite`) is a ``start`` command with the token, and its text is no answer.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.errors import MessageError
from email.message import EmailMessage, Message

from bot.errors import InboundRejected
from bot.format.messages import Address, Attachment, InboundEvent, VerifiedAttribute
from bot.http.untrusted import same_secret
from connectors.email.attachments import found
from connectors.email.authentication import verified_sender
from connectors.email.invite import presented_token
from connectors.email.reply import reply_text
from connectors.email.settings import CHANNEL, EmailSettings, plain_address
from connectors.email.text import html_to_text

OURS = re.compile(r"<omnibot\.([0-9a-f]{32})\.([0-9a-f]{16,64})@([A-Za-z0-9.-]+)>")
UNVERIFIED = "unverified"
_AUTOMATIC_PRECEDENCE = frozenset({"bulk", "auto_reply", "junk", "list"})
_DAEMONS = ("mailer-daemon@", "postmaster@")
MAX_STRUCTURED = 1024
"""The longest From, Message-ID, Content-Type... we parse (a real one is a few hundred bytes)."""
MAX_STRUCTURED_ALL = 8 * 1024
"""Those headers of all the parts together."""
MAX_HEADER = 32 * 1024
"""The longest of any other header (References of a long thread, Authentication-Results)."""
MAX_PARTS = 64
"""The most MIME parts (the message itself included) a message may have (a reply with its HTML
twin and ten attachments has about fifteen)."""
_STRUCTURED = frozenset(
    {
        "from",
        "message-id",
        "in-reply-to",
        "auto-submitted",
        "precedence",
        "x-autoreply",
        "x-autorespond",
        "content-type",
        "content-disposition",
        "content-transfer-encoding",
        "final-recipient",
        "original-recipient",
    }
)


def verify(authorization: str | None, token: str) -> None:
    """``Authorization: Bearer <EMAIL_INBOUND_TOKEN>``, compared in constant time (401)."""
    scheme, _, given = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not same_secret(given.strip(), token):
        raise InboundRejected(401, "a bearer token is needed")


def read(raw: bytes) -> EmailMessage:
    """The raw MIME as a message; refused (400) when it has no From, cannot be read, or has
    more parts or longer headers than are parsed safely (:func:`_oversized`)."""
    if not raw.strip():
        raise InboundRejected(400, "the body is empty")
    try:
        # Measured as compat32 reads it (headers kept as text), before the default policy's
        # parser, which reads each part's Content-Type as it splits the parts, sees it.
        if _oversized(message_from_bytes(raw, policy=policy.compat32)):
            raise InboundRejected(400, "the message has too many parts or too long a header")
        message = message_from_bytes(raw, policy=policy.default)
        assert isinstance(message, EmailMessage)
        if message.defects and not message.keys():
            raise InboundRejected(400, "the body is not a mail message")
        if message.get("From") is None:
            raise InboundRejected(400, "the message has no From")
    except (MessageError, ValueError, IndexError, AttributeError) as exc:
        raise InboundRejected(400, "the message cannot be read") from exc
    return message


def _oversized(message: Message) -> bool:
    """Whether the message has more parts, or longer headers, than we parse: the standard
    library's parser of structured headers (addresses, parameters, comments) takes time that
    grows faster than their length (16 KB of nested comments in a Content-Type: seconds of
    CPU). Those we read are held to :data:`MAX_STRUCTURED` each and :data:`MAX_STRUCTURED_ALL`
    together, every other header to :data:`MAX_HEADER`, the parts to :data:`MAX_PARTS`. Read
    raw, before any is parsed."""
    structured = 0
    for index, part in enumerate(message.walk()):
        if index >= MAX_PARTS:
            return True
        for name, value in part.raw_items():
            if name.lower() in _STRUCTURED:
                structured += len(value)
                if len(value) > MAX_STRUCTURED or structured > MAX_STRUCTURED_ALL:
                    return True
            elif len(value) > MAX_HEADER:
                return True
    return False


@dataclass(frozen=True, slots=True)
class Automatic:
    """An auto-reply or a bounce: what it was, and which of our messages it answers."""

    kind: str
    sender: str
    recipient: str | None
    thread: str | None
    our_message: str | None


@dataclass(frozen=True, slots=True)
class Incoming:
    """A received message, read: an ``event`` to queue, or an ``automatic`` one to record."""

    event: InboundEvent | None = None
    automatic: Automatic | None = None


def receive(raw: bytes, settings: EmailSettings) -> Incoming:
    """:func:`read`, then :func:`parse`: the whole of reading one received message."""
    return parse(raw, read(raw), settings)


def parse(raw: bytes, message: EmailMessage, settings: EmailSettings) -> Incoming:
    """Read ``message`` (``raw`` is its bytes, for an id when it carries no Message-ID);
    raises :class:`InboundRejected` (400) for a From that is not one address."""
    sender = _sender(message)
    referenced = _ours(message, settings.domain)
    kind = "own" if sender == settings.sender.lower() else automatic_kind(message, sender)
    if kind is not None:
        recipient = _failed_recipient(message) if kind == "bounce" else sender
        thread = referenced[0] if referenced else None
        our = referenced[1] if referenced else None
        return Incoming(automatic=Automatic(kind, sender, recipient, thread, our))
    message_id = _header(message, "Message-ID") or "sha256:" + hashlib.sha256(raw).hexdigest()
    thread = referenced[0] if referenced else _thread_of(message_id, settings.inbound_token)
    verified = verified_sender(message, sender, settings.trusted_authserv_id)
    user_id = sender if verified else f"{UNVERIFIED}/{thread}/{sender}"
    address = Address(
        channel=CHANNEL,
        user_id=user_id,
        conversation_id=thread,
        thread_id=message_id[:256],
        bot_id=settings.sender,
    )
    text = _text(message)
    attachments = _attachments(message)
    common: dict[str, object] = {
        "event_id": message_id[:256],
        "channel": CHANNEL,
        "address": address,
        "text": text or None,
        "attachments": attachments,
        "name": _display_name(message),
        "verified": (
            (VerifiedAttribute(kind="email", value=sender, issuer=CHANNEL),) if verified else ()
        ),
    }
    subject = _unsubscribing(message)
    if subject is not None:
        stop = {"kind": "command", "command": {"name": "stop"}, "text": f"subject: {subject}"}
        return Incoming(InboundEvent.model_validate({**common, **stop, "attachments": ()}))
    token = presented_token(message, _header(message, "Subject"), settings.domain)
    if token is not None:
        start = {"name": "start", "argument": token}
        return Incoming(
            InboundEvent.model_validate(
                {**common, "text": None, "attachments": (), "kind": "command", "command": start}
            )
        )
    if text:
        return Incoming(InboundEvent.model_validate({**common, "kind": "text"}))
    if attachments:
        return Incoming(InboundEvent.model_validate({**common, "kind": "attachment"}))
    return Incoming()


def recipient_of(address: Address) -> str:
    """Where mail for ``address`` goes: the customer's address, verified or not."""
    return (
        address.user_id.split("/", 2)[2]
        if address.user_id.startswith(UNVERIFIED + "/")
        else address.user_id
    )


def automatic_kind(message: EmailMessage, sender: str) -> str | None:
    """``bounce`` or ``auto-reply`` for a message no person wrote (RFC 3834, RFC 3464, and the
    headers vacation responders use), else ``None``."""
    report = message.get_content_type() == "multipart/report"
    if report and message.get_param("report-type") == "delivery-status":
        return "bounce"
    if sender.lower().startswith(_DAEMONS):
        return "bounce"
    auto = (_header(message, "Auto-Submitted") or "no").split(";")[0].strip().lower()
    precedence = (_header(message, "Precedence") or "").strip().lower()
    if auto != "no" or precedence in _AUTOMATIC_PRECEDENCE:
        return "auto-reply"
    if message.get("X-Autoreply") is not None or message.get("X-Autorespond") is not None:
        return "auto-reply"
    return None


def _sender(message: EmailMessage) -> str:
    try:
        addresses = message["From"].addresses
    except (AttributeError, IndexError, ValueError) as exc:
        raise InboundRejected(400, "the From cannot be read") from exc
    if len(addresses) != 1 or not plain_address(addresses[0].addr_spec):
        raise InboundRejected(400, "the From is not one address")
    return str(addresses[0].addr_spec).lower()


def _header(message: Message, name: str) -> str | None:
    try:
        value = message.get(name)
    except (ValueError, IndexError, AttributeError):
        return None
    return str(value).strip() if value is not None else None


def _ours(message: Message, domain: str) -> tuple[str, str] | None:
    """The thread and the whole id of the newest of our Message-IDs the message names."""
    names = " ".join(
        filter(None, (_header(message, "In-Reply-To"), _header(message, "References")))
    )
    names += " " + _embedded_headers(message)
    found = [m for m in OURS.finditer(names) if m.group(3).lower() == domain]
    return (found[-1].group(1), found[-1].group(0)) if found else None


def _embedded_headers(message: Message) -> str:
    """The headers of the original message inside a bounce (its Message-ID is ours)."""
    for part in message.walk():
        if part.get_content_type() in ("message/rfc822-headers", "text/rfc822-headers"):
            payload = part.get_payload(decode=True)
            return (
                payload.decode("ascii", "replace")
                if isinstance(payload, bytes)
                else str(part.get_payload())
            )
        if part.get_content_type() == "message/rfc822" and part is not message:
            inner = part.get_payload()
            if isinstance(inner, list) and inner and isinstance(inner[0], Message):
                return str(inner[0].get("Message-ID", ""))
    return ""


def _failed_recipient(message: Message) -> str | None:
    for part in message.walk():
        if part.get_content_type() == "message/delivery-status":
            blocks = part.get_payload()
            for block in blocks if isinstance(blocks, list) else []:
                if not isinstance(block, Message):
                    continue
                final = str(block.get("Final-Recipient") or block.get("Original-Recipient") or "")
                address = final.partition(";")[2].strip().lower()
                if plain_address(address):
                    return address
    return None


def _thread_of(message_id: str, key: str) -> str:
    """A new thread's key, from the message that starts it: the same for a redelivery, and
    unguessable without our token."""
    digest = hmac.new(key.encode(), message_id.encode("utf-8", "surrogatepass"), "sha256")
    return digest.hexdigest()[:32]


def _text(message: EmailMessage) -> str:
    """The customer's words: the plain part, else the HTML one as text; quotes cut."""
    try:
        body = message.get_body(preferencelist=("plain", "html"))
    except (LookupError, ValueError, KeyError, AttributeError):
        return ""
    if not isinstance(body, EmailMessage):
        return ""
    content = _decoded(body)
    if body.get_content_type() == "text/html":
        content = html_to_text(content)
    return reply_text(content)


def _decoded(part: EmailMessage) -> str:
    """A text part in its charset; one Python does not know is read as UTF-8, with a
    replacement character for what is not (any charset gives text, never a 500)."""
    try:
        content = part.get_content()
    except LookupError:
        payload = part.get_payload(decode=True)
        content = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    except (ValueError, KeyError, AttributeError):
        return ""
    return content if isinstance(content, str) else ""


def _attachments(message: EmailMessage) -> tuple[Attachment, ...]:
    """What the message attaches, described (name, type, size); the files themselves are kept
    by the connector just before the message is queued (:mod:`.attachments`)."""
    return tuple(item.attachment for item in found(message))


def _display_name(message: EmailMessage) -> str | None:
    try:
        name = message["From"].addresses[0].display_name
    except (AttributeError, IndexError, ValueError):
        return None
    return name[:100] if name else None


def _unsubscribing(message: EmailMessage) -> str | None:
    """The subject of a mail whose subject is ``unsubscribe`` (what our ``List-Unsubscribe``
    mailto sends) or ``stop``: the words its stop is recorded with, instead of a body that
    says nothing (a signature, "sent from my phone")."""
    subject = (_header(message, "Subject") or "").strip().lower()
    return subject if subject in ("unsubscribe", "stop") else None
