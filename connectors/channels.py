"""What each channel can show, without importing any vendor SDK.

Connectors use these when they send; ``omnibot test --channel`` and ``omnibot chat --channel``
use them to put a conversation through a channel's rendering without a server.
"""

from __future__ import annotations

from datetime import timedelta

from bot.format.capabilities import Capabilities

TELEGRAM = Capabilities(
    max_text=4096,
    buttons=100,
    quick_replies=12,
    button_title=64,
    url_buttons=True,
    share_requests=True,
    markdown=True,
    media=frozenset({"image", "video", "audio", "file"}),
    cards=False,
    typing=True,
)
"""Inline keyboards for buttons, a reply keyboard for quick replies (and "share my phone")."""

SLACK = Capabilities(
    max_text=3000,
    buttons=25,
    quick_replies=0,
    button_title=75,
    url_buttons=True,
    markdown=True,
    media=frozenset({"image"}),
    cards=True,
    typing=False,
)
"""Block Kit: a section per text (3,000 characters), an actions block of up to 25 buttons."""

SMS = Capabilities(
    max_text=1600,
    buttons=0,
    quick_replies=0,
    markdown=False,
    media=frozenset({"image"}),
    cards=False,
    typing=False,
)
"""Plain text, numbered options, pictures by MMS where the number supports it."""

WHATSAPP = Capabilities(
    max_text=4096,
    buttons=10,
    quick_replies=0,
    button_title=24,
    url_buttons=False,
    markdown=False,
    media=frozenset({"image", "video", "audio", "file"}),
    cards=False,
    typing=False,
    window=timedelta(hours=24),
)
"""Up to 3 choices with titles of 20 characters as reply buttons, up to 10 as a list message
(rows of 24 characters), numbered text beyond; the connector picks which
(:mod:`connectors.whatsapp.cloud.outbound`). Media go by their link, with captions of up to 1,024
characters. The typing indicator goes with marking the customer's message read when it is
queued (:mod:`connectors.whatsapp.cloud.reading`), so the core's typing messages are dropped;
WhatsApp's own text styles are not sent yet. Free-form messages go only within 24 hours of the
customer's last message; templates outside (:mod:`bot.turn.window`)."""

WEBCHAT = Capabilities(
    max_text=4000,
    buttons=10,
    quick_replies=10,
    button_title=80,
    url_buttons=True,
    markdown=True,
    media=frozenset({"image", "video", "audio", "file"}),
    cards=True,
    typing=True,
)
"""The widget shows everything the common format has."""

EMAIL = Capabilities(
    max_text=20_000,
    buttons=0,
    quick_replies=0,
    markdown=False,
    media=frozenset(),
    cards=False,
    typing=False,
    linked_options=True,
)
"""A plain-text part and an escaped HTML twin; choices as numbered options in the text (the
customer answers with the number), each also a link that presses it (the numbered options'
buttons ride on the message for the connector to link), pictures and files by their link."""

CHANNELS: dict[str, Capabilities] = {
    "email": EMAIL,
    "telegram": TELEGRAM,
    "slack": SLACK,
    "sms": SMS,
    "webchat": WEBCHAT,
    "whatsapp": WHATSAPP,
}
