"""The load generator of the Telegram benchmark, and the stub Bot API it hosts.

Both live in one process and one event loop, so each reply is matched to its webhook the
moment it reaches the stub: per chat, replies are matched in order to the webhooks still
waiting (omnibot runs one turn per customer at a time, in arrival order, and the load never
has two updates of one customer in flight unless the server falls far behind).

Latency is measured from the moment a webhook was *due* (open loop: its slot in the schedule,
not the moment a connection was free) to the moment its ``sendMessage`` reached the stub, so
a server that falls behind is charged for the queue it builds.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import html
import itertools
import json
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import aiohttp
from aiohttp import web

from bench.traffic import Checked, Message, Mix, language_of
from tests.redis_server import free_port

TOKEN = "123456789:AAStubTokenForTheOmnibotBench_0123456"
BOT = {"id": 123456789, "is_bot": True, "first_name": "Store", "username": "store_bench_bot"}
SECRET = "bench-webhook-secret_0123456789"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
FIRST_CUSTOMER = 100_000
REPLY_TIMEOUT = 30.0
Compose = Callable[[int, Message], tuple[bytes, Mapping[str, str]]]
"""A customer's next webhook, saying a message: its body and headers."""
STRAYS_KEPT = 20
"""Replies that were not the one expected, kept to be printed (the rest are only counted)."""


@dataclass
class Phase:
    """What one load phase measured."""

    offered: float | None
    """Webhooks per second offered (open loop), ``None`` for a closed loop."""
    warming: bool = False
    """Whether customers say only familiar texts (their first contact, not measured)."""
    seconds: float = 0.0
    sent: int = 0
    failed: int = 0
    lost: int = 0
    latencies: list[float] = field(default_factory=list)
    arrivals: list[float] = field(default_factory=list)

    @property
    def rate(self) -> float:
        """Replies that reached the stub, per second."""
        return len(self.arrivals) / self.seconds if self.seconds else 0.0

    def ms(self, share: float) -> float:
        """The ``share`` quantile of the latency, in milliseconds."""
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return 1000 * ordered[min(len(ordered) - 1, int(share * len(ordered)))]

    def windows(self, count: int) -> list[float]:
        """Replies per second in ``count`` equal windows of the phase."""
        if not self.arrivals:
            return [0.0] * count
        start, width = min(self.arrivals), self.seconds / count
        totals = [0] * count
        for arrival in self.arrivals:
            totals[min(count - 1, int((arrival - start) / width))] += 1
        return [total / width for total in totals]


@dataclass
class _Waiting:
    due: float
    reply: asyncio.Future[float]
    expected: tuple[str, ...] | None


