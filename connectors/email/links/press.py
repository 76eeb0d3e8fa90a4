"""The routes behind e-mail buttons: ``GET`` asks, ``POST`` presses.

``GET /email/press/<token>`` never presses: mail scanners and link previews fetch every link of
a message, so following one only shows a small page asking to confirm ("Choose 'Exchange'?")
with a form. ``POST`` to the same path presses: the link is checked (ours, untouched, not
expired), its e-mail identity must still belong to the customer it was issued to, it is spent
once across every worker, and the core gets a ``button`` event for that customer with the
payload offered, as any channel's press (the pipeline still honours it only if the bot's latest
message offered it). Anything else is a 4xx page, one INFO line, and nothing changed.

No CSRF token: the link's token in the path is itself the secret a forged request would need;
on top of that a POST whose ``Origin`` (or ``Sec-Fetch-Site``) shows another site is refused.
The pages carry no script, a strict Content-Security-Policy, ``no-referrer`` (the token is in
the URL) and ``no-store``, and every text on them is escaped.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from urllib.parse import urlsplit

from aiohttp import web

from bot.connector import SubmitResult
from bot.format.messages import Address, InboundEvent
from connectors.email.links.buttons import PATH, ButtonLinks, Press
from connectors.email.links.pages import Act, LinkRoutes, lang
from connectors.email.links.sealed import LinkRefused

log = logging.getLogger("omnibot.email")
CHANNEL = "email"

_WORDS = {
    "en": {
        "title": "Confirm your choice",
        "ask": "Choose “{title}”?",
        "confirm": "Yes, choose it",
        "done": "Done — check your e-mail for the next message.",
        "invalid": "This link is not valid.",
        "moved": "This link is not valid.",
        "expired": "This link has expired. Reply to the e-mail with the option's number instead.",
        "used": "This choice was already made. Check your e-mail for the next message.",
        "busy": (
            "We could not record your choice just now. "
            "Reply to the e-mail with the option's number instead."
        ),
        "origin": "This choice can only be confirmed from its own page.",
    },
    "pt": {
        "title": "Confirme a sua escolha",
        "ask": "Escolher “{title}”?",
        "confirm": "Sim, escolher",
        "done": "Pronto — veja o seu e-mail para a próxima mensagem.",
        "invalid": "Este link não é válido.",
        "moved": "Este link não é válido.",
        "expired": "Este link expirou. Responda ao e-mail com o número da opção.",
        "used": "Esta escolha já foi feita. Veja o seu e-mail para a próxima mensagem.",
        "busy": (
            "Não foi possível registar a sua escolha agora. "
            "Responda ao e-mail com o número da opção."
        ),
        "origin": "Esta escolha só pode ser confirmada na sua própria página.",
    },
}


def reply_address(press: Press) -> Address:
    """Where the press's answer goes: the identity the message was sent to, in the thread of
    the message that offered the option."""
    return Address(
        channel=CHANNEL,
        user_id=press.user_id,
        conversation_id=press.user_id,
        thread_id=press.message_id,
    )


class PressRoutes(LinkRoutes):
    """``GET``/``POST`` ``/email/press/<token>``, for the e-mail connector to mount.

    ``address`` makes the pressed event's address from the press (the connector's own
    convention for threads); :meth:`start` gives it the core once the connector starts.
    """

    def __init__(
        self,
        links: ButtonLinks,
        base_url: str,
        address: Callable[[Press], Address] = reply_address,
    ) -> None:
        super().__init__(PATH, _WORDS, "e-mail button", log)
        self._links = links
        self._origin = _origin(base_url)
        self._address = address

    def _question(self, token: str) -> tuple[str, str, str]:
        press = self._links.read(token)
        return press.language, _WORDS[lang(press.language)]["ask"].format(title=press.title), ""

    def _opened(self, request: web.Request) -> tuple[str, Act]:
        self._same_origin(request)
        press = self._links.read(request.match_info["token"])
        return press.language, lambda: self._submit(press)

    async def _submit(self, press: Press) -> None:
        core = self.core()
        address = self._address(press)
        if await core.customer_of(address.identity) != press.customer_id:
            raise LinkRefused("moved", 403)
        await self._links.spend(core, press)
        event = InboundEvent(
            event_id=f"email-press:{press.nonce}",
            channel=CHANNEL,
            address=address,
            kind="button",
            payload=press.payload,
            text=press.title,
            locale=press.language,
        )
        submission = await core.submit(event)
        if submission.result is SubmitResult.BUSY:
            raise LinkRefused("busy", 503)

    def _same_origin(self, request: web.Request) -> None:
        origin = request.headers.get("Origin")
        site = request.headers.get("Sec-Fetch-Site")
        if origin is not None and _origin(origin) != self._origin:
            raise LinkRefused("origin", 403)
        if site is not None and site not in ("same-origin", "none"):
            raise LinkRefused("origin", 403)


def _origin(url: str) -> str:
    parts = urlsplit(url.strip())
    return f"{parts.scheme}://{parts.netloc}".lower()
