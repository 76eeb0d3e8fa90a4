"""Customers' formats: dates, times and money written the way the customer's locale writes them,
and a choice shown by its title in the customer's language, as template filters; through the
dialog kit for a Brazilian customer, and named with a did-you-mean when mistyped."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from bot.errors import ConfigError
from dialogs.design.formats import Formats
from dialogs.design.templates import TemplateError, Templates
from tests.dialogs.kit import bot_folder, flowset_of, talk

BILINGUAL = Formats(
    languages=("en", "pt-BR"),
    fallback="en",
    timezone="America/Sao_Paulo",
    titles={"large": {"en": "Large", "pt": "Grande"}, "pickup": "Pick-up"},
)


def render(source: str, language: str | None, formats: Formats = BILINGUAL, **values: Any) -> str:
    templates = Templates(formats)
    templates.add_template(source)
    context: dict[str, Any] = {"slots": values}
    if language is not None:
        context["language"] = language
    return templates.render(source, context)


@pytest.mark.parametrize(
    ("language", "shown"),
    [
        ("pt-BR", "23/11/2026"),
        ("pt", "23/11/2026"),
        ("en", "11/23/2026"),
        ("en-US", "11/23/2026"),
        ("en-GB", "23/11/2026"),
        ("pt-PT", "23/11/2026"),
    ],
)
def test_a_date_is_written_day_month_year_in_the_customers_order(language: str, shown: str) -> None:
    assert render("{{ slots.day | date }}", language, day="2026-11-23") == shown


@pytest.mark.parametrize(
    ("language", "style", "shown"),
    [
        ("pt-BR", "long", "23 de novembro de 2026"),
        ("en", "long", "November 23, 2026"),
        ("en", "short", "11/23/26"),
        ("pt-BR", "full", "segunda-feira, 23 de novembro de 2026"),
        ("en", "EEEE d MMMM", "Monday 23 November"),
    ],
)
def test_a_date_takes_a_style_or_a_pattern(language: str, style: str, shown: str) -> None:
    source = f"{{{{ slots.day | date('{style}') }}}}"
    assert render(source, language, day="2026-11-23") == shown


def test_a_date_reads_python_dates_and_moments_in_the_bots_time_zone() -> None:
    late = datetime(2026, 11, 24, 1, 30, tzinfo=UTC)  # still the 23rd in Sao Paulo
    assert render("{{ slots.day | date }}", "pt-BR", day=date(2026, 11, 23)) == "23/11/2026"
    assert render("{{ slots.at | date }}", "pt-BR", at=late) == "23/11/2026"
    assert render("{{ slots.at | date }}", "pt-BR", at=late.isoformat()) == "23/11/2026"


@pytest.mark.parametrize(
    ("language", "value", "shown"),
    [
        ("pt-BR", "2026-11-23T17:30:00+00:00", "14:30"),
        ("en", "2026-11-23T17:30:00+00:00", "2:30 PM"),
        ("pt-BR", "09:05", "09:05"),
        ("en", "09:05", "9:05 AM"),
        ("en", time(21, 0), "9:00 PM"),
    ],
)
def test_a_time_is_written_as_the_customers_clock_reads(
    language: str, value: object, shown: str
) -> None:
    assert render("{{ slots.at | time }}", language, at=value) == shown


@pytest.mark.parametrize(
    ("language", "amount", "currency", "shown"),
    [
        ("pt-BR", 100, "BRL", "R$ 100,00"),
        ("pt", "1234.5", "BRL", "R$ 1.234,50"),
        ("en", 100, "BRL", "R$100.00"),
        ("en", 1234.5, "usd", "$1,234.50"),
        ("pt-BR", Decimal("19.9"), "USD", "US$ 19,90"),
        ("en-GB", 5, "GBP", "£5.00"),
    ],
)
def test_money_is_written_in_the_customers_locale(
    language: str, amount: object, currency: str, shown: str
) -> None:
    source = f"{{{{ slots.total | money('{currency}') }}}}"
    assert render(source, language, total=amount) == shown


def test_formats_use_plain_spaces_so_tests_and_sms_read_them_as_typed() -> None:
    shown = render(
        "{{ slots.total | money('BRL') }} {{ slots.at | time }}", "en", total=1, at="9:05"
    )
    assert "\u00a0" not in shown
    assert "\u202f" not in shown


@pytest.mark.parametrize(
    ("language", "shown"),
    [("pt-BR", "Grande"), ("pt", "Grande"), ("en", "Large"), ("fr", "Large")],
)
def test_a_choice_is_shown_by_its_title_in_the_customers_language(
    language: str, shown: str
) -> None:
    assert render("{{ slots.size | title }}", language, size="large") == shown


def test_title_keeps_jinjas_meaning_for_any_other_text() -> None:
    assert render("{{ slots.name | title }}", "pt-BR", name="ana maria") == "Ana Maria"
    assert render("{{ slots.mode | title }}", "pt-BR", mode="pickup") == "Pick-up"


def test_a_missing_value_shows_nothing_and_a_foreign_one_shows_as_it_is() -> None:
    source = "[{{ slots.day | date }}|{{ slots.at | time }}|{{ slots.total | money('BRL') }}]"
    assert render(source, "pt-BR") == "[||]"
    assert render(source, "pt-BR", day="soon", at="later", total="a lot") == "[soon|later|a lot]"


def test_without_a_customer_the_bots_first_language_formats() -> None:
    assert render("{{ slots.day | date }}", None, day="2026-11-23") == "11/23/2026"
    brazilian = Formats(languages=("pt-BR", "en"), fallback="pt-BR")
    assert render("{{ slots.day | date }}", None, brazilian, day="2026-11-23") == "23/11/2026"


def test_an_unknown_language_formats_in_english() -> None:
    assert render("{{ slots.total | money('EUR') }}", "xx", total=3) == "€3.00"


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        (
            "{{ slots.day | datee }}",
            "template error: unknown filter 'datee' (did you mean 'date'?)",
        ),
        (
            "{% if slots.total %}{{ slots.total | monye('BRL') }}{% endif %}",
            "template error: unknown filter 'monye' (did you mean 'money'?)",
        ),
        ("{{ slots.x | zzzzzz }}", "template error: unknown filter 'zzzzzz'"),
    ],
)
def test_an_unknown_filter_is_named_with_the_nearest_one(source: str, problem: str) -> None:
    with pytest.raises(TemplateError) as raised:
        Templates().add_template(source)
    assert str(raised.value) == problem


def test_an_unknown_filter_in_a_condition_is_named_too() -> None:
    with pytest.raises(TemplateError, match="unknown filter 'titel' \\(did you mean 'title'\\?\\)"):
        Templates().add_condition("slots.size | titel == 'Large'")


def test_the_filters_keep_the_sandbox_closed() -> None:
    with pytest.raises(TemplateError):
        render(
            "{{ (slots.day | date).__class__.__mro__[1].__subclasses__() }}", "en", day="2026-11-23"
        )


PIZZA = """\
flows:
  order:
    triggers:
      en: [i want to order a pizza]
      pt: [quero pedir uma pizza]
    steps:
      - ask: size
      - ask: day
      - set: {total: 59.9}
      - say:
          en: >-
            A {{ slots.size | title }} pizza on {{ slots.day | date }}:
            {{ slots.total | money('BRL') }}.
          pt: >-
            Uma pizza {{ slots.size | title }} em {{ slots.day | date('long') }}:
            {{ slots.total | money('BRL') }}.
