"""A local fake of Twilio: the Messages REST API the bot sends through, and the webhooks Twilio
calls on the bot (incoming messages, status callbacks), signed as Twilio signs them; SMS and
WhatsApp alike.

The REST side checks what the real API checks (the account SID in the path, Basic auth, the
form fields of ``Messages.json``, numbers that opted out; for WhatsApp, ``whatsapp:`` on both
ends and a WhatsApp sender of the account, and a Content API send's ``ContentSid`` and
``ContentVariables`` against the templates it knows, :class:`Content`) and answers in Twilio's
shape, errors included; tests can queue other failures (429, 5xx) with
:meth:`FakeApi.fail_next`. The webhook side signs with the twilio package's own
``RequestValidator``, for the public URL the bot is configured with, and posts to wherever
the bot really listens (as a proxy would).

Media customers sent (:meth:`FakeTwilio.add_media`) are served as Twilio serves them to an
account that protects its media: ``GET /2010-04-01/Accounts/<AC>/Messages/<MM>/Media/<ME>``
answers only to the account's Basic auth, with a 307 to a signed URL on the "CDN"
(``/cdn/<token>``), which serves the bytes and refuses any ``Authorization`` header, as S3
does a second authentication.
"""

from __future__ import annotations

import base64
import itertools
import json
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email.utils import format_datetime
from typing import Any

import aiohttp
from aiohttp import web

# twilio ships no type information (no py.typed, no stubs): its signer is used as it is.
from twilio.request_validator import RequestValidator  # type: ignore[import-untyped]

from bot.format.messages import utcnow
from connectors.sms.segments import cost
from tests.fakes.base import Call, Failure, FakeApi

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "fake-twilio-auth-token-0123456789"
BOT_NUMBER = "+15550001111"
SERVICE_SID = "MG" + "fedcba9876543210" * 2
WHATSAPP_SENDER = "whatsapp:+15550002222"
MESSAGES = "messages"
MEDIA = "media"
CDN = "cdn"
_E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
_WHATSAPP = "whatsapp:"
_URL = re.compile(r"^https?://[^\s/?#_]+(/\S*)?$")
REFUSALS = {
    21211: "Invalid 'To' Phone Number",
    21610: "Attempt to send to unsubscribed recipient",
    21614: "'To' number is not a valid mobile number",
    63003: "Channel could not find To address",
}


@dataclass(frozen=True, slots=True)
class Content:
    """A Content API template of the account: its type and how many buttons or items it has.

    Its variables are omnibot's convention (``docs/channels/whatsapp.md``): ``{{1}}``
    the body, ``{{2k}}`` the k-th title, ``{{2k+1}}`` its id. A ``twilio/text`` template
    (one approved to go outside the 24-hour window) has ``parameters`` variables instead,
    ``{{1}}`` to ``{{n}}``, none empty.
    """

    type: str
    choices: int = 0
    parameters: int = 0

    @property
    def title_limit(self) -> int:
        return 20 if self.type == "twilio/quick-reply" else 24

    def problem(self, variables: Mapping[str, Any]) -> str | None:
        """What WhatsApp would refuse in a send of this template with ``variables``."""
        if self.type == "twilio/text":
            return _text_problem(self.parameters, variables)
        wanted = {str(n) for n in range(1, 2 * self.choices + 2)}
        if set(variables) != wanted or not all(isinstance(v, str) for v in variables.values()):
            return f"variables {sorted(variables)} are not {sorted(wanted, key=int)}"
        if not 0 < len(variables["1"]) <= 1024:
            return "the body is empty or over 1,024 characters"
        for k in range(1, self.choices + 1):
            title, ident = variables[str(2 * k)], variables[str(2 * k + 1)]
            if not 0 < len(title) <= self.title_limit or not 0 < len(ident) <= 200:
                return f"choice {k}: a title over {self.title_limit} or an id over 200"
        return None


