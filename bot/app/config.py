"""Configuration: ``bot.yaml`` for the bot's settings, the environment for deployment and secrets.

``bot.yaml`` is validated when loaded and every problem is reported as ``file:line:col``. Secrets
(tokens, signing secrets, passwords) are read only from the environment, never from files.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import time, timedelta
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PositiveInt,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from bot.desk.config import AgentsSection, HandoffSection
from bot.errors import ConfigError
from bot.format import language_tags
from bot.http.sources import parse_networks
from bot.identity.code_budget import CodeBudget, region_of
from bot.identity.link_codes import CodeRules, LinkPolicy
from bot.outreach.events.signing import webhook_key
from bot.outreach.quiet import QuietHours
from bot.outreach.reach import Policy
from bot.turn.store import MemoryPolicy
from bot.turn.window import PURPOSES, TemplateDef
from bot.yaml_source import YamlSyntaxError, load, validation_problems

LANGUAGE = r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$"


class Section(BaseModel):
    """A ``bot.yaml`` section: immutable, and unknown keys are errors (typos get caught)."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class MemorySection(Section):
    """``memory:`` retention and limits of the shared memory."""

    namespace: str = Field(default="omnibot", pattern=r"^[A-Za-z0-9_.-]+$")
    retention_days: float = Field(default=365, gt=0)
    transcript_limit: int = Field(default=1000, ge=10, le=100_000)
    dedup_window_hours: float = Field(default=24, gt=0)
    inbox_limit: int = Field(default=500, ge=1)
    lease_seconds: float = Field(default=30, ge=1)

    def policy(self) -> MemoryPolicy:
        """The policy the memory backends enforce."""
        return MemoryPolicy(
            retention=timedelta(days=self.retention_days),
            dedup_window=timedelta(hours=self.dedup_window_hours),
            lease=timedelta(seconds=self.lease_seconds),
            transcript_limit=self.transcript_limit,
            inbox_limit=self.inbox_limit,
        )


class ChannelSection(Section):
    """One channel's settings in ``channels:``; a channel also needs its credentials."""

    enabled: bool = True


class RateSection(Section):
    """A budget: ``burst`` at once, then ``per_minute``."""

    burst: int = Field(ge=1, le=100_000)
    per_minute: float = Field(gt=0, le=100_000)


class WebchatSection(ChannelSection):
    """``channels.webchat``: how fast one conversation may send (a burst, then a rate), how
    many new anonymous customers one client address may start, and how many link codes its
    anonymous conversations may type (web chat and Direct Line alike; see
    ``docs/webchat-protocol.md``)."""

    rate_burst: int = Field(default=10, ge=1, le=1000)
    rate_per_second: float = Field(default=1.0, gt=0, le=1000)
    new_per_source: RateSection = RateSection(burst=20, per_minute=2)
    codes_per_source: RateSection = RateSection(burst=5, per_minute=0.5)
    presence_ttl: float = Field(default=60.0, ge=1, le=3600)
    """How long an open page counts as open without a word from it, in seconds: a page marks
    its customer present for this long (so the business may write on the web chat) and marks
    again every ``presence_refresh`` seconds; a worker that dies leaves marks that run out."""
    presence_refresh: float = Field(default=20.0, gt=0, le=1200)

    @model_validator(mode="after")
    def _refresh_inside_ttl(self) -> WebchatSection:
        if self.presence_refresh * 2 > self.presence_ttl:
            raise ValueError("presence_refresh must be at most half of presence_ttl")
        return self


TextPerLanguage = str | dict[str, str]


class SmsSection(ChannelSection):
    """``channels.sms``: what the compliance keywords answer (defaults in English and
    Portuguese; give them in each of the bot's languages)."""

    help_text: TextPerLanguage | None = None
    stopped_text: TextPerLanguage | None = None
    started_text: TextPerLanguage | None = None


ContentSid = Annotated[str, Field(pattern=r"^HX[0-9a-fA-F]{32}$")]


class TwilioContentSection(Section):
    """``channels.whatsapp.twilio_content``: the Content API templates WhatsApp through Twilio
    shows choices with, by how many choices they hold (``quick_reply``: ``twilio/quick-reply``
    with 1 to 3 buttons; ``list_picker``: ``twilio/list-picker`` with 1 to 10 items). Their
    variables follow ``docs/channels/whatsapp.md``; choices no template fits are
    numbered lines of text."""

    quick_reply: dict[Annotated[int, Field(ge=1, le=3)], ContentSid] = {}
    list_picker: dict[Annotated[int, Field(ge=1, le=10)], ContentSid] = {}


