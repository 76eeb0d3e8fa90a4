"""One-click unsubscribe (RFC 8058) from mail the business starts.

Such mail says ``List-Unsubscribe: <{base}/email/unsubscribe/<token>>, <mailto:...>`` and
``List-Unsubscribe-Post: List-Unsubscribe=One-Click``: the customer's mail provider (Gmail,
Yahoo, Apple Mail) shows an "Unsubscribe" button and, when it is pressed, POSTs
``List-Unsubscribe=One-Click`` to the URL, with no cookie and no login. The token is all the
proof there is, so it is signed, like a button link's (:mod:`.buttons`): HMAC-SHA256 under a key
derived from ``EMAIL_INBOUND_TOKEN`` with a label of its own (a button link's signature is not an
unsubscribe link's), naming the customer, the e-mail identity the mail went to, its thread and
language, and when it expires (:data:`LINK_LIFETIME`).

``POST`` with that body: a ``stop`` command from that identity, as a reply with the subject
``unsubscribe`` is (:func:`connectors.email.inbound.parse`), so the customer's e-mail is opted
out (and out of marketing, the consent recorded with the words :data:`ONE_CLICK_WORDING`);
its provider id is the link's, so a second POST of the same link is a duplicate the core
drops, and every POST answers 200. ``GET`` (a person following the link, or a scanner) changes
nothing: a small page with one form button that POSTs the same. A link that is not ours, was
changed or has expired: a 4xx page, one INFO line, nothing changed.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import timedelta
from email import policy
from email.errors import MessageError
from email.message import EmailMessage
from email.parser import BytesParser

from aiohttp import web
from pydantic import Field

from bot.connector import SubmitResult
from bot.errors import InboundRejected
from bot.format.messages import Address, Command, InboundEvent
from bot.http import untrusted
from bot.http.untrusted import form
from connectors.email.links.pages import Act, LinkRoutes, lang
from connectors.email.links.sealed import Expiring, LinkBook, LinkRefused, Sealer
from connectors.email.outbound import ONE_CLICK
from connectors.email.settings import CHANNEL

log = logging.getLogger("omnibot.email")
PATH = "/email/unsubscribe"
LINK_LIFETIME = timedelta(days=60)
"""Long enough for mail read weeks later (providers keep showing the button), short enough
that a link found in an old mailbox stops working; the mailto and a reply stay for later."""
ONE_CLICK_WORDING = "unsubscribe link (List-Unsubscribe one-click)"
"""What the stop says it was, in the transcript and in the withdrawn consent it records."""
_LABEL = b"omnibot:email:unsubscribe-links"
_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")
_FIELD, _, _ONE_CLICK = ONE_CLICK.partition("=")

_WORDS = {
    "en": {
        "title": "Unsubscribe",
        "ask": "Stop the messages we send to this address by e-mail?",
        "confirm": "Unsubscribe",
        "done": "You are unsubscribed: we will not send you messages by e-mail.",
        "invalid": "This link is not valid.",
        "expired": "This link has expired. Reply to the e-mail with the subject “unsubscribe”.",
        "request": "This request cannot be read.",
        "busy": "We could not unsubscribe you just now. Please try again in a minute.",
    },
    "pt": {
        "title": "Cancelar inscrição",
        "ask": "Deixar de receber as nossas mensagens por e-mail neste endereço?",
        "confirm": "Cancelar inscrição",
        "done": "Inscrição cancelada: não lhe enviaremos mensagens por e-mail.",
        "invalid": "Este link não é válido.",
        "expired": "Este link expirou. Responda ao e-mail com o assunto “unsubscribe”.",
        "request": "Este pedido não pode ser lido.",
        "busy": "Não foi possível cancelar agora. Tente de novo daqui a um minuto.",
    },
}


class Unsubscription(Expiring):
    """What an unsubscribe link stops, as signed into its token."""

    customer_id: str = Field(min_length=1, max_length=256)
    user_id: str = Field(min_length=1, max_length=256)
    """The e-mail identity (the channel's user id) the mail was sent to."""
    conversation_id: str = Field(min_length=1, max_length=256)
    """The mail's thread."""
    language: str = Field(default="en", max_length=35)


class UnsubscribeLinks(LinkBook[Unsubscription]):
    """Issues and checks one-click unsubscribe links.

    ``secret`` is ``EMAIL_INBOUND_TOKEN``; ``base_url`` the bot's public URL; ``lifetime`` how
    long a link works.
    """

    def __init__(
        self,
        secret: str,
        base_url: str,
        lifetime: timedelta = LINK_LIFETIME,
        clock: Callable[[], float] = time.time,
    ) -> None:
        sealer = Sealer(secret, _LABEL, Unsubscription, clock)
        super().__init__(sealer, base_url, PATH, lifetime, clock)

    def issue(self, customer_id: str, address: Address, language: str = "en") -> str:
        """The URL that unsubscribes ``address``'s identity, for ``customer_id``."""
        unsubscription = Unsubscription(
            customer_id=customer_id,
            user_id=address.user_id,
            conversation_id=address.conversation_id,
            language=language,
            expires=self._expires(),
        )
        return self._url(unsubscription)

    def event_id(self, token: str) -> str:
        """The provider id of the ``stop`` a token submits: the same for every POST of it."""
        return "email-unsubscribe:" + token.rpartition(".")[2][:43]


class UnsubscribeRoutes(LinkRoutes):
    """``GET``/``POST`` ``/email/unsubscribe/<token>``, for the e-mail connector to mount;
    ``bot_id`` is the bot's address (the ``stop`` event's ``Address.bot_id``)."""

    def __init__(self, links: UnsubscribeLinks, bot_id: str) -> None:
        super().__init__(PATH, _WORDS, "e-mail unsubscribe", log)
        self._links = links
        self._bot_id = bot_id

    def _question(self, token: str) -> tuple[str, str, str]:
        language = self._links.read(token).language
        hidden = '<input type="hidden" name="List-Unsubscribe" value="One-Click">'
        return language, _WORDS[lang(language)]["ask"], hidden

    def _opened(self, request: web.Request) -> tuple[str, Act]:
        token = request.match_info["token"]
        unsubscription = self._links.read(token)

        async def unsubscribe() -> None:
            await _one_click(request)
            await self._submit(unsubscription, self._links.event_id(token))

        return unsubscription.language, unsubscribe

    async def _submit(self, unsubscription: Unsubscription, event_id: str) -> None:
        core = self.core()
        address = Address(
            channel=CHANNEL,
            user_id=unsubscription.user_id,
            conversation_id=unsubscription.conversation_id,
            bot_id=self._bot_id,
        )
        customer = await core.customer_of(address.identity)
        if customer is None:  # forgotten since: there is nobody to send to
            log.info("e-mail unsubscribe of an identity no customer has: nothing to stop")
            return
        if customer != unsubscription.customer_id:
            log.info("e-mail unsubscribe: the identity has joined another customer since")
        event = InboundEvent(
            event_id=event_id,
            channel=CHANNEL,
            address=address,
            kind="command",
            command=Command(name="stop"),
            text=ONE_CLICK_WORDING,
            locale=unsubscription.language,
        )
        if (await core.submit(event)).result is SubmitResult.BUSY:
            raise LinkRefused("busy", 503)


async def _one_click(request: web.Request) -> None:
    """The body RFC 8058 prescribes, form-encoded either way; else ``request`` 400."""
    try:
        if request.content_type == _FORMS[0]:
            values = (await form(request)).getall(_FIELD, [])
        elif request.content_type == _FORMS[1]:
            content_type = untrusted.header(request, "Content-Type") or ""
            values = _multipart(content_type, await untrusted.body(request))
        else:
            values = []
    except InboundRejected as exc:
        raise LinkRefused("request", 400) from exc
    if values != [_ONE_CLICK]:
        raise LinkRefused("request", 400)


def _multipart(content_type: str, raw: bytes) -> list[str]:
    """The values of the unsubscribe field of a ``multipart/form-data`` body, read by the
    standard library's MIME parser."""
    try:
        head = f"Content-Type: {content_type}\r\n\r\n".encode("ascii")
        message = BytesParser(policy=policy.HTTP).parsebytes(head + raw)
        assert isinstance(message, EmailMessage)
        return [
            str(part.get_content()).strip()
            for part in message.iter_parts()
            if part.get_param("name", header="content-disposition") == _FIELD
        ]
    except (MessageError, ValueError, LookupError, AssertionError, AttributeError) as exc:
        raise InboundRejected(400, "the form cannot be read") from exc