class Driver:
    """Posts Telegram updates to ``target`` and receives the bot's replies as its Bot API.

    Another channel's webhooks are posted instead once ``compose`` builds them, its stub API
    answering on :attr:`routes` (added before :meth:`start`) and handing each reply to
    :meth:`arrived` (:mod:`bench.whatsapp_load`)."""

    def __init__(self, traffic: Checked, concurrency: int = 64, seed: int = 24) -> None:
        self.concurrency = concurrency
        self.target = ""
        self.port = free_port()
        self.traffic = traffic
        self.mix: Mix = traffic.mix(seed)
        """What customers say: set a new mix for each server process, whose memory of what
        it has seen starts empty."""
        self.expect = False
        """Whether each reply must be the bot's answer to what was said (not for the floor)."""
        self.locale_sent = True
        """Whether the webhooks declare the customer's language (Telegram's do, WhatsApp's
        do not: then an answer in either language is the right one)."""
        self.unexpected = 0
        """Replies no webhook was waiting for (a reply sent twice would land here)."""
        self.wrong = 0
        """Replies that were not the answer the example bot gives to what was said."""
        self.strays: list[str] = []
        """The first :data:`STRAYS_KEPT` unexpected or wrong replies, for the report."""
        self.refused = 0
        """Bot API calls the stub refused (wrong token, missing ``chat_id`` or ``text``)."""
        self.calls: dict[str, int] = {}
        self.compose: Compose = self.telegram
        self.routes = [web.post("/bot{token}/{method}", self._api)]
        self._updates = itertools.count(1)
        self._messages = itertools.count(1)
        self._waiting: dict[int, deque[_Waiting]] = {}
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        app = web.Application()
        app.add_routes(self.routes)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
        connector = aiohttp.TCPConnector(limit=self.concurrency)
        self._session = aiohttp.ClientSession(connector=connector)
        # The load generator's own garbage collections would be charged to the server measured:
        # keep what lives now (the customers, the stub) out of them.
        gc.collect()
        gc.freeze()

    async def stop(self) -> None:
        if self._session is not None:
            await self._session.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def pending(self) -> int:
        """Webhooks whose reply has not arrived."""
        return sum(len(queue) for queue in self._waiting.values())

    async def closed(
        self, seconds: float, customers: Sequence[int], familiar: bool = False
    ) -> Phase:
        """``concurrency`` customers at a time, each sending its next update as soon as the
        reply to the last one arrived: the peak rate the server sustains (on familiar texts
        only, when ``familiar``)."""
        phase = Phase(offered=None, warming=familiar)
        idle = deque(customers)
        started = time.monotonic()

        async def slot() -> None:
            while time.monotonic() - started < seconds:
                customer = idle.popleft()
                await self._turn(customer, time.monotonic(), phase)
                idle.append(customer)

        await asyncio.gather(*(slot() for _ in range(min(self.concurrency, len(customers)))))
        phase.seconds = time.monotonic() - started
        return phase

    async def visit(self, customers: Sequence[int]) -> Phase:
        """One update from each customer, ``concurrency`` at a time (their first contact, a
        familiar text)."""
        phase = Phase(offered=None, warming=True)
        todo = deque(customers)
        started = time.monotonic()

        async def slot() -> None:
            while todo:
                await self._turn(todo.popleft(), time.monotonic(), phase)

        await asyncio.gather(*(slot() for _ in range(self.concurrency)))
        phase.seconds = time.monotonic() - started
        return phase

    async def open(
        self, rate: float, seconds: float, customers: Sequence[int], familiar: bool = False
    ) -> Phase:
        """Updates sent on a fixed schedule of ``rate`` per second, whether or not replies
        keep up, customers in turn; waits for the replies (familiar texts only, when
        ``familiar``)."""
        phase = Phase(offered=rate, warming=familiar)
        total, turns = max(1, int(rate * seconds)), []
        started = time.monotonic()
        for n in range(total):
            due = started + n / rate
            await asyncio.sleep(max(0.0, due - time.monotonic()))  # yields even when late
            customer = customers[n % len(customers)]
            turns.append(asyncio.create_task(self._turn(customer, due, phase)))
        await asyncio.gather(*turns)
        phase.seconds = total / rate
        return phase

    async def _turn(self, customer: int, due: float, phase: Phase) -> float | None:
        """One webhook from ``customer`` and its reply: when it arrived (``None``: refused
        or lost)."""
        assert self._session is not None  # started
        language = language_of(customer)
        message = self.mix.familiar(language) if phase.warming else self.mix.draw(language)
        expected = self.traffic.answer(message, not self.locale_sent) if self.expect else None
        waiting = _Waiting(due, asyncio.get_running_loop().create_future(), expected)
        self._waiting.setdefault(customer, deque()).append(waiting)
        phase.sent += 1
        body, headers = self.compose(customer, message)
        try:
            async with self._session.post(self.target, data=body, headers=headers) as response:
                await response.read()
                accepted = response.status == 200
        except aiohttp.ClientError:
            accepted = False
        if not accepted:
            phase.failed += 1
            self._waiting[customer].remove(waiting)
            return None
        try:
            arrived = await asyncio.wait_for(asyncio.shield(waiting.reply), REPLY_TIMEOUT)
        except TimeoutError:
            phase.lost += 1
            # Not left at the head of the customer's queue, where every later reply of theirs
            # would answer it and each later webhook of theirs would wait its whole timeout.
            with contextlib.suppress(ValueError):
                self._waiting[customer].remove(waiting)
            return None
        phase.latencies.append(arrived - due)
        phase.arrivals.append(arrived)
        return arrived

    async def conversations(self, customers: Sequence[int], turns: int) -> list[list[float]]:
        """Every customer at once, each saying ``turns`` messages one after the other (the
        next as soon as the last is answered): when each customer's ``k``-th reply arrived,
        by ``k``."""
        phase = Phase(offered=None)
        arrivals: list[list[float]] = [[] for _ in range(turns)]

        async def talk(customer: int) -> None:
            for k in range(turns):
                arrived = await self._turn(customer, time.monotonic(), phase)
                if arrived is not None:
                    arrivals[k].append(arrived)

        await asyncio.gather(*(talk(customer) for customer in customers))
        return arrivals

    def telegram(self, customer: int, said: Message) -> tuple[bytes, Mapping[str, str]]:
        """The webhook of a Telegram ``Update``: a text message from ``customer`` in its
        private chat."""
        return self.update(customer, said), _HEADERS

    def update(self, customer: int, said: Message) -> bytes:
        """A Telegram ``Update`` with a text message from ``customer`` in its private chat."""
        number = next(self._updates)
        person = {
            "id": customer,
            "is_bot": False,
            "first_name": "Customer",
            "language_code": said.locale,
        }
        message = {
            "message_id": number,
            "date": int(time.time()),
            "chat": {"id": customer, "type": "private", "first_name": "Customer"},
            "from": person,
            "text": said.text,
        }
        return json.dumps({"update_id": number, "message": message}).encode()

    async def _api(self, request: web.Request) -> web.Response:
        arrived = time.monotonic()
        method = request.match_info["method"]
        self.calls[method] = self.calls.get(method, 0) + 1
        if request.match_info["token"] != TOKEN:
            return self._refuse(401, "Unauthorized")
        # omnibot sends every call as JSON (getMe and setWebhook too): anything else is a
        # regression the report's "refused" count shows.
        if request.content_type != "application/json":
            return self._refuse(400, "Bad Request: not a JSON request")
        params = await request.json()
        if method == "getMe":
            return _ok(BOT)
        if method in ("setWebhook", "deleteWebhook", "sendChatAction"):
            return _ok(True)
        if method != "sendMessage":
            return self._refuse(404, "Not Found")
        if "chat_id" not in params or not params.get("text"):
            return self._refuse(400, "Bad Request: chat_id and text are required")
        chat = int(params["chat_id"])
        self.arrived(chat, arrived, html.unescape(str(params["text"])))
        message = {
            "message_id": next(self._messages),
            "date": int(time.time()),
            "chat": {"id": chat, "type": "private"},
            "from": BOT,
            "text": params["text"],
        }
        return _ok(message)

    def arrived(self, chat: int, arrived: float, text: str) -> None:
        """A reply saying ``text`` to ``chat`` reached a stub at ``arrived``: the oldest webhook
        of that customer still waiting is answered (a reply that is not the one expected is
        counted, and kept to be printed)."""
        queue = self._waiting.get(chat)
        if not queue:
            self.unexpected += 1
            self._stray(f"unexpected, to {chat}: {text}")
            return
        waiting = queue.popleft()
        if waiting.expected is not None and not any(_same(text, e) for e in waiting.expected):
            self.wrong += 1
            self._stray(f"wrong, to {chat}: {text}")
        waiting.reply.set_result(arrived)

    def _stray(self, line: str) -> None:
        if len(self.strays) < STRAYS_KEPT:
            self.strays.append(line[:160])

    def _refuse(self, code: int, description: str) -> web.Response:
        self.refused += 1
        body = {"ok": False, "error_code": code, "description": description}
        return web.json_response(body, status=code)


_HEADERS = {SECRET_HEADER: SECRET, "Content-Type": "application/json"}


def _same(text: str, expected: str) -> bool:
    """Whether a reply on the wire is the expected text (words compared: the channel may
    split a long text, or mark it up)."""
    return text.split()[:8] == expected.split()[:8]


def _ok(result: object) -> web.Response:
    return web.json_response({"ok": True, "result": result})


def customers(count: int, first: int = FIRST_CUSTOMER) -> list[int]:
    """``count`` Telegram user ids (each also its private chat's id)."""
    return list(range(first, first + count))
