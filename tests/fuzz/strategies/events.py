"""Business events for ``POST /events``: bodies nearly right (a type, a customer and data, each of
any shape), signed by the ``standardwebhooks`` package with the fuzz bot's secret or not, and
headers of any text."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import strategies as st
from standardwebhooks import Webhook

from tests.fuzz.kit import EVENTS_SECRET, Answer, Everything
from tests.fuzz.strategies import json_values, scalars, texts

ROUTE = "/events"

types = st.sampled_from(["order.shipped", "cart.abandoned", "order.placed", "a.b_1"]) | texts
customers = st.one_of(
    st.fixed_dictionaries({"phone": st.sampled_from(["+5511987654321", "+15551230000"]) | texts}),
    st.fixed_dictionaries({"email": st.sampled_from(["a@b.example"]) | texts}),
    st.fixed_dictionaries({"external_id": texts}),
    st.dictionaries(st.sampled_from(["phone", "email", "external_id", "x"]), scalars, max_size=3),
    scalars,
)
valid_customers = st.one_of(
    st.fixed_dictionaries({"phone": st.from_regex(r"\+1555[0-9]{7}", fullmatch=True)}),
    st.fixed_dictionaries({"email": st.from_regex(r"[a-z]{1,8}@shop\.example", fullmatch=True)}),
    st.fixed_dictionaries({"external_id": st.text(min_size=1, max_size=20)}),
)
valid = st.fixed_dictionaries(
    {
        "type": st.sampled_from(["order.shipped", "cart.abandoned", "order.placed", "promo.x"]),
        "customer": valid_customers,
        "data": st.dictionaries(st.text(max_size=10), json_values, max_size=4),
    }
)
"""An event right in shape, for a customer known or not (the fuzz bot makes any kind)."""
events = valid | st.fixed_dictionaries(
    {"type": types | scalars, "customer": customers | valid_customers},
    optional={"data": json_values, "extra": json_values},
)
"""An event right, or nearly: each field right, of the wrong type, or missing."""


def signed(
    body: bytes, webhook_id: str | None = None, at: datetime | None = None
) -> dict[str, str]:
    """The Standard Webhooks headers for ``body``, signed with the fuzz bot's secret."""
    webhook_id = webhook_id or f"msg_{secrets.token_hex(8)}"
    at = at or datetime.now(UTC)
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(EVENTS_SECRET).sign(webhook_id, at, body),
        "Content-Type": "application/json",
    }


header_values = st.one_of(
    texts.filter(lambda t: t.isascii() and t.isprintable()),
    st.sampled_from(["", "v1,", "v1,AAAA", "v2,abc", "0", "-1", "99999999999999999999"]),
)
headers = st.dictionaries(
    st.sampled_from(["webhook-id", "webhook-timestamp", "webhook-signature", "Content-Type"]),
    header_values,
)
"""Headers of any (sendable) value, each present or not."""

skews = st.sampled_from([timedelta(0), timedelta(minutes=-6), timedelta(minutes=6)])


async def post(bot: Everything, body: bytes, with_headers: dict[str, Any]) -> Answer:
    return await bot.request("POST", ROUTE, body, with_headers)
