"""What every connector looks like, and what it may ask of the core.

A channel is a package, ``connectors/<channel>/``, cut from one pattern, so that reading one
teaches all (``docs/connectors.md`` says how to add one). The same roles have the same module and
function names in every channel:

``__init__.py``
    ``plan(config, settings, base_url)``: on or off, from ``bot.yaml`` and the environment
    (:mod:`connectors.registry` calls it); it imports the settings only, and the connector, with
    its vendor's SDK, once the channel is on.
``settings.py``
    ``<Channel>Settings``, a frozen dataclass whose secrets stay out of its ``repr``;
    ``missing(settings)``, the credentials not set (when the channel needs any); and
    ``read_settings(config, settings, base_url)``, the settings checked at start (a
    :class:`~bot.errors.ConfigError` naming each malformed variable). No vendor SDK.
``inbound.py``
    Pure functions from what the vendor sends to the common format: ``verify`` (the request is
    the vendor's, for this bot: a signature or a secret, checked in constant time; raises
    :class:`~bot.errors.InboundRejected`, 401 or 403), ``read`` where the body is first typed
    as the vendor's own models (a 400 for a malformed one), and ``parse`` (the typed payload
    into an :class:`~bot.format.messages.InboundEvent`, or nothing for what the bot leaves).
``outbound.py``
    ``render``: a message, already degraded by the core to the connector's
    :class:`~bot.format.capabilities.Capabilities`, in the vendor's syntax and limits (pure).
``client.py``
    The vendor's API: every call, on one connection pool, and each failure translated once into
    a :class:`~bot.errors.DeliveryError` kind, by the vendor's table read the same way for every
    channel (:mod:`connectors.refusals`), so that the core decides about retrying for all. (The
    web chat has no vendor: its client tells the pages over the bus to read the transcript.)
``connector.py``
    The :class:`Connector`: its routes (verify, parse, :meth:`Inbox.submit`, then acknowledge,
    as :mod:`connectors.webhook` answers for every channel), start and stop, and ``send``
    (render, then the client, message after message: :mod:`connectors.sending`).

What only one channel has lives beside these under a name that says it (Telegram's file links
and long polling, the SMS compliance keywords, the web chat's socket, Slack's agent desk as
``desk_inbound.py``/``desk_outbound.py``), and a second front end of one channel is a
subpackage of the same shape (the web chat's ``directline/``).

A connector renders nothing itself beyond its vendor's syntax: the core has already degraded
messages to its capabilities. A button press is submitted as the channel reports it: a
``button`` event with the payload and, if the channel gives it, the button's title as ``text``.
Whether the press counts is not the connector's to decide, and no check of its own makes a
payload trustworthy: the pipeline honours only payloads the bot offered in its latest message,
and reads any other press as its typed title (:func:`bot.format.offered.interpret`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from aiohttp import web

from bot.format.capabilities import Capabilities
from bot.format.messages import Address, ChannelIdentity, InboundEvent, SystemEvent
from bot.format.outbound import OutboundMessage
from bot.format.receipts import Receipt
from bot.turn.bus import Bus
from bot.turn.store import Bucket

__all__ = ["Connector", "Core", "Inbox", "Outgoing", "Receipt", "Submission", "SubmitResult"]
from bot.format.transcript import Logged, StatusEntry
from bot.identity.visibility import Page

if TYPE_CHECKING:
    from bot.desk.handoff import DeskKeeper
    from bot.turn.window import WindowState


class SubmitResult(StrEnum):
    """What the core did with a submitted event."""

    ACCEPTED = "accepted"
    DUPLICATE = "duplicate"
    BUSY = "busy"


@dataclass(frozen=True, slots=True)
class Submission:
    """The answer to :meth:`Inbox.submit`: the input is durably queued unless ``BUSY``."""

    result: SubmitResult
    customer_id: str


class Inbox(Protocol):
    """Where inbound events go."""

    async def submit(self, event: InboundEvent) -> Submission:
        """Record ``event`` durably and schedule its turn; returns once it is safe to ack."""
        ...


class Core(Inbox, Protocol):
    """The core as connectors see it: submit events, read conversations, hear of changes."""

    @property
    def bus(self) -> Bus:
        """Notifications across workers."""
        ...

    async def customer_of(self, identity: ChannelIdentity) -> str | None:
        """The customer an identity belongs to, if any (without creating one)."""
        ...

    def presents_code(self, event: InboundEvent) -> bool:
        """Whether the core would take ``event`` as presenting a link code someone could guess
        (a code, not a link's token): a connector whose identities cost nothing limits these
        per client address, which only it knows."""
        ...

    async def allow(self, key: str, burst: int, per_second: float) -> bool:
        """Take one from the token bucket ``key`` in the shared memory (``burst`` at once, then
        ``per_second``), which every worker draws on; ``False`` when it is empty. For the
        limits a connector keeps (how fast one conversation may send)."""
        ...

    async def allow_all(self, buckets: Sequence[Bucket]) -> float:
        """Take one from every bucket or from none, in one step on the shared memory: ``0.0``
        when all were taken, else the seconds until all could be. Their keys share one hash
        tag (:class:`~bot.turn.store.Bucket`)."""
        ...

    async def entries(self, customer_id: str, after: str | None, limit: int) -> list[Logged]:
        """A customer's transcript entries after the id ``after`` (the newest when ``None``)."""
        ...

    async def keep_file(self, kind: str, digest: str, data: bytes, ttl: timedelta) -> bool:
        """Keep a file the channel cannot fetch again later (an e-mail attachment) under its
        ``digest`` in the shared memory for ``ttl``; written once however often it arrives
        (``True`` when this call wrote it)."""
        ...

    async def kept_file(self, kind: str, digest: str) -> bytes | None:
        """A file :meth:`keep_file` keeps, or ``None`` once it has expired."""
        ...

    async def shown(
        self, customer_id: str, identity: ChannelIdentity, after: str | None, limit: int
    ) -> Page:
        """Like :meth:`entries`, as a customer's page for ``identity`` may show them: its own
        side's past and everything since each join (see :mod:`bot.identity.visibility`)."""
        ...

    async def record(self, customer_id: str, statuses: Sequence[StatusEntry]) -> None:
        """Add what became of sent messages (a delivery report) to the customer's transcript."""
        ...

    async def notify(self, customer_id: str, event: SystemEvent) -> Submission:
        """Queue a system event (an agent's action from another desk) for a customer's turn."""
        ...

    async def page_open(self, customer_id: str, channel: str, page: str, ttl: timedelta) -> None:
        """A page of ``customer_id``'s on ``channel`` (a live one) is open, for ``ttl`` unless
        said again: the business may write there meanwhile (:mod:`bot.turn.presence`). ``page``
        is an id the connector drew, and ``customer_id`` the one the page's own verified
        identity belongs to, never what a client says."""
        ...

    async def page_closed(self, customer_id: str, channel: str, page: str) -> None:
        """The page :meth:`page_open` named has closed."""
        ...

    async def window_of(self, customer_id: str) -> WindowState | None:
        """The customer-service window of the channel the customer last wrote on, now, and what
        a reply becomes if it is closed (what the agent console shows; ``None`` if that channel
        keeps none, or there is no such customer)."""
        ...

    @property
    def desk(self) -> DeskKeeper:
        """The agent desk: a connector that is also a place agents work joins it."""
        ...


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One rendered message with the id the transcript knows it by."""

    message_id: str
    message: OutboundMessage


class Connector(ABC):
    """A channel: inbound routes, capabilities, and sending."""

    channel: str
    capabilities: Capabilities
    live: bool = False
    """Whether customers keep pages open on this channel that show their conversation as it
    goes, on every channel (the web chat): the core then tells them of every change."""

    def routes(self) -> Sequence[web.RouteDef]:
        """The HTTP routes this connector serves (none by default)."""
        return ()

    @abstractmethod
    async def start(self, core: Core) -> None:
        """Remember where inbound events go; start background work (polling, webhook
        registration) if the channel has any."""

    async def closing(self) -> None:  # noqa: B027 - most connectors hold no connections
        """The server stops accepting requests: close long-lived connections (websockets) so
        that in-flight requests can finish."""

    async def stop(self) -> None:  # noqa: B027 - most connectors need no shutdown
        """Stop background work and close clients."""

    def invite(self, code: str, token: str) -> str | None:
        """How a customer continues on this channel with a link code (see
        :mod:`bot.identity.link_codes`): a deep link or URL carrying ``token``, or the number to
        text ``code`` to; ``None`` when the channel has no such way."""
        return None

    def invitation(self, contact: str, token: str) -> Address | None:
        """Where a message inviting ``contact`` (an address on this channel the customer typed,
        not one it vouches for) to continue here goes, so that answering it presents ``token``;
        ``None`` when the channel has no such way or ``contact`` is none of its addresses."""
        return None

    @abstractmethod
    async def send(self, address: Address, messages: Sequence[Outgoing]) -> list[Receipt]:
        """Send ``messages`` in order; raise a :class:`~bot.errors.DeliveryError` on failure."""
