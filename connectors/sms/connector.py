"""The SMS channel on Twilio: two signed webhooks in, the REST API out.

``POST /sms/twilio``: an incoming SMS or MMS. The signature is checked, the form read, the event
queued (Twilio's ``MessageSid`` deduplicates its retries), and the answer is TwiML: empty, or
the one confirmation a compliance keyword calls for. ``POST /sms/twilio/status``: what became of
a message we sent, recorded in the customer's transcript.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from functools import partial

from aiohttp import web
from twilio.twiml.messaging_response import MessagingResponse  # type: ignore[import-untyped]

from bot.connector import Connector, Core, Outgoing, Receipt
from bot.errors import InboundRejected
from bot.format.messages import Address, ChannelIdentity, utcnow
from bot.format.transcript import StatusEntry
from connectors.channels import SMS
from connectors.sending import send_in_order
from connectors.sms import inbound
from connectors.sms.inbound import Incoming, StatusReport
from connectors.sms.outbound import SmsPart, can_receive_mms, create_parameters, render, sender_for
from connectors.sms.settings import CHANNEL, SmsSettings
from connectors.sms.statuses import StatusRecorder, Unrecorded
from connectors.twilio.client import TwilioMessages
from connectors.twilio.signature import SignatureCheck, verified_form
from connectors.twilio.status_route import answer_status
from connectors.webhook import queue, refuse, unavailable

log = logging.getLogger("omnibot.sms")


class SmsConnector(Connector):
    """``POST /sms/twilio`` and ``POST /sms/twilio/status``; sends through Twilio's REST API.

    ``recorder`` is where delivery statuses go; by default the core, when it can record them
    (see :mod:`connectors.sms.statuses`).
    """

    channel = CHANNEL
    capabilities = SMS

    def __init__(self, settings: SmsSettings, recorder: StatusRecorder | None = None) -> None:
        self._settings = settings
        self._signature = SignatureCheck(settings.auth_token, settings.public_url)
        self._messages = TwilioMessages(
            settings.account_sid, settings.auth_token, settings.api_base, settings.timeout
        )
        self._recorder = recorder
        self._core: Core | None = None
        self._taken = _TakenParts()

    def routes(self) -> Sequence[web.RouteDef]:
        return [
            web.post("/sms/twilio", self.incoming),
            web.post("/sms/twilio/status", self.status),
        ]

    async def start(self, core: Core) -> None:
        await self._messages.open()
        if self._recorder is None:
            self._recorder = core if isinstance(core, StatusRecorder) else Unrecorded()
        self._core = core

    async def stop(self) -> None:
        await self._messages.close()

    def invite(self, code: str, token: str) -> str | None:
        """The number to text a link code to (none when sending through a Messaging Service,
        whose numbers are Twilio's to choose)."""
        return self._settings.from_number

    @property
    def settings(self) -> SmsSettings:
        """What the connector was made with."""
        return self._settings

    async def send(self, address: Address, messages: Sequence[Outgoing]) -> list[Receipt]:
        mms = can_receive_mms(address.user_id)

        async def deliver(outgoing: Outgoing) -> str | None:
            parts = render(outgoing, mms=mms, max_segments=self._settings.max_segments)
            sids = [await self._send_part(address, part) for part in parts]
            self._taken.forget(outgoing.message_id, len(parts))
            return sids[0] if sids else None

        return await send_in_order(messages, deliver)

    async def _send_part(self, address: Address, part: SmsPart) -> str:
        """Send one request, unless an earlier attempt of the same send already did."""
        taken = self._taken.sid(part)
        if taken is not None:
            return taken
        sender = sender_for(
            address.bot_id, self._settings.from_number, self._settings.messaging_service_sid
        )
        fields = create_parameters(part, address.user_id, sender, self._settings.public_url)
        accepted = await self._messages.create(fields)
        self._taken.add(part, accepted.sid)
        return accepted.sid

    async def incoming(self, request: web.Request) -> web.StreamResponse:
        """An incoming SMS or MMS from Twilio."""
        core = self._core
        if core is None:
            return unavailable("starting")
        try:
            form = await verified_form(request, self._signature)
            incoming = inbound.parse(
                form, self._settings.account_sid, self._settings.texts.default_language
            )
        except InboundRejected as error:
            return refuse(error)
        if incoming.event is None:
            return twiml(None)
        reply = self._confirmation(incoming)
        return await queue(core, [incoming.event], lambda: twiml(reply))

    def _confirmation(self, incoming: Incoming) -> str | None:
        """The one answer a compliance keyword gets, unless Twilio already sent it."""
        if incoming.keyword is None or incoming.answered_by_twilio:
            return None
        return self._settings.texts.answer(incoming.keyword)

    async def status(self, request: web.Request) -> web.StreamResponse:
        """A delivery status callback for a message we sent."""
        core, recorder = self._core, self._recorder
        record = None if core is None or recorder is None else partial(_record, core, recorder)

        def read(form: Mapping[str, str]) -> StatusReport | None:
            return inbound.parse_status(form, request.query, self._settings.account_sid)

        return await answer_status(request, self._signature, read, record, log)


class _TakenParts:
    """The parts of split messages that Twilio took, until their message is wholly sent.

    The core retries a failed message whole (see :mod:`bot.turn.delivery`); when part 2 of 3 failed,
    part 1 must not go again. Retries happen within one send on one worker, so a small bounded
    map in memory is enough; an entry of a message that is never retried ages out.
    """

    def __init__(self, size: int = 1000) -> None:
        self._size = size
        self._sids: OrderedDict[tuple[str, int], str] = OrderedDict()

    def sid(self, part: SmsPart) -> str | None:
        return self._sids.get((part.message_id, part.part))

    def add(self, part: SmsPart, sid: str) -> None:
        self._sids[(part.message_id, part.part)] = sid
        while len(self._sids) > self._size:
            self._sids.popitem(last=False)

    def forget(self, message_id: str, parts: int) -> None:
        for number in range(1, parts + 1):
            self._sids.pop((message_id, number), None)


def twiml(message: str | None) -> web.Response:
    """A TwiML answer: empty, or one message back to the sender."""
    response = MessagingResponse()
    if message:
        response.message(message)
    return web.Response(text=str(response.to_xml()), content_type="text/xml", charset="utf-8")


async def _record(core: Core, recorder: StatusRecorder, report: StatusReport) -> None:
    """Append ``report`` to the transcript of the customer it was sent to (a number no
    customer has, such as one whose data was erased, is ignored)."""
    customer = await core.customer_of(ChannelIdentity(channel=CHANNEL, user_id=report.recipient))
    if customer is None:
        return
    entry = StatusEntry(
        at=utcnow(), message_id=report.message_id, status=report.status, detail=report.detail
    )
    await recorder.record(customer, [entry])
