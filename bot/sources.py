"""Who is asking: the key under which a limit counts one client, however many sessions it opens.

A web chat or Direct Line client can open anonymous sessions at will, each one a new customer;
what it cannot change as easily is the network address the server sees it at. Limits that must
hold per client (one-time codes, :mod:`bot.code_budget`) therefore count by that address: an
IPv4 address, or the /64 network of an IPv6 one (one subscriber is usually given a whole /64).
The key is a digest, so that the records and logs that carry it do not hold the address.

The address is the request's as this server sees it (``request.remote``): behind a reverse
proxy that is the proxy's own for every client, unless something in front of the application
rewrites it (see ``docs/deployment.md``).

Channels whose webhooks come from the vendor (Telegram, Slack, SMS) have no client address of
their own: there the channel identity is the source, and a new one costs a new account or SIM.
"""

from __future__ import annotations

import hashlib
import ipaddress

from bot.messages import InboundEvent, SystemEvent

_IPV6_SUBSCRIBER = 64


def client_source(remote: str | None) -> str | None:
    """The source key of a client seen at ``remote`` (``None`` when the address is unknown)."""
    if not remote:
        return None
    try:
        address = ipaddress.ip_address(remote)
    except ValueError:  # not an IP address (a Unix socket): count it as it is
        return _digest(remote)
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return _digest(str(address.ipv4_mapped))
        network = ipaddress.IPv6Network(f"{address}/{_IPV6_SUBSCRIBER}", strict=False)
        return _digest(str(network))
    return _digest(str(address))


def source_of(item: InboundEvent | SystemEvent, customer_id: str) -> str:
    """Who presented ``item``: its client, else the sender's channel identity; a turn the bot
    started itself (a timer, a resume) counts as the customer's own."""
    if isinstance(item, SystemEvent):
        return f"customer:{customer_id}"
    return item.client or item.sender.key


def _digest(value: str) -> str:
    return "ip:" + hashlib.sha256(f"omnibot-client\x00{value}".encode()).hexdigest()[:32]
