"""What hostile received mail is made of, and how it is posted to ``POST /email/inbound`` as a
mail server's pipe posts it: raw MIME with the bearer token.

Mail is assembled byte by byte rather than with the standard library, so that it can be wrong
wherever a sender can make it wrong: headers in any encoding and charset (encoded words naming
charsets nobody knows), folded or not, huge or many; bodies in a transfer encoding they do not
follow, multiparts with a boundary that never comes, reports that say they are bounces.
"""

from __future__ import annotations

import base64

from hypothesis import strategies as st

from tests.email.kit import AUTHSERV, BOT_ADDRESS, CUSTOMER
from tests.fuzz.kit import EMAIL_TOKEN, Everything
from tests.fuzz.strategies import mostly, texts

INBOUND = "/email/inbound"
MIME = "message/rfc822"
DOMAIN = BOT_ADDRESS.rpartition("@")[2]

charsets = st.sampled_from(
    ["utf-8", "us-ascii", "iso-8859-1", "windows-1252", "utf-16", "gb2312", "utf-7", "x-nope", ""]
)
encoded_words = st.builds(
    lambda charset, encoding, text: f"=?{charset}?{encoding}?{text}?=",
    charsets,
    st.sampled_from(["q", "b", "Q", "B", "x"]),
    st.one_of(
        texts,
        texts.map(lambda t: base64.b64encode(t.encode()).decode()),
        st.sampled_from(["=FF=FE", "!!!", "=", "QW5h"]),
    ),
)
header_values = st.one_of(
    texts,
    encoded_words,
    st.lists(encoded_words | texts, min_size=2, max_size=4).map(" ".join),
    texts.map(lambda t: "a\r\n " + t),  # folded
)
"""A header's value: any text, encoded words in any charset, folded."""

addresses = st.one_of(
    st.sampled_from(
        [
            CUSTOMER,
            f"Ana <{CUSTOMER}>",
            f"=?utf-8?b?QW5h?= <{CUSTOMER}>",
            f"=?x-nope?q?Ana?= <{CUSTOMER}>",
            f'"Ana \\" Silva" <{CUSTOMER}>',
            f"a@b.example, {CUSTOMER}",
            "undisclosed-recipients:;",
            "MAILER-DAEMON@mx.example",
            BOT_ADDRESS,
            "<>",
            "@",
            "ana@",
            "ana@[127.0.0.1]",
            "ана@пример.example",
            "ana@customer.example (comment",
        ]
    ),
    header_values,
)
ours = st.builds(
    lambda thread, random, domain: f"<omnibot.{thread}.{random}@{domain}>",
    st.from_regex(r"[0-9a-f]{32}", fullmatch=True),
    st.from_regex(r"[0-9a-f]{16,64}", fullmatch=True),
    st.sampled_from([DOMAIN, "evil.example"]),
)
message_ids = st.one_of(
    ours, st.from_regex(r"<[a-z0-9.]{1,20}@[a-z.]{1,20}>", fullmatch=True), header_values
)
verdicts = st.sampled_from(
    [
        "dmarc=pass header.from=customer.example",
        "dkim=pass header.d=customer.example header.i=@customer.example",
        "dkim=pass header.d=evil.example",
        "dmarc=fail header.from=customer.example",
        "spf=pass smtp.mailfrom=customer.example",
        "none",
        "dmarc=pass",
    ]
)
authentication = st.builds(
    lambda server, verdict: f"{server}; {verdict}",
    st.sampled_from([AUTHSERV, AUTHSERV.upper(), "mx.evil.example", ""]),
    verdicts | header_values,
)
boundary = "b0undary"
content_types = st.one_of(
    st.sampled_from(
        [
            "text/plain",
            "text/html",
            f'multipart/alternative; boundary="{boundary}"',
            f'multipart/mixed; boundary="{boundary}"',
            f'multipart/report; report-type=delivery-status; boundary="{boundary}"',
            "multipart/mixed",
            "message/rfc822",
            "message/delivery-status",
            "application/octet-stream",
            'text/plain; charset="',
        ]
    ).flatmap(lambda kind: charsets.map(lambda c: f"{kind}; charset={c}" if c else kind)),
    header_values,
)
transfer_encodings = st.sampled_from(
    ["7bit", "8bit", "binary", "base64", "quoted-printable", "x-uuencode", "BASE64 junk"]
)
senders = st.sampled_from([CUSTOMER, f"Ana <{CUSTOMER}>", "bia@other.example"])
headers = st.fixed_dictionaries(
    {"From": mostly(senders, addresses)},
    optional={
        "To": addresses,
        "Subject": header_values | st.sampled_from(["unsubscribe", "STOP", "Re: Store · #3F9A2C"]),
        "Message-ID": message_ids,
        "In-Reply-To": message_ids,
        "References": st.lists(message_ids, max_size=4).map(" ".join),
        "Authentication-Results": authentication,
        "Auto-Submitted": st.sampled_from(["no", "auto-replied", "auto-generated", ""]) | texts,
        "Precedence": st.sampled_from(["bulk", "list", "junk", "first-class"]) | texts,
        "X-Autoreply": texts,
        "MIME-Version": st.sampled_from(["1.0", "2.0", ""]),
        "Content-Type": content_types,
        "Content-Transfer-Encoding": transfer_encodings | texts,
        "Content-Disposition": st.sampled_from(
            ['attachment; filename="a.pdf"', "inline", "attachment; filename*=x-nope''%FF"]
        ),
    },
)


