"""What hostile input is made of, and how hard the fuzzers look.

The fuzz suite runs in CI on every change, so it is **reproducible**: ``derandomize=True`` makes
each test draw the same examples every run (a seed derived from the test's name), and no example
database is kept, so a run never depends on what an earlier run found. That trades discovery for
stability: to look further, ``OMNIBOT_FUZZ_EXAMPLES=5000 pytest tests/fuzz`` draws that many
random examples per test instead, and what it finds becomes a named regression test.
"""

from __future__ import annotations

import json
import os
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

_EXPLORE = int(os.environ.get("OMNIBOT_FUZZ_EXAMPLES", "0") or 0)


def fuzz(examples: int) -> settings:
    """Settings for a fuzz target: ``examples`` fixed examples in CI (or the exploring count)."""
    return settings(
        max_examples=_EXPLORE or examples,
        derandomize=not _EXPLORE,
        database=None,
        deadline=None,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,  # one bot serves every example, on purpose
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
        ],
    )


TRICKY = [
    "",
    " ",
    "\x00",
    "\n\r\t",
    "\u202e\u200b\ufeff",
    "🙂" * 3,
    "e\u0301",
    "%s %d {} {0} ${x}",
    "{{ 7*7 }}{% for %}",
    "<script>alert(1)</script>",
    "'; DROP TABLE x; --",
    "../../etc/passwd",
    "null",
    "-1",
    "9" * 40,
    "+15551234567",
    "a@b.example",
    "STOP",
    "/start",
    "@store_test_bot",
    "x" * 5000,
]

texts = st.one_of(
    st.text(max_size=40),
    st.sampled_from(TRICKY),
    st.builds(lambda s, n: s * n, st.sampled_from(["a", "é", "🙂", "\\"]), st.integers(0, 6000)),
)
"""Text a customer (or an attacker) might send."""

integers = st.one_of(st.integers(-(2**63), 2**63), st.sampled_from([0, -1, 2**64, 10**400]))

json_texts = texts | st.just("a\ud800b")
"""Text in JSON may hold what no UTF-8 can: a lone surrogate, written ``\\ud800``."""

scalars = st.one_of(
    st.none(),
    st.booleans(),
    integers,
    st.floats(allow_nan=True, allow_infinity=True),
    json_texts,
)

json_values: st.SearchStrategy[Any] = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(json_texts, inner, max_size=4),
    max_leaves=16,
)
"""Any JSON value (NaN and huge integers included, as ``json.dumps`` writes them)."""


def sometimes(value: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """``value`` mostly, anything JSON one time in thirty: structured input that is wrong in
    one place now and then (wrong everywhere, it would only ever be refused at the door)."""
    return st.sampled_from(range(30)).flatmap(lambda n: json_values if n == 29 else value)


def mostly(value: st.SearchStrategy[Any], other: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """``value`` four times in five, ``other`` the fifth."""
    return st.sampled_from(range(5)).flatmap(lambda n: other if n == 4 else value)


def dumps(value: object) -> bytes:
    """JSON text, ASCII with escapes (as ``JSON.stringify`` would escape a lone surrogate)."""
    return json.dumps(value).encode("ascii")


def raw(value: object) -> bytes:
    """JSON text with non-ASCII written as is: not UTF-8 at all when it holds a surrogate."""
    return json.dumps(value, ensure_ascii=False).encode("utf-8", errors="surrogatepass")


bodies = st.one_of(
    st.binary(max_size=200),
    json_values.map(dumps),
    json_values.map(raw),
    st.sampled_from(
        [b"", b"{", b"[]", b"null", b"\xff\xfe", b'{"a":' * 200, b"\x00" * 10, b'"\\ud800"']
    ),
)
"""Request bodies: bytes, JSON of any shape, and broken JSON."""
