"""Reading customers' answers into typed slot values, in English and Portuguese."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import phonenumbers
import pytest
from hypothesis import given
from hypothesis import strategies as st
from phonenumbers import PhoneNumberFormat, PhoneNumberType

from dialogs.nlu.slot_types import (
    ChoiceOption,
    Invalid,
    ParseContext,
    Valid,
    parse_choice,
    parse_date,
    parse_email,
    parse_integer,
    parse_number,
    parse_pattern,
    parse_phone,
    parse_text,
    parse_yes_no,
)

TODAY = date(2026, 11, 22)  # a Sunday
EN = ParseContext(language="en", today=TODAY, region="US")
PT = ParseContext(language="pt-BR", today=TODAY, region="BR")
LANGUAGES = {"en": EN, "pt": PT}

DELIVERY = (
    ChoiceOption("courier", ("Courier", "Entregador", "motoboy")),
    ChoiceOption("pickup", ("Pick up in store", "Retirar na loja")),
    ChoiceOption("counter", ("Counter", "Balcão")),
)


def example_number(region: str, kind: int, style: int) -> str:
    number = phonenumbers.example_number_for_type(region, kind)
    assert number is not None
    return phonenumbers.format_number(number, style)


def test_context_defaults_to_english_us_and_the_servers_today() -> None:
    ctx = ParseContext()
    assert (ctx.language, ctx.region, ctx.date_order) == ("en", "US", None)
    assert ctx.today == date.today()


def test_context_rejects_an_unknown_date_order() -> None:
    with pytest.raises(ValueError, match="date_order must be 'DMY' or 'MDY'"):
        ParseContext(date_order="YMD")


def test_context_rejects_an_unknown_phone_region() -> None:
    with pytest.raises(ValueError, match="unknown phone region 'XX'"):
        ParseContext(region="XX")


# Text


def test_text_is_trimmed_but_keeps_its_punctuation() -> None:
    assert parse_text("  Leave it at the door, please.  ", EN) == Valid(
        "Leave it at the door, please."
    )


def test_text_composes_accents_typed_as_combining_marks() -> None:
    assert parse_text("Joa\u0303o", EN, max_length=4) == Valid("João")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("   ", "empty answer"),
        ("ab", "too short: at least 3 characters"),
        ("abcdef", "too long: at most 5 characters"),
    ],
)
def test_text_outside_the_length_bounds_is_rejected(text: str, reason: str) -> None:
    assert parse_text(text, EN, min_length=3, max_length=5) == Invalid(reason)


def test_empty_text_is_accepted_when_the_minimum_is_zero() -> None:
    assert parse_text("  ", EN, min_length=0) == Valid("")


# Numbers


@pytest.mark.parametrize(
    ("language", "text", "value"),
    [
        ("en", "42", 42.0),
        ("en", " 42. ", 42.0),
        ("en", "-3.5", -3.5),
        ("en", "+7", 7.0),
        ("en", "\u22123.5", -3.5),
        ("en", ".5", 0.5),
        ("en", "1,234.56", 1234.56),
        ("en", "1,234,567", 1234567.0),
        ("en", "1,234", 1234.0),
        ("en", "1.234", 1.234),
        ("en", "1 234", 1234.0),
        ("en", "1\u2009234.5", 1234.5),
        ("en", "1\u202f234", 1234.0),
        ("en", "1\u00a0234 567", 1234567.0),
        ("en", "$ 12.50", 12.5),
        ("en", "$12.50!", 12.5),
        ("en", "-$5", -5.0),
        ("en", "$-5", -5.0),
        ("en", "12.50 USD", 12.5),
        ("en", "€ 3", 3.0),
        ("en", "-0", 0.0),
        ("pt", "42", 42.0),
        ("pt", "1,5", 1.5),
        ("pt", "-3,5", -3.5),
        ("pt", "1.234,56", 1234.56),
        ("pt", "1.234.567", 1234567.0),
        ("pt", "1.234", 1234.0),
        ("pt", "1,234", 1.234),
        ("pt", "1 234,5", 1234.5),
        ("pt", "R$ 12,50", 12.5),
        ("pt", "R$12,50.", 12.5),
        ("pt", "US$ 3,99", 3.99),
    ],
)
def test_numbers_are_read_with_the_languages_conventions(
    language: str, text: str, value: float
) -> None:
    assert parse_number(text, LANGUAGES[language]) == Valid(value)


@pytest.mark.parametrize(
    ("language", "text", "value"),
    [
        ("en", "1,5", 1.5),
        ("en", "0,500", 0.5),
        ("en", "1234,567", 1234.567),
        ("en", "1.234,56", 1234.56),
        ("pt", "1.5", 1.5),
        ("pt", "12.50", 12.5),
        ("pt", "1,234.56", 1234.56),
    ],
)
def test_a_mark_that_cannot_group_thousands_is_read_as_the_decimal_mark(
    language: str, text: str, value: float
) -> None:
    assert parse_number(text, LANGUAGES[language]) == Valid(value)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "forty-two",
        "42 apples",
        "about 42",
        "1e3",
        "12 5",
        "1,23,456",
        "1.234.56",
        "--5",
        "-$-5",
        "$",
        "1 000 00",
        "nan",
        "inf",
        "9" * 101,
    ],
)
def test_anything_but_a_number_is_rejected(text: str) -> None:
    assert parse_number(text, EN) == Invalid("not a number")


@pytest.mark.parametrize(
    ("text", "result"),
    [
        ("0.5", Invalid("must be at least 1")),
        ("1", Valid(1.0)),
        ("2.5", Valid(2.5)),
        ("2.75", Invalid("must be at most 2.5")),
    ],
)
def test_number_bounds_are_inclusive_and_named_in_the_reason(text: str, result: object) -> None:
    assert parse_number(text, EN, minimum=1, maximum=2.5) == result


def test_a_bound_is_compared_with_the_number_as_stored() -> None:
    assert parse_number("0.1", EN, minimum=0.1, maximum=0.1) == Valid(0.1)


@pytest.mark.parametrize(
    ("language", "text", "value"),
    [
        ("en", "3", 3),
        ("en", "3.0", 3),
        ("en", "-7", -7),
        ("en", "1,000", 1000),
        ("en", "42!", 42),
        ("pt", "3,0", 3),
        ("pt", "1.000", 1000),
        ("pt", "R$ 1.500", 1500),
    ],
)
def test_whole_numbers_are_integers(language: str, text: str, value: int) -> None:
    parsed = parse_integer(text, LANGUAGES[language])
    assert parsed == Valid(value)
    assert isinstance(parsed, Valid)
    assert type(parsed.value) is int


@pytest.mark.parametrize(("text", "reason"), [("2.5", "not a whole number"), ("x", "not a number")])
def test_integers_reject_fractions_and_words(text: str, reason: str) -> None:
    assert parse_integer(text, EN) == Invalid(reason)


def test_integer_bounds_are_named_in_the_reason() -> None:
    assert parse_integer("0", EN, minimum=1, maximum=9) == Invalid("must be at least 1")
    assert parse_integer("10", EN, minimum=1, maximum=9) == Invalid("must be at most 9")
    assert parse_integer("9", EN, minimum=1, maximum=9) == Valid(9)


@given(st.integers(min_value=-(10**30), max_value=10**30))
def test_any_integer_written_plainly_reads_back(number: int) -> None:
    assert parse_integer(str(number), EN) == Valid(number)
    assert parse_integer(str(number), PT) == Valid(number)


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_any_integer_with_the_languages_thousands_separators_reads_back(number: int) -> None:
    assert parse_integer(f"{number:,}", EN) == Valid(number)
    assert parse_integer(f"{number:,}".replace(",", "."), PT) == Valid(number)


@given(st.decimals(min_value=-(10**9), max_value=10**9, places=2))
def test_any_amount_with_cents_reads_back_in_both_languages(amount: Decimal) -> None:
    english = f"{amount:,.2f}"
    portuguese = english.replace(",", "_").replace(".", ",").replace("_", ".")
    assert parse_number(english, EN) == Valid(float(english.replace(",", "")))
    assert parse_number(portuguese, PT) == Valid(float(english.replace(",", "")))


# Email


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("ana@example.com", "ana@example.com"),
        ("  John.Doe@Example.COM. ", "John.Doe@example.com"),
        ("<ana+orders@Mail.Example.co.uk>", "ana+orders@mail.example.co.uk"),
        ("joão@exemplo.com.br", "joão@exemplo.com.br"),
    ],
)
def test_email_keeps_the_local_part_and_lowercases_the_domain(text: str, value: str) -> None:
    assert parse_email(text, EN) == Valid(value)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("ana@example", "the domain has no dot"),
        ("ana.example.com", "an email address has exactly one @"),
        ("ana@b@example.com", "an email address has exactly one @"),
        ("@example.com", "nothing before the @"),
        ("ana silva@example.com", "an email address has no spaces"),
        ("ana@example..com", "not a valid domain"),
        ("ana@-example.com", "not a valid domain"),
        ("ana@exa mple.com", "an email address has no spaces"),
    ],
)
def test_email_that_fails_the_pragmatic_check_says_why(text: str, reason: str) -> None:
    assert parse_email(text, EN) == Invalid(reason)


# Phone


@pytest.mark.parametrize(
    ("region", "kind"),
    [
        ("BR", PhoneNumberType.MOBILE),
        ("BR", PhoneNumberType.FIXED_LINE),
        ("PT", PhoneNumberType.MOBILE),
        ("US", PhoneNumberType.FIXED_LINE_OR_MOBILE),
        ("GB", PhoneNumberType.MOBILE),
    ],
)
def test_phone_numbers_in_national_format_use_the_bots_region(region: str, kind: int) -> None:
    ctx = ParseContext(today=TODAY, region=region)
    national = example_number(region, kind, PhoneNumberFormat.NATIONAL)
    e164 = example_number(region, kind, PhoneNumberFormat.E164)
    assert parse_phone(national, ctx) == Valid(e164)


@pytest.mark.parametrize(
    "text", ["+55 11 98765-4321", "(11) 98765-4321", "11 98765 4321", "+55 (11) 98765-4321."]
)
def test_brazilian_mobile_numbers_become_e164(text: str) -> None:
    assert parse_phone(text, PT) == Valid("+5511987654321")


def test_a_number_with_a_country_code_ignores_the_bots_region() -> None:
    international = example_number("PT", PhoneNumberType.MOBILE, PhoneNumberFormat.INTERNATIONAL)
    assert parse_phone(international, EN) == Valid("+351912345678")


def test_a_region_written_in_lower_case_is_understood() -> None:
    ctx = ParseContext(today=TODAY, region="br")
    assert parse_phone("(11) 98765-4321", ctx) == Valid("+5511987654321")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("555-0100", "not a valid phone number"),
        ("(11) 98765-4321", "not a valid phone number"),
        ("+1 555", "not a valid phone number"),
        ("call me", "not a phone number"),
        ("", "not a phone number"),
    ],
)
def test_phone_numbers_must_be_valid_not_merely_digits(text: str, reason: str) -> None:
    assert parse_phone(text, EN) == Invalid(reason)


# Dates


@pytest.mark.parametrize(
    ("language", "text", "value"),
    [
        ("en", "2026-11-22", "2026-11-22"),
        ("pt", "2026-11-22", "2026-11-22"),
        ("en", "2027/01/05", "2027-01-05"),
        ("pt", "22/11/2026", "2026-11-22"),
        ("en", "11/22/2026", "2026-11-22"),
        ("pt", "03/04/2026", "2026-04-03"),
        ("en", "03/04/2026", "2026-03-04"),
        ("en", "25/12/2026", "2026-12-25"),
        ("pt", "12/25/2026", "2026-12-25"),
        ("pt", "22.11.2026", "2026-11-22"),
        ("pt", "22-11-2026", "2026-11-22"),
        ("pt", "22 / 11 / 2026", "2026-11-22"),
        ("pt", "22/11/26", "2026-11-22"),
        ("en", "3/5/85", "1985-03-05"),
        ("pt", "22/11/2026.", "2026-11-22"),
    ],
)
def test_numeric_dates(language: str, text: str, value: str) -> None:
    assert parse_date(text, LANGUAGES[language]) == Valid(value)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("22 Nov 2026", "2026-11-22"),
        ("22 November 2026", "2026-11-22"),
        ("November 22, 2026", "2026-11-22"),
        ("Nov. 22nd, 2026", "2026-11-22"),
        ("the 3rd of December", "2026-12-03"),
        ("Sept 9 27", "2027-09-09"),
        ("22-nov-2026", "2026-11-22"),
        ("22 de novembro de 2026", "2026-11-22"),
        ("22 de Novembro", "2026-11-22"),
        ("22 de nov", "2026-11-22"),
        ("1º de dezembro", "2026-12-01"),
        ("5 de março de 2027", "2027-03-05"),
        ("5 de marco de 2027", "2027-03-05"),
        ("dia 10 de fev", "2027-02-10"),
        ("10 de out de 2026", "2026-10-10"),
        ("15 de dez", "2026-12-15"),
    ],
)
def test_dates_with_month_names_in_either_language(text: str, value: str) -> None:
    assert parse_date(text, EN) == Valid(value)
    assert parse_date(text, PT) == Valid(value)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Nov 22", "2026-11-22"),
        ("Nov 21", "2027-11-21"),
        ("Jan 5", "2027-01-05"),
        ("22/11", "2026-11-22"),
        ("29/02", "2028-02-29"),
        ("dia 22", "2026-11-22"),
        ("dia 30", "2026-11-30"),
        ("dia 5", "2026-12-05"),
        ("on the 23rd", "2026-11-23"),
        ("22", "2026-11-22"),
        ("31", "2026-12-31"),
    ],
)
def test_a_missing_year_or_month_gives_the_next_such_date_today_included(
    text: str, value: str
) -> None:
    assert parse_date(text, PT) == Valid(value)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Nov 22", "2026-11-22"),
        ("Nov 23", "2025-11-23"),
        ("dia 5", "2026-11-05"),
        ("dia 30", "2026-10-30"),
        ("dia 31", "2026-10-31"),
        ("monday", "2026-11-16"),
        ("sunday", "2026-11-15"),
        ("29/02", "2024-02-29"),
    ],
)
def test_a_slot_without_future_dates_completes_partial_dates_backwards(
    text: str, value: str
) -> None:
    assert parse_date(text, PT, future=False) == Valid(value)


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("today", 0),
        ("Hoje", 0),
        ("tomorrow!", 1),
        ("amanhã", 1),
        ("amanha", 1),
        ("yesterday", -1),
        ("ontem", -1),
        ("the day after tomorrow", 2),
        ("day after tomorrow", 2),
        ("depois de amanhã", 2),
        ("depois de amanha", 2),
        ("anteontem", -2),
        ("in 3 days", 3),
        ("in a week", 7),
        ("in 2 weeks", 14),
        ("3 days from now", 3),
        ("daqui a 3 dias", 3),
        ("em 3 dias", 3),
        ("daqui a uma semana", 7),
        ("3 days ago", -3),
        ("há 2 semanas", -14),
        ("5 dias atrás", -5),
    ],
)
def test_relative_dates(text: str, days: int) -> None:
    expected = Valid((TODAY + timedelta(days=days)).isoformat())
    assert parse_date(text, EN) == expected
    assert parse_date(text, PT) == expected


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("monday", "2026-11-23"),
        ("Monday", "2026-11-23"),
        ("mon", "2026-11-23"),
        ("on friday", "2026-11-27"),
        ("segunda", "2026-11-23"),
        ("segunda-feira", "2026-11-23"),
        ("Terça-feira", "2026-11-24"),
        ("terca", "2026-11-24"),
        ("sábado", "2026-11-28"),
        ("sabado", "2026-11-28"),
        ("2ª feira", "2026-11-23"),
        ("6a-feira", "2026-11-27"),
        ("sunday", "2026-11-29"),
        ("domingo", "2026-11-29"),
        ("next friday", "2026-11-27"),
        ("this friday", "2026-11-27"),
        ("próxima sexta", "2026-11-27"),
        ("na próxima sexta-feira", "2026-11-27"),
        ("sexta que vem", "2026-11-27"),
        ("last friday", "2026-11-20"),
        ("sexta passada", "2026-11-20"),
        ("última segunda", "2026-11-16"),
    ],
)
def test_weekdays_name_the_next_such_day_never_today(text: str, value: str) -> None:
    assert parse_date(text, EN) == Valid(value)
    assert parse_date(text, PT) == Valid(value)


@pytest.mark.parametrize(
    ("text", "result"),
    [
        ("sexta, 27/11", Valid("2026-11-27")),
        ("Monday, November 23", Valid("2026-11-23")),
        ("segunda-feira, 23 de novembro de 2026", Valid("2026-11-23")),
        ("friday 23 nov 2026", Invalid("2026-11-23 is a Monday, not a Friday")),
    ],
)
def test_a_weekday_before_a_date_must_agree_with_it(text: str, result: object) -> None:
    assert parse_date(text, PT) == result


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("31/02/2026", "not a real calendar date"),
        ("29/02/2027", "not a real calendar date"),
        ("2026-13-01", "not a real calendar date"),
        ("13/13/2026", "not a real calendar date"),
        ("30 de fevereiro", "not a real calendar date"),
        ("dia 32", "no such day of the month"),
        ("dia 0", "no such day of the month"),
        ("november 2026", "missing the day"),
        ("novembro", "missing the day"),
        ("soon", "not a date"),
        ("", "not a date"),
        ("next week", "not a date"),
        ("2 months ago", "not a date"),
        ("22/11/202", "not a date"),
    ],
)
def test_impossible_or_unreadable_dates_are_rejected(text: str, reason: str) -> None:
    assert parse_date(text, PT) == Invalid(reason)


@pytest.mark.parametrize(
    ("text", "past", "future", "result"),
    [
        ("yesterday", False, True, Invalid("must not be in the past")),
        ("today", False, True, Valid("2026-11-22")),
        ("tomorrow", False, True, Valid("2026-11-23")),
        ("tomorrow", True, False, Invalid("must not be in the future")),
        ("today", True, False, Valid("2026-11-22")),
        ("yesterday", True, False, Valid("2026-11-21")),
        ("today", False, False, Valid("2026-11-22")),
        ("next friday", True, False, Invalid("must not be in the future")),
    ],
)
def test_past_and_future_flags_limit_the_side_of_today(
    text: str, past: bool, future: bool, result: object
) -> None:
    assert parse_date(text, EN, past=past, future=future) == result


@pytest.mark.parametrize(
    ("order", "value"), [("DMY", "2026-04-03"), ("MDY", "2026-03-04"), (None, "2026-03-04")]
)
def test_configured_date_order_overrides_the_language(order: str | None, value: str) -> None:
    ctx = ParseContext(language="en", today=TODAY, date_order=order)
    assert parse_date("03/04/2026", ctx) == Valid(value)


@pytest.mark.parametrize(
    ("year", "full"), [("26", 2026), ("46", 2046), ("47", 1947), ("85", 1985), ("00", 2000)]
)
def test_two_digit_years_fall_within_80_years_before_and_20_after_today(
    year: str, full: int
) -> None:
    assert parse_date(f"01/01/{year}", PT) == Valid(f"{full}-01-01")


@given(st.dates())
def test_any_date_in_iso_format_reads_back(day: date) -> None:
    assert parse_date(day.isoformat(), EN) == Valid(day.isoformat())
    assert parse_date(day.isoformat(), PT) == Valid(day.isoformat())


@given(st.dates(min_value=date(1947, 1, 1), max_value=date(2046, 12, 31)))
def test_any_date_written_day_first_reads_back_in_portuguese(day: date) -> None:
    assert parse_date(day.strftime("%d/%m/%Y"), PT) == Valid(day.isoformat())
    assert parse_date(day.strftime("%d/%m/%y"), PT) == Valid(day.isoformat())
    assert parse_date(day.strftime("%m/%d/%Y"), EN) == Valid(day.isoformat())


# Languages


@pytest.mark.parametrize("language", ["pt", "pt-BR", "pt_PT", "PT-pt"])
def test_every_portuguese_code_reads_portuguese_numbers_and_dates(language: str) -> None:
    ctx = ParseContext(language=language, today=TODAY)
    assert parse_number("1.234,5", ctx) == Valid(1234.5)
    assert parse_date("03/04/2026", ctx) == Valid("2026-04-03")


@pytest.mark.parametrize("language", ["fr", "es-MX", "", "klingon"])
def test_other_languages_fall_back_to_english_rules(language: str) -> None:
    ctx = ParseContext(language=language, today=TODAY)
    assert parse_number("1,234.5", ctx) == Valid(1234.5)
    assert parse_date("03/04/2026", ctx) == Valid("2026-03-04")
    assert parse_yes_no("yes", ctx) == Valid(True)


# Choice


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1", "courier"),
        ("2", "pickup"),
        ("2.", "pickup"),
        ("#2", "pickup"),
        ("2)", "pickup"),
        ("option 3", "counter"),
        ("opção 3", "counter"),
        ("nº 1", "courier"),
        ("2nd", "pickup"),
        ("Courier", "courier"),
        ("courier", "courier"),
        ("entregador!", "courier"),
        ("  MOTOBOY ", "courier"),
        ("retirar na loja.", "pickup"),
        ("Pick-up in store", "pickup"),
        ("balcao", "counter"),
        ("pickup", "pickup"),
        ("cour", "courier"),
        ("entreg", "courier"),
        ("coun", "counter"),
        ("reti", "pickup"),
    ],
)
def test_choice_by_number_title_value_or_prefix(text: str, value: str) -> None:
    assert parse_choice(text, PT, DELIVERY) == Valid(value)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("4", "there is no option 4"),
        ("0", "there is no option 0"),
        ("cou", "not one of the options"),
        ("drone", "not one of the options"),
        ("!!!", "empty answer"),
    ],
)
def test_choice_that_matches_nothing_says_why(text: str, reason: str) -> None:
    assert parse_choice(text, EN, DELIVERY) == Invalid(reason)


def test_a_prefix_shared_by_two_options_is_ambiguous() -> None:
    options = (ChoiceOption("card", ("Credit card",)), ChoiceOption("debit", ("Credit note",)))
    assert parse_choice("credit", EN, options) == Invalid(
        "matches more than one option: card, debit"
    )


def test_an_exact_title_wins_over_a_longer_title_it_begins() -> None:
    options = (ChoiceOption("small", ("Box",)), ChoiceOption("large", ("Boxes",)))
    assert parse_choice("box", EN, options) == Valid("small")


def test_a_title_that_is_a_number_wins_over_the_option_number() -> None:
    options = (ChoiceOption("one", ("2",)), ChoiceOption("two", ("1",)))
    assert parse_choice("2", EN, options) == Valid("one")


@given(st.integers(min_value=1, max_value=30), st.data())
def test_every_option_number_selects_that_option(count: int, data: st.DataObject) -> None:
    options = [ChoiceOption(f"v{index}", (f"Option title {index}",)) for index in range(count)]
    index = data.draw(st.integers(min_value=1, max_value=count))
    assert parse_choice(str(index), EN, options) == Valid(f"v{index - 1}")


# Yes / no


@pytest.mark.parametrize(
    "text",
    [
        *("yes", "Yes!", "y", "yeah", "yep", "sure", "ok", "OK.", "okay", "of course"),
        *("correct", "right", "That's right", "yes please", "sim", "Sim.", "s", "claro"),
        *("com certeza", "isso", "certo", "pode ser", "sim, por favor", "👍", "👍🏽", "👍👍"),
    ],
)
def test_yes_in_english_or_portuguese(text: str) -> None:
    assert parse_yes_no(text, EN) == Valid(True)
    assert parse_yes_no(text, PT) == Valid(True)


@pytest.mark.parametrize(
    "text",
    [
        *("no", "No.", "n", "nope", "nah", "not really", "no thanks", "não", "nao", "Não!"),
        *("de jeito nenhum", "negativo", "não, obrigado", "👎", "👎🏿"),
    ],
)
def test_no_in_english_or_portuguese(text: str) -> None:
    assert parse_yes_no(text, EN) == Valid(False)
    assert parse_yes_no(text, PT) == Valid(False)


@pytest.mark.parametrize("text", ["maybe", "talvez", "", "yes no", "👍👎", "thanks", "42"])
def test_anything_else_is_not_a_yes_or_no(text: str) -> None:
    assert parse_yes_no(text, EN) == Invalid("not a yes or no answer")


# Pattern

ORDER_ID = re.compile(r"[A-Z]-\d{5}")


@pytest.mark.parametrize(
    ("text", "transform", "result"),
    [
        (" a-12345 ", "upper", Valid("A-12345")),
        ("A-12345", None, Valid("A-12345")),
        ("A-12345.", None, Valid("A-12345")),
        ("a-12345", None, Invalid("does not match the expected format")),
        ("A-1234", "upper", Invalid("does not match the expected format")),
        ("xA-12345", "upper", Invalid("does not match the expected format")),
    ],
)
def test_pattern_is_fully_matched_after_the_transform(
    text: str, transform: str | None, result: object
) -> None:
    assert parse_pattern(text, EN, pattern=ORDER_ID, transform=transform) == result


def test_pattern_transforms_lower_and_strip_spaces() -> None:
    plate = re.compile(r"[a-z]{3}\d[a-z0-9]\d{2}")
    assert parse_pattern("ABC 1D23", EN, pattern=re.compile(r"ABC1D23")) == Invalid(
        "does not match the expected format"
    )
    assert parse_pattern("ABC 1D23", EN, pattern=plate, transform="lower") == Invalid(
        "does not match the expected format"
    )
    assert parse_pattern(" abc 1d 23 ", EN, pattern=plate, transform="strip_spaces") == Valid(
        "abc1d23"
    )
    assert parse_pattern("ABC1D23", EN, pattern=plate, transform="lower") == Valid("abc1d23")


def test_punctuation_the_pattern_expects_is_kept() -> None:
    question = re.compile(r"[a-z]+\?")
    assert parse_pattern("why?", EN, pattern=question) == Valid("why?")


def test_an_unknown_transform_is_a_designer_error() -> None:
    with pytest.raises(ValueError, match="unknown transform 'title'"):
        parse_pattern("x", EN, pattern=ORDER_ID, transform="title")
