"""Configuration: bot.yaml checked with file:line:col problems; settings from the environment."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from bot.app.config import BotConfig, MemorySection, Settings, load_bot_config
from bot.errors import ConfigError
from bot.turn.store import MemoryPolicy
from bot.yaml_source import YamlSyntaxError

PROBLEM = re.compile(r"^(?P<file>.+):(?P<line>\d+):(?P<col>\d+): (?P<message>.+)$", re.DOTALL)

FULL = """\
name: Shop assistant
description: Orders, returns and deliveries
languages: [en, pt-BR]
default_language: pt-BR
memory:
  namespace: shop.prod
  retention_days: 30
  transcript_limit: 200
  dedup_window_hours: 12
  inbox_limit: 50
  lease_seconds: 10
channels:
  telegram:
    enabled: false
  sms:
    enabled: true
"""


def bot_folder(tmp_path: Path, text: str) -> Path:
    (tmp_path / "bot.yaml").write_text(text, "utf-8")
    return tmp_path


def problems(bot_dir: Path) -> list[tuple[str, int, int, str]]:
    """The ConfigError's problems as (file, line, column, message)."""
    with pytest.raises(ConfigError) as caught:
        load_bot_config(bot_dir)
    assert str(caught.value) == "\n".join(caught.value.problems)
    parsed = []
    for problem in caught.value.problems:
        match = PROBLEM.match(problem)
        assert match, f"not a file:line:col: message line: {problem!r}"
        parsed.append((match["file"], int(match["line"]), int(match["col"]), match["message"]))
    return parsed


def test_a_valid_bot_yaml_loads(tmp_path: Path) -> None:
    config = load_bot_config(bot_folder(tmp_path, FULL))
    assert config.name == "Shop assistant"
    assert config.description == "Orders, returns and deliveries"
    assert config.languages == ["en", "pt-BR"]
    assert config.language == "pt-BR"
    assert config.memory == MemorySection(
        namespace="shop.prod",
        retention_days=30,
        transcript_limit=200,
        dedup_window_hours=12,
        inbox_limit=50,
        lease_seconds=10,
    )
    assert (config.channels.telegram.enabled, config.channels.sms.enabled) == (False, True)
    assert (config.channels.webchat.enabled, config.channels.slack.enabled) == (True, True)


def test_a_bot_yaml_with_only_a_name_gets_the_defaults(tmp_path: Path) -> None:
    config = load_bot_config(bot_folder(tmp_path, "name: Shop\n"))
    assert config.languages == ["en"]
    assert config.language == "en"
    assert config.default_language is None
    assert config.memory == MemorySection()
    assert config.memory.namespace == "omnibot"


def test_without_default_language_the_first_language_is_used(tmp_path: Path) -> None:
    config = load_bot_config(bot_folder(tmp_path, "name: Shop\nlanguages: [pt, en]\n"))
    assert config.language == "pt"


def test_a_missing_bot_yaml_is_reported(tmp_path: Path) -> None:
    assert problems(tmp_path) == [
        (str(tmp_path / "bot.yaml"), 1, 1, "missing: a bot folder needs a bot.yaml")
    ]


def test_a_bot_yaml_that_is_a_folder_is_reported_as_missing(tmp_path: Path) -> None:
    (tmp_path / "bot.yaml").mkdir()
    assert problems(tmp_path)[0][3] == "missing: a bot folder needs a bot.yaml"


def test_files_under_the_working_directory_are_named_relative_to_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "mybot").mkdir()
    bot_folder(tmp_path / "mybot", "name: Shop\nlangauges: [en]\n")
    monkeypatch.chdir(tmp_path)
    assert problems(Path("mybot"))[0][:3] == ("mybot/bot.yaml", 2, 1)


def test_a_typo_in_a_key_gets_a_did_you_mean_hint(tmp_path: Path) -> None:
    bot_dir = bot_folder(tmp_path, "name: Shop\n\nlangauges: [en, pt]\n")
    assert problems(bot_dir) == [
        (
            str(tmp_path / "bot.yaml"),
            3,
            1,
            "unknown key 'langauges' (did you mean 'languages'?)",
        )
    ]