class WhatsappPacing(Section):
    """``channels.whatsapp.pacing``: how fast messages go out (see
    :mod:`connectors.whatsapp.cloud.pacing`). ``throughput``: messages a second from the business
    number, all workers together (Meta's standard is 80); ``customer_burst`` messages may go to
    one customer at once, then one every ``customer_gap`` seconds; a rate limit from WhatsApp is
    waited out from ``backoff`` seconds, doubling up to ``backoff_cap``."""

    throughput: float = Field(default=80.0, gt=0, le=1000)
    customer_burst: int = Field(default=3, ge=1, le=100)
    customer_gap: float = Field(default=0.5, ge=0, le=60)
    backoff: float = Field(default=6.0, gt=0, le=600)
    backoff_cap: float = Field(default=60.0, gt=0, le=3600)


class WhatsappSection(ChannelSection):
    """``channels.whatsapp``: the Graph API version the Cloud API is called with, and the
    Content API templates of WhatsApp through Twilio, the sending pace, and the approved
    templates that may go outside the 24-hour window, by purpose and the bot's language
    (``reopen: {en: {name, language, parameters}}``; see :mod:`bot.turn.window`)."""

    api_version: str = Field(default="v21.0", pattern=r"^v[0-9]{1,3}\.[0-9]{1,3}$")
    twilio_content: TwilioContentSection = TwilioContentSection()
    pacing: WhatsappPacing = WhatsappPacing()
    templates: dict[str, dict[str, TemplateDef]] = Field(default_factory=dict)

    @field_validator("templates")
    @classmethod
    def _purposes(
        cls, templates: dict[str, dict[str, TemplateDef]]
    ) -> dict[str, dict[str, TemplateDef]]:
        unknown = sorted(set(templates) - PURPOSES)
        if unknown:
            raise ValueError(f"unknown purpose {unknown[0]!r}: one of {sorted(PURPOSES)}")
        return {
            purpose: {_language_code(tag): template for tag, template in by_language.items()}
            for purpose, by_language in templates.items()
        }


class ChannelsSection(Section):
    """``channels:`` which channels this bot offers."""

    webchat: WebchatSection = WebchatSection()
    telegram: ChannelSection = ChannelSection()
    slack: ChannelSection = ChannelSection()
    sms: SmsSection = SmsSection()
    whatsapp: WhatsappSection = WhatsappSection()
    email: ChannelSection = ChannelSection()


def _language_code(value: str) -> str:
    """A language tag in its canonical form (``pt-br`` → ``pt-BR``)."""
    if not re.match(LANGUAGE, value):
        raise ValueError(f"{value!r} is not a language code such as 'en' or 'pt-BR'")
    return language_tags.canonical(value)


LanguageCode = Annotated[str, AfterValidator(_language_code)]


def _region(value: str) -> str:
    region = value.upper()
    if region not in phonenumbers.SUPPORTED_REGIONS:
        raise ValueError(f"{value!r} in code_countries is not a country code such as BR or US")
    return region


Region = Annotated[str, AfterValidator(_region)]
AttributeKind = Literal["phone", "email", "external_id"]
_ALL_KINDS: tuple[AttributeKind, ...] = ("phone", "email", "external_id")


