"""Who sent a message: a verified phone number, or a business-scoped user id (pure).

WhatsApp vouches for the sender's number (``from``, the ``wa_id`` digits): it is the identity
(``+`` and the digits, as SMS writes it) and a verified phone attribute, so that the same number
on SMS is the same customer.

From 2026 a WhatsApp user may choose a username and withhold their number; Meta then names them
by a business-scoped user id (BSUID, ``BR.1502576394655843``): stable for our business, useless
to any other, and not a phone. A message without a number is a customer of its own kind,
``whatsapp:<BSUID>``, which never matches a phone customer by itself. The only evidence that
joins the two is Meta's: a signed notification that carries both the number and the BSUID of
one sender. Such a message carries, besides the phone, the BSUID as a verified ``external_id``
issued by ``whatsapp``; a later message with the BSUID alone carries that same attribute, and
the core links the two customers on it (:mod:`bot.identity.linking`), as it links any verified
attribute. Nothing else does: a profile name, a username or a number written in a text is no
evidence.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.format.messages import VerifiedAttribute
from connectors.whatsapp.cloud import api_types as wa
from connectors.whatsapp.rules import CHANNEL, MAX_NAME

BSUID_ISSUER = CHANNEL
"""Who vouches for a BSUID: WhatsApp (which scopes it to our business)."""


@dataclass(frozen=True, slots=True)
class Sender:
    """A message's sender: ``user_id`` is the identity on the channel (``+5511…`` or a BSUID),
    ``verified`` what WhatsApp vouches for, ``name`` their profile name."""

    user_id: str
    verified: tuple[VerifiedAttribute, ...]
    name: str | None


def phone(wa_id: str) -> str:
    """A WhatsApp user id as an E.164 number."""
    return "+" + wa_id


def is_phone(user_id: str) -> bool:
    """Whether an identity on the channel is a number (else it is a BSUID)."""
    return user_id.startswith("+")


def sender(message: wa.Message, contacts: Sequence[wa.Contact]) -> Sender | None:
    """Who sent ``message``, from its ``from``/``from_user_id`` and the notification's
    ``contacts``; ``None`` when it names nobody."""
    contact = _contact(message, contacts)
    bsuid = message.sender_user_id or (contact.user_id if contact is not None else None)
    number = message.sender or (contact.wa_id if contact is not None else None)
    name = _name(contact)
    if number is not None:
        verified = [VerifiedAttribute(kind="phone", value=phone(number), issuer=CHANNEL)]
        if bsuid is not None:  # Meta names both in one signed notification: the evidence
            verified.append(_bsuid(bsuid))
        return Sender(phone(number), tuple(verified), name)
    if bsuid is None:
        return None
    return Sender(bsuid, (_bsuid(bsuid),), name)


def _bsuid(user_id: str) -> VerifiedAttribute:
    return VerifiedAttribute(kind="external_id", value=user_id, issuer=BSUID_ISSUER)


def _contact(message: wa.Message, contacts: Sequence[wa.Contact]) -> wa.Contact | None:
    """The entry of ``contacts`` that is the message's sender."""
    if message.sender is not None:
        return next((c for c in contacts if c.wa_id == message.sender), None)
    if message.sender_user_id is not None:
        return next((c for c in contacts if c.user_id == message.sender_user_id), None)
    return contacts[0] if len(contacts) == 1 else None


def _name(contact: wa.Contact | None) -> str | None:
    profile = contact.profile if contact is not None else None
    name = (profile.name or "").strip() if profile is not None else ""
    return name[:MAX_NAME] or None