def test_a_typo_in_a_nested_key_points_at_its_line(tmp_path: Path) -> None:
    bot_dir = bot_folder(tmp_path, "name: Shop\nchannels:\n  sms:\n    enbled: false\n")
    assert problems(bot_dir) == [
        (str(tmp_path / "bot.yaml"), 4, 5, "unknown key 'enbled' (did you mean 'enabled'?)")
    ]


def test_a_list_where_text_is_expected_is_reported(tmp_path: Path) -> None:
    bot_dir = bot_folder(tmp_path, "name: [Shop]\n")
    assert problems(bot_dir) == [
        (str(tmp_path / "bot.yaml"), 1, 1, "name: input should be a valid string")
    ]


def test_text_where_a_list_is_expected_is_reported(tmp_path: Path) -> None:
    bot_dir = bot_folder(tmp_path, "name: Shop\nlanguages: en\n")
    assert problems(bot_dir) == [
        (str(tmp_path / "bot.yaml"), 2, 1, "languages: input should be a valid list")
    ]


def test_a_number_out_of_range_is_reported_at_its_key(tmp_path: Path) -> None:
    bot_dir = bot_folder(tmp_path, "name: Shop\nmemory:\n  retention_days: 1\n  inbox_limit: 0\n")
    assert problems(bot_dir) == [
        (
            str(tmp_path / "bot.yaml"),
            4,
            3,
            "inbox_limit: input should be greater than or equal to 1",
        )
    ]


def test_a_missing_name_is_reported(tmp_path: Path) -> None:
    bot_dir = bot_folder(tmp_path, "languages: [en]\n")
    assert problems(bot_dir) == [(str(tmp_path / "bot.yaml"), 1, 1, "'name' is required")]


def test_a_bad_language_code_is_reported_at_that_language(tmp_path: Path) -> None:
    bot_dir = bot_folder(tmp_path, "name: Shop\nlanguages:\n  - en\n  - English\n")
    [(file, line, col, message)] = problems(bot_dir)
    assert (file, line, col) == (str(tmp_path / "bot.yaml"), 4, 5)
    assert "'English' is not a language code such as 'en' or 'pt-BR'" in message


def test_a_default_language_outside_languages_is_reported_at_default_language(
    tmp_path: Path,
) -> None:
    bot_dir = bot_folder(tmp_path, "name: Shop\nlanguages: [en, pt]\ndefault_language: es\n")
    [(file, line, col, message)] = problems(bot_dir)
    assert (file, line, col) == (str(tmp_path / "bot.yaml"), 3, 1)
    assert message == "default_language: 'es' is not one of the bot's languages ['en', 'pt']"


@pytest.mark.parametrize("code", ["en", "pt-BR", "zh-Hant-TW", "ast"])
def test_language_codes_are_accepted(code: str) -> None:
    assert BotConfig(name="Shop", languages=[code]).language == code


@pytest.mark.parametrize("code", ["EN", "english", "e", "en_US", "pt-", ""])
def test_bad_language_codes_are_rejected(code: str) -> None:
    with pytest.raises(ValidationError, match="is not a language code"):
        BotConfig(name="Shop", languages=[code])


@pytest.mark.parametrize("text", ["- name: Shop\n", "just some text\n", "42\n", "", "# nothing\n"])
def test_a_document_that_is_not_a_mapping_is_reported(tmp_path: Path, text: str) -> None:
    assert problems(bot_folder(tmp_path, text)) == [
        (str(tmp_path / "bot.yaml"), 1, 1, "bot.yaml must be a mapping of settings")
    ]


def test_a_syntax_error_is_reported_with_its_position(tmp_path: Path) -> None:
    bot_dir = bot_folder(tmp_path, "name: Shop\nlanguages: [en, pt\nmemory: {}\n")
    with pytest.raises(ConfigError) as caught:
        load_bot_config(bot_dir)
    assert caught.value.problems == [
        f"{tmp_path / 'bot.yaml'}:3:7: expected ',' or ']', but got ':'"
    ]
    assert isinstance(caught.value.__cause__, YamlSyntaxError)


def test_a_duplicate_key_is_reported_with_its_position(tmp_path: Path) -> None:
    bot_dir = bot_folder(tmp_path, "name: Shop\nlanguages: [en]\nname: Store\n")
    assert problems(bot_dir) == [
        (str(tmp_path / "bot.yaml"), 3, 1, "'name' is given twice in this mapping")
    ]


