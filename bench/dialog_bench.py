"""The dialog runtime alone: turns per second, and the time to load a bot of 1,000 flows.

    python -m bench.dialog_bench [--turns 20000] [--flows 1000]

Turns: customers hold a scripted conversation (a trigger phrase, an invalid answer, a valid one,
a choice, an FAQ digression) with the engine called directly, no pipeline or memory. The baseline
in the same run is the least any handler does: copy the record with one slot changed and return
one reply. Loading: a generated bot folder of N flows in 50 files, each flow with example phrases
in two languages, an ask, a branch and templated messages; the baseline is ``yaml.safe_load`` of
the same files (parsing alone). Each figure is the median of three runs.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import textwrap
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import yaml

from bot.app.config import load_bot_config
from bot.format.capabilities import Capabilities
from bot.format.messages import Address, InboundEvent
from bot.format.outbound import Text
from bot.format.rendering import render
from bot.turn.customer import CustomerRecord
from bot.turn.handler import Turn, TurnOutcome
from connectors.channels import WEBCHAT
from dialogs.design.loader import load_flowset
from dialogs.engine import DialogEngine

NOW = datetime(2026, 11, 22, 12, tzinfo=UTC)
SCRIPT = ["where is my order", "no idea", "A-12345", "2", "when are you open", "track my order"]


def turn_bot(root: Path) -> Path:
    """A small store-like bot: 20 flows with triggers in two languages, FAQs, typed slots."""
    flows = "\n".join(_flow(n) for n in range(20))
    faqs = "\n".join(
        f"  faq{n}:\n    triggers: {{en: [question number {n} about hours], pt: [pergunta {n}]}}\n"
        f"    say: {{en: Answer {n}., pt: Resposta {n}.}}"
        for n in range(20)
    )
    (root / "flows").mkdir(parents=True)
    (root / "bot.yaml").write_text("name: Bench\nlanguages: [en, pt]\n")
    (root / "flows" / "main.yaml").write_text(
        textwrap.dedent(
            """
            slots:
              order_id:
                type: pattern
                pattern: "^[A-Z]-\\\\d{5}$"
                transform: upper
                prompt: {en: "Order number?", pt: "Número do pedido?"}
              method:
                type: choice
                prompt: {en: "How?", pt: "Como?"}
                options:
                  - {value: courier, title: {en: Courier, pt: Entregador}}
                  - {value: store, title: {en: Store, pt: Loja}}
            flows:
              status:
                triggers:
                  en: [where is my order, track my order, order status]
                  pt: [onde está meu pedido, rastrear pedido]
                steps:
                  - ask: order_id
                  - branch:
                      - when: "slots.order_id.startswith('A')"
                        goto: known
                  - say: {en: Unknown., pt: Desconhecido.}
                  - end
                  - id: known
                    ask: method
                  - say:
                      en: "{{ slots.order_id }} by {{ slots.method }}."
                      pt: "{{ slots.order_id }} por {{ slots.method }}."
            faqs:
              hours:
                triggers: {en: [when are you open, opening hours], pt: [horário]}
                say: {en: We open at 9., pt: Abrimos às 9.}
            """
        )
    )
    (root / "flows" / "more.yaml").write_text(f"flows:\n{flows}\nfaqs:\n{faqs}\n")
    return root


def _flow(n: int) -> str:
    return (
        f"  topic{n}:\n"
        f"    triggers:\n"
        f"      en: [tell me about topic {n}, topic {n} details, info on subject {n}]\n"
        f"      pt: [fale sobre o assunto {n}, detalhes do assunto {n}]\n"
        f"    steps:\n"
        f"      - say: {{en: 'Topic {n}, {{{{ language }}}}.', pt: 'Assunto {n}.'}}\n"
    )


async def engine_turns(engine: DialogEngine, turns: int, caps: Capabilities) -> float:
    """Turns per second through the engine (and rendering) for a scripted conversation."""
    record = CustomerRecord.new("c1", NOW)
    address = Address(channel="webchat", user_id="u", conversation_id="u")
    started = time.perf_counter()
    for n in range(turns):
        text = SCRIPT[n % len(SCRIPT)]
        event = InboundEvent(
            event_id=f"e{n}", channel="webchat", address=address, kind="text", text=text
        )
        if record.offered is not None and (option := record.offered.match(text)) is not None:
            event = event.model_copy(update={"kind": "button", "payload": option.payload})
        outcome = await engine(Turn(event, record.seen_at(address, NOW), address, caps, NOW))
        rendered = render(outcome.replies, caps, "webchat")
        record = outcome.customer.model_copy(update={"offered": rendered.offered})
    return turns / (time.perf_counter() - started)


async def baseline_turns(turns: int, caps: Capabilities) -> float:
    """The least a handler does: one slot changed, one reply rendered."""
    record = CustomerRecord.new("c1", NOW)
    address = Address(channel="webchat", user_id="u", conversation_id="u")

    async def minimal(turn: Turn) -> TurnOutcome:
        customer = turn.customer.model_copy(update={"slots": {"n": turn.customer.version}})
        return TurnOutcome(customer=customer, replies=(Text(text="ok"),))

    started = time.perf_counter()
    for n in range(turns):
        event = InboundEvent(
            event_id=f"e{n}", channel="webchat", address=address, kind="text", text=SCRIPT[0]
        )
        outcome = await minimal(Turn(event, record.seen_at(address, NOW), address, caps, NOW))
        render(outcome.replies, caps, "webchat")
        record = outcome.customer
    return turns / (time.perf_counter() - started)


def big_bot(root: Path, flows: int) -> Path:
    """A bot folder of ``flows`` flows in 50 files."""
    (root / "flows").mkdir(parents=True)
    (root / "bot.yaml").write_text("name: Big\nlanguages: [en, pt]\n")
    (root / "flows" / "slots.yaml").write_text(
        'slots:\n  answer: {type: text, prompt: {en: "Answer?", pt: "Resposta?"}}\n'
    )
    per_file = max(1, flows // 50)
    for start in range(0, flows, per_file):
        body = "\n".join(_big_flow(n) for n in range(start, min(flows, start + per_file)))
        (root / "flows" / f"f{start:05d}.yaml").write_text(f"flows:\n{body}\n")
    return root


def _big_flow(n: int) -> str:
    return (
        f"  flow{n}:\n"
        f"    triggers:\n"
        f"      en: [start flow number {n}, I want thing {n}, help with item {n}]\n"
        f"      pt: [começar fluxo {n}, quero a coisa {n}]\n"
        f"    steps:\n"
        f"      - say: {{en: 'Flow {n}.', pt: 'Fluxo {n}.'}}\n"
        f"      - ask: answer\n"
        f"      - branch:\n"
        f"          - when: slots.answer == 'no'\n"
        f"            goto: stop\n"
        f"      - say:\n"
        f"          en: 'Got {{{{ slots.answer }}}}.'\n"
        f"          pt: 'Recebi {{{{ slots.answer }}}}.'\n"
        f"      - end\n"
        f"      - id: stop\n"
        f"        say: {{en: Stopped., pt: Parado.}}\n"
    )


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


async def main(turns: int, flows: int) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        root = turn_bot(Path(scratch) / "turns")
        engine = DialogEngine(load_flowset(root, load_bot_config(root)))
        engine_rates, base_rates = [], []
        for _ in range(3):
            base_rates.append(await baseline_turns(turns, WEBCHAT))
            engine_rates.append(await engine_turns(engine, turns, WEBCHAT))
        big = big_bot(Path(scratch) / "big", flows)
        config = load_bot_config(big)
        files = sorted((big / "flows").glob("*.yaml"))
        loads = [timed(lambda: load_flowset(big, config)) for _ in range(3)]
        parses = [timed(lambda: [yaml.safe_load(f.read_text()) for f in files]) for _ in range(3)]
    engine_rate, base_rate = statistics.median(engine_rates), statistics.median(base_rates)
    load, parse = statistics.median(loads), statistics.median(parses)
    print(f"{'run':<52}{'value':>12}")
    print(f"{'baseline: minimal handler, turns/s':<52}{base_rate:>12.0f}")
    print(f"{'dialog engine (scripted store conversation), turns/s':<52}{engine_rate:>12.0f}")
    print(f"ratio engine/baseline: {engine_rate / base_rate:.2f}")
    print(f"{f'yaml.safe_load of {flows} flows, s':<52}{parse:>12.2f}")
    print(f"{f'load_flowset of {flows} flows (parse, validate, check, index), s':<52}{load:>12.2f}")
    print(f"ratio load/parse: {load / parse:.1f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--turns", type=int, default=20_000)
    parser.add_argument("--flows", type=int, default=1000)
    args = parser.parse_args()
    asyncio.run(main(args.turns, args.flows))
