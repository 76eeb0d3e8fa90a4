"""The SMS channel's settings (and Twilio Verify's), read from the environment and ``bot.yaml``
and checked at start.

This module imports nothing from twilio, so deciding whether the channel is on costs nothing
when it is off.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.app.config import BotConfig, Settings
from bot.errors import ConfigError
from connectors.sms.compliance import ComplianceTexts
from connectors.sms.outbound import DEFAULT_MAX_SEGMENTS

CHANNEL = "sms"
_ACCOUNT = re.compile(r"^AC[0-9a-fA-F]{32}$")
_SERVICE = re.compile(r"^MG[0-9a-fA-F]{32}$")
_VERIFY_SERVICE = re.compile(r"^VA[0-9a-fA-F]{32}$")
_NUMBER = re.compile(r"^(\+[1-9][0-9]{6,14}|[0-9]{3,8})$")
_URL = re.compile(r"^https?://[^/?#\s]+(/[^?#\s]*)?$")


@dataclass(frozen=True, slots=True)
class SmsSettings:
    """Credentials, senders and where we are seen from; see ``docs/channels/sms.md``."""

    account_sid: str
    auth_token: str = field(repr=False)
    from_number: str | None = None
    messaging_service_sid: str | None = None
    api_base: str = "https://api.twilio.com"
    public_url: str | None = None
    texts: ComplianceTexts = field(default_factory=lambda: ComplianceTexts(bot_name="omnibot"))
    max_segments: int = DEFAULT_MAX_SEGMENTS
    timeout: float = 15.0


REQUIRED = ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN")
SENDERS = "TWILIO_FROM_NUMBER or TWILIO_MESSAGING_SERVICE_SID"


def missing(settings: Settings) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The SMS variables that are missing, and those that are given."""
    values = {
        "TWILIO_ACCOUNT_SID": settings.twilio_account_sid,
        "TWILIO_AUTH_TOKEN": settings.twilio_auth_token,
        SENDERS: settings.twilio_from_number or settings.twilio_messaging_service_sid,
    }
    absent = tuple(name for name, value in values.items() if not value)
    given = tuple(name for name, value in values.items() if value)
    return absent, given


def read_settings(config: BotConfig, settings: Settings, base_url: str) -> SmsSettings:
    """The settings of a channel whose variables are all set; raises :class:`ConfigError`
    with one line per malformed variable, so a typo stops the bot at start, not at the first
    customer."""
    account, token = settings.twilio_account_sid, settings.twilio_auth_token
    problems = [
        f"${name}: {hint}"
        for name, value, pattern, hint in _checks(settings)
        if value is not None and not pattern.match(value)
    ]
    if account is None or token is None:
        problems.append(
            f"$TWILIO_ACCOUNT_SID and $TWILIO_AUTH_TOKEN: both are needed for {CHANNEL}"
        )
    if problems or account is None or token is None:
        raise ConfigError(problems)
    section = config.channels.sms
    return SmsSettings(
        account_sid=account,
        auth_token=token.get_secret_value(),
        from_number=settings.twilio_from_number,
        messaging_service_sid=settings.twilio_messaging_service_sid,
        api_base=settings.twilio_api_base,
        public_url=settings.public_url.rstrip("/") if settings.public_url else None,
        texts=ComplianceTexts(
            bot_name=config.name,
            default_language=config.language,
            stopped=section.stopped_text,
            started=section.started_text,
            help=section.help_text,
        ),
    )


@dataclass(frozen=True, slots=True)
class VerifySettings:
    """Twilio Verify, for one-time codes: the account, the service, where its API is."""

    account_sid: str
    auth_token: str = field(repr=False)
    service_sid: str
    api_base: str = "https://verify.twilio.com"
    timeout: float = 15.0


def read_verify_settings(settings: Settings) -> VerifySettings | None:
    """Verify's settings when ``TWILIO_VERIFY_SERVICE_SID`` is set; raises
    :class:`ConfigError` when it is malformed or the account's credentials are missing (a bot
    told to use Verify must not quietly text codes another way)."""
    service = settings.twilio_verify_service_sid
    if service is None:
        return None
    account, token = settings.twilio_account_sid, settings.twilio_auth_token
    checks = [
        (
            "TWILIO_VERIFY_SERVICE_SID",
            service,
            _VERIFY_SERVICE,
            "a Verify service SID is VA followed by 32 hexadecimal digits",
        ),
        ("TWILIO_VERIFY_API_BASE", settings.twilio_verify_api_base, _URL, "must be an http(s) URL"),
        (
            "TWILIO_ACCOUNT_SID",
            account,
            _ACCOUNT,
            "an account SID is AC followed by 32 hexadecimal digits",
        ),
    ]
    problems = [
        f"${name}: {hint}"
        for name, value, pattern, hint in checks
        if value is not None and not pattern.match(value)
    ]
    if account is None or token is None:
        problems.append(
            "$TWILIO_VERIFY_SERVICE_SID: Verify also needs $TWILIO_ACCOUNT_SID and "
            "$TWILIO_AUTH_TOKEN"
        )
    if problems or account is None or token is None:
        raise ConfigError(problems)
    return VerifySettings(
        account, token.get_secret_value(), service, settings.twilio_verify_api_base
    )


def _checks(settings: Settings) -> list[tuple[str, str | None, re.Pattern[str], str]]:
    return [
        (
            "TWILIO_ACCOUNT_SID",
            settings.twilio_account_sid,
            _ACCOUNT,
            "an account SID is AC followed by 32 hexadecimal digits",
        ),
        (
            "TWILIO_FROM_NUMBER",
            settings.twilio_from_number,
            _NUMBER,
            "a sender number is in E.164 form, like +5511987654321, or a short code",
        ),
        (
            "TWILIO_MESSAGING_SERVICE_SID",
            settings.twilio_messaging_service_sid,
            _SERVICE,
            "a Messaging Service SID is MG followed by 32 hexadecimal digits",
        ),
        ("TWILIO_API_BASE", settings.twilio_api_base, _URL, "must be an http(s) URL"),
        ("OMNIBOT_PUBLIC_URL", settings.public_url, _URL, "must be an http(s) URL"),
    ]