def test_a_bot_yaml_that_is_not_utf8_is_reported(tmp_path: Path) -> None:
    (tmp_path / "bot.yaml").write_bytes("name: Café\n".encode("latin-1"))
    assert problems(tmp_path) == [
        (str(tmp_path / "bot.yaml"), 1, 10, "byte 0xe9 is not UTF-8 text; save the file as UTF-8")
    ]


def test_every_problem_of_the_file_is_reported_at_once(tmp_path: Path) -> None:
    bot_dir = bot_folder(tmp_path, "name: ''\nlangauges: [en]\nmemory:\n  lease_seconds: 0\n")
    assert sorted((line, col) for _, line, col, _ in problems(bot_dir)) == [(1, 1), (2, 1), (4, 3)]


def test_bot_config_is_frozen() -> None:
    config = BotConfig(name="Shop")
    with pytest.raises(ValidationError, match="frozen"):
        config.name = "Store"  # type: ignore[misc]


def test_memory_section_converts_to_the_memory_policy() -> None:
    section = MemorySection(
        retention_days=30,
        dedup_window_hours=1.5,
        lease_seconds=12.5,
        transcript_limit=200,
        inbox_limit=50,
    )
    assert section.policy() == MemoryPolicy(
        retention=timedelta(days=30),
        dedup_window=timedelta(minutes=90),
        lease=timedelta(milliseconds=12_500),
        transcript_limit=200,
        inbox_limit=50,
    )


def test_memory_section_defaults_are_the_memory_policy_defaults() -> None:
    assert MemorySection().policy() == MemoryPolicy()


def test_fractional_retention_days_keep_their_hours() -> None:
    assert MemorySection(retention_days=0.5).policy().retention == timedelta(hours=12)


