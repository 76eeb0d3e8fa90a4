"""Whether a message's ``From`` is vouched for by our receiving server: pure functions.

Anyone can write any ``From``. What our receiving server checked is written in the
``Authentication-Results`` header it adds on top of the message (RFC 8601). Only the topmost
such header counts, and only when its authserv-id is ``EMAIL_TRUSTED_AUTHSERV_ID``: headers
further down were written by whoever sent the message, and say whatever they like. The address
is verified when that header says ``dmarc=pass`` for the From domain, or ``dkim=pass`` with a
signing domain aligned with it (the same domain, or one it is a subdomain of).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.message import EmailMessage

_COMMENT = re.compile(r"\([^()]*\)")


@dataclass(frozen=True, slots=True)
class Result:
    """One ``method=result`` of an Authentication-Results header, with its properties."""

    method: str
    result: str
    properties: dict[str, str]


def results(value: str) -> tuple[str, list[Result]]:
    """The authserv-id and the results of one Authentication-Results header's value."""
    for _ in range(5):  # nested comments, innermost first
        value = _COMMENT.sub(" ", value)
    authserv, *rest = value.split(";")
    found = []
    for part in rest:
        words = part.split()
        if not words or "=" not in words[0]:
            continue
        method, _, result = words[0].partition("=")
        properties = {}
        for word in words[1:]:
            key, sep, prop = word.partition("=")
            if sep:
                properties[key.lower()] = prop.strip('"').lower()
        found.append(Result(method.lower(), result.lower(), properties))
    words = authserv.split()
    return (words[0].lower() if words else ""), found


def verified_sender(message: EmailMessage, sender: str, trusted: str) -> bool:
    """Whether ``sender`` (the one From address) passed DMARC, or aligned DKIM, by the topmost
    Authentication-Results header, written by ``trusted``."""
    headers = message.get_all("Authentication-Results") or []
    if not headers:
        return False
    authserv, found = results(str(headers[0]))
    if authserv != trusted.lower():
        return False
    domain = sender.rpartition("@")[2].lower()
    return any(_vouches(result, domain) for result in found)


def _vouches(result: Result, domain: str) -> bool:
    if result.result != "pass":
        return False
    if result.method == "dmarc":
        header_from = result.properties.get("header.from")
        return header_from is None or header_from == domain
    if result.method == "dkim":
        signer = (
            result.properties.get("header.d")
            or result.properties.get("header.i", "").rpartition("@")[2]
        )
        return bool(signer) and aligned(signer, domain)
    return False


def aligned(signer: str, domain: str) -> bool:
    """Relaxed alignment: the signing domain is the From domain or a parent of it (never a
    bare top-level one)."""
    signer = signer.lower().strip(".")
    return "." in signer and (domain == signer or domain.endswith("." + signer))