def _text_problem(count: int, variables: Mapping[str, Any]) -> str | None:
    wanted = {str(n) for n in range(1, count + 1)}
    if set(variables) != wanted:
        return f"variables {sorted(variables)} are not {sorted(wanted, key=int)}"
    if not all(isinstance(v, str) and 0 < len(v) <= 1024 for v in variables.values()):
        return "a variable is empty or over 1,024 characters"
    return None


@dataclass(frozen=True, slots=True)
class Sent:
    """A message the fake accepted (201)."""

    sid: str
    to: str
    sender: str | None
    service: str | None
    body: str | None
    media: tuple[str, ...]
    status_callback: str | None
    content_sid: str | None = None
    content_variables: dict[str, str] | None = None


@dataclass(frozen=True, slots=True)
class StoredMedia:
    """A customer's medium: its bytes, type and where its redirect points (the fake's "CDN"
    unless a test says otherwise)."""

    content: bytes
    content_type: str
    redirect: str | None = None


@dataclass
class Reply:
    """What the bot answered to a webhook."""

    status: int
    content_type: str
    text: str


class FakeTwilio(FakeApi):
    """``fake.url`` is the ``TWILIO_API_BASE``; point it at the bot with :meth:`point_at`.

    ``refusing`` maps numbers the API refuses to the error code (21610 after a STOP, 21211 for
    an invalid number); ``sent`` holds every message it accepted.
    """

    def __init__(
        self,
        account_sid: str = ACCOUNT_SID,
        auth_token: str = AUTH_TOKEN,
        numbers: frozenset[str] = frozenset({BOT_NUMBER}),
        services: frozenset[str] = frozenset({SERVICE_SID}),
        whatsapp_senders: frozenset[str] = frozenset({WHATSAPP_SENDER}),
    ) -> None:
        super().__init__()
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.numbers = numbers
        self.services = services
        self.whatsapp_senders = whatsapp_senders
        self.contents: dict[str, Content] = {}
        self.refusing: dict[str, int] = {}
        self.sent: list[Sent] = []
        self.bot_url = ""
        self.public_url = ""
        self._ids = itertools.count(1)
        self._scheduled: dict[int, Failure] = {}
        self.media: dict[str, StoredMedia] = {}
        self._cdn: dict[str, StoredMedia] = {}

    def environment(self, number: str = BOT_NUMBER) -> dict[str, str]:
        """The ``TWILIO_*`` variables that point a served bot at this fake, sending from
        ``number``."""
        return {
            "TWILIO_ACCOUNT_SID": self.account_sid,
            "TWILIO_AUTH_TOKEN": self.auth_token,
            "TWILIO_FROM_NUMBER": number,
            "TWILIO_API_BASE": self.url,
        }

    def fail_call(self, number: int, failure: Failure) -> None:
        """The ``number``-th call of ``Messages.json`` (counting from 1 since the start) gets
        ``failure``: for a failure in the middle of a multi-part send."""
        self._scheduled[number] = failure

    def routes(self) -> list[web.RouteDef]:
        return [
            web.post("/2010-04-01/Accounts/{account}/Messages.json", self.create),
            web.get(
                "/2010-04-01/Accounts/{account}/Messages/{message}/Media/{media}", self.find_media
            ),
            web.get("/cdn/{token}", self.cdn),
        ]

    def add_media(self, content: bytes, content_type: str, *, redirect: str | None = None) -> str:
        """Keep a customer's medium; its ``MediaUrl``, as the incoming webhook gives it."""
        message, media = f"MM{secrets.token_hex(16)}", f"ME{secrets.token_hex(16)}"
        self.media[media] = StoredMedia(content, content_type, redirect)
        return f"{self.url}/2010-04-01/Accounts/{self.account_sid}/Messages/{message}/Media/{media}"

    async def find_media(self, request: web.Request) -> web.Response:
        """Twilio's media URL: Basic auth, then a redirect to the signed CDN URL."""
        await self.record(Call(MEDIA, dict(request.match_info), dict(request.headers)))
        if not self._authorised(request.headers.get("Authorization", "")):
            return _error(20003, "Authenticate", 401)
        stored = self.media.get(request.match_info["media"])
        if request.match_info["account"] != self.account_sid or stored is None:
            return _error(20404, "The requested resource was not found", 404)
        token = secrets.token_urlsafe(16)
        self._cdn[token] = stored
        where = stored.redirect or f"{self.url}/cdn/{token}"
        raise web.HTTPTemporaryRedirect(where)

    async def cdn(self, request: web.Request) -> web.Response:
        """The signed CDN URL: the bytes to anyone holding it, but no second credential."""
        await self.record(Call(CDN, dict(request.query), dict(request.headers)))
        if "Authorization" in request.headers:
            return web.Response(status=400, text="Only one auth mechanism allowed")
        stored = self._cdn.get(request.match_info["token"])
        if stored is None:
            return web.Response(status=403, text="Request has expired")
        return web.Response(body=stored.content, content_type=stored.content_type)

    def point_at(self, bot_url: str, public_url: str | None = None) -> None:
        """Where the bot listens, and the public URL it is known by (what Twilio signs)."""
        self.bot_url = bot_url.rstrip("/")
        self.public_url = (public_url or bot_url).rstrip("/")

    async def create(self, request: web.Request) -> web.Response:
        form = await request.post()
        params: dict[str, Any] = {
            key: form.getall(key) if key == "MediaUrl" else form[key] for key in set(form)
        }
        await self.record(Call(MESSAGES, params, dict(request.headers)))
        failure = self._scheduled.pop(len(self.of(MESSAGES)), None) or self.failure(MESSAGES)
        if failure is not None:
            return web.json_response(failure.body, status=failure.status, headers=failure.headers)
        if not self._authorised(request.headers.get("Authorization", "")):
            return _error(20003, "Authenticate", 401)
        if request.match_info["account"] != self.account_sid:
            return _error(20404, "The requested resource was not found", 404)
        problem = self._problem(params)
        if problem is not None:
            return _error(*problem)
        return web.json_response(self._accept(params), status=201)

    def _authorised(self, header: str) -> bool:
        expected = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        return secrets.compare_digest(header, f"Basic {expected}")

    def _problem(self, params: Mapping[str, Any]) -> tuple[int, str, int] | None:
        """The first thing the real API would refuse, as (code, message, status)."""
        to, sender, service = (
            params.get("To"),
            params.get("From"),
            params.get("MessagingServiceSid"),
        )
        body, media = params.get("Body"), params.get("MediaUrl", [])
        callback, content = params.get("StatusCallback"), params.get("ContentSid")
        whatsapp = str(to).startswith(_WHATSAPP)
        senders = self.whatsapp_senders if whatsapp else self.numbers
        checks: list[tuple[bool, int, str]] = [
            (not to, 21604, "A 'To' phone number is required."),
            (bool(to) and not _E164.match(str(to).removeprefix(_WHATSAPP)), 21211, REFUSALS[21211]),
            (not sender and not service, 21603, "A 'From' phone number is required."),
            (whatsapp != str(sender).startswith(_WHATSAPP), 63007, "No Channel with that From"),
            (bool(sender) and sender not in senders, 21606, "Not a sender of this account"),
            (bool(service) and service not in self.services, 21705, "Invalid Messaging Service"),
            (bool(content) and not whatsapp, 21655, "The ContentSid is Invalid"),
            (not body and not media and not content, 21602, "Message body is required."),
            (body is not None and len(body) > 1600, 21617, "Body exceeds 1600 characters"),
            (not all(_URL.match(url) for url in media) or len(media) > 10, 21620, "Bad media"),
            (callback is not None and not _URL.match(callback), 21609, "Invalid StatusCallback"),
        ]
        for failed, code, message in checks:
            if failed:
                return code, message, 400
        if content:
            return self._content_problem(str(content), params.get("ContentVariables"))
        if to in self.refusing:
            code = self.refusing[to]
            return code, REFUSALS.get(code, "Refused"), 400
        return None

    def _content_problem(self, sid: str, variables: str | None) -> tuple[int, str, int] | None:
        """What the Content API refuses: an unknown template, variables that do not fit it."""
        template = self.contents.get(sid)
        if template is None:
            return 21655, "The ContentSid is Invalid", 400
        try:
            values = json.loads(variables or "")
        except ValueError:
            return 21656, "The ContentVariables Parameter is invalid", 400
        if not isinstance(values, dict) or template.problem(values) is not None:
            return 21656, "The ContentVariables Parameter is invalid", 400
        return None

    def _accept(self, params: Mapping[str, Any]) -> dict[str, Any]:
        media = tuple(params.get("MediaUrl", []))
        sid = ("MM" if media else "SM") + f"{next(self._ids):032x}"
        sender, service, body = (
            params.get("From"),
            params.get("MessagingServiceSid"),
            params.get("Body"),
        )
        content = params.get("ContentSid")
        variables = json.loads(params["ContentVariables"]) if content else None
        self.sent.append(
            Sent(
                sid,
                params["To"],
                sender,
                service,
                body,
                media,
                params.get("StatusCallback"),
                content,
                variables,
            )
        )
        now = format_datetime(utcnow())
        return {
            "account_sid": self.account_sid,
            "api_version": "2010-04-01",
            "body": body or "",
            "date_created": now,
            "date_sent": None,
            "date_updated": now,
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": sender,
            "messaging_service_sid": service,
            "num_media": str(len(media)),
            # As Twilio does: a Messaging Service has not picked a sender yet, so no count.
            "num_segments": "0" if service and not sender else str(cost(body or "").segments),
            "price": None,
            "price_unit": "USD",
            "sid": sid,
            "status": "accepted" if service and not sender else "queued",
            "subresource_uris": {
                "media": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}/Media.json"
            },
            "to": params["To"],
            "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}.json",
        }

    def to(self, number: str) -> list[Sent]:
        """What was sent to ``number``."""
        return [s for s in self.sent if s.to == number]

    async def wait_sent(self, number: str, count: int, within: float = 10.0) -> list[Sent]:
        """Wait until ``count`` messages were accepted for ``number``; return them all."""
        await self.wait_for(lambda _: len(self.to(number)) >= count, within)
        return self.to(number)

    def sign(self, url: str, params: Mapping[str, str] | Sequence[tuple[str, str]]) -> str:
        """``X-Twilio-Signature`` for a POST of ``params`` to ``url``, with the twilio package."""
        fields = dict(params)
        return str(RequestValidator(self.auth_token).compute_signature(url, fields))

    async def post(
        self, path: str, params: Mapping[str, str], *, signature: str | None = None
    ) -> Reply:
        """POST ``params`` as a form to the bot at ``path`` (which may carry a query), signed
        for the public URL, or with ``signature`` ("" for none) when a test forges one."""
        if signature is None:
            signature = self.sign(self.public_url + path, params)
        headers = {"X-Twilio-Signature": signature} if signature else {}
        return await self.post_raw(path, dict(params), headers)

    async def post_raw(self, path: str, data: Any, headers: Mapping[str, str]) -> Reply:
        """POST anything to the bot at ``path``."""
        async with (
            aiohttp.ClientSession() as session,
            session.post(self.bot_url + path, data=data, headers=headers) as response,
        ):
            return Reply(response.status, response.content_type, await response.text())

    def incoming(
        self,
        sender: str,
        body: str = "",
        *,
        to: str = BOT_NUMBER,
        media: Sequence[tuple[str, str]] = (),
        sid: str | None = None,
        **extra: str,
    ) -> dict[str, str]:
        """The form of Twilio's incoming message webhook, with the fields Twilio sends."""
        sid = sid or ("MM" if media else "SM") + secrets.token_hex(16)
        form = {
            "ToCountry": "US",
            "ToState": "CA",
            "SmsMessageSid": sid,
            "NumMedia": str(len(media)),
            "ToCity": "",
            "FromZip": "",
            "SmsSid": sid,
            "FromState": "",
            "SmsStatus": "received",
            "FromCity": "",
            "Body": body,
            "FromCountry": "BR",
            "To": to,
            "ToZip": "",
            "NumSegments": "1",
            "MessageSid": sid,
            "AccountSid": self.account_sid,
            "From": sender,
            "ApiVersion": "2010-04-01",
        }
        for index, (url, content_type) in enumerate(media):
            form[f"MediaUrl{index}"] = url
            form[f"MediaContentType{index}"] = content_type
        return form | extra

    async def text(self, sender: str, body: str = "", **options: Any) -> Reply:
        """A customer's SMS (or MMS, with ``media``) reaches the bot."""
        return await self.post("/sms/twilio", self.incoming(sender, body, **options))

    def whatsapp_incoming(
        self,
        sender: str,
        body: str = "",
        *,
        sid: str | None = None,
        media: Sequence[tuple[str, str]] = (),
        **extra: str,
    ) -> dict[str, str]:
        """The form of Twilio's incoming WhatsApp webhook from the number ``sender`` (E.164),
        with the fields Twilio sends (``ButtonPayload``, ``Latitude``... go in ``extra``;
        ``media`` is (``MediaUrl``, type) pairs, from :meth:`add_media`)."""
        sid = sid or ("MM" if media else "SM") + secrets.token_hex(16)
        form = {
            "SmsMessageSid": sid,
            "NumMedia": str(len(media)),
            "ProfileName": "Ana",
            "MessageType": media[0][1].split("/")[0] if media else "text",
            "SmsSid": sid,
            "WaId": sender.removeprefix("+"),
            "SmsStatus": "received",
            "Body": body,
            "To": WHATSAPP_SENDER,
            "NumSegments": "1",
            "ReferralNumMedia": "0",
            "MessageSid": sid,
            "AccountSid": self.account_sid,
            "From": _WHATSAPP + sender,
            "ApiVersion": "2010-04-01",
        }
        for index, (url, content_type) in enumerate(media):
            form[f"MediaUrl{index}"] = url
            form[f"MediaContentType{index}"] = content_type
        return form | extra

    async def whatsapp(self, sender: str, body: str = "", **extra: str) -> Reply:
        """A customer's WhatsApp message reaches the bot through Twilio."""
        return await self.post("/whatsapp/twilio", self.whatsapp_incoming(sender, body) | extra)

    async def whatsapp_media(
        self, sender: str, media: Sequence[tuple[str, str]], caption: str = ""
    ) -> Reply:
        """A customer's WhatsApp media (``(MediaUrl, type)`` pairs, from :meth:`add_media`)
        reach the bot through Twilio, with ``caption`` as the ``Body``."""
        form = self.whatsapp_incoming(sender, caption, media=media)
        return await self.post("/whatsapp/twilio", form)

    async def press(self, sender: str, payload: str, title: str) -> Reply:
        """The customer taps a quick-reply button Twilio showed."""
        extra = {"ButtonPayload": payload, "ButtonText": title, "MessageType": "button"}
        return await self.post("/whatsapp/twilio", self.whatsapp_incoming(sender, title) | extra)

    async def report(self, sent: Sent, status: str, error_code: int | None = None) -> Reply:
        """Twilio's status callback for ``sent``, posted to the URL the bot gave for it."""
        assert sent.status_callback is not None, "the bot asked for no status callback"
        assert sent.status_callback.startswith(self.public_url)
        form = {
            "AccountSid": self.account_sid,
            "ApiVersion": "2010-04-01",
            "From": sent.sender or BOT_NUMBER,
            "MessageSid": sent.sid,
            "MessageStatus": status,
            "SmsSid": sent.sid,
            "SmsStatus": status,
            "To": sent.to,
        }
        if error_code is not None:
            form["ErrorCode"] = str(error_code)
        return await self.post(sent.status_callback.removeprefix(self.public_url), form)


def _error(code: int, message: str, status: int) -> web.Response:
    """An error in Twilio's REST shape."""
    body = {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }
    return web.json_response(body, status=status)