@pytest.mark.parametrize(
    "fields",
    [
        {"namespace": "shop prod"},
        {"retention_days": 0},
        {"transcript_limit": 9},
        {"transcript_limit": 100_001},
        {"dedup_window_hours": -1},
        {"lease_seconds": 0.5},
    ],
)
def test_memory_section_rejects_values_out_of_range(fields: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        MemorySection.model_validate(fields)


EVERY_VARIABLE = {
    "OMNIBOT_REDIS_URL": "redis://:hunter2pw@redis.internal:6379/0",
    "OMNIBOT_PUBLIC_URL": "https://bot.shop.example",
    "TELEGRAM_BOT_TOKEN": "123456:telegram-token-abc",
    "TELEGRAM_WEBHOOK_SECRET": "tg-webhook-secret",
    "TELEGRAM_MODE": "polling",
    "TELEGRAM_API_BASE": "http://127.0.0.1:8081",
    "SLACK_BOT_TOKEN": "xoxb-slack-bot-token",
    "SLACK_SIGNING_SECRET": "slack-signing-secret",
    "SLACK_API_BASE": "http://127.0.0.1:8082/api/",
    "SLACK_APP_TOKEN": "xapp-slack-app-token",
    "TWILIO_ACCOUNT_SID": "AC0123456789",
    "TWILIO_AUTH_TOKEN": "twilio-auth-token",
    "TWILIO_FROM_NUMBER": "+15550199",
    "TWILIO_MESSAGING_SERVICE_SID": "MG0123456789",
    "TWILIO_API_BASE": "http://127.0.0.1:8083",
    "TWILIO_VERIFY_SERVICE_SID": "VA0123456789",
    "TWILIO_VERIFY_API_BASE": "http://127.0.0.1:8084",
    "TWILIO_WHATSAPP_FROM": "whatsapp:+15550199",
    "WHATSAPP_ACCESS_TOKEN": "EAAGwhatsapp-token",
    "WHATSAPP_PHONE_NUMBER_ID": "106540352242922",
    "WHATSAPP_APP_SECRET": "whatsapp-app-secret",
    "WHATSAPP_VERIFY_TOKEN": "whatsapp-verify-token",
    "WHATSAPP_API_BASE": "http://127.0.0.1:8085",
    "WHATSAPP_DISPLAY_NUMBER": "+55 11 91234-5678",
    "EMAIL_SMTP_URL": "smtps://shop%40shop.example:mail-pw@smtp.shop.example",
    "EMAIL_FROM": "shop@shop.example",
    "EMAIL_INBOUND_TOKEN": "email-inbound-token",
    "EMAIL_TRUSTED_AUTHSERV_ID": "mx.shop.example",
    "OMNIBOT_WEBCHAT_SECRET": "webchat-hmac-key",
    "OMNIBOT_WEBCHAT_ORIGINS": "https://shop.example,https://www.shop.example",
    "OMNIBOT_DIRECTLINE_SECRET": "directline-secret",
    "OMNIBOT_EVENTS_SECRET": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    "OMNIBOT_AGENT_TOKENS": "agent-token-one,agent-token-two",
    "OMNIBOT_TRUSTED_PROXIES": "10.0.0.0/8, fd00::/8",
    "OMNIBOT_LOG_LEVEL": "debug",
    "OMNIBOT_LOG_FORMAT": "text",
}
SECRET_VARIABLES = [
    "OMNIBOT_REDIS_URL",
    "TELEGRAM_BOT_TOKEN",
    "TELEGRAM_WEBHOOK_SECRET",
    "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_APP_TOKEN",
    "TWILIO_AUTH_TOKEN",
    "WHATSAPP_ACCESS_TOKEN",
    "WHATSAPP_APP_SECRET",
    "WHATSAPP_VERIFY_TOKEN",
    "EMAIL_SMTP_URL",
    "EMAIL_INBOUND_TOKEN",
    "OMNIBOT_WEBCHAT_SECRET",
    "OMNIBOT_DIRECTLINE_SECRET",
    "OMNIBOT_EVENTS_SECRET",
]


def test_settings_read_every_documented_variable() -> None:
    settings = Settings.from_env(EVERY_VARIABLE)
    revealed = {
        key: value.get_secret_value() if isinstance(value, SecretStr) else value
        for key, value in settings.model_dump(exclude={"agent_tokens"}).items()
    }
    assert revealed == {
        "redis_url": "redis://:hunter2pw@redis.internal:6379/0",
        "public_url": "https://bot.shop.example",
        "telegram_bot_token": "123456:telegram-token-abc",
        "telegram_webhook_secret": "tg-webhook-secret",
        "telegram_mode": "polling",
        "telegram_api_base": "http://127.0.0.1:8081",
        "slack_bot_token": "xoxb-slack-bot-token",
        "slack_signing_secret": "slack-signing-secret",
        "slack_api_base": "http://127.0.0.1:8082/api/",
        "slack_app_token": "xapp-slack-app-token",
        "twilio_account_sid": "AC0123456789",
        "twilio_auth_token": "twilio-auth-token",
        "twilio_from_number": "+15550199",
        "twilio_messaging_service_sid": "MG0123456789",
        "twilio_api_base": "http://127.0.0.1:8083",
        "twilio_verify_service_sid": "VA0123456789",
        "twilio_verify_api_base": "http://127.0.0.1:8084",
        "twilio_whatsapp_from": "whatsapp:+15550199",
        "whatsapp_access_token": "EAAGwhatsapp-token",
        "whatsapp_phone_number_id": "106540352242922",
        "whatsapp_app_secret": "whatsapp-app-secret",
        "whatsapp_verify_token": "whatsapp-verify-token",
        "whatsapp_api_base": "http://127.0.0.1:8085",
        "whatsapp_display_number": "+55 11 91234-5678",
        "email_smtp_url": "smtps://shop%40shop.example:mail-pw@smtp.shop.example",
        "email_from": "shop@shop.example",
        "email_inbound_token": "email-inbound-token",
        "email_trusted_authserv_id": "mx.shop.example",
        "webchat_secret": "webchat-hmac-key",
        "webchat_origins": ("https://shop.example", "https://www.shop.example"),
        "directline_secret": "directline-secret",
        "events_secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        "trusted_proxies": ("10.0.0.0/8", "fd00::/8"),
        "log_level": "debug",
        "log_format": "text",
    }
    assert [t.get_secret_value() for t in settings.agent_tokens] == [
        "agent-token-one",
        "agent-token-two",
    ]


def test_settings_default_to_the_vendor_urls_and_nothing_secret() -> None:
    settings = Settings.from_env({})
    assert settings == Settings()
    assert settings.telegram_mode == "webhook"
    assert settings.telegram_api_base == "https://api.telegram.org"
    assert settings.slack_api_base == "https://slack.com/api/"
    assert settings.twilio_api_base == "https://api.twilio.com"
    assert settings.twilio_verify_api_base == "https://verify.twilio.com"
    assert (settings.log_level, settings.log_format) == ("info", "json")
    assert (settings.webchat_origins, settings.agent_tokens) == ((), ())
    assert settings.secrets() == []


def test_settings_ignore_empty_and_blank_variables() -> None:
    settings = Settings.from_env({"TELEGRAM_BOT_TOKEN": "", "TELEGRAM_MODE": "   "})
    assert settings.telegram_bot_token is None
    assert settings.telegram_mode == "webhook"


def test_settings_trim_surrounding_whitespace() -> None:
    settings = Settings.from_env(
        {"TELEGRAM_MODE": " polling\n", "OMNIBOT_PUBLIC_URL": " https://x "}
    )
    assert (settings.telegram_mode, settings.public_url) == ("polling", "https://x")


def test_settings_read_only_the_mapping_they_are_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "from-the-process-environment")
    assert Settings.from_env({}).telegram_bot_token is None


