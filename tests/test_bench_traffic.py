"""The benchmark's traffic (bench/traffic.py): distinct fresh texts, 30 % of the mix, both
languages, the same for the same seed, and every text checked against the example bot."""

from __future__ import annotations

import itertools
from collections import Counter

from bench import traffic
from bench.traffic import Message, Mix, language_of


def test_the_data_makes_thousands_of_distinct_fresh_texts_none_a_familiar_one() -> None:
    found = traffic.phrasings()
    texts = [m.text for m in found.fresh]
    assert len(texts) > 10_000
    assert len(set(texts)) == len(texts)
    assert not set(texts) & {m.text for m in found.familiar}
    assert {m.language for m in found.fresh} == {"en", "pt"}


def small_mix(seed: int = 1) -> Mix:
    found = traffic.phrasings()
    return Mix(found.familiar, found.fresh[:4000], seed)


def test_three_messages_in_ten_are_fresh_and_none_repeats_before_the_pool_runs_out() -> None:
    mix, fresh_texts = small_mix(), {m.text for m in traffic.phrasings().fresh[:4000]}
    said = [mix.draw(language_of(customer)) for customer in range(2000)]
    fresh = [m for m in said if m.text in fresh_texts]
    assert len(fresh) == 600
    assert len({m.text for m in fresh}) == 600
    assert mix.drawn_fresh == 600
    assert mix.reused == 0


def test_when_the_pool_runs_out_the_texts_drawn_again_are_counted() -> None:
    found = traffic.phrasings()
    pool = [m for m in found.fresh if m.language == "en"][:5]
    pool += [m for m in found.fresh if m.language == "pt"][:5]
    mix = Mix(found.familiar, pool, seed=3)
    for _ in range(100):  # 30 fresh, all en: 25 of them drawn a second time or more
        mix.draw("en")
    assert mix.reused == 25


def test_each_customer_keeps_to_one_language_and_half_speak_each() -> None:
    mix = small_mix()
    spoken: dict[int, set[str]] = {}
    for customer in itertools.islice(itertools.cycle(range(100)), 1000):
        spoken.setdefault(customer, set()).add(mix.draw(language_of(customer)).language)
    assert all(len(languages) == 1 for languages in spoken.values())
    assert Counter(next(iter(v)) for v in spoken.values()) == {"en": 50, "pt": 50}


def test_the_same_seed_gives_the_same_messages_and_another_seed_others() -> None:
    def said(seed: int) -> list[Message]:
        mix = small_mix(seed)
        return [mix.draw(language_of(n)) for n in range(300)]

    assert said(7) == said(7)
    assert said(7) != said(8)


async def test_only_texts_the_bot_answers_as_expected_are_kept() -> None:
    checked = await traffic.checked(40, seed=5, cache=None)
    kept = {m.text for m in (*checked.familiar, *checked.fresh)}
    assert kept
    assert checked.dropped  # the data has phrasings the bot takes for another topic
    assert not kept & {m.text for m in checked.dropped}
    for message in (*checked.familiar, *checked.fresh):
        [answer] = checked.answer(message)
        assert answer == checked.answers[(message.intent, message.language)]
    # a phrasing the bot answers with its order-status question is not the answer expected
    order = Message("where is my order", "en", "opening_hours")
    _, passed = await traffic.put_to_the_bot(traffic.phrasings().examples, [order])
    assert passed == []
