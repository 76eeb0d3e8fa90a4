"""Who is asking: the key under which a limit counts one client, however many sessions it opens.

A web chat or Direct Line client can open anonymous sessions at will, each one a new customer;
what it cannot change as easily is the network address the server sees it at. Limits that must
hold per client (new anonymous customers, typed link codes, one-time codes) count by that
address's **source**: the peer of the connection, or, when that peer is a proxy named in
``OMNIBOT_TRUSTED_PROXIES``, the address the proxy says it forwarded for (``X-Forwarded-For``,
read from the right: the nearest address that is not a trusted proxy itself; the left of it is
whatever the client wrote, and proves nothing). An IPv6 client is its /64, since one subscriber
is given a whole /64 and may use any address in it.

Without trusted proxies, ``X-Forwarded-For`` is ignored (anyone can write one) and every client
behind one proxy is one source: name the proxies so that the limits see the clients.

Events carry their client as a digest of the source (:func:`client_source`), so that the
records and logs that hold it do not hold the address. Channels whose webhooks come from the
vendor (Telegram, Slack, SMS) have no client address of their own: there the channel identity
is the source (:func:`source_of`), and a new one costs a new account or SIM.
"""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

from aiohttp import web

from bot.format.messages import InboundEvent, SystemEvent
from bot.http.untrusted import headers

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
UNKNOWN = "unknown"
"""The source of a request whose peer has no IP address (a Unix socket)."""


def parse_networks(entries: Iterable[str]) -> tuple[Network, ...]:
    """Addresses and networks (``10.0.0.0/8``, ``::1``); raises :class:`ValueError` naming the
    entry that is neither."""
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError as exc:
            raise ValueError(f"{entry!r} is not an IP address or network") from exc
    return tuple(networks)


@dataclass(frozen=True, slots=True)
class Sources:
    """Finds a request's source, believing ``X-Forwarded-For`` from ``trusted`` proxies only."""

    trusted: tuple[Network, ...] = ()

    def of(self, request: web.BaseRequest) -> str:
        """The source of ``request``: an IPv4 address, or an IPv6 /64."""
        nearest = _address(request.remote)
        if nearest is None:
            return UNKNOWN
        if self._trusts(nearest):
            forwarded = ",".join(headers(request, "X-Forwarded-For"))
            for hop in reversed(forwarded.split(",")):
                address = _address(hop.strip())
                if address is None:
                    break  # a proxy of ours wrote nothing like this: believe no further
                nearest = address
                if not self._trusts(address):
                    break
        return _group(nearest)

    def _trusts(self, address: Address) -> bool:
        return any(address in network for network in self.trusted)


SOURCES = web.AppKey("sources", Sources)


def request_source(request: web.Request) -> str:
    """The source of ``request``, as the application's :class:`Sources` finds it."""
    return request.config_dict.get(SOURCES, Sources()).of(request)


def client_source(source: str | None) -> str | None:
    """The digest an event carries for a client at ``source`` (an address or a source as
    :func:`request_source` gives it; ``None`` when unknown)."""
    if not source:
        return None
    address = _address(source)
    return _digest(_group(address) if address is not None else source)


def source_of(item: InboundEvent | SystemEvent, customer_id: str) -> str:
    """Who presented ``item``: its client, else the sender's channel identity; a turn the bot
    started itself (a timer, a resume) counts as the customer's own."""
    if isinstance(item, SystemEvent):
        return f"customer:{customer_id}"
    return item.client or item.sender.key


def _address(text: str | None) -> Address | None:
    if not text:
        return None
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _group(address: Address) -> str:
    if isinstance(address, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def _digest(value: str) -> str:
    return "ip:" + hashlib.sha256(f"omnibot-client\x00{value}".encode()).hexdigest()[:32]
