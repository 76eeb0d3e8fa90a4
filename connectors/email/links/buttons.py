"""Buttons that work in e-mail: each option of a message is a link that presses it.

A link is ``{base}/email/press/<token>``. The token holds the press itself, signed: the customer
and the address the message went to, the id of the message, the payload offered and the title
shown, the language the message was written in, when the link expires and a random nonce. It is
signed with HMAC-SHA256 under a key derived from the channel's secret with a label (the secret
itself signs nothing, and a link's signature says nothing about it), so every worker can check a
link without storing anything when it is issued, and changing any part of it (another payload,
another customer, a later expiry) breaks the signature (:mod:`.sealed`, shared with the
unsubscribe links).

A link is single-use: pressing it spends its nonce in the shared memory, atomically, through the
token bucket every worker draws on (:meth:`bot.connector.Core.allow` with a burst of one and a
refill slower than the link lives), so a second press anywhere is refused until the link has
expired, and then the expiry refuses it.

Following a link presses nothing (mail scanners fetch every link in a message): the page it
opens asks to confirm with a form, and only that form's POST presses
(:mod:`connectors.email.links.press`).
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from pydantic import Field

from bot.connector import Core
from bot.http.limits import MAX_PAYLOAD
from connectors.email.links.sealed import Expiring, LinkBook, LinkRefused, Sealer

PATH = "/email/press"
LINK_LIFETIME = timedelta(days=7)
_LABEL = b"omnibot:email:button-links"
_SPEND_MARGIN = 2.0
"""The spent mark outlives the link by this factor, so no refill ever lets a live link in."""


class Press(Expiring):
    """What a link presses, as signed into its token."""

    customer_id: str = Field(min_length=1, max_length=256)
    user_id: str = Field(min_length=1, max_length=256)
    """The e-mail identity (the channel's user id) the message was sent to."""
    message_id: str = Field(min_length=1, max_length=256)
    """The id of the message that offered the option."""
    payload: str = Field(min_length=1, max_length=MAX_PAYLOAD)
    title: str = Field(min_length=1, max_length=256)
    language: str = Field(default="en", max_length=35)
    nonce: str = Field(min_length=16, max_length=64)
    """Random: what a press spends."""


@dataclass(frozen=True, slots=True)
class Option:
    """One option of an outgoing message, for :meth:`ButtonLinks.issue`."""

    customer_id: str
    user_id: str
    message_id: str
    payload: str
    title: str
    language: str = "en"


class ButtonLinks(LinkBook[Press]):
    """Issues, checks and spends the links of e-mail buttons.

    ``secret`` is a secret of the channel (``EMAIL_INBOUND_TOKEN``); ``base_url`` the bot's
    public URL; ``lifetime`` how long a link works.
    """

    def __init__(
        self,
        secret: str,
        base_url: str,
        lifetime: timedelta = LINK_LIFETIME,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(Sealer(secret, _LABEL, Press, clock), base_url, PATH, lifetime, clock)

    def issue(self, option: Option) -> str:
        """The URL that presses ``option`` once, until the link's lifetime has passed."""
        press = Press(
            customer_id=option.customer_id,
            user_id=option.user_id,
            message_id=option.message_id,
            payload=option.payload,
            title=option.title,
            language=option.language,
            expires=self._expires(),
            nonce=secrets.token_urlsafe(16),
        )
        return self._url(press)

    async def spend(self, core: Core, press: Press) -> None:
        """Spend the link, once across every worker; raises :class:`LinkRefused` (``used``,
        410) if it was spent before. Raises :class:`~bot.errors.MemoryUnavailable` like any
        write to the memory."""
        remaining = max(press.expires - self._clock(), 1.0)
        per_second = 1 / (remaining * _SPEND_MARGIN)
        if not await core.allow(f"email-press:{press.nonce}", 1, per_second):
            raise LinkRefused("used", 410)
