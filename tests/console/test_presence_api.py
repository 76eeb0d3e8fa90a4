"""Away and back, on both memory backends: a console says its agent is away over its socket, the
queue's ``presence`` says so to every agent (``online`` still names everyone whose console is
open), the state lasts only as long as the console does, and a state the desk does not know is
refused and changes nothing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.turn.store import Memory
from tests.console.kit import Desk, serving
from tests.console.test_desk_flow import frames


async def answer(ws: aiohttp.ClientWebSocketResponse) -> dict[str, Any]:
    """The socket's answer to a frame, past the queue changes (its own presence among them)."""
    while (frame := (await frames(ws, 1))[0]) == {"type": "queue"}:
        pass
    return frame


@pytest.fixture
async def desk(tmp_path: Path, memory: Memory) -> AsyncIterator[Desk]:
    async with serving(tmp_path, memory=memory) as running:
        yield running


async def test_an_idle_console_reports_away_and_every_agent_sees_it(desk: Desk) -> None:
    ana, bruno = await desk.signed_in("ana"), await desk.signed_in("bruno")
    ana_ws = await ana.http.ws_connect(f"{desk.base}/agent/ws")
    assert await frames(ana_ws, 1) == [{"type": "hello", "agent": "ana"}]
    bruno_ws = await bruno.http.ws_connect(f"{desk.base}/agent/ws")
    assert await frames(bruno_ws, 1) == [{"type": "hello", "agent": "bruno"}]
    assert await frames(ana_ws, 1) == [{"type": "queue"}]

    await bruno_ws.send_json({"type": "presence", "state": "away"})
    assert await answer(bruno_ws) == {"type": "presence", "state": "away"}
    assert await frames(ana_ws, 1) == [{"type": "queue"}]  # who is there changed
    queue = await ana.get("/agent/api/queue")
    assert queue["presence"] == {"ana": "online", "bruno": "away"}
    assert queue["online"] == ["ana", "bruno"]  # as before: every open console

    await bruno_ws.send_json({"type": "presence", "state": "online"})
    assert await answer(bruno_ws) == {"type": "presence", "state": "online"}
    assert (await ana.get("/agent/api/queue"))["presence"] == {"ana": "online", "bruno": "online"}
    await bruno_ws.close()
    for _ in range(100):  # closing the console takes the agent offline, away or not
        if await desk.runtime.desk.desk.presence() == {"ana": "online"}:
            break
        await asyncio.sleep(0.05)
    assert (await ana.get("/agent/api/queue"))["presence"] == {"ana": "online"}
    await ana_ws.close()


async def test_away_runs_out_to_offline_like_online_does(desk: Desk) -> None:
    ana = await desk.signed_in("ana")
    await desk.runtime.desk.desk.present("bruno", timedelta(milliseconds=200), "away")
    assert (await ana.get("/agent/api/queue"))["presence"] == {"bruno": "away"}
    await asyncio.sleep(0.3)  # the console that said so stopped renewing it
    queue = await ana.get("/agent/api/queue")
    assert queue["presence"] == {}
    assert queue["online"] == []


@pytest.mark.parametrize("state", ["offline", "busy", "", None, 1, ["away"], {"away": 1}])
async def test_a_presence_the_desk_does_not_know_is_refused(desk: Desk, state: object) -> None:
    bruno = await desk.signed_in("bruno")
    ws = await bruno.http.ws_connect(f"{desk.base}/agent/ws")
    assert await frames(ws, 1) == [{"type": "hello", "agent": "bruno"}]
    await ws.send_json({"type": "presence", "state": state})
    assert await answer(ws) == {"type": "refused", "frame": "presence"}
    assert await desk.runtime.desk.desk.presence() == {"bruno": "online"}
    await ws.close()


async def test_two_consoles_of_one_agent_make_one_presence(desk: Desk) -> None:
    """Two tabs of Bruno's: online while either is in use, away only when both are, and
    offline only once both are closed; one tab saying away never hides the other's use."""
    ana, bruno = await desk.signed_in("ana"), await desk.signed_in("bruno")
    first = await bruno.http.ws_connect(f"{desk.base}/agent/ws")
    assert await frames(first, 1) == [{"type": "hello", "agent": "bruno"}]
    second = await bruno.http.ws_connect(f"{desk.base}/agent/ws")
    assert (await frames(second, 1))[0] == {"type": "hello", "agent": "bruno"}

    async def bruno_is() -> str | None:
        presence: dict[str, str] = (await ana.get("/agent/api/queue"))["presence"]
        return presence.get("bruno")

    await first.send_json({"type": "presence", "state": "away"})
    assert await answer(first) == {"type": "presence", "state": "away"}
    assert await bruno_is() == "online"  # the other tab is in use
    await second.send_json({"type": "presence", "state": "away"})
    assert await answer(second) == {"type": "presence", "state": "away"}
    assert await bruno_is() == "away"
    await first.send_json({"type": "presence", "state": "online"})
    assert await answer(first) == {"type": "presence", "state": "online"}
    assert await bruno_is() == "online"
    await first.close()
    for _ in range(100):  # the first tab's leaving is cleaned up after its socket closes
        if await bruno_is() == "away":
            break
        await asyncio.sleep(0.05)
    assert await bruno_is() == "away"  # the tab still open is away
    await second.close()
    for _ in range(100):
        if await bruno_is() is None:
            break
        await asyncio.sleep(0.05)
    assert await bruno_is() is None  # offline: no console open
