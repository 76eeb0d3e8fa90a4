"""The Slack channel: a slack-bolt app behind ``POST /slack/events`` and Socket Mode, and
``chat.postMessage`` to answer.

Inbound, aiohttp's request goes through bolt's own adapter functions (``to_bolt_request``,
``to_aiohttp_response``) into the app, whose middleware verifies it and whose last middleware,
:class:`~connectors.slack.intake.Intake`, queues it. The app is built with
``process_before_response=True``: nothing of bolt's runs after the answer, which the intake
gives only once the event is recorded; the turn itself runs in the core afterwards.

Outbound, each core message becomes one ``chat.postMessage`` (more only past 50 blocks), in the
thread the conversation lives in, if any. Failures are typed (:mod:`connectors.slack.client`);
retrying is the core's business.

With ``agents.slack.channel`` in ``bot.yaml``, the connector is also an agent desk
(:mod:`connectors.slack.desk`): it joins the core's desk when it starts.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from aiohttp import web
from pydantic import ValidationError
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.app.async_app import AsyncApp
from slack_sdk.signature import SignatureVerifier

from bot.connector import Connector, Core, Outgoing, Receipt
from bot.errors import DeliveryError, InboundRejected, TemporaryDeliveryError
from bot.format.messages import Address
from bot.http import untrusted
from bot.http.untrusted import integer
from connectors.channels import SLACK
from connectors.slack.client import SlackClient
from connectors.slack.desk import SlackDesk
from connectors.slack.intake import Intake
from connectors.slack.options import CHANNEL, EVENTS_PATH, SlackOptions
from connectors.slack.outbound import SlackMessage, render
from connectors.slack.people import People
from connectors.slack.socket_mode import SocketMode
from connectors.webhook import refuse

log = logging.getLogger("omnibot.slack")

FORGED = "the request's signature is missing, wrong or stale"
TIMESTAMP = "X-Slack-Request-Timestamp"
SIGNATURE = "X-Slack-Signature"


class SlackConnector(Connector):
    """``POST /slack/events`` (when a signing secret is set), Socket Mode (when an app token
    is), and sending with the bot token."""

    channel = CHANNEL
    capabilities = SLACK

    def __init__(self, options: SlackOptions) -> None:
        self._options = options
        self._client: SlackClient | None = None
        self._app: AsyncApp | None = None
        self._socket: SocketMode | None = None

    @property
    def options(self) -> SlackOptions:
        """What the connector was configured with (its repr shows no secret)."""
        return self._options

    @property
    def client(self) -> SlackClient:
        """The Web API client, for other parts that post to Slack (the agent desk)."""
        if self._client is None:
            raise RuntimeError("the Slack connector has not started")
        return self._client

    def routes(self) -> Sequence[web.RouteDef]:
        if self._options.signing_secret is None:
            return ()
        return [web.post(EVENTS_PATH, self.events)]

    async def start(self, core: Core) -> None:
        options = self._options
        self._client = SlackClient(options.bot_token, options.web_api, options.api_timeout)
        people = People(
            self._client.person, fresh=options.profile_ttl, timeout=options.lookup_timeout
        )
        desk = None
        if options.desk_channel is not None:
            desk = SlackDesk(self._client, core, options.desk_channel, people)
            core.desk.add_channel(desk)
        self._app = build_app(self._client, options.signing_secret, Intake(core, people, desk))
        if options.app_token is not None:
            self._socket = SocketMode(
                self._app, options.app_token, self._client.web, options.socket_ping_interval
            )
            self._socket.start()

    async def closing(self) -> None:
        if self._socket is not None:
            await self._socket.close()

    async def stop(self) -> None:
        if self._socket is not None:
            await self._socket.close()
        if self._client is not None:
            await self._client.close()

    async def send(self, address: Address, messages: Sequence[Outgoing]) -> list[Receipt]:
        if self._client is None:
            raise TemporaryDeliveryError("the Slack connector has not started")
        receipts: list[Receipt] = []
        try:
            for outgoing in messages:
                ts = None
                for part in _slack_messages(outgoing):
                    posted = await self._client.post(
                        address.conversation_id, part, address.thread_id
                    )
                    ts = ts or posted.ts
                receipts.append(Receipt(outgoing.message_id, ts))
        except DeliveryError as error:
            error.sent = tuple(receipts)
            raise
        return receipts

    async def events(self, request: web.Request) -> web.StreamResponse:
        """Events API and interactivity requests, through bolt."""
        if self._app is None:
            raise web.HTTPServiceUnavailable(text="the Slack channel is starting")
        if integer(request.headers.get(TIMESTAMP, "0"), 12) is None or not untrusted.header(
            request, SIGNATURE
        ):
            # bolt's check fails with a 500 on a timestamp that is no short number, and on a
            # signature of anything but ASCII
            return refuse(InboundRejected(401, FORGED))
        try:
            # bolt decodes the body while building its request, and parses it in its middleware
            # before checking the signature, each with exceptions of its own
            _readable(await untrusted.text(request), request.content_type)
            bolt_request = await to_bolt_request(request)
        except (InboundRejected, ValueError, TypeError, AttributeError):
            return await self._unreadable(request)
        if not _bolt_can_read(bolt_request.body):
            return await self._unreadable(request)
        response = await self._app.async_dispatch(bolt_request)
        if response.status == 401:
            log.info("Slack request refused: its signature is missing, wrong or stale")
        return await to_aiohttp_response(response)

    async def _unreadable(self, request: web.Request) -> web.Response:
        """A body bolt could not decode: 401 unless it is signed, since a forgery must not learn
        anything about what would be accepted; 400 otherwise."""
        verifier = SignatureVerifier(self._options.signing_secret or "-")
        try:
            signed = verifier.is_valid(
                await request.read(),
                request.headers.get(TIMESTAMP, "0"),
                request.headers.get(SIGNATURE, ""),
            )
        except ValueError:  # a body that is not UTF-8 cannot be what Slack signed
            signed = False
        if not signed:
            return refuse(InboundRejected(401, FORGED))
        return refuse(InboundRejected(400, "the body is not a Slack payload"))


def _readable(text: str, content_type: str) -> None:
    """Read the body as bolt will (``slack_bolt.request.internals.parse_body``: JSON, or a form
    whose ``payload`` field is JSON), with :mod:`bot.http.untrusted`'s limits; raises
    :class:`InboundRejected` for what bolt would fail on (JSON nested past Python's stack)."""
    if content_type == "application/json" or text.startswith("{"):
        untrusted.parse_json(text)
        return
    payload = untrusted.parse_form(text).get("payload") if "payload" in text else None
    if payload is not None:
        untrusted.parse_json(payload)


def _bolt_can_read(body: object) -> bool:
    """Whether bolt's middleware can look into ``body``: it takes an ``event`` for an object
    without checking, and fails with a 500 when a (signed) request holds anything else."""
    return isinstance(body, dict) and isinstance(body.get("event", {}), dict)


def _slack_messages(outgoing: Outgoing) -> list[SlackMessage]:
    try:
        return render(outgoing.message)
    except ValidationError as exc:  # a message the renderer cannot fit must not stop the turn
        raise DeliveryError(f"message {outgoing.message_id} cannot be shown on Slack") from exc


def build_app(client: SlackClient, signing_secret: str | None, intake: Intake) -> AsyncApp:
    """The bolt app: bolt's middleware (signature, ``ssl_check``, ``url_verification``,
    ``auth.test``, the bot's own events dropped), then the intake.

    Its logger shows errors only: bolt logs a refused request's body at INFO (a stale request
    from Slack holds a customer's message), and at WARNING only a false alarm about the token it
    finds in ``SLACK_BOT_TOKEN`` while the client already has it.
    """
    logger = logging.getLogger("omnibot.slack.bolt")
    if logger.level == logging.NOTSET:
        logger.setLevel(logging.ERROR)
    app = AsyncApp(
        client=client.web,
        signing_secret=signing_secret,
        request_verification_enabled=signing_secret is not None,
        process_before_response=True,
        logger=logger,
        name=logger.name,  # bolt sets the level of the logger named after the app
    )
    app.use(intake)
    return app
