"""The kept-alive client over TLS, against servers holding certificates from a throwaway CA
made with ``openssl``: the right certificate is taken and its connection reused; every wrong
one is refused before a byte of the request goes out; ``SSL_CERT_FILE`` is honoured."""

from __future__ import annotations

import pytest

from connectors.keepalive import KeepAlive, TransportError
from tests.keepalive.conftest import Certificates
from tests.keepalive.kit import OK, SECRET, Scripted, Step, always, answer
from tests.throwaway_ca import Pair

BODY = b'{"chat_id":1,"text":"hi"}'


async def test_a_trusted_certificate_is_taken_and_its_connection_reused(
    certificates: Certificates,
) -> None:
    server_side = certificates.local.server()
    async with (
        Scripted(always(Step(answer())), tls=server_side) as server,
        KeepAlive(tls=certificates.ca.client()) as poster,
    ):
        route = poster.route(server.url())
        for _ in range(3):
            assert await route.post(BODY, 5.0) == (200, OK)
        localhost = poster.route(server.url().replace("127.0.0.1", "localhost"))
        assert await localhost.post(BODY, 5.0) == (200, OK)
    assert server.connections == 2
    assert len(server.requests) == 4


@pytest.mark.parametrize(
    ("case", "why"),
    [
        ("other_host", "mismatch"),
        ("expired", "certificate has expired"),
        ("self_signed", "self-signed certificate"),
        ("untrusted", "unable to get local issuer certificate"),
    ],
)
async def test_a_wrong_certificate_is_refused_before_the_request_is_sent(
    certificates: Certificates, case: str, why: str
) -> None:
    pair: Pair = getattr(certificates, case)
    async with (
        Scripted(always(Step(answer())), tls=pair.server()) as server,
        KeepAlive(tls=certificates.ca.client()) as poster,
    ):
        with pytest.raises(TransportError) as raised:
            await poster.route(server.url(), {"Authorization": SECRET}).post(BODY, 5.0)
    assert raised.value.reason.startswith("TLS certificate refused")
    assert why.casefold() in raised.value.reason.casefold()
    assert SECRET not in str(raised.value)
    assert server.connections == 0
    assert server.requests == []


async def test_ssl_cert_file_is_honoured(
    certificates: Certificates, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with Scripted(always(Step(answer())), tls=certificates.local.server()) as server:
        async with KeepAlive() as system:
            with pytest.raises(TransportError, match="TLS certificate refused"):
                await system.route(server.url()).post(BODY, 5.0)
        monkeypatch.setenv("SSL_CERT_FILE", str(certificates.ca.cert))
        async with KeepAlive() as told:
            assert await told.route(server.url()).post(BODY, 5.0) == (200, OK)
    assert len(server.requests) == 1