def encoded(text: str, charset: str) -> bytes:
    """``text`` in ``charset`` where it can be, UTF-8 where it cannot."""
    try:
        return text.encode(charset or "utf-8")
    except (LookupError, UnicodeEncodeError):
        return text.encode("utf-8", "surrogatepass")


leaves = st.one_of(
    st.builds(encoded, texts, charsets),
    texts.map(lambda t: base64.b64encode(t.encode()) + b"\r\n"),
    st.sampled_from([b"=?=\r\n=", b"====", b"<html><body><p>hi<br>there", b"\x00\xff\xfe"]),
    st.binary(max_size=200),
)


def part(kind: str, payload: bytes) -> bytes:
    return f"Content-Type: {kind}\r\n\r\n".encode() + payload


def multipart(parts: list[bytes], closed: bool) -> bytes:
    """Parts between boundaries; the closing one only when ``closed``."""
    joined = b"".join(f"--{boundary}\r\n".encode() + p + b"\r\n" for p in parts)
    return joined + (f"--{boundary}--\r\n".encode() if closed else b"")


bodies = st.recursive(
    leaves,
    lambda inner: st.builds(
        multipart,
        st.lists(
            st.builds(
                part,
                st.sampled_from(
                    [
                        "text/plain; charset=utf-8",
                        "text/html; charset=iso-8859-1",
                        "message/rfc822",
                        "message/delivery-status",
                        "text/rfc822-headers",
                        "image/png",
                        f'multipart/mixed; boundary="{boundary}"',
                    ]
                ),
                inner,
            ),
            max_size=4,
        ),
        st.booleans(),
    ),
    max_leaves=6,
)
"""A mail's body: text in any charset, base64 or not, multiparts nested and left open."""


def assemble(fields: dict[str, str], body: bytes, charset: str, newline: bytes) -> bytes:
    """The raw mail: its headers written in ``charset`` (as 8-bit senders do), then ``body``."""
    head = newline.join(encoded(f"{name}: {value}", charset) for name, value in fields.items())
    return head + newline + newline + body


mails = st.builds(assemble, headers, bodies, charsets, st.sampled_from([b"\r\n", b"\n", b"\r"]))
"""Raw mail nearly right: every header a receiving server passes on, wrong here and there."""

huge = st.one_of(
    st.integers(1, 2_000).map(lambda n: f"From: {CUSTOMER}\r\nSubject: {'x' * n * 40}\r\n\r\nhi"),
    st.integers(1, 20_000).map(lambda n: f"From: {CUSTOMER}\r\n" + "X-A: b\r\n" * n + "\r\nhi"),
    st.integers(1, 5_000).map(
        lambda n: f"From: {CUSTOMER}\r\nSubject: a" + "\r\n b" * n + "\r\n\r\nhi"
    ),
    st.integers(1, 2_000).map(
        lambda n: f"From: {CUSTOMER}\r\nReferences: " + "<a@b> " * n * 10 + "\r\n\r\nhi"
    ),
    st.integers(1, 500).map(lambda n: f"From: {CUSTOMER} " + "(a(b(c)))" * n + "\r\n\r\nhi"),
    st.integers(1, 100).map(
        lambda n: (
            f"From: {CUSTOMER}\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
            + ("--b\r\nContent-Type: text/plain; " + "a=b; " * 150 + "\r\n\r\nx\r\n") * n
            + "--b--\r\n"
        )
    ),
).map(lambda text: text.encode())
"""Mail with one header as long as the body may be, thousands of headers, deep folding, nested
comments, or many parts with long parameters: both sides of the limits of
:func:`connectors.email.inbound.read`."""


async def post(
    bot: Everything,
    body: bytes,
    authorization: str | None = f"Bearer {EMAIL_TOKEN}",
    content_type: str | None = MIME,
) -> int:
    """Post ``body`` as a receiving server does; ``None`` leaves a header out."""
    sent = {"Authorization": authorization, "Content-Type": content_type}
    answer = await bot.request(
        "POST", INBOUND, body, {k: v for k, v in sent.items() if v is not None}
    )
    return answer.status