slots:
  size:
    type: choice
    options:
      - {value: small, title: {en: Small, pt: Pequena}}
      - {value: large, title: {en: Large, pt: Grande}}
    prompt: {en: "Which size?", pt: "Qual tamanho?"}
  day:
    type: date
    prompt: {en: "Which day?", pt: "Que dia?"}
"""


@pytest.fixture
def pizzeria(tmp_path: Path) -> Path:
    return bot_folder(tmp_path, PIZZA, languages=("en", "pt-BR"))


async def test_a_brazilian_customer_reads_the_order_in_brazilian_formats(pizzeria: Path) -> None:
    chat = talk(pizzeria)
    await chat.say("quero pedir uma pizza")
    await chat.say("grande")
    assert await chat.say("03/04/2027") == ["Uma pizza Grande em 3 de abril de 2027: R$ 59,90."]


async def test_an_english_customer_reads_the_same_order_in_american_formats(
    pizzeria: Path,
) -> None:
    chat = talk(pizzeria)
    await chat.say("i want to order a pizza")
    await chat.say("large")
    assert await chat.say("04/03/2027") == ["A Large pizza on 4/3/2027: R$59.90."]


def test_the_validator_names_a_mistyped_format_filter(tmp_path: Path) -> None:
    flows = PIZZA.replace("date('long')", "dat('long')")
    with pytest.raises(ConfigError) as raised:
        flowset_of(bot_folder(tmp_path, flows, languages=("en", "pt-BR")))
    assert [problem.split(": ", 1)[1] for problem in raised.value.problems] == [
        "template error: unknown filter 'dat' (did you mean 'date'?)"
    ]


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        (
            "{{ slots.total | money }}",
            "money needs the currency, as its ISO 4217 code: money('BRL')",
        ),
        (
            "{{ slots.total | money('BRLL') }}",
            "unknown currency 'BRLL' (did you mean 'BRL'?); money takes an ISO 4217 code such as "
            "'BRL'",
        ),
        (
            "{{ slots.total | money('R$') }}",
            "unknown currency 'R$'; money takes an ISO 4217 code such as 'BRL'",
        ),
        ("{{ slots.day | date('lng') }}", "unknown date style 'lng' (did you mean 'long'?)"),
        ("{{ now | time('shrt') }}", "unknown time style 'shrt' (did you mean 'short'?)"),
    ],
)
def test_a_formats_filter_called_wrongly_is_named_when_the_bot_loads(
    source: str, problem: str
) -> None:
    with pytest.raises(TemplateError) as raised:
        Templates().add_template(source)
    assert str(raised.value) == f"template error: {problem}"


@pytest.mark.parametrize(
    "source",
    [
        "{{ slots.total | money('brl') }}",
        "{{ slots.total | money(slots.currency) }}",
        "{{ slots.day | date('yyyy') }}",
        "{{ slots.day | date('EEEE, d MMMM') }}",
        "{{ now | time('medium') }}",
    ],
)
def test_a_formats_filter_called_rightly_loads(source: str) -> None:
    Templates().add_template(source)
