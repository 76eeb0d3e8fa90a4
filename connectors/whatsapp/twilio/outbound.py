"""Rendered messages into the form fields of Twilio's ``Messages.json`` for WhatsApp (pure).

The core has already degraded messages to the channel's capabilities, the WhatsApp row narrowed
to the choices the configured Content API templates can show (:attr:`TwilioContent.reach`);
what is left here:

- **Text.** Twilio takes a ``Body`` of at most 1,600 characters: a longer text goes as several
  messages, cut where :func:`~bot.format.text_split.split_text` prefers.
- **Choices** on the last message go as a Content API template with ``ContentSid`` and
  ``ContentVariables`` instead of ``Body``: ``twilio/quick-reply`` for up to 3 choices whose
  titles fit 20 characters, when ``quick_reply`` has a template for that many; otherwise
  ``twilio/list-picker`` (titles cut to 24) when ``list_picker`` has one. The variables are
  ``{"1": body, "2": title 1, "3": id 1, "4": title 2, "5": id 2, ...}``: a template's body is
  ``{{1}}``, the k-th button's or item's title ``{{2k}}`` and id ``{{2k+1}}``. An id is the
  choice's payload, or a digest of one too long (as on the Cloud API,
  :func:`connectors.whatsapp.cloud.outbound.choice_id`). The template's body holds 1,024 characters:
  the text before goes first as a ``Body``.
- Choices no template fits (only when the core was not told, which :attr:`TwilioContent.reach`
  prevents) become numbered lines; typed titles still name them.
- Media go as their caption and link, as on the Cloud API for now.
- A **template** (outside the 24-hour window) goes by the ``content_sid`` its definition in
  ``channels.whatsapp.templates`` names, its parameters as ``{"1": first, "2": second, ...}``.
  One without a ``content_sid`` cannot go through Twilio: :func:`render` refuses it with
  :class:`~bot.errors.ChannelMisconfigured`, which the core records as the message's failure.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

from bot.errors import ChannelMisconfigured
from bot.format.outbound import Button, Card, Media, OutboundMessage, Template, Text
from bot.format.text_split import split_text
from connectors.whatsapp.cloud.outbound import (
    MAX_BUTTON_TITLE,
    MAX_BUTTONS,
    MAX_ROW_TITLE,
    choice_id,
)
from connectors.whatsapp.twilio.settings import STATUS_PATH, TwilioContent

MAX_BODY = 1600
"""Twilio refuses a longer ``Body`` (21617)."""
MAX_CONTENT_BODY = 1024

Fields = dict[str, str | list[str]]


@dataclass(frozen=True, slots=True)
class Part:
    """One request: a ``Body``, or a template with its variables."""

    body: str | None = None
    content_sid: str | None = None
    variables: str | None = None


def render(message: OutboundMessage, content: TwilioContent) -> list[Part]:
    """The requests that show ``message``, in order (none for a typing indicator); raises
    :class:`ChannelMisconfigured` for a template with no Content API SID."""
    if isinstance(message, Template):
        return [_approved(message, content)]
    if isinstance(message, Text):
        return _parts(message.text, message.buttons, content)
    if isinstance(message, Media):
        words = "\n".join(part for part in (message.caption, message.url) if part)
        return _parts(words, message.buttons, content)
    if isinstance(message, Card):
        words = "\n".join(part for part in (message.title, message.subtitle) if part)
        return _parts(words, message.buttons, content)
    return []


def fields(part: Part, to: str, sender: str, status_callback: str | None) -> Fields:
    """The form of ``POST Messages.json`` for ``part``, from ``sender`` to ``to``
    (both ``whatsapp:+...``)."""
    form: Fields = {"To": to, "From": sender}
    if part.content_sid is not None and part.variables is not None:
        form |= {"ContentSid": part.content_sid, "ContentVariables": part.variables}
    elif part.body is not None:
        form["Body"] = part.body
    if status_callback is not None:
        form["StatusCallback"] = status_callback
    return form


def status_callback(public_url: str, message_id: str) -> str:
    """Where Twilio reports on a message: our id travels in the URL, which Twilio signs."""
    return f"{public_url.rstrip('/')}{STATUS_PATH}?{urlencode({'m': message_id})}"


def _parts(text: str, buttons: Sequence[Button], content: TwilioContent) -> list[Part]:
    choices = [b for b in buttons if b.kind == "postback" and b.payload is not None]
    template = _template(choices, content)
    if template is None:
        lines = [f"{number}. {b.title}" for number, b in enumerate(choices, start=1)]
        return [Part(body=chunk) for chunk in split_text("\n".join([text, *lines]), MAX_BODY)]
    chunks = split_text(text, MAX_BODY) or [""]
    last = chunks.pop()
    body = split_text(last, MAX_CONTENT_BODY)[-1] if len(last) > MAX_CONTENT_BODY else last
    head = last.rstrip()[: len(last.rstrip()) - len(body)].rstrip()
    parts = [Part(body=chunk) for chunk in [*chunks, head] if chunk]
    sid, width = template
    variables = {"1": body or "…"}
    for number, choice in enumerate(choices, start=1):
        variables[str(2 * number)] = _title(choice.title, width)
        variables[str(2 * number + 1)] = choice_id(choice.payload or "")
    return [*parts, Part(content_sid=sid, variables=json.dumps(variables, ensure_ascii=False))]


def _approved(template: Template, content: TwilioContent) -> Part:
    """The Content API send of an approved template, by the SID ``bot.yaml`` gives it."""
    sid = content.approved.get((template.name, template.language))
    if sid is None:
        raise ChannelMisconfigured(
            f"WhatsApp through Twilio cannot send the template {template.name!r} "
            f"({template.language}): its definition in channels.whatsapp.templates has no "
            "content_sid"
        )
    variables = {str(number): value for number, value in enumerate(template.parameters, 1)}
    return Part(content_sid=sid, variables=json.dumps(variables, ensure_ascii=False))


def _template(choices: Sequence[Button], content: TwilioContent) -> tuple[str, int] | None:
    """The template for these choices and how long its titles may be, or ``None``."""
    count = len(choices)
    if not count:
        return None
    short = all(len(choice.title) <= MAX_BUTTON_TITLE for choice in choices)
    quick = content.quick_reply.get(count) if count <= MAX_BUTTONS else None
    listed = content.list_picker.get(count)
    if quick is not None and (short or listed is None):
        return quick, MAX_BUTTON_TITLE
    if listed is not None:
        return listed, MAX_ROW_TITLE
    return None


def _title(title: str, width: int) -> str:
    return title if len(title) <= width else title[: width - 1].rstrip() + "…"
