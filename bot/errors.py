"""The project's own exceptions: one root, translated from vendor errors at each boundary."""

from __future__ import annotations

from bot.format.receipts import Receipt


class OmnibotError(Exception):
    """Root of every error omnibot raises on purpose."""


class ConfigError(OmnibotError):
    """Configuration or a bot folder is invalid; ``problems`` holds one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


class MemoryUnavailable(OmnibotError):
    """The shared memory cannot be reached; nothing was written."""


class LeaseLost(OmnibotError):
    """This worker no longer holds the customer's turn lease; its turn was not committed."""


class InboxFull(OmnibotError):
    """A customer's inbox holds too many unprocessed events; the sender should retry later."""


class InboundRejected(OmnibotError):
    """An inbound request is malformed or forged; ``status`` is the HTTP status to answer."""

    def __init__(self, status: int, reason: str) -> None:
        self.status = status
        self.reason = reason
        super().__init__(f"{status}: {reason}")


class DeliveryError(OmnibotError):
    """A message could not be delivered to a channel.

    ``sent`` holds the receipts of the messages of the same send that the channel did accept
    before the failure, so that a retry sends only the rest.
    """

    retryable = False

    def __init__(self, message: str, sent: tuple[Receipt, ...] = ()) -> None:
        self.sent = sent
        super().__init__(message)


class Unreachable(DeliveryError):
    """The address will not accept messages (bot blocked, number opted out or invalid)."""


class WindowClosed(Unreachable):
    """The channel's customer-service window is closed: only an approved template may go until
    the customer writes again (WhatsApp's re-engagement error, 131047)."""


class RateLimited(DeliveryError):
    """The channel asked us to slow down; ``retry_after`` is in seconds."""

    retryable = True
    retry_after: float

    def __init__(self, message: str, retry_after: float, sent: tuple[Receipt, ...] = ()) -> None:
        self.retry_after = retry_after
        super().__init__(message, sent)


class TemporaryDeliveryError(DeliveryError):
    """A network error or a 5xx from the channel: worth retrying later."""

    retryable = True


class ChannelMisconfigured(DeliveryError):
    """The channel refused our credentials or the target (``invalid_auth``, ``not_in_channel``)."""
