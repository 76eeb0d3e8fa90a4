"""``omnibot chat`` lets time pass: a flow's ``wait:`` and an ``ask``'s ``timeout`` fire by the
real clock while the designer types, their messages printed as they come; ``/event`` sends a
business event. In process (a real sandbox, lines fed to the chat) and as a person runs it
(``omnibot chat`` with its input kept open). The waits are a real second."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app.compose import sandbox
from bot.app.config import load_bot_config
from dialogs.design.loader import load_flowset
from dialogs.tools.chat import hold_chat
from tests.server_process import ROOT, clean_env, omnibot

FLOWS = """
slots:
  rating:
    type: integer
    prompt: How would you rate us, 1 to 5?
flows:
  remind:
    triggers: {en: [remind me]}
    steps:
      - say: I'll remind you in a second.
      - wait: 1s
      - say: This is your reminder.
  rate:
    triggers: {en: [rate the shop]}
    steps:
      - ask: rating
        timeout: 1s
        on_timeout:
          - say: No rating? Maybe later.
      - say: "Thanks for the {{ slots.rating }}."
  shipped:
    triggers: {event: order.shipped}
    steps:
      - say: "Your order {{ event.data.order }} is on its way."
"""
WITHIN = 10.0
"""The most a test waits for the bot's message (the waits are a second)."""


def bot(root: Path) -> Path:
    (root / "flows").mkdir(parents=True)
    (root / "bot.yaml").write_text("name: Shop\nlanguages: [en]\n")
    (root / "flows" / "main.yaml").write_text(FLOWS)
    return root


class Screen(io.StringIO):
    """What the chat printed, and a signal each time it prints."""

    def __init__(self) -> None:
        super().__init__()
        self.printed = asyncio.Event()

    def write(self, text: str) -> int:
        self.printed.set()
        return super().write(text)


class Typist:
    """Feeds lines to a chat held in this process, and reads what it printed."""

    def __init__(self) -> None:
        self.lines: asyncio.Queue[str | None] = asyncio.Queue()
        self.out = Screen()

    async def read(self) -> str | None:
        return await self.lines.get()

    async def type(self, line: str, then: str) -> str:
        """Type ``line`` and wait until the chat printed ``then``; all it printed so far."""
        start = len(self.out.getvalue())
        await self.lines.put(line)
        return await self.until(then, start)

    async def until(self, text: str, start: int = 0) -> str:
        async def seen() -> None:
            while text not in self.out.getvalue()[start:]:
                self.out.printed.clear()
                await self.out.printed.wait()

        await asyncio.wait_for(seen(), WITHIN)
        return self.out.getvalue()


@pytest.fixture
async def typist(tmp_path: Path) -> AsyncIterator[Typist]:
    """A chat on the web chat channel with the bot above, held until the test ends."""
    folder = bot(tmp_path)
    config = load_bot_config(folder)
    flowset = load_flowset(folder, config)
    chat = Typist()
    box = sandbox(flowset, config.linking.policy(), ("webchat",))
    held = asyncio.create_task(hold_chat(box, "webchat", chat.out, None, chat.read))
    yield chat
    await chat.lines.put(None)
    await asyncio.wait_for(held, WITHIN)
    await flowset.actions.aclose()


async def test_a_wait_fires_while_the_designer_types(typist: Typist) -> None:
    await typist.type("remind me", "bot> I'll remind you in a second.")
    printed = await typist.until("bot> This is your reminder.")
    assert printed.count("This is your reminder.") == 1
    # printed on a line of its own, the prompt given again after it
    assert "\nbot> This is your reminder.\nyou> " in printed


async def test_an_ask_timeout_fires_and_an_answer_in_time_cancels_it(typist: Typist) -> None:
    await typist.type("rate the shop", "bot> How would you rate us, 1 to 5?")
    await typist.until("bot> No rating? Maybe later.")
    await typist.type("rate the shop", "bot> How would you rate us, 1 to 5?")
    printed = await typist.type("5", "bot> Thanks for the 5.")
    await typist.type("remind me", "bot> This is your reminder.")  # a second later
    assert printed.count("No rating? Maybe later.") == 1


async def test_an_event_typed_in_the_chat_runs_its_flow(typist: Typist) -> None:
    await typist.type('/event order.shipped {"order": "A1"}', "event> not sent: say something")
    await typist.type("hello", "bot>")
    await typist.type('/event order.shipped {"order": "A1"}', "bot> Your order A1 is on its way.")


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("/event", "event> not sent: String should have at least 1 character"),
        ("/event Order Shipped", "event> not sent:"),
        ("/event order.shipped {not json", "event> not sent: Invalid JSON"),
        ("/event order.shipped [1, 2]", "event> not sent: Input should be an object"),
    ],
)
async def test_an_event_the_chat_cannot_send_says_why(
    typist: Typist, line: str, problem: str
) -> None:
    await typist.type("hello", "bot>")
    printed = await typist.type(line, problem)
    assert "on its way" not in printed


async def test_omnibot_chat_fires_a_wait_while_its_input_is_open(tmp_path: Path) -> None:
    process = await asyncio.create_subprocess_exec(
        *omnibot("chat", str(bot(tmp_path))),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=clean_env(),
        cwd=ROOT,
    )
    assert process.stdin is not None
    assert process.stdout is not None
    try:
        process.stdin.write(b"remind me\n")
        await process.stdin.drain()
        printed = await asyncio.wait_for(
            process.stdout.readuntil(b"bot> This is your reminder.\n"), 60
        )
        assert b"bot> I'll remind you in a second." in printed
        process.stdin.write(b"/quit\n")
        await process.stdin.drain()
        assert await asyncio.wait_for(process.wait(), 30) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
