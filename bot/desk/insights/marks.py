"""What a customer record remembers for the insights: the conversation going on, the one before
it (for re-contacts) and the proactive message waiting for an answer. It rides in the record, so
keeping it costs nothing beyond the turn's own commit."""

from __future__ import annotations

from pydantic import AwareDatetime, Field

from bot.format.messages import Model


class Visit(Model):
    """One conversation: opened by a customer's message on ``day`` (the bot's time zone) on
    ``channel`` in ``language``; ``last_at`` is the customer's latest message in it,
    ``handed_at`` when it came onto the desk, ``answered`` whether an agent has replied since."""

    day: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")
    channel: str = Field(max_length=64)
    language: str = Field(max_length=35)
    started_at: AwareDatetime
    last_at: AwareDatetime
    handed_at: AwareDatetime | None = None
    answered: bool = False
    ended_at: AwareDatetime | None = None


class Reached(Model):
    """A proactive message sent on ``day`` on ``channel``, not answered yet."""

    day: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")
    channel: str = Field(max_length=64)
    language: str = Field(max_length=35)
    at: AwareDatetime


class InsightMarks(Model):
    """``open``: the conversation going on; ``last``: the one that ended before it (with its
    ``ended_at``); ``reached``: the latest proactive message, until the customer answers."""

    open: Visit | None = None
    last: Visit | None = None
    reached: Reached | None = None
