"""The media customers send through Twilio's WhatsApp, served through signed links.

Twilio's incoming webhook names each medium with ``MediaUrl{N}``, ``https://api.twilio.com/
2010-04-01/Accounts/<AC>/Messages/<MM>/Media/<ME>``, which answers only to the account's
credentials (HTTP Basic, when the account protects its media, as it should) with a redirect to
a short-lived signed URL on Twilio's CDN. Neither the credentials nor those URLs are handed
out: an attachment's ``url`` is a link of ours, ``GET /whatsapp/twilio/media/<MM>-<ME>?expires=
&signature=`` (:mod:`connectors.file_links`, the same signed links as the Cloud API's, with a key
derived from the auth token), and following it fetches the medium here and streams it through.

The credentials go only to the configured ``TWILIO_API_BASE`` (the URL is rebuilt from the two
ids on it, never taken from the form), never with a redirect; the one redirect Twilio answers
with is followed *without* them, and only to Twilio's own hosts (:func:`cdn`) or the API base's.
"""

from __future__ import annotations

import base64
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urljoin, urlsplit

import aiohttp
from aiohttp import web

from bot.errors import ChannelMisconfigured, TemporaryDeliveryError
from connectors.file_links import SignedLinks, linked_id, relay
from connectors.whatsapp.twilio.settings import MEDIA_PATH, TwilioWhatsappSettings

TWILIO_HOSTS = ("twilio.com", "twiliocdn.com")
"""Twilio's hosts: a media redirect may point there (``mms.twiliocdn.com``)."""
S3_BUCKET = "/media.twiliocdn.com/"
"""Twilio's media bucket, which its redirects also name on Amazon S3
(``s3-external-1.amazonaws.com/media.twiliocdn.com/...``)."""
_MEDIA_URL = re.compile(
    r"^/2010-04-01/Accounts/(?P<account>AC[0-9a-f]{32})"
    r"/Messages/(?P<message>(?:MM|SM)[0-9a-f]{32})/Media/(?P<media>ME[0-9a-f]{32})$"
)
_FILE_ID = re.compile(r"^(?P<message>(?:MM|SM)[0-9a-f]{32})-(?P<media>ME[0-9a-f]{32})$")
_REDIRECTS = frozenset({301, 302, 303, 307, 308})


def media_links(settings: TwilioWhatsappSettings) -> SignedLinks:
    """The signer of the media links (its key derives from the auth token)."""
    return SignedLinks(
        settings.auth_token, "whatsapp:twilio-media-links", settings.links_base, MEDIA_PATH
    )


def file_id(media_url: str, account_sid: str) -> str | None:
    """``<MM>-<ME>`` for a ``MediaUrl`` of our account's, else ``None`` (a URL of another
    shape or account is not followed: the credentials would go with it)."""
    found = _MEDIA_URL.match(urlsplit(media_url).path)
    if found is None or found["account"] != account_sid:
        return None
    return f"{found['message']}-{found['media']}"


def cdn(url: str, api_base: str) -> bool:
    """Whether a media redirect may be followed to ``url``: the API base's own origin (the
    fake Twilio in tests), or an ``https`` URL on Twilio's hosts or its S3 bucket."""
    where, api = urlsplit(url), urlsplit(api_base)
    if (where.scheme, where.netloc) == (api.scheme, api.netloc):
        return True
    host = (where.hostname or "").lower()
    if where.scheme != "https" or where.port not in (None, 443):
        return False
    if any(host == name or host.endswith("." + name) for name in TWILIO_HOSTS):
        return True
    return host.endswith(".amazonaws.com") and where.path.startswith(S3_BUCKET)


class TwilioMedia:
    """The download of one medium, on a session the caller owns."""

    def __init__(
        self,
        settings: TwilioWhatsappSettings,
        session: aiohttp.ClientSession,
        seconds: float = 60.0,
    ) -> None:
        self._media = f"{settings.api_base}/2010-04-01/Accounts/{settings.account_sid}/Messages"
        self._api_base = settings.api_base
        pair = f"{settings.account_sid}:{settings.auth_token}".encode()
        self._headers = {"Authorization": "Basic " + base64.b64encode(pair).decode()}
        self._session = session
        self._timeout = aiohttp.ClientTimeout(total=seconds)

    @asynccontextmanager
    async def download(self, ident: str) -> AsyncIterator[aiohttp.ClientResponse]:
        """The response that holds the bytes of the medium ``<MM>-<ME>``: Twilio's own, or its
        CDN's after one redirect followed without the credentials; raises a
        :class:`DeliveryError` (:class:`ChannelMisconfigured` for a redirect elsewhere)."""
        found = _FILE_ID.match(ident)
        if found is None:
            raise ChannelMisconfigured("twilio media: not a medium of Twilio's")
        url = f"{self._media}/{found['message']}/Media/{found['media']}"
        try:
            async with self._session.get(
                url, headers=self._headers, timeout=self._timeout, allow_redirects=False
            ) as answer:
                location = answer.headers.get("Location")
                if answer.status not in _REDIRECTS or location is None:
                    yield answer
                    return
            target = urljoin(url, location)
            if not cdn(target, self._api_base):
                raise ChannelMisconfigured("twilio media: a redirect to a host not Twilio's")
            async with self._session.get(
                target, timeout=self._timeout, allow_redirects=False
            ) as answer:
                yield answer
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise TemporaryDeliveryError(f"twilio media: {type(exc).__name__}") from exc


class MediaProxy:
    """``GET /whatsapp/twilio/media/{file_id}``: a signed link's medium, streamed from Twilio."""

    def __init__(self, links: SignedLinks, twilio: TwilioMedia) -> None:
        self._links = links
        self._twilio = twilio

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Check the link, fetch the medium, stream it (never redirecting the customer)."""
        ident = linked_id(request, self._links)
        return await relay(request, self._twilio.download(ident), "Twilio", f"whatsapp-{ident}")