class LinkingSection(Section):
    """``linking:`` how one customer's channels are joined.

    ``automatic`` lists the verified attributes that link a channel on their own (a phone the
    SMS channel or a Telegram contact vouches for, a workspace e-mail, a site's signed user id);
    link codes and one-time codes always work. Codes have ``code_digits`` digits, last
    ``code_minutes`` and allow ``attempts`` wrong tries.

    One-time codes go only to numbers of ``code_countries`` (a list, or a mapping of each
    country to its own hourly cap; by default the country of the bot's own number), at most
    ``codes_per_hour`` for the whole bot and ``codes_per_source`` for one client an hour.
    """

    automatic: list[AttributeKind] = Field(default_factory=lambda: list(_ALL_KINDS))
    code_digits: int = Field(default=8, ge=6, le=12)
    code_minutes: float = Field(default=10, gt=0, le=60)
    attempts: int = Field(default=5, ge=1, le=10)
    redeem_per_minute: int = Field(default=120, ge=1, le=100_000)
    code_countries: dict[Region, PositiveInt | None] | None = None
    codes_per_hour: int = Field(default=100, ge=1, le=1_000_000)
    codes_per_source: int = Field(default=10, ge=1, le=100_000)
    anonymous_redeem_per_minute: int = Field(default=30, ge=1, le=100_000)

    @field_validator("code_countries", mode="before")
    @classmethod
    def _list_or_mapping(cls, value: object) -> object:
        """``[BR, US]`` is ``{BR: null, US: null}``: no cap of their own."""
        if isinstance(value, list):
            return dict.fromkeys(str(item) for item in value)
        if value is not None and not isinstance(value, dict):
            raise ValueError(
                "give a list of countries, like [BR, US], or a mapping of each "
                "to its hourly cap, like {BR: 200, US: 50}"
            )
        return value

    def policy(self, home: str | None = None) -> LinkPolicy:
        """The rules the pipeline links by; ``home`` is the bot's own number
        (``TWILIO_FROM_NUMBER``), whose country codes go to unless ``code_countries`` says."""
        rules = CodeRules(
            digits=self.code_digits,
            lifetime=timedelta(minutes=self.code_minutes),
            attempts=self.attempts,
            redeem_per_minute=self.redeem_per_minute,
            anonymous_redeem_per_minute=self.anonymous_redeem_per_minute,
        )
        budget = CodeBudget(
            countries=self.countries(home),
            per_hour=self.codes_per_hour,
            per_source=self.codes_per_source,
        )
        return LinkPolicy(automatic=frozenset(self.automatic), rules=rules, budget=budget)

    def countries(self, home: str | None) -> dict[str, int | None]:
        """Where one-time codes may go, each with its own hourly cap (``None``: none)."""
        if self.code_countries is not None:
            return dict(self.code_countries)
        region = region_of(home)
        return {region: None} if region else {}


class UnderstandingSection(Section):
    """``understanding:`` what ``omnibot evaluate`` requires of the bot's understanding of its
    labelled phrases (``tests/understanding.yaml``); a bound left out is not checked."""

    min_recall: float | None = Field(default=None, ge=0, le=1)
    min_precision: float | None = Field(default=None, ge=0, le=1)
    max_out_of_scope: int | None = Field(default=None, ge=0)


OutreachChannel = Literal["whatsapp", "sms", "email", "telegram", "slack", "webchat"]
_CLOCK = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"


