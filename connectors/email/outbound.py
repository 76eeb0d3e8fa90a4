"""Rendered messages as e-mail: pure functions building the standard library's messages.

Each message the bot sends is one e-mail from ``EMAIL_FROM``, with our own Message-ID
(``<omnibot.{thread}.{random}@{our domain}>``, which :mod:`.inbound` recognises in a reply),
``In-Reply-To``/``References`` naming the customer's message it answers, a subject that stays
the same for the whole conversation (mail clients thread by it too), a text/plain part and an
escaped, minimal text/html twin. A message the business starts (no customer message to answer)
carries ``List-Unsubscribe`` (RFC 2369): a reply to it with the subject ``unsubscribe`` is a
``stop`` command.
"""

from __future__ import annotations

import hashlib
import html
import secrets
from email.message import EmailMessage
from email.utils import formatdate

from bot.connector import Outgoing
from bot.format.messages import Address
from bot.format.outbound import Card, Media, OutboundMessage, Text
from connectors.email.inbound import recipient_of
from connectors.email.settings import EmailSettings


def message_id(thread: str, domain: str) -> str:
    """A new Message-ID of ours in ``thread``."""
    return f"<omnibot.{thread}.{secrets.token_hex(16)}@{domain}>"


def subject(bot_name: str, address: Address) -> str:
    """The conversation's subject: the bot's name and a short reference to the thread."""
    reference = hashlib.sha256(address.conversation_id.encode()).hexdigest()[:6].upper()
    return f"{bot_name} · #{reference}"


def body(message: OutboundMessage) -> str | None:
    """The message's text (``None`` for a typing indicator, which mail has none of)."""
    if isinstance(message, Text):
        return message.text
    if isinstance(message, Media):
        return "\n".join(part for part in (message.caption, message.url) if part)
    if isinstance(message, Card):
        return "\n".join(
            part for part in (message.title, message.subtitle, message.image_url) if part
        )
    return None


def render(outgoing: Outgoing, address: Address, settings: EmailSettings) -> EmailMessage | None:
    """The e-mail for one rendered message, or ``None`` when there is nothing to mail."""
    text = body(outgoing.message)
    if text is None or not text.strip():
        return None
    mail = EmailMessage()
    mail["From"] = settings.sender
    mail["To"] = recipient_of(address)
    mail["Subject"] = subject(settings.bot_name, address)
    mail["Date"] = formatdate(localtime=False)
    mail["Message-ID"] = message_id(address.conversation_id, settings.domain)
    mail["Auto-Submitted"] = "auto-replied" if address.thread_id else "auto-generated"
    if address.thread_id:
        mail["In-Reply-To"] = address.thread_id
        mail["References"] = address.thread_id
    else:
        mail["List-Unsubscribe"] = f"<mailto:{settings.sender}?subject=unsubscribe>"
    mail.set_content(text)
    mail.add_alternative(as_html(text), subtype="html")
    return mail


def as_html(text: str) -> str:
    """``text`` as a small, accessible HTML document: escaped, a paragraph per block."""
    paragraphs = "\n".join(
        f"<p>{'<br>'.join(html.escape(line) for line in block.splitlines())}</p>"
        for block in text.split("\n\n")
        if block.strip()
    )
    return (
        '<!doctype html>\n<html lang="und"><head><meta charset="utf-8"><title></title></head>\n'
        f'<body style="font-family: sans-serif; font-size: 16px; line-height: 1.5">\n{paragraphs}\n'
        "</body></html>\n"
    )
