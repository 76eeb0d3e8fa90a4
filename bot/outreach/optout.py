"""A customer's stop, whatever the channel and the route, and their start.

SMS carriers (and our SMS connector) handle ``STOP``, Telegram has ``/stop`` and an e-mail can
be unsubscribed by link or subject: those arrive as a ``stop`` command. Elsewhere (WhatsApp, the
web chat, Telegram text, Slack, an e-mail's body) the customer just writes it, and the message
is a stop only when it is nothing else: ``stop`` or ``parar`` alone, in any case, with or
without accents and surrounding punctuation; "don't stop the order" is not one.

Every stop opts the customer out of the channel (``CustomerRecord.opted_out``) and out of
marketing (a withdrawn :class:`~bot.outreach.consent.Consent`, kept with the channel, the time
and the words: what they wrote, the keyword, ``/stop``, or the e-mail route), once per stop: a
redelivered webhook is the same input, which the inbox takes once. The dialog cancels what ran
and the stop is confirmed, once, on that channel: by the bot (:func:`confirmed_by_bot`), or by
the channel itself where its stop comes with an answer. Writing again does not undo it: a
``start`` there does (:func:`typed_start`, START on SMS), for the channel only: marketing needs
a new opt-in.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime
from functools import lru_cache

from bot.format.messages import InboundEvent, TurnInput
from bot.outreach.consent import MAX_WORDING, Consent
from bot.turn.customer import CustomerRecord

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
_CONFIRMED_BY_CHANNEL = frozenset({"sms", "email"})
"""Channels whose ``stop`` command is confirmed where it was given: SMS by the carrier
compliance answer the connector returns to Twilio, e-mail by the unsubscribe page (and no mail
goes to an address that just unsubscribed). A second confirmation from the bot would be one too
many."""
_PUNCTUATION = " \t\r\n.,;:!?¡¿\"'()[]-\u2013\u2014\u2026"


@lru_cache(maxsize=256)
def normalised(text: str) -> str:
    """``text`` as the word lists hold it: lower case, no accents, single spaces, no outer
    punctuation. Remembered for the last few texts: a turn asks whether its message is a stop
    three times (the record's opt-out, the dialog, the confirmation)."""
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


def _commanded(item: TurnInput, name: str) -> bool:
    return isinstance(item, InboundEvent) and item.command is not None and item.command.name == name


def stop_said(item: TurnInput) -> bool:
    """Whether ``item`` is a stop of any kind: a channel's ``stop`` command or a typed stop."""
    return _commanded(item, "stop") or typed_stop(item)


def confirmed_by_bot(item: TurnInput) -> bool:
    """Whether the bot confirms the stop ``item`` is, on its channel (the one message that may
    still go there); a stop its channel confirms itself is not confirmed twice."""
    if typed_stop(item):
        return True
    return (
        isinstance(item, InboundEvent)
        and _commanded(item, "stop")
        and item.channel not in _CONFIRMED_BY_CHANNEL
    )


def withdrawal(item: InboundEvent, now: datetime) -> Consent:
    """The "no" to marketing a stop records: when, on which channel, and the words (what was
    written, the carrier keyword, ``/stop``, or how the e-mail was unsubscribed)."""
    said = (item.text or "").strip()[:MAX_WORDING] or "stop"
    return Consent(at=now, channel=item.channel, wording=said, given=False)


def opted(record: CustomerRecord, item: InboundEvent, now: datetime) -> CustomerRecord:
    """``record`` after ``item``: a stop stops the channel and marketing; a channel's ``start``
    command, or a typed start on a channel the customer stopped, re-opens the channel only."""
    if stop_said(item):
        outreach = record.outreach.answered(withdrawal(item, now))
        return record.opting(item.channel, out=True).model_copy(update={"outreach": outreach})
    if _commanded(item, "start") or (item.channel in record.opted_out and typed_start(item)):
        return record.opting(item.channel, out=False)
    return record