class QuietHoursSection(Section):
    """``outreach.quiet_hours``: from and to, ``HH:MM`` in the customer's time zone."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    start: str = Field(alias="from", pattern=_CLOCK)
    end: str = Field(alias="to", pattern=_CLOCK)

    def hours(self) -> QuietHours:
        """The quiet hours the outreach decision keeps."""
        return QuietHours(time.fromisoformat(self.start), time.fromisoformat(self.end))


class CapsSection(Section):
    """``outreach.caps``: how many proactive messages of each purpose one customer may get in
    their day (over it, marketing is dropped and transactional waits for the next day)."""

    marketing: int = Field(default=1, ge=0, le=1000)
    transactional: int = Field(default=10, ge=0, le=1000)


class OutreachSection(Section):
    """``outreach:`` what the business may start (docs/outreach.md).

    ``create_customers`` names the kinds of customer attribute (``phone``, ``email``,
    ``external_id``) by which a signed business event may make a customer the bot has never
    met, the attribute taken as verified on the store's word (by default none: an event for an
    unknown customer is answered and dropped). ``events_per_source`` and ``events`` are the
    budgets of ``POST /events`` for one client address and for everyone together.
    ``channels`` is the order in which a proactive message tries the customer's channels after
    the one they prefer and the ones they wrote on; ``quiet_hours`` the local hours in which
    nothing proactive goes (deferred, never dropped; none by default); ``caps`` how many
    messages of each purpose may go to one customer in their day; ``timezone`` the time zone of
    customers whose own is unknown (by default the flows' ``settings.timezone``).
    """

    create_customers: list[AttributeKind] = Field(default_factory=list)
    events_per_source: RateSection = RateSection(burst=100, per_minute=600)
    events: RateSection = RateSection(burst=1000, per_minute=6000)
    channels: list[OutreachChannel] = Field(default_factory=list)
    quiet_hours: QuietHoursSection | None = None
    caps: CapsSection = CapsSection()
    timezone: str | None = None

    @field_validator("timezone")
    @classmethod
    def _zone(cls, name: str | None) -> str | None:
        if name is not None:
            try:
                ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
                raise ValueError(f"unknown time zone {name!r} (America/Sao_Paulo, UTC)") from exc
        return name

    def policy(self, fallback_zone: str = "UTC") -> Policy:
        """The outreach decision's policy; ``fallback_zone`` when ``timezone`` is unset."""
        return Policy(
            channels=tuple(dict.fromkeys(self.channels)),
            quiet=self.quiet_hours.hours() if self.quiet_hours else None,
            caps=self.caps.model_dump(),
            zone=ZoneInfo(self.timezone or fallback_zone),
        )


class BotConfig(Section):
    """The contents of ``bot.yaml``."""

    name: str = Field(min_length=1, max_length=100)
    description: str | None = None
    languages: list[LanguageCode] = Field(default_factory=lambda: ["en"], min_length=1)
    default_language: LanguageCode | None = None
    memory: MemorySection = MemorySection()
    channels: ChannelsSection = ChannelsSection()
    linking: LinkingSection = LinkingSection()
    handoff: HandoffSection = HandoffSection()
    agents: AgentsSection = AgentsSection()
    understanding: UnderstandingSection = UnderstandingSection()
    outreach: OutreachSection = OutreachSection()

    @field_validator("languages")
    @classmethod
    def _distinct(cls, value: list[str]) -> list[str]:
        repeated = sorted({tag for tag in value if value.count(tag) > 1})
        if repeated:
            raise ValueError(f"{', '.join(repeated)} listed more than once")
        return value

    @field_validator("default_language")
    @classmethod
    def _among_languages(cls, value: str | None, info: ValidationInfo) -> str | None:
        languages = info.data.get("languages")
        if value is not None and languages is not None and value not in languages:
            raise ValueError(f"{value!r} is not one of the bot's languages {languages}")
        return value

    @field_validator("channels")
    @classmethod
    def _template_languages(cls, value: ChannelsSection, info: ValidationInfo) -> ChannelsSection:
        languages = info.data.get("languages") or []
        for purpose, by_language in value.whatsapp.templates.items():
            for tag in by_language:
                if tag not in languages:
                    raise ValueError(
                        f"whatsapp.templates.{purpose}.{tag}: {tag!r} is not one of the bot's "
                        f"languages {languages}"
                    )
        return value

    @property
    def language(self) -> str:
        """The language used until a customer's own is known."""
        return self.default_language or self.languages[0]


def load_bot_config(bot_dir: Path) -> BotConfig:
    """Read and validate ``BOT_DIR/bot.yaml``; raises :class:`ConfigError` with every problem."""
    path = bot_dir / "bot.yaml"
    shown = _display(path)
    if not path.is_file():
        raise ConfigError([f"{shown}:1:1: missing: a bot folder needs a bot.yaml"])
    try:
        document = load(path, shown)
    except YamlSyntaxError as exc:
        raise ConfigError([exc.problem]) from exc
    if not isinstance(document.data, dict):
        raise ConfigError([document.problem((), "bot.yaml must be a mapping of settings")])
    try:
        return BotConfig.model_validate(document.data)
    except ValidationError as exc:
        raise ConfigError(validation_problems(document, exc, BotConfig)) from exc


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


TelegramMode = Literal["webhook", "polling"]


class Settings(BaseModel):
    """Deployment settings and secrets, from the environment (see PRODUCT.md's table)."""

    model_config = ConfigDict(frozen=True)

    redis_url: SecretStr | None = None
    public_url: str | None = None
    telegram_bot_token: SecretStr | None = None
    telegram_webhook_secret: SecretStr | None = None
    telegram_mode: TelegramMode = "webhook"
    telegram_api_base: str = "https://api.telegram.org"
    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_api_base: str = "https://slack.com/api/"
    slack_app_token: SecretStr | None = None
    twilio_account_sid: str | None = None
    twilio_auth_token: SecretStr | None = None
    twilio_from_number: str | None = None
    twilio_messaging_service_sid: str | None = None
    twilio_api_base: str = "https://api.twilio.com"
    twilio_verify_service_sid: str | None = None
    twilio_verify_api_base: str = "https://verify.twilio.com"
    twilio_whatsapp_from: str | None = None
    whatsapp_access_token: SecretStr | None = None
    whatsapp_phone_number_id: str | None = None
    whatsapp_app_secret: SecretStr | None = None
    whatsapp_verify_token: SecretStr | None = None
    whatsapp_api_base: str = "https://graph.facebook.com"
    whatsapp_display_number: str | None = None
    email_smtp_url: SecretStr | None = None
    email_from: str | None = None
    email_inbound_token: SecretStr | None = None
    email_trusted_authserv_id: str | None = None
    webchat_secret: SecretStr | None = None
    webchat_origins: tuple[str, ...] = ()
    directline_secret: SecretStr | None = None
    events_secret: SecretStr | None = None
    """Signs business events (``POST /events``), in the Standard Webhooks form ``whsec_...``."""
    agent_tokens: tuple[SecretStr, ...] = ()
    trusted_proxies: tuple[str, ...] = ()
    """Proxies whose ``X-Forwarded-For`` says who the client is (see :mod:`bot.http.sources`)."""
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    log_format: Literal["json", "text"] = "json"

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, entries: tuple[str, ...]) -> tuple[str, ...]:
        parse_networks(entries)
        return entries

    @field_validator("events_secret")
    @classmethod
    def _webhook_secret(cls, secret: SecretStr | None) -> SecretStr | None:
        if secret is not None and webhook_key(secret.get_secret_value()) is None:
            raise ValueError(
                "expected a Standard Webhooks secret: whsec_ and the base64 of at least 24 bytes"
            )
        return secret

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Settings:
        """Read the variables that are set and non-empty; raises :class:`ConfigError`."""
        values: dict[str, object] = {}
        for name, variable in _VARIABLES.items():
            raw = environ.get(variable, "").strip()
            if raw:
                values[name] = _split(raw) if name in _LISTS else raw
        try:
            return cls.model_validate(values)
        except ValidationError as exc:
            raise ConfigError(
                [f"${_VARIABLES[str(e['loc'][0])]}: {e['msg']}" for e in exc.errors()]
            ) from exc

    def secrets(self) -> list[str]:
        """Every secret value, so that logs can redact them."""
        found = [
            value.get_secret_value()
            for value in self.__dict__.values()
            if isinstance(value, SecretStr)
        ]
        found.extend(token.get_secret_value() for token in self.agent_tokens)
        return found


