"""The WhatsApp Cloud API channel's settings, read from the environment and ``bot.yaml`` and
checked at start.

Pure (no I/O, nothing of the connector), so that ``plan`` can decide whether the channel is on,
and report a broken variable as ``$NAME: problem``, before the connector is loaded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta

from pydantic import SecretStr

from bot.app.config import BotConfig, Settings, WhatsappPacing
from bot.errors import ConfigError

WEBHOOK_PATH = "/whatsapp/webhook"
MEDIA_PATH = "/whatsapp/media"
_PHONE_NUMBER_ID = re.compile(r"^[0-9]{1,32}$")
_TOKEN = re.compile(r"^[A-Za-z0-9_.|-]{8,4096}$")
_DIGITS = re.compile(r"^[1-9][0-9]{6,14}$")
_URL = re.compile(r"^https?://[^/?#\s]+(/[^?#\s]*)?$")
LIST_BUTTON = {"en": "Options", "pt": "Opções", "es": "Opciones"}
"""The label of the button that opens a list message (at most 20 characters), by language."""


@dataclass(frozen=True, slots=True)
class WhatsappSettings:
    """What the connector needs; the token and both secrets never appear in its ``repr``.

    ``phone_number_id`` is the business number's id in the Graph API (not the number itself):
    messages go out from it, and notifications for any other number of the same account are
    left alone. ``list_button`` opens a list message, in the bot's language.
    """

    access_token: str = field(repr=False)
    phone_number_id: str
    app_secret: str = field(repr=False)
    verify_token: str = field(repr=False)
    api_base: str = "https://graph.facebook.com"
    api_version: str = "v21.0"
    list_button: str = LIST_BUTTON["en"]
    timeout: float = 15.0
    links_base: str = "http://127.0.0.1:8080"
    pacing: WhatsappPacing = field(default_factory=WhatsappPacing)
    display_number: str | None = None
    """The business number customers write to, as digits (``WHATSAPP_DISPLAY_NUMBER``): what
    "continue on WhatsApp" links to (:mod:`connectors.whatsapp.invite`); without it, no link is
    offered."""
    replay_window: timedelta = timedelta(hours=24)
    """How old a notification's messages may be (the memory's deduplication window): see
    :mod:`.replay`."""

    @property
    def graph_url(self) -> str:
        """The Graph API's root for our version: ``{base}/{version}``."""
        return f"{self.api_base.rstrip('/')}/{self.api_version}"

    @property
    def messages_url(self) -> str:
        """Where messages are sent: ``{base}/{version}/{phone_number_id}/messages``."""
        return f"{self.graph_url}/{self.phone_number_id}/messages"


def missing(settings: Settings) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The WhatsApp variables that are missing, and those that are given."""
    values = {
        "WHATSAPP_ACCESS_TOKEN": _value(settings.whatsapp_access_token),
        "WHATSAPP_PHONE_NUMBER_ID": settings.whatsapp_phone_number_id,
        "WHATSAPP_APP_SECRET": _value(settings.whatsapp_app_secret),
        "WHATSAPP_VERIFY_TOKEN": _value(settings.whatsapp_verify_token),
    }
    absent = tuple(name for name, value in values.items() if not value)
    given = tuple(name for name, value in values.items() if value)
    return absent, given


def read_settings(config: BotConfig, settings: Settings, base_url: str) -> WhatsappSettings:
    """The settings of a channel whose variables are all set (see :func:`missing`); raises
    :class:`ConfigError` naming each malformed one, never its value."""
    token = _value(settings.whatsapp_access_token)
    number = settings.whatsapp_phone_number_id
    secret = _value(settings.whatsapp_app_secret)
    verify_token = _value(settings.whatsapp_verify_token)
    if token is None or number is None or secret is None or verify_token is None:
        raise ConfigError([f"${name}: not set" for name in missing(settings)[0]])
    problems = _problems(token, number, settings.whatsapp_api_base)
    display = settings.whatsapp_display_number
    shown = digits(display) if display else None
    if display and shown is None:
        problems.append(
            "$WHATSAPP_DISPLAY_NUMBER: the business number in international form, "
            "e.g. +55 11 91234-5678"
        )
    if problems:
        raise ConfigError(problems)
    return WhatsappSettings(
        access_token=token,
        phone_number_id=number,
        app_secret=secret,
        verify_token=verify_token,
        api_base=settings.whatsapp_api_base.rstrip("/"),
        api_version=config.channels.whatsapp.api_version,
        list_button=LIST_BUTTON.get(config.language.split("-")[0], LIST_BUTTON["en"]),
        links_base=(settings.public_url or base_url).rstrip("/"),
        pacing=config.channels.whatsapp.pacing,
        display_number=shown,
        replay_window=timedelta(hours=config.memory.dedup_window_hours),
    )


def digits(number: str) -> str | None:
    """The digits of a phone number written in international form (``+55 11 91234-5678``,
    ``5511912345678``), or ``None`` when it is not one."""
    compact = re.sub(r"[\s().-]", "", number).removeprefix("+")
    return compact if _DIGITS.match(compact) else None


def _problems(token: str, number: str, api_base: str) -> list[str]:
    problems = []
    if not _TOKEN.match(token):
        problems.append("$WHATSAPP_ACCESS_TOKEN: not an access token (copy it whole from Meta)")
    if not _PHONE_NUMBER_ID.match(number):
        problems.append(
            "$WHATSAPP_PHONE_NUMBER_ID: the phone number's id in WhatsApp Manager (digits), "
            "not the number itself"
        )
    if not _URL.match(api_base):
        problems.append("$WHATSAPP_API_BASE: must be an http(s) URL")
    return problems


def _value(secret: SecretStr | None) -> str | None:
    return secret.get_secret_value() if secret else None
