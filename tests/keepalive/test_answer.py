"""Reading an answer's head and chunked body from bytes as they come, one at a time if need be."""

from __future__ import annotations

import pytest

from connectors.http_answer import Chunks, Head, Malformed, head_end, parse_head


@pytest.mark.parametrize(
    ("raw", "head"),
    [
        (b"HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n", Head(200, 12, False, True)),
        (b"HTTP/1.1 200 OK\r\ncontent-length:  3 \r\n\r\n", Head(200, 3, False, True)),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: Close\r\n\r\n",
         Head(200, 3, False, False)),
        (b"HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\n", Head(200, 3, False, False)),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\n", Head(200, None, True, True)),
        (b"HTTP/1.1 200 OK\r\n\r\n", Head(200, None, False, False)),
        (b"HTTP/1.1 204 No Content\r\n\r\n", Head(204, 0, False, True)),
        (b"HTTP/1.1 502\r\nContent-Length: 0\r\n\r\n", Head(502, 0, False, True)),
    ],
)  # fmt: skip
def test_a_head_says_how_its_body_is_framed(raw: bytes, head: Head) -> None:
    assert head_end(bytearray(raw + b"rest")) == len(raw)
    assert parse_head(raw) == head


def test_a_head_still_coming_is_waited_for_until_the_cap() -> None:
    assert head_end(bytearray(b"HTTP/1.1 200 OK\r\nContent-")) == -1
    with pytest.raises(Malformed, match="a head over"):
        head_end(bytearray(b"HTTP/1.1 200 OK\r\n" + b"x" * 20_000))


def test_a_header_line_without_a_name_is_refused() -> None:
    with pytest.raises(Malformed):
        parse_head(b"HTTP/1.1 200 OK\r\n folded: value\r\n\r\n")


def test_chunks_arriving_a_byte_at_a_time_make_the_body() -> None:
    wire = b"4\r\nWiki\r\n6;x=y\r\npedia \r\nE\r\nin \r\n\r\nchunks.\r\n"
    wire += b"0\r\nExpires: never\r\n\r\nNEXT"
    chunks, buffer = Chunks(limit=100), bytearray()
    for byte in wire[:-4]:
        assert not chunks.done
        buffer.append(byte)
        chunks.feed(buffer)
    assert chunks.done
    assert bytes(chunks.body) == b"Wikipedia in \r\n\r\nchunks."
    buffer += b"NEXT"
    chunks.feed(buffer)
    assert buffer == b"NEXT"


@pytest.mark.parametrize(
    ("wire", "why"),
    [
        (b"5\r\nhelloXX0\r\n\r\n", "not ended by CRLF"),
        (b"-5\r\nhello\r\n", "not hexadecimal"),
        (b"65\r\n", "over 50 bytes"),
        (b"f" * 2000, "too long"),
    ],
)
def test_a_broken_or_oversize_chunk_is_refused(wire: bytes, why: str) -> None:
    with pytest.raises(Malformed, match=why):
        Chunks(limit=50).feed(bytearray(wire))
