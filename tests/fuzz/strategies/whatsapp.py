"""What hostile WhatsApp Cloud API input is made of (notifications nearly right), and how it is
posted to the webhook as Meta posts it: signed over the exact bytes with the app secret."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlencode

from hypothesis import strategies as st

from tests.fakes.whatsapp import PHONE_NUMBER_ID
from tests.fakes.whatsapp_notifications import notification, sign
from tests.fuzz.kit import Everything
from tests.fuzz.strategies import sometimes, texts

WEBHOOK = "/whatsapp/webhook"

wa_ids = st.from_regex(r"[1-9][0-9]{6,14}", fullmatch=True) | texts
stamps = st.integers(0, 2**41).map(str) | st.just(str(int(time.time()))) | texts
replies = st.fixed_dictionaries({"id": texts, "title": texts})
contents = st.one_of(
    st.fixed_dictionaries(
        {"type": st.just("text"), "text": st.fixed_dictionaries({"body": texts})}
    ),
    st.fixed_dictionaries(
        {
            "type": st.just("interactive"),
            "interactive": st.fixed_dictionaries(
                {"type": st.sampled_from(["button_reply", "list_reply"])},
                optional={"button_reply": replies, "list_reply": replies},
            ),
        }
    ),
    st.fixed_dictionaries(
        {
            "type": st.just("location"),
            "location": st.fixed_dictionaries(
                {"latitude": st.floats(-100, 100), "longitude": st.floats(-200, 200)},
                optional={"name": texts},
            ),
        }
    ),
    st.fixed_dictionaries(
        {"type": st.sampled_from(["reaction", "image", "unsupported", "button"])},
        optional={"button": st.fixed_dictionaries({"payload": texts, "text": texts})},
    ),
)
messages = st.builds(
    lambda sender, mid, at, content: {"from": sender, "id": mid, "timestamp": at, **content},
    sometimes(wa_ids),
    sometimes(st.from_regex(r"wamid\.[A-Za-z0-9]{4,40}", fullmatch=True)),
    sometimes(stamps),
    contents,
)
statuses = st.fixed_dictionaries(
    {
        "id": sometimes(st.from_regex(r"wamid\.[A-Za-z0-9]{4,40}", fullmatch=True)),
        "status": sometimes(st.sampled_from(["sent", "delivered", "read", "failed"])),
        "timestamp": sometimes(stamps),
        "recipient_id": sometimes(wa_ids),
    },
    optional={
        "biz_opaque_callback_data": texts,
        "errors": st.lists(st.fixed_dictionaries({"code": st.integers(-1, 200000)}), max_size=3),
    },
)
values = st.fixed_dictionaries(
    {
        "messaging_product": sometimes(st.just("whatsapp")),
        "metadata": st.fixed_dictionaries(
            {
                "display_phone_number": st.just("15550001234"),
                "phone_number_id": sometimes(st.sampled_from([PHONE_NUMBER_ID, "1234567890"])),
            }
        ),
    },
    optional={
        "contacts": st.lists(
            st.fixed_dictionaries(
                {"wa_id": wa_ids}, optional={"profile": st.fixed_dictionaries({"name": texts})}
            ),
            max_size=2,
        ),
        "messages": st.lists(messages, max_size=3),
        "statuses": st.lists(statuses, max_size=3),
    },
)
notifications = st.builds(
    notification, values, sometimes(st.sampled_from(["messages", "statuses", "account_update"]))
)
"""Notifications nearly right: every kind of message and status, a wrong value here and there."""


async def post(bot: Everything, body: bytes, signature: str | None = None) -> int:
    """Post ``body`` signed with the app secret (or with ``signature``, ``""`` for none)."""
    header = sign(body) if signature is None else signature
    headers = {"Content-Type": "application/json"}
    if header:
        headers["X-Hub-Signature-256"] = header
    answer = await bot.request("POST", WEBHOOK, body, headers)
    return answer.status


def query(pairs: dict[str, Any]) -> str:
    """A subscription check's query string."""
    return urlencode(pairs)
