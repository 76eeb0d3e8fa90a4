"""How people read a channel's id: ``webchat`` is *Web chat*, ``email`` is *E-mail*.

The agent console, its insights and the transcript's event lines (*joined the conversation on
SMS*) name channels so, never by their ids.
"""

from __future__ import annotations

CHANNEL_NAMES = {
    "webchat": "Web chat",
    "sms": "SMS",
    "whatsapp": "WhatsApp",
    "email": "E-mail",
    "telegram": "Telegram",
    "slack": "Slack",
}


def channel_name(channel: str, in_sentence: bool = False) -> str:
    """``channel``'s name as people read it, as a label (*Web chat*) or ``in_sentence`` (*on
    the web chat*, *by e-mail*); an id it does not know, as it is."""
    name = CHANNEL_NAMES.get(channel, channel)
    return name.lower() if in_sentence and channel in _COMMON_NOUNS else name


_COMMON_NOUNS = frozenset({"webchat", "email"})
"""Channels named by a common noun, lower case inside a sentence (the others are brands)."""
