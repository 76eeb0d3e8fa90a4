"""What the YAML fuzzers share: a valid file edited a few lines at a time, and the check that
every problem is one ``file:line:col: message`` line pointing inside the file."""

from __future__ import annotations

import re

from hypothesis import strategies as st

YAML_LINE_BREAK = re.compile(r"\r\n|[\n\r\x85\u2028\u2029]")
EDITS = ("delete", "duplicate", "indent", "swap", "replace")


@st.composite
def line_edits(
    draw: st.DrawFn,
    valid: str,
    replacements: list[str],
    edits: tuple[str, ...] = EDITS,
    most: int = 4,
) -> str:
    """``valid`` after 1 to ``most`` edits, each an ``edits`` kind at a drawn line: delete it,
    duplicate it, indent it differently, swap it with another, or replace one of its words
    or punctuation marks with one of ``replacements``."""
    lines = valid.splitlines(keepends=True)
    for _ in range(draw(st.integers(1, most))):
        if not lines:
            break
        at = draw(st.integers(0, len(lines) - 1))
        edit = draw(st.sampled_from(edits))
        if edit == "delete":
            del lines[at]
        elif edit == "duplicate":
            lines.insert(at, lines[at])
        elif edit == "indent":
            body = lines[at].lstrip(" ")
            indent = len(lines[at]) - len(body) + draw(st.integers(-4, 4))
            lines[at] = " " * max(indent, 0) + body
        elif edit == "swap":
            other = draw(st.integers(0, len(lines) - 1))
            lines[at], lines[other] = lines[other], lines[at]
        else:
            tokens = re.split(r"(\W)", lines[at])
            tokens[draw(st.integers(0, len(tokens) - 1))] = draw(st.sampled_from(replacements))
            lines[at] = "".join(tokens)
    return "".join(lines)


def assert_problem_lines(content: bytes, problems: list[str], file: str) -> None:
    """Each of ``problems`` is one ``file:line:col: message`` line whose line and column are
    inside ``content`` (the column may be one past a line's end)."""
    shape = re.compile(re.escape(file) + r":(?P<line>\d+):(?P<col>\d+): (?P<message>[^\n]+)")
    lines = YAML_LINE_BREAK.split(content.decode("utf-8", errors="replace"))
    for problem in problems:
        match = shape.fullmatch(problem)
        assert match, f"not one {file}:line:col: message line: {problem!r}"
        line, col = int(match["line"]), int(match["col"])
        assert 1 <= line <= len(lines), problem
        assert 1 <= col <= len(lines[line - 1]) + 1, problem
