"""What became of our messages, whichever provider reported it: into the customer's transcript."""

from __future__ import annotations

from bot.connector import Core
from bot.format.messages import ChannelIdentity, utcnow
from bot.format.transcript import StatusEntry
from connectors.whatsapp.inbound import StatusReport
from connectors.whatsapp.settings import CHANNEL


async def record_status(core: Core, report: StatusReport) -> None:
    """Append ``report`` to the transcript of the customer it was sent to (by number or by
    business-scoped id); one no customer has, such as one whose data was erased, is ignored."""
    customer = None
    for recipient in report.recipients:
        identity = ChannelIdentity(channel=CHANNEL, user_id=recipient)
        customer = customer or await core.customer_of(identity)
    if customer is None:
        return
    entry = StatusEntry(
        at=utcnow(), message_id=report.message_id, status=report.status, detail=report.detail
    )
    await core.record(customer, [entry])
