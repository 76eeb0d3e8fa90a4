"""Consent to a join: a link code presented on a channel joins nothing until the person there
says yes to it.

Presenting a code (typed, texted, in a Telegram deep link, in a web chat link) spends it and
leaves a :class:`PendingJoin` in the record of the customer who presented it. The dialog asks,
on that channel, whether to join "a web chat conversation started today at 14:02", with a yes
and a no whose payloads carry the question's own nonce. Only that yes, from the channel identity
the question was asked on, before the code would have expired, joins; anything else that
identity sends next declines, and a question left unanswered expires with the code.

The question lives in the customer record, so whichever worker takes the answer finds it; the
answer is read by the core, never by a flow; and nobody can answer for someone else: the yes
must come from the identity that was asked, and a yes payload with no question pending, or of
another question, is no yes.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from enum import StrEnum

from pydantic import AwareDatetime, Field, JsonValue

from bot.format.messages import Address, ChannelIdentity, InboundEvent, Model
from bot.format.offered import OfferedOptions

_YES = "link:yes:"
_NO = "link:no:"


class PendingJoin(Model):
    """A join this customer was asked to consent to, until they answer or it expires.

    ``owner`` asked for the code on ``asked_on`` (at ``asked_from``, where they are told what
    became of it), in a conversation that started at ``started`` (the channel and that time are
    all the presenting side is told of them); ``identity`` is the channel identity
    (``channel:user``) that presented it and alone may answer; ``answers`` are the question's
    answers as that channel showed them, which a typed answer is read against even when
    another channel of the customer was sent something since.
    """

    owner: str = Field(min_length=1, max_length=64)
    asked_on: str | None = Field(default=None, max_length=32)
    asked_from: Address | None = None
    started: AwareDatetime
    identity: str = Field(min_length=1, max_length=300)
    nonce: str = Field(min_length=16, max_length=64)
    expires_at: AwareDatetime
    answers: OfferedOptions | None = None

    @classmethod
    def ask(
        cls,
        owner: str,
        asked_on: str | None,
        asked_from: Address | None,
        started: datetime,
        presenter: ChannelIdentity,
        expires_at: datetime,
    ) -> PendingJoin:
        """A new question, with a nonce of its own."""
        return cls(
            owner=owner,
            asked_on=asked_on,
            asked_from=asked_from,
            started=started,
            identity=presenter.key,
            nonce=secrets.token_urlsafe(16),
            expires_at=expires_at,
        )

    def told(self, presenter: ChannelIdentity) -> dict[str, JsonValue]:
        """What the events about this join carry (see :func:`told`)."""
        return told(presenter, self.asked_on, self.asked_from)

    @property
    def yes(self) -> str:
        """The payload of this question's yes."""
        return _YES + self.nonce

    @property
    def no(self) -> str:
        """The payload of this question's no."""
        return _NO + self.nonce

    def expired(self, now: datetime) -> bool:
        """Whether the code it came from would have expired by ``now``."""
        return now >= self.expires_at

    def shown(self, offered: OfferedOptions | None) -> PendingJoin:
        """This question with its answers as its channel showed them (``offered``, what the
        turn that asked offered), once they are known."""
        if (
            self.answers is not None
            or offered is None
            or not self.identity.startswith(f"{offered.channel}:")
        ):
            return self
        return self.model_copy(update={"answers": offered})

    def answered_by(self, event: InboundEvent) -> bool:
        """Whether ``event`` is the answer: anything the identity that was asked sends."""
        return event.sender.key == self.identity

    def accepted(self, event: InboundEvent) -> bool:
        """Whether ``event`` is this question's yes (a typed answer that names the yes has
        become a press of it by then, read against :attr:`answers`: see :func:`offered_to`)."""
        pressed = (event.payload or "").encode()  # any text: compare_digest takes str only if ASCII
        return event.kind == "button" and secrets.compare_digest(pressed, self.yes.encode())


def told(
    presenter: ChannelIdentity, asked_on: str | None, asked_from: Address | None
) -> dict[str, JsonValue]:
    """What the events about a code carry: where it was presented (``channel`` and ``by``, the
    identity), and where it was asked for, to tell the asker there."""
    return {
        "channel": presenter.channel,
        "by": presenter.key,
        "asked_on": asked_on,
        "asked_from": asked_from.model_dump(mode="json") if asked_from else None,
    }


class Answer(StrEnum):
    """What became of a pending question with the input of a turn."""

    YES = "yes"
    """The yes, in time: join."""
    DECLINED = "declined"
    """Anything else from the identity that was asked: nothing is joined."""
    LATE = "late"
    """The yes, after the code expired: nothing is joined."""
    EXPIRED = "expired"
    """Something else after the code expired: the question is forgotten quietly."""
    ELSEWHERE = "elsewhere"
    """Not from the identity that was asked (another channel of the customer, a timer): the
    question stays."""


def offered_to(
    pending: PendingJoin | None, offered: OfferedOptions | None, event: InboundEvent
) -> OfferedOptions | None:
    """The options a typed reply of ``event`` is read against: the question's answers when it
    comes from the identity that was asked, else what the customer was offered last."""
    if pending is not None and pending.answered_by(event) and pending.answers is not None:
        return pending.answers
    return offered


def answer(pending: PendingJoin, event: InboundEvent, now: datetime) -> Answer:
    """How ``event`` answers ``pending`` at ``now``."""
    if not pending.answered_by(event):
        return Answer.ELSEWHERE
    accepted = pending.accepted(event)
    if pending.expired(now):
        return Answer.LATE if accepted else Answer.EXPIRED
    return Answer.YES if accepted else Answer.DECLINED