_VARIABLES = {
    "redis_url": "OMNIBOT_REDIS_URL",
    "public_url": "OMNIBOT_PUBLIC_URL",
    "telegram_bot_token": "TELEGRAM_BOT_TOKEN",
    "telegram_webhook_secret": "TELEGRAM_WEBHOOK_SECRET",
    "telegram_mode": "TELEGRAM_MODE",
    "telegram_api_base": "TELEGRAM_API_BASE",
    "slack_bot_token": "SLACK_BOT_TOKEN",
    "slack_signing_secret": "SLACK_SIGNING_SECRET",
    "slack_api_base": "SLACK_API_BASE",
    "slack_app_token": "SLACK_APP_TOKEN",
    "twilio_account_sid": "TWILIO_ACCOUNT_SID",
    "twilio_auth_token": "TWILIO_AUTH_TOKEN",
    "twilio_from_number": "TWILIO_FROM_NUMBER",
    "twilio_messaging_service_sid": "TWILIO_MESSAGING_SERVICE_SID",
    "twilio_api_base": "TWILIO_API_BASE",
    "twilio_verify_service_sid": "TWILIO_VERIFY_SERVICE_SID",
    "twilio_verify_api_base": "TWILIO_VERIFY_API_BASE",
    "twilio_whatsapp_from": "TWILIO_WHATSAPP_FROM",
    "whatsapp_access_token": "WHATSAPP_ACCESS_TOKEN",
    "whatsapp_phone_number_id": "WHATSAPP_PHONE_NUMBER_ID",
    "whatsapp_app_secret": "WHATSAPP_APP_SECRET",
    "whatsapp_verify_token": "WHATSAPP_VERIFY_TOKEN",
    "whatsapp_api_base": "WHATSAPP_API_BASE",
    "whatsapp_display_number": "WHATSAPP_DISPLAY_NUMBER",
    "email_smtp_url": "EMAIL_SMTP_URL",
    "email_from": "EMAIL_FROM",
    "email_inbound_token": "EMAIL_INBOUND_TOKEN",
    "email_trusted_authserv_id": "EMAIL_TRUSTED_AUTHSERV_ID",
    "webchat_secret": "OMNIBOT_WEBCHAT_SECRET",
    "webchat_origins": "OMNIBOT_WEBCHAT_ORIGINS",
    "directline_secret": "OMNIBOT_DIRECTLINE_SECRET",
    "events_secret": "OMNIBOT_EVENTS_SECRET",
    "agent_tokens": "OMNIBOT_AGENT_TOKENS",
    "trusted_proxies": "OMNIBOT_TRUSTED_PROXIES",
    "log_level": "OMNIBOT_LOG_LEVEL",
    "log_format": "OMNIBOT_LOG_FORMAT",
}
_LISTS = {"webchat_origins", "agent_tokens", "trusted_proxies"}


def _split(raw: str) -> list[str]:
    return [part.strip() for part in raw.split(",") if part.strip()]
