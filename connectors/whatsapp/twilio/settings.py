"""WhatsApp through Twilio's settings, read from the environment and ``bot.yaml`` and checked
at start (pure: nothing of twilio is imported)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.app.config import BotConfig, Settings
from bot.errors import ConfigError

INBOUND_PATH = "/whatsapp/twilio"
STATUS_PATH = "/whatsapp/twilio/status"
MEDIA_PATH = "/whatsapp/twilio/media"
PREFIX = "whatsapp:"
_ACCOUNT = re.compile(r"^AC[0-9a-fA-F]{32}$")
_SENDER = re.compile(r"^whatsapp:\+[1-9][0-9]{6,14}$")
_URL = re.compile(r"^https?://[^/?#\s]+(/[^?#\s]*)?$")


@dataclass(frozen=True, slots=True)
class TwilioContent:
    """The Content API templates that show choices, by how many choices they hold, and those
    that carry ``channels.whatsapp.templates`` outside the window, by (name, language)."""

    quick_reply: Mapping[int, str] = field(default_factory=dict)
    list_picker: Mapping[int, str] = field(default_factory=dict)
    approved: Mapping[tuple[str, str], str] = field(default_factory=dict)

    @property
    def reach(self) -> int:
        """The most choices every smaller number of which has a template: choices up to it
        are shown by a template, more are numbered lines (see :mod:`.outbound`)."""
        count = 0
        while count + 1 in self.quick_reply or count + 1 in self.list_picker:
            count += 1
        return count


@dataclass(frozen=True, slots=True)
class TwilioWhatsappSettings:
    """What the connector needs; the auth token never appears in its ``repr``.

    ``sender`` is ``TWILIO_WHATSAPP_FROM`` (``whatsapp:+15550001111``), the WhatsApp sender of
    the account that messages go out from; ``links_base`` is where the bot says it is in the
    links to customers' media (:mod:`.media`).
    """

    account_sid: str
    auth_token: str = field(repr=False)
    sender: str
    api_base: str = "https://api.twilio.com"
    public_url: str | None = None
    content: TwilioContent = field(default_factory=TwilioContent)
    timeout: float = 15.0
    links_base: str = "http://127.0.0.1:8080"


def missing(settings: Settings) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The variables WhatsApp through Twilio still needs, and those given; with no
    ``TWILIO_WHATSAPP_FROM``, nothing counts as given (the account may be SMS's alone)."""
    values = {
        "TWILIO_ACCOUNT_SID": settings.twilio_account_sid,
        "TWILIO_AUTH_TOKEN": settings.twilio_auth_token,
        "TWILIO_WHATSAPP_FROM": settings.twilio_whatsapp_from,
    }
    if not settings.twilio_whatsapp_from:
        return ("TWILIO_WHATSAPP_FROM",), ()
    absent = tuple(name for name, value in values.items() if not value)
    given = tuple(name for name, value in values.items() if value)
    return absent, given


def approved(config: BotConfig) -> dict[tuple[str, str], str]:
    """The Content API SIDs of the templates of ``channels.whatsapp.templates`` that have one,
    by (name, language)."""
    return {
        (template.name, template.language): template.content_sid
        for by_language in config.channels.whatsapp.templates.values()
        for template in by_language.values()
        if template.content_sid is not None
    }


def read_settings(
    config: BotConfig, settings: Settings, links_base: str = "http://127.0.0.1:8080"
) -> TwilioWhatsappSettings:
    """The settings when every variable is set (``links_base`` the public URL, else where the
    bot listens); raises :class:`ConfigError` naming each
    malformed one, never its value."""
    account, token = settings.twilio_account_sid, settings.twilio_auth_token
    sender = settings.twilio_whatsapp_from
    if account is None or token is None or sender is None:
        raise ConfigError([f"${name}: not set" for name in missing(settings)[0]])
    checks = [
        ("TWILIO_ACCOUNT_SID", account, _ACCOUNT, "AC followed by 32 hexadecimal digits"),
        ("TWILIO_WHATSAPP_FROM", sender, _SENDER, "whatsapp: and the number, whatsapp:+1555..."),
        ("TWILIO_API_BASE", settings.twilio_api_base, _URL, "must be an http(s) URL"),
    ]
    problems = [f"${name}: {hint}" for name, value, rule, hint in checks if not rule.match(value)]
    if problems:
        raise ConfigError(problems)
    section = config.channels.whatsapp.twilio_content
    return TwilioWhatsappSettings(
        account_sid=account,
        auth_token=token.get_secret_value(),
        sender=sender,
        api_base=settings.twilio_api_base.rstrip("/"),
        public_url=settings.public_url.rstrip("/") if settings.public_url else None,
        content=TwilioContent(
            dict(section.quick_reply), dict(section.list_picker), approved(config)
        ),
        links_base=links_base.rstrip("/"),
    )
