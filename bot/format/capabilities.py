"""What a channel can show, so that the core can degrade messages before a connector sends them."""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field

from bot.format.messages import Model
from bot.format.outbound import MediaKind


class Capabilities(Model):
    """A channel's limits. Each connector declares one; :func:`bot.format.rendering.render` obeys
    it.

    ``buttons`` and ``quick_replies`` are the most choices one message may carry (0: none, so
    choices become numbered options in the text). ``share_requests``: the client can be asked to
    share the customer's phone or location (Telegram's reply keyboard). ``window``: free-form
    messages go only this long after the customer last wrote on the channel, and only approved
    templates outside it (WhatsApp's 24 hours; :mod:`bot.turn.window`). ``linked_options``: the
    choices that become numbered options also stay on the message as its buttons, for a
    channel that turns each into a link of its own and keeps the numbers as the fallback
    (e-mail's press links).
    """

    max_text: int = Field(gt=0)
    buttons: int = Field(default=0, ge=0)
    quick_replies: int = Field(default=0, ge=0)
    button_title: int = Field(default=64, gt=0)
    url_buttons: bool = False
    share_requests: bool = False
    markdown: bool = False
    media: frozenset[MediaKind] = frozenset()
    cards: bool = False
    typing: bool = False
    window: timedelta | None = None
    linked_options: bool = False


PLAIN_TEXT = Capabilities(max_text=1600)
"""The least a channel can do: plain text only. Every message degrades to it."""

RICH = Capabilities(
    max_text=4000,
    buttons=10,
    quick_replies=10,
    button_title=64,
    url_buttons=True,
    markdown=True,
    media=frozenset({"image", "video", "audio", "file"}),
    cards=True,
    typing=True,
)
"""A channel that shows everything the common format has."""
