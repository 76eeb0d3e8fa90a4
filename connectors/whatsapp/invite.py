""" "Continue on WhatsApp": a ``wa.me`` link that opens a chat with the business number, with
the link code already typed.

``https://wa.me/<digits>?text=link%2012345678`` opens WhatsApp (the app on a phone, WhatsApp Web
elsewhere) on a chat with the business, the words ``link 12345678`` in the box; sending them
presents the code like any typed ``link <code>`` (:mod:`bot.identity.link_codes`), at any point
of a conversation, and the consent rules decide what it joins. The link is plain ASCII with no
spaces, short enough to print or to show as a QR code as it is.
"""

from __future__ import annotations

from urllib.parse import quote

WA_ME = "https://wa.me/"
WORD = "link"
"""The word before the code: one of those a typed code is recognised by in every language."""


def invite_link(number: str, code: str) -> str:
    """The ``wa.me`` link to ``number`` (its digits) with ``link <code>`` typed in."""
    return f"{WA_ME}{number}?text={quote(f'{WORD} {code}', safe='')}"
