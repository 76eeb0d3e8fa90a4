"""What reading one webhook costs, in µs, WhatsApp's Cloud API beside Telegram's.

    python -m bench.whatsapp_parse_bench [--rounds 5] [--number 2000]

For the common updates (a text, a reply button pressed; a Telegram text and button press for
comparison), each timed as the connector does it per webhook: ``inbound.read`` (the body's JSON
typed as the channel's models) then ``inbound.parse`` (into the common format), and against
the floor of the same run, ``json.loads`` of the same bytes. Each figure is the best of
``rounds`` rounds of ``number`` updates (the least disturbed by the rest of the machine), in µs
per update, with its ratio to the floor.
"""

from __future__ import annotations

import argparse
import json
import sys
import timeit
from collections.abc import Callable

from connectors.telegram import inbound as telegram
from connectors.whatsapp.cloud import inbound as whatsapp
from tests.fakes import telegram_updates as tg
from tests.fakes import whatsapp_notifications as wa
from tests.fakes.telegram import BOT_ID, USERNAME
from tests.fakes.whatsapp import PHONE_NUMBER_ID

BOT = telegram.BotProfile(BOT_ID, USERNAME)
WA_ID = "5511987654321"


def bodies() -> dict[str, tuple[bytes, Callable[[bytes], object]]]:
    """The updates timed, as the bytes the vendor posts, and how the connector reads each."""
    updates = tg.Updates()
    press = updates.press(tg.ANA, "order:status")

    def on_whatsapp(body: bytes) -> object:
        return whatsapp.parse(whatsapp.read(body), PHONE_NUMBER_ID)

    def on_telegram(body: bytes) -> object:
        return telegram.parse(telegram.read(body), BOT)

    return {
        "WhatsApp text": (wa.encode(wa.text(WA_ID, "where is my order?")), on_whatsapp),
        "WhatsApp reply button": (
            wa.encode(wa.button_reply(WA_ID, "order:status", "Order status")),
            on_whatsapp,
        ),
        "Telegram text": (
            json.dumps(updates.text(tg.ANA, "where is my order?")).encode(),
            on_telegram,
        ),
        "Telegram button press": (json.dumps(press).encode(), on_telegram),
    }


def per_update(read: Callable[[bytes], object], body: bytes, rounds: int, number: int) -> float:
    """µs for one update, the best of ``rounds``."""
    return min(timeit.repeat(lambda: read(body), repeat=rounds, number=number)) / number * 1e6


def report(rounds: int, number: int) -> str:
    lines = [
        f"# Reading one webhook ({rounds} rounds of {number}, best round, µs per update)",
        "",
        "| update | json.loads (floor) | read + parse | ratio to floor |",
        "|---|---:|---:|---:|",
    ]
    for name, (body, read) in bodies().items():
        assert read(body), f"{name}: nothing parsed"
        floor = per_update(json.loads, body, rounds, number)
        full = per_update(read, body, rounds, number)
        lines.append(f"| {name} | {floor:.1f} | **{full:.1f}** | {full / floor:.1f} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--number", type=int, default=2000)
    args = parser.parse_args(argv)
    print(report(args.rounds, args.number))
    return 0


if __name__ == "__main__":
    sys.exit(main())
