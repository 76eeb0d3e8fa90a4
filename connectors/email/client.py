"""The SMTP server that sends our mail, through aiosmtplib: one connection a send, each failure
translated into a :class:`~bot.errors.DeliveryError` kind."""

from __future__ import annotations

from email.message import EmailMessage

import aiosmtplib

from bot.errors import ChannelMisconfigured, DeliveryError, TemporaryDeliveryError, Unreachable
from connectors.email.settings import SmtpServer


class SmtpClient:
    """Sends messages through ``server`` (STARTTLS on ``smtp://``, TLS on ``smtps://``)."""

    def __init__(self, server: SmtpServer, timeout: float, *, tls: bool = True) -> None:
        self._server = server
        self._timeout = timeout
        self._tls = tls

    async def send(self, message: EmailMessage) -> None:
        """Hand ``message`` to the server; raises :class:`DeliveryError`."""
        server = self._server
        try:
            await aiosmtplib.send(
                message,
                hostname=server.host,
                port=server.port,
                username=server.username,
                password=server.password,
                use_tls=self._tls and server.implicit_tls,
                start_tls=(not server.implicit_tls) if self._tls else False,
                timeout=self._timeout,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            raise Unreachable("the mail server refused the recipient") from exc
        except aiosmtplib.SMTPAuthenticationError as exc:
            raise ChannelMisconfigured("the mail server refused our credentials") from exc
        except aiosmtplib.SMTPResponseException as exc:
            if exc.code >= 500:
                raise DeliveryError(f"the mail server answered {exc.code}") from exc
            raise TemporaryDeliveryError(f"the mail server answered {exc.code}") from exc
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise TemporaryDeliveryError("the mail server cannot be reached") from exc
