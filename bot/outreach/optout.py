"""A customer's typed stop: a whole message that says "stop" on a channel without one of its own.

SMS carriers (and our SMS connector) handle ``STOP``, Telegram has ``/stop`` and an e-mail can
be unsubscribed by link or subject: those arrive as a ``stop`` command. Elsewhere (WhatsApp, the
web chat, Telegram text, Slack, an e-mail's body) the customer just writes it, and the message
is a stop only when it is nothing else: ``stop`` or ``parar`` alone, in any case, with or
without accents and surrounding punctuation; "don't stop the order" is not one.

A typed stop opts the customer out of the channel (``CustomerRecord.opted_out``) and out of
marketing (a withdrawn :class:`~bot.outreach.consent.Consent`, kept with the channel, the time
and what they wrote); the dialog cancels what ran and confirms, once, on that channel. Writing
again does not undo it: a typed ``start`` there does (:func:`typed_start`), as START does on SMS.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime

from bot.format.messages import InboundEvent, TurnInput
from bot.outreach.consent import MAX_WORDING, Consent

STOP_WORDS = frozenset(
    {
        "stop",
        "unsubscribe",
        "stop messages",
        "opt out",
        "optout",
        "opt-out",
        "parar",
        "pare",
        "descadastrar",
        "cancelar mensagens",
        "nao quero mais mensagens",
    }
)
"""Whole messages that are a stop, normalised (lower case, no accents, no outer punctuation)."""
START_WORDS = frozenset({"start", "subscribe", "opt in", "iniciar", "voltar a receber"})
"""Whole messages that undo a typed stop, on a channel the customer stopped."""
_OWN_KEYWORDS = frozenset({"sms"})
"""Channels whose stop words are the carrier's, arriving as a ``stop`` command."""
_PUNCTUATION = " \t\r\n.,;:!?¡¿\"'()[]-\u2013\u2014\u2026"


def normalised(text: str) -> str:
    """``text`` as the word lists hold it: lower case, no accents, single spaces, no outer
    punctuation."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(bare.split()).strip(_PUNCTUATION)


def _typed(item: TurnInput) -> str | None:
    """The normalised text of a typed message on a channel without its own stop words."""
    if not isinstance(item, InboundEvent) or item.kind != "text" or item.command is not None:
        return None
    if item.channel in _OWN_KEYWORDS or not item.text:
        return None
    return normalised(item.text)


def typed_stop(item: TurnInput) -> bool:
    """Whether ``item`` is a whole message saying stop, on a channel where that is ours to hear."""
    return _typed(item) in STOP_WORDS


def typed_start(item: TurnInput) -> bool:
    """Whether ``item`` is a whole message saying start (it re-opens a stopped channel only)."""
    return _typed(item) in START_WORDS


def withdrawal(item: InboundEvent, now: datetime) -> Consent:
    """The "no" to marketing a typed stop records: when, on which channel, what was written."""
    said = (item.text or "").strip()[:MAX_WORDING]
    return Consent(at=now, channel=item.channel, wording=said, given=False)
