"""``omnibot run`` with every channel on, and a client that writes requests byte by byte.

The tests here send what the security review of issue 17 sent, the way it sent it: to a real
``omnibot run`` process, over real sockets, reading its log as it runs.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from pathlib import Path

from tests.raw_http import Sent
from tests.server_process import EXAMPLE, Log, Server, clean_env, running

UNREACHABLE = "http://127.0.0.1:9"
"""Where the vendors' APIs are: nowhere (the discard port), so that nothing leaves the machine."""
TELEGRAM_SECRET = "hostile-telegram-webhook-secret-0123"
SLACK_SECRET = "hostile-slack-signing-secret-0123456"
DIRECTLINE_SECRET = "hostile-directline-secret-0123456789"
WEBCHAT_SECRET = "hostile-webchat-secret-0123456789abc"
AGENT_TOKEN = "hostile-agent-token-0123456789abcdefghij"


def every_channel(**more: str) -> dict[str, str]:
    """The environment of a bot with every channel on, its vendors unreachable; ``more`` adds
    or replaces variables."""
    environment = {
        "OMNIBOT_PUBLIC_URL": "https://bot.example.test",
        "TELEGRAM_BOT_TOKEN": "123456:hostile-telegram-bot-token",
        "TELEGRAM_WEBHOOK_SECRET": TELEGRAM_SECRET,
        "TELEGRAM_API_BASE": UNREACHABLE,
        "SLACK_BOT_TOKEN": "xoxb-hostile-slack-bot-token",
        "SLACK_SIGNING_SECRET": SLACK_SECRET,
        "SLACK_API_BASE": UNREACHABLE + "/",
        "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
        "TWILIO_AUTH_TOKEN": "hostile-twilio-auth-token-012345",
        "TWILIO_FROM_NUMBER": "+15550001111",
        "TWILIO_API_BASE": UNREACHABLE,
        "OMNIBOT_WEBCHAT_SECRET": WEBCHAT_SECRET,
        "OMNIBOT_DIRECTLINE_SECRET": DIRECTLINE_SECRET,
        "OMNIBOT_AGENT_TOKENS": f"ana:{AGENT_TOKEN}",
    }
    return clean_env(**{**environment, **more})


@contextlib.contextmanager
def serving(
    folder: Path, *extra: str, bot_dir: Path = EXAMPLE, **environment: str
) -> Iterator[tuple[Server, Log]]:
    """``omnibot run`` of ``bot_dir`` (the example store) with every channel on; its log in
    ``folder``."""
    path = folder / "omnibot.log"
    with running(bot_dir, *extra, env=every_channel(**environment), log=path) as server:
        yield server, Log(path)


async def send(port: int, sent: Sent) -> int | None:
    """Write ``sent`` on a new connection; the status of the answer, or ``None`` when the
    request is cut short (the client goes away)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(sent.bytes())
        await writer.drain()
        if sent.cut:
            await asyncio.sleep(0.1)
            return None
        line = await asyncio.wait_for(reader.readline(), 10)
        assert line, "the server closed the connection without an answer"
        return int(line.split(b" ")[1])
    finally:
        writer.close()
