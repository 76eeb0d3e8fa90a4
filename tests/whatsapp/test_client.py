"""Graph's refusals, from the fake Graph API, translated into omnibot's delivery errors."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.errors import ChannelMisconfigured, DeliveryError, RateLimited, Unreachable
from bot.format.outbound import Text
from connectors.keepalive import KeepAlive
from connectors.whatsapp.cloud.client import GraphApi, GraphBadRequest
from connectors.whatsapp.cloud.outbound import MessageBody, render
from connectors.whatsapp.rules import PAIR_WAIT, ReengagementRequired
from tests.fakes.whatsapp import MESSAGES, TOKEN, FakeGraph, failure
from tests.fakes.whatsapp_notifications import text
from tests.whatsapp.kit import WA_ID, settings


@pytest.fixture
async def poster(graph: FakeGraph) -> AsyncIterator[KeepAlive]:
    """Connections to call Graph on; the customer wrote a moment ago (their window is open)."""
    graph.heard(text(WA_ID, "Oi"))
    async with KeepAlive() as poster:
        yield poster


def hello() -> MessageBody:
    [body] = render(Text(text="Olá"), WA_ID, "m-1", "Opções")
    return body


async def test_a_sent_message_has_whatsapps_id(graph: FakeGraph, poster: KeepAlive) -> None:
    api = GraphApi(settings(graph).messages_url, TOKEN, poster)
    assert (await api.send(hello())).startswith("wamid.")
    [call] = graph.of(MESSAGES)
    assert call.headers["Authorization"] == f"Bearer {TOKEN}"


async def test_a_wrong_token_is_a_misconfigured_channel(
    graph: FakeGraph, poster: KeepAlive
) -> None:
    api = GraphApi(settings(graph).messages_url, "EAAGwrongToken00", poster)
    with pytest.raises(ChannelMisconfigured, match="error 190") as raised:
        await api.send(hello())
    assert "EAAG" not in str(raised.value)


async def test_a_wrong_number_id_is_a_bad_request(graph: FakeGraph, poster: KeepAlive) -> None:
    url = settings(graph, phone_number_id="1234").messages_url
    with pytest.raises(GraphBadRequest, match="error 100"):
        await GraphApi(url, TOKEN, poster).send(hello())
    graph.refused.clear()


@pytest.mark.parametrize(
    ("status", "code", "error"),
    [
        (400, 131047, ReengagementRequired),
        (400, 131026, Unreachable),
        (400, 131050, Unreachable),
        (401, 190, ChannelMisconfigured),
        (400, 100, GraphBadRequest),
    ],
)
async def test_refusals_mean_what_graph_says(
    graph: FakeGraph,
    poster: KeepAlive,
    status: int,
    code: int,
    error: type[DeliveryError],
) -> None:
    graph.fail_next(MESSAGES, failure(status, code, "the message quotes +5511987654321"))
    with pytest.raises(error) as raised:
        await GraphApi(settings(graph).messages_url, TOKEN, poster).send(hello())
    assert "+5511987654321" not in str(raised.value)
    assert "AbCdEfFakeTrace" in str(raised.value)


@pytest.mark.parametrize(("status", "code"), [(400, 130429), (400, 131056), (429, 80007)])
async def test_too_many_messages_is_a_rate_limit_retried_later(
    graph: FakeGraph, poster: KeepAlive, status: int, code: int
) -> None:
    graph.fail_next(MESSAGES, failure(status, code))
    with pytest.raises(RateLimited) as raised:
        await GraphApi(settings(graph).messages_url, TOKEN, poster).send(hello())
    assert raised.value.retryable
    assert raised.value.retry_after == PAIR_WAIT


async def test_a_server_error_is_temporary(graph: FakeGraph, poster: KeepAlive) -> None:
    graph.fail_next(MESSAGES, failure(500, 2, "Service temporarily unavailable"))
    with pytest.raises(DeliveryError) as raised:
        await GraphApi(settings(graph).messages_url, TOKEN, poster).send(hello())
    assert raised.value.retryable