def test_unrelated_variables_are_ignored() -> None:
    assert Settings.from_env({"PATH": "/usr/bin", "OMNIBOT_COLOUR": "blue"}) == Settings()


def test_comma_lists_are_split_trimmed_and_empty_items_dropped() -> None:
    settings = Settings.from_env(
        {
            "OMNIBOT_WEBCHAT_ORIGINS": " https://a.example , ,https://b.example,",
            "OMNIBOT_AGENT_TOKENS": "token-one-1, token-two-2 ,,",
        }
    )
    assert settings.webchat_origins == ("https://a.example", "https://b.example")
    assert [t.get_secret_value() for t in settings.agent_tokens] == ["token-one-1", "token-two-2"]


def test_a_list_of_one_is_a_tuple_of_one() -> None:
    settings = Settings.from_env({"OMNIBOT_WEBCHAT_ORIGINS": "https://a.example"})
    assert settings.webchat_origins == ("https://a.example",)


def test_a_list_of_only_commas_is_an_empty_list() -> None:
    assert Settings.from_env({"OMNIBOT_WEBCHAT_ORIGINS": ", ,"}).webchat_origins == ()


def test_a_bad_telegram_mode_is_rejected_naming_the_variable() -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.from_env({"TELEGRAM_MODE": "carrier-pigeon"})
    [problem] = caught.value.problems
    assert problem.startswith("$TELEGRAM_MODE: ")
    assert "'webhook' or 'polling'" in problem


def test_every_bad_variable_is_reported() -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.from_env({"OMNIBOT_LOG_LEVEL": "loud", "OMNIBOT_LOG_FORMAT": "xml"})
    assert [p.split(":")[0] for p in caught.value.problems] == [
        "$OMNIBOT_LOG_LEVEL",
        "$OMNIBOT_LOG_FORMAT",
    ]


def test_secrets_returns_every_secret_value() -> None:
    found = Settings.from_env(EVERY_VARIABLE).secrets()
    expected = [EVERY_VARIABLE[name] for name in SECRET_VARIABLES]
    assert sorted(found) == sorted([*expected, "agent-token-one", "agent-token-two"])


def test_secrets_leave_out_what_is_not_secret() -> None:
    found = Settings.from_env(EVERY_VARIABLE).secrets()
    for name in ("OMNIBOT_PUBLIC_URL", "TWILIO_ACCOUNT_SID", "TWILIO_FROM_NUMBER"):
        assert EVERY_VARIABLE[name] not in found


def test_secret_values_do_not_show_in_the_settings_repr() -> None:
    shown = repr(Settings.from_env(EVERY_VARIABLE))
    for name in SECRET_VARIABLES:
        assert EVERY_VARIABLE[name] not in shown
    assert "agent-token-one" not in shown


def test_settings_are_frozen() -> None:
    settings = Settings.from_env({})
    with pytest.raises(ValidationError, match="frozen"):
        settings.telegram_mode = "polling"  # type: ignore[misc]
