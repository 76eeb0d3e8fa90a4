"""Where an agent's reply may go: the customer's channels, which of them reach the customer now,
and why the others do not.

A reply goes, unless the agent picks another, to the channel the customer asked to be contacted
on, else the one they wrote on last. The agent may pick any channel of the customer's that is
on, where the customer has an address, has not said stop and has not been found unreachable;
a channel that keeps a window (WhatsApp's 24 hours) only while it is open, or outside it when an
approved ``reopen`` template carries the reply (``channels.whatsapp.templates``). The console
shows these choices (:func:`options`) and the API refuses any other (:func:`refusal`), with the
same words.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.format.channel_names import channel_name
from bot.turn.customer import CustomerRecord
from bot.turn.window import REOPEN, Windows

SHOWN_WHOLE = frozenset({"sms", "whatsapp", "email"})
"""Channels whose address is a phone number or an e-mail address: shown to agents whole (they
must recognise it, and it is their own customer's)."""
TEMPLATE_WORDS = "(your reply)"
"""What a template's ``{{ message }}`` shows before the agent has written."""
STOPPED = (
    "the customer said stop on {channel}, so nothing more may be sent there;"
    " they can write START there, or write to us on another channel"
)


def default_channel(record: CustomerRecord) -> str | None:
    """The channel a reply goes to when the agent picks none: the one the customer asked to be
    contacted on, else the one they wrote on last."""
    contact_on = record.handoff.contact_on
    return contact_on if contact_on in record.addresses else record.last_channel


def stopped(record: CustomerRecord, channel: str | None) -> str | None:
    """Why nothing may go to ``channel``, when the customer said stop there."""
    if channel is None or channel not in record.opted_out:
        return None
    return STOPPED.format(channel=channel_name(channel, in_sentence=True))


def refusal(record: CustomerRecord, channel: str, windows: Windows, now: datetime) -> str | None:
    """Why a reply the agent sends on ``channel`` cannot reach the customer (``None``: it can)."""
    name, in_sentence = channel_name(channel), channel_name(channel, in_sentence=True)
    if channel not in record.addresses:
        return f"the customer has no address on {in_sentence}"
    if windows.capabilities(channel) is None:
        return f"{name} is off on this bot"
    said_stop = stopped(record, channel)
    if said_stop is not None:
        return said_stop
    if channel in record.unreachable:
        return f"{name} said the customer cannot be reached there; pick another channel"
    if not windows.is_open(record, channel, now) and _template(record, windows) is None:
        return (
            f"{name}'s 24-hour window is closed and no approved template fits;"
            " pick another channel, or wait for the customer to write"
        )
    return None


def options(record: CustomerRecord, windows: Windows, now: datetime) -> dict[str, Any]:
    """The reply's channels for the console: the default, and for each of the customer's
    channels its address, whether a reply reaches them there (and why not), its window and the
    template a reply becomes outside it."""
    default = default_channel(record)
    ordered = sorted(record.addresses, key=lambda name: (name != default, name))
    return {
        "default": default,
        "channels": [_choice(record, channel, windows, now) for channel in ordered],
    }


def _choice(
    record: CustomerRecord, channel: str, windows: Windows, now: datetime
) -> dict[str, Any]:
    address = record.addresses[channel]
    why = refusal(record, channel, windows, now)
    capabilities = windows.capabilities(channel)
    window = None
    if capabilities is not None and capabilities.window is not None:
        closes = windows.closes_at(record, channel)
        window = {
            "open": windows.is_open(record, channel, now),
            "closes_at": closes.isoformat() if closes else None,
        }
    template = _template(record, windows) if window and not window["open"] else None
    return {
        "channel": channel,
        "address": address.user_id if channel in SHOWN_WHOLE else None,
        "reachable": why is None,
        "why": why,
        "live": windows.live(channel),
        "window": window,
        "template": template,
    }


def _template(record: CustomerRecord, windows: Windows) -> dict[str, Any] | None:
    """The approved template a reply outside the window goes as, its parameters filled."""
    found = windows.template(record, REOPEN, TEMPLATE_WORDS)
    if found is None:
        return None
    return {"name": found.name, "language": found.language, "parameters": list(found.parameters)}
