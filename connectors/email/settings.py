"""The e-mail channel's settings, read from the environment and checked at start.

``EMAIL_SMTP_URL`` says where mail goes out: ``smtp://user:password@host:587`` (STARTTLS) or
``smtps://user:password@host:465`` (TLS from the first byte); the password may be
percent-encoded. No vendor library is imported here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from email.errors import HeaderParseError
from email.headerregistry import Address as MailAddress
from urllib.parse import unquote, urlsplit

from bot.app.config import BotConfig, Settings
from bot.errors import ConfigError

CHANNEL = "email"
REQUIRED = ("EMAIL_SMTP_URL", "EMAIL_FROM", "EMAIL_INBOUND_TOKEN", "EMAIL_TRUSTED_AUTHSERV_ID")
_AUTHSERV = re.compile(r"^[A-Za-z0-9.-]{1,253}$")
MIN_TOKEN = 24


@dataclass(frozen=True, slots=True)
class SmtpServer:
    """Where mail goes out, and how: implicit TLS (``smtps``) or STARTTLS (``smtp``)."""

    host: str
    port: int
    implicit_tls: bool
    username: str | None = None
    password: str | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class EmailSettings:
    """See ``docs/connectors.md``; secrets stay out of the ``repr``."""

    smtp: SmtpServer
    sender: str
    inbound_token: str = field(repr=False)
    trusted_authserv_id: str
    bot_name: str = "omnibot"
    timeout: float = 30.0

    @property
    def domain(self) -> str:
        """The domain of the sender address: the right-hand side of our Message-IDs."""
        return self.sender.rpartition("@")[2].lower()


def missing(settings: Settings) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The e-mail variables that are missing, and those that are given."""
    values = {
        "EMAIL_SMTP_URL": settings.email_smtp_url,
        "EMAIL_FROM": settings.email_from,
        "EMAIL_INBOUND_TOKEN": settings.email_inbound_token,
        "EMAIL_TRUSTED_AUTHSERV_ID": settings.email_trusted_authserv_id,
    }
    absent = tuple(name for name, value in values.items() if not value)
    given = tuple(name for name, value in values.items() if value)
    return absent, given


def read_settings(config: BotConfig, settings: Settings) -> EmailSettings:
    """The settings of a channel whose variables are all set; raises :class:`ConfigError` with
    one line per malformed variable (never its value: two of them hold secrets)."""
    url, sender = settings.email_smtp_url, settings.email_from
    token, authserv = settings.email_inbound_token, settings.email_trusted_authserv_id
    if url is None or sender is None or token is None or authserv is None:
        raise ConfigError([f"${name}: needed for {CHANNEL}" for name in missing(settings)[0]])
    problems: list[str] = []
    smtp = parse_smtp_url(url.get_secret_value(), problems)
    if not plain_address(sender):
        problems.append("$EMAIL_FROM: a plain address, like shop@example.com")
    if len(token.get_secret_value()) < MIN_TOKEN:
        problems.append(f"$EMAIL_INBOUND_TOKEN: at least {MIN_TOKEN} characters")
    if not _AUTHSERV.match(authserv):
        problems.append("$EMAIL_TRUSTED_AUTHSERV_ID: the receiving server's name, mx.example.com")
    if problems or smtp is None:
        raise ConfigError(problems)
    return EmailSettings(smtp, sender, token.get_secret_value(), authserv.lower(), config.name)


def parse_smtp_url(url: str, problems: list[str]) -> SmtpServer | None:
    """``smtp://`` or ``smtps://`` with a host, an optional port and credentials; a problem is
    added (without the URL, which holds the password) when it is not one."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        parts, port = None, None
    if parts is None or parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        problems.append("$EMAIL_SMTP_URL: smtp://user:password@host:587 or smtps://...:465")
        return None
    implicit = parts.scheme == "smtps"
    username = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password else None
    return SmtpServer(
        parts.hostname, port or (465 if implicit else 587), implicit, username, password
    )


def plain_address(value: str) -> bool:
    """Whether ``value`` is one bare address (``local@domain``), as the standard library reads
    it."""
    if len(value) > 254 or "@" not in value:
        return False
    try:
        local, _, domain = value.rpartition("@")
        return bool(
            MailAddress(username=local, domain=domain).addr_spec == value
            and local
            and "." in domain
        )
    except (HeaderParseError, ValueError, IndexError):
        return False
