"""The customer's own words in a reply: the quoted history and the signature cut off.

``mail-parser-reply`` knows the quote headers of English and a dozen other languages, and
signatures; it does not know Portuguese ("Em seg., 23 de nov. de 2026 às 10:15, Loja
<loja@exemplo.com> escreveu:"), so that header (which mail clients may wrap over two lines)
is cut here first, and so is the standard signature delimiter (a line of ``-- ``, RFC 3676),
which the library leaves in.
"""

from __future__ import annotations

import re

from mailparser_reply import EmailReplyParser  # type: ignore[import-untyped]

LANGUAGES = ["en", "de", "es", "fr", "it", "nl"]
_PORTUGUESE = re.compile(r"^[ \t]*Em [^\n]{4,200}(?:\n[^\n]{0,200})?escreveu:[ \t]*$", re.MULTILINE)
_SIGNATURE = re.compile(r"^-- ?$", re.MULTILINE)
_PARSER = EmailReplyParser(languages=LANGUAGES)


def reply_text(text: str) -> str:
    """``text`` without what it quotes; the whole text when nothing is left after cutting
    (a message that is all quote is better read whole than lost)."""
    text = text.replace("\r\n", "\n")
    portuguese = _PORTUGUESE.search(text)
    if portuguese is not None:
        text = text[: portuguese.start()]
    signature = _SIGNATURE.search(text)
    if signature is not None:
        text = text[: signature.start()]
    trimmed = str(_PARSER.parse_reply(text=text) or "").strip()
    if not trimmed:
        trimmed = "\n".join(line for line in text.splitlines() if not line.startswith(">"))
    return trimmed.strip()
