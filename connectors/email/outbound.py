"""Rendered messages as e-mail: pure functions building the standard library's messages.

Each message the bot sends is one e-mail from ``EMAIL_FROM``, with our own Message-ID
(``<omnibot.{thread}.{random}@{our domain}>``, which :mod:`.inbound` recognises in a reply),
``In-Reply-To``/``References`` naming the customer's message it answers, a subject that stays
the same for the whole conversation (mail clients thread by it too), a text/plain part and an
escaped, minimal text/html twin.

Options: the core numbers a message's choices in its text ("2. Exchange", the fallback a reply of
"2" answers) and, for e-mail, leaves their buttons on the message (``linked_options``). With
:attr:`MailLinks.press` each numbered option gets its link (:mod:`.links.buttons`): under its
line in the text part, and in the HTML part as a link styled as a button in place of the line.

A message the business starts (no customer message to answer) carries ``List-Unsubscribe``
(RFC 2369): the one-click URL of :attr:`MailLinks.unsubscribe` with ``List-Unsubscribe-Post``
(RFC 8058) when there is one, and a ``mailto:`` whose reply, with the subject ``unsubscribe``,
is a ``stop`` command.
"""

from __future__ import annotations

import hashlib
import html
import re
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate

from bot.connector import Outgoing
from bot.format.messages import Address
from bot.format.outbound import Button, Card, Media, OutboundMessage, Text
from connectors.email.inbound import recipient_of
from connectors.email.settings import EmailSettings

ONE_CLICK = "List-Unsubscribe=One-Click"
"""RFC 8058's ``List-Unsubscribe-Post`` value, and the body a one-click unsubscribe POSTs."""
_NUMBERED = re.compile(r"\d{1,3}\. (.+)")
_BUTTON_STYLE = (
    "display:inline-block;padding:10px 18px;border-radius:6px;background:#1f4fd1;"
    "color:#ffffff;text-decoration:none;font-weight:bold"
)


@dataclass(frozen=True, slots=True)
class MailLinks:
    """The links the connector could make for one send (none when the customer is unknown).

    ``press(message_id, button)`` is the URL that presses ``button`` of the mail whose
    Message-ID is ``message_id`` (``None`` when no link can be made for it); ``unsubscribe``
    the one-click unsubscribe URL (https) for mail the business starts.
    """

    press: Callable[[str, Button], str | None] | None = None
    unsubscribe: str | None = None


@dataclass(frozen=True, slots=True)
class Choice:
    """A numbered option of a message: the index of its line in the text, and its button."""

    line: int
    button: Button


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


def choices(message: OutboundMessage) -> tuple[Choice, ...]:
    """The numbered options of ``message``: each postback button it carries, paired with the
    line the core numbered it on. Matched from the end, where the core put them, so a line of
    the bot's own words that looks the same is left alone."""
    if not isinstance(message, Text):
        return ()
    remaining = [b for b in message.buttons if b.kind == "postback" and b.payload]
    lines = message.text.splitlines()
    found: list[Choice] = []
    for index in range(len(lines) - 1, -1, -1):
        if not remaining:
            break
        numbered = _NUMBERED.fullmatch(lines[index])
        if numbered is not None and numbered.group(1) == remaining[-1].title:
            found.append(Choice(index, remaining.pop()))
    return tuple(reversed(found))


def render(
    outgoing: Outgoing,
    address: Address,
    settings: EmailSettings,
    links: MailLinks | None = None,
) -> EmailMessage | None:
    """The e-mail for one rendered message, or ``None`` when there is nothing to mail."""
    text = body(outgoing.message)
    if text is None or not text.strip():
        return None
    links = links or MailLinks()
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
        _unsubscribe(mail, settings.sender, links.unsubscribe)
    linked = _linked(outgoing.message, str(mail["Message-ID"]), links)
    mail.set_content(with_links(text, linked))
    mail.add_alternative(as_html(text, linked), subtype="html")
    return mail


def _unsubscribe(mail: EmailMessage, sender: str, one_click: str | None) -> None:
    mailto = f"<mailto:{sender}?subject=unsubscribe>"
    if one_click is None:
        mail["List-Unsubscribe"] = mailto
        return
    mail["List-Unsubscribe"] = f"<{one_click}>, {mailto}"
    mail["List-Unsubscribe-Post"] = ONE_CLICK


def _linked(message: OutboundMessage, mail_id: str, links: MailLinks) -> dict[int, str]:
    """The URL of each numbered option that has one, by the index of its line."""
    press = links.press
    if press is None:
        return {}
    urls = {choice.line: press(mail_id, choice.button) for choice in choices(message)}
    return {line: url for line, url in urls.items() if url is not None}


def with_links(text: str, linked: dict[int, str]) -> str:
    """The text part: each linked option's URL on the line under it."""
    lines: list[str] = []
    for index, line in enumerate(text.splitlines()):
        lines.append(line)
        if index in linked:
            lines.append(f"   {linked[index]}")
    return "\n".join(lines) if linked else text


def as_html(text: str, linked: dict[int, str] | None = None) -> str:
    """``text`` as a small, accessible HTML document: escaped, a paragraph per block; the
    linked options (by line) as a list of links that look like buttons."""
    linked = linked or {}
    lines = text.splitlines()
    kept = "\n".join("" if index in linked else line for index, line in enumerate(lines))
    paragraphs = "\n".join(
        f"<p>{'<br>'.join(html.escape(line) for line in block.splitlines())}</p>"
        for block in re.split(r"\n\s*\n", kept)
        if block.strip()
    )
    options = _options_html([(lines[index], url) for index, url in sorted(linked.items())])
    return (
        '<!doctype html>\n<html lang="und"><head><meta charset="utf-8"><title></title></head>\n'
        f'<body style="font-family: sans-serif; font-size: 16px; line-height: 1.5">\n{paragraphs}\n'
        f"{options}</body></html>\n"
    )


def _options_html(options: Sequence[tuple[str, str]]) -> str:
    if not options:
        return ""
    items = "\n".join(
        f'<li style="margin:0 0 10px 0"><a href="{html.escape(url, quote=True)}" '
        f'style="{_BUTTON_STYLE}">{html.escape(title)}</a></li>'
        for title, url in options
    )
    return f'<ul style="list-style:none;margin:16px 0;padding:0">\n{items}\n</ul>\n'
