"""Reading an HTTP/1.1 answer out of bytes as they arrive: the head, then a body framed by
``Content-Length``, by chunks, or by the end of the connection.

The vendor is trusted no more than anyone else: the head is capped (:data:`HEAD_LIMIT`), the
body is capped by the caller, a head that frames its body two ways or in a way not known here is
refused, and any refusal is a :class:`Malformed` whose message quotes nothing the server sent.
Pure functions over a buffer, so that :mod:`connectors.keepalive` only moves bytes.
"""

from __future__ import annotations

from dataclasses import dataclass

HEAD_LIMIT = 16 * 1024
"""The most bytes a status line and headers may take."""
CHUNK_LINE_LIMIT = 1024
"""The most bytes a chunk's size line (with its extensions) may take."""
_HEX = frozenset(b"0123456789abcdefABCDEF")
_NO_BODY = frozenset({204, 304})


class Malformed(Exception):
    """The answer is not HTTP/1.1 as this client reads it, or it is larger than allowed."""


@dataclass(frozen=True, slots=True)
class Head:
    """An answer's status line and the headers that frame its body.

    ``length`` is ``None`` when the body is chunked or runs to the end of the connection;
    ``reusable``: the connection may carry another request once this body is read.
    """

    status: int
    length: int | None
    chunked: bool
    reusable: bool

    @property
    def to_close(self) -> bool:
        """The body runs to the end of the connection."""
        return self.length is None and not self.chunked


def head_end(buffer: bytearray) -> int:
    """Where the head in ``buffer`` ends (past its blank line), or -1 if it has not all come."""
    end = buffer.find(b"\r\n\r\n", 0, HEAD_LIMIT + 4)
    if end < 0:
        if len(buffer) > HEAD_LIMIT:
            raise Malformed(f"a head over {HEAD_LIMIT} bytes")
        return -1
    return end + 4


def parse_head(raw: bytes) -> Head:
    """The :class:`Head` of ``raw``, a status line and headers ending in a blank line."""
    status_line, *lines = raw[:-4].split(b"\r\n")
    version, _, rest = status_line.partition(b" ")
    code = rest[:3]
    if version not in (b"HTTP/1.1", b"HTTP/1.0") or len(code) != 3 or not code.isdigit():
        raise Malformed("not an HTTP/1.1 status line")
    status = int(code)
    lengths: set[bytes] = set()
    codings: list[bytes] = []
    close = version == b"HTTP/1.0"
    for line in lines:
        name, colon, value = line.partition(b":")
        if not colon or not name or name != name.strip():
            raise Malformed("a header line without a name")
        lowered = name.lower()
        if lowered == b"content-length":
            lengths.add(value.strip())
        elif lowered == b"transfer-encoding":
            codings.extend(part.strip().lower() for part in value.split(b","))
        elif lowered == b"connection":
            close = close or b"close" in value.lower()
    return _framed(status, lengths, codings, close)


def _framed(status: int, lengths: set[bytes], codings: list[bytes], close: bool) -> Head:
    if status in _NO_BODY or 100 <= status < 200:
        return Head(status, 0, chunked=False, reusable=not close)
    if codings:
        if lengths or codings != [b"chunked"]:
            raise Malformed("a body framed in a way this client does not read")
        return Head(status, None, chunked=True, reusable=not close)
    if not lengths:
        return Head(status, None, chunked=False, reusable=False)
    if len(lengths) > 1:
        raise Malformed("conflicting Content-Length headers")
    (length,) = lengths
    if not length.isdigit() or len(length) > 18:
        raise Malformed("a Content-Length that is not a number")
    return Head(status, int(length), chunked=False, reusable=not close)


class Chunks:
    """A chunked body, decoded as its bytes arrive; at most ``limit`` bytes of it."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self.body = bytearray()
        self.done = False
        self._trailers = False

    def feed(self, buffer: bytearray) -> None:
        """Take what can be decoded from the front of ``buffer`` (what is taken is removed)."""
        while not self.done:
            if self._trailers:
                if not self._trailer(buffer):
                    return
                continue
            end = buffer.find(b"\r\n", 0, CHUNK_LINE_LIMIT + 2)
            if end < 0:
                if len(buffer) > CHUNK_LINE_LIMIT:
                    raise Malformed("a chunk size line too long")
                return
            size = _chunk_size(bytes(buffer[:end]))
            if size == 0:
                del buffer[: end + 2]
                self._trailers = True
                continue
            if len(self.body) + size > self._limit:
                raise Malformed(f"an answer over {self._limit} bytes")
            if len(buffer) < end + 2 + size + 2:
                return
            if buffer[end + 2 + size : end + 4 + size] != b"\r\n":
                raise Malformed("a chunk not ended by CRLF")
            self.body += buffer[end + 2 : end + 2 + size]
            del buffer[: end + 4 + size]

    def _trailer(self, buffer: bytearray) -> bool:
        end = buffer.find(b"\r\n", 0, HEAD_LIMIT + 2)
        if end < 0:
            if len(buffer) > HEAD_LIMIT:
                raise Malformed(f"trailers over {HEAD_LIMIT} bytes")
            return False
        del buffer[: end + 2]
        if end == 0:
            self.done = True
        return True


def _chunk_size(line: bytes) -> int:
    digits = line.partition(b";")[0].strip()
    if not digits or len(digits) > 15 or not set(digits) <= _HEX:
        raise Malformed("a chunk size that is not hexadecimal")
    return int(digits, 16)
