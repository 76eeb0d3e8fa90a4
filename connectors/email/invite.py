""" "Continue by e-mail": a ``mailto:`` link whose subject carries the link token, and the
invitation mailed to an address the customer gave, whose reply presents it.

Two ways in, each presenting a link's token (128 random bits, ``[A-Za-z0-9_-]{22}``, see
:mod:`bot.identity.link_codes`) as the argument of a ``start`` command, as a Telegram deep link
does; nobody guesses one, so no guessing budget is spent on them, and the consent question
decides what they join:

- the **link** ``mailto:<EMAIL_FROM>?subject=Continue my conversation [link:<token>]&body=...``
  opens a new mail to the bot, ready to send; a received mail whose subject holds
  ``[link:<token>]`` presents it. Its body is the link's own, not an answer, and is dropped;
- the **invitation**, mailed to an address the customer typed into a slot when they ask to
  continue by e-mail, is a message the business starts whose Message-ID is
  ``<omnibot.link.<token>.<random>@<our domain>>``: only we issue ids of that form, so a reply
  whose ``In-Reply-To`` names one presents its token. Only ``In-Reply-To`` counts, never
  ``References``, which every later reply in that thread still carries.

The invitation goes through the turn pipeline like any message for another address of the
customer (a :class:`~bot.turn.handler.Send`, delivered after the turn is committed, retried and
recorded in the transcript): the connector only says where it goes (:func:`invitation_address`,
whose conversation id makes the renderer's Message-ID ``<omnibot.{conversation}.{random}@...>``
the invitation's), and the core decides whether it may go at all (:mod:`bot.identity.invitations`).
Any other mail naming a token somewhere else, or a token of another shape, presents nothing.
"""

from __future__ import annotations

import re
from email.message import Message
from urllib.parse import quote

from bot.format.messages import Address
from connectors.email.settings import CHANNEL, plain_address

SUBJECT = "Continue my conversation [link:{token}]"
BODY = "Send this e-mail as it is to continue your conversation here."
_SHAPE = r"[A-Za-z0-9_-]{22}"
_IN_SUBJECT = re.compile(rf"\[link:({_SHAPE})\]")
INVITATION = "link."
"""The start of an invitation's conversation id, and so of its Message-ID after ``omnibot.``."""
_INVITATION_ID = re.compile(rf"^<omnibot\.link\.({_SHAPE})\.[0-9a-f]{{32}}@([A-Za-z0-9.-]+)>$")


def invite_link(sender: str, token: str) -> str:
    """The ``mailto:`` link to ``sender`` whose subject carries ``token`` (ASCII, no spaces)."""
    subject = quote(SUBJECT.format(token=token), safe="")
    return f"mailto:{sender}?subject={subject}&body={quote(BODY, safe='')}"


def invitation_address(contact: str, token: str) -> Address | None:
    """Where the invitation to ``contact`` goes, so that a reply to it presents ``token``;
    ``None`` for what is not one plain address."""
    contact = contact.strip().lower()
    if not plain_address(contact) or not re.fullmatch(_SHAPE, token):
        return None
    return Address(channel=CHANNEL, user_id=contact, conversation_id=INVITATION + token)


def presented_token(message: Message, subject: str | None, domain: str) -> str | None:
    """The link token a received mail presents: in its subject as ``[link:<token>]``, or as
    the invitation of ours its ``In-Reply-To`` names; else ``None``."""
    found = _IN_SUBJECT.search(subject or "")
    if found is not None:
        return found.group(1)
    try:
        replied = str(message.get("In-Reply-To") or "").strip()
    except (ValueError, IndexError, AttributeError):
        return None
    invitation = _INVITATION_ID.match(replied)
    if invitation is not None and invitation.group(2).lower() == domain:
        return invitation.group(1)
    return None
