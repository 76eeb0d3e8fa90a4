"""The server-process kit: a port taken between choosing and binding it is retried on another,
and any other failure to start is still reported at once, with what the server logged."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.redis_server import free_port
from tests.server_process import EXAMPLE, PORT_ATTEMPTS, AddressInUse, ready, running


@contextmanager
def busy_port() -> Iterator[int]:
    """A loopback port another process could have taken: something listens on it."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def picking(first: list[int], picked: list[int]) -> Callable[[], int]:
    """A port chooser that offers ``first`` in order, then free ports; it notes each pick."""
    offered = iter(first)

    def pick() -> int:
        picked.append(next(offered, None) or free_port())
        return picked[-1]

    return pick


async def test_a_port_taken_before_the_server_binds_it_is_retried_on_another() -> None:
    picked: list[int] = []
    with busy_port() as taken, running(EXAMPLE, ports=picking([taken], picked)) as server:
        assert server.port != taken
        assert picked == [taken, server.port]
        assert await ready(server) == 200


def test_a_port_taken_every_time_fails_after_the_last_attempt() -> None:
    picked: list[int] = []
    with busy_port() as taken:
        ports = picking([taken] * PORT_ATTEMPTS, picked)
        with (
            pytest.raises(AddressInUse, match="address already in use"),
            running(EXAMPLE, ports=ports),
        ):
            pass
    assert picked == [taken] * PORT_ATTEMPTS


def test_a_bot_that_cannot_start_is_reported_at_once_with_its_log(tmp_path: Path) -> None:
    (tmp_path / "bot.yaml").write_text("name: [unclosed\n")
    picked: list[int] = []
    with pytest.raises(RuntimeError) as failed, running(tmp_path, ports=picking([], picked)):
        pass
    assert not isinstance(failed.value, AddressInUse)
    assert "bot.yaml" in str(failed.value)
    assert len(picked) == 1
