"""The names a flows file defines, read even when the file is broken.

A file that does not parse or fit the schema is reported once; the slots, flows and actions it
defines are then "not checked" elsewhere, rather than "unknown" at every use.
"""

from __future__ import annotations

import re

SECTIONS = ("slots", "flows", "intents", "faqs", "actions", "messages")
_SECTION = re.compile(rf"^({'|'.join(SECTIONS)})\s*:\s*(?:#.*)?$")
_KEY = re.compile(r"^(\s+)(['\"]?)([^\s:#'\"][^:#'\"]*?)\2\s*:(?:\s|$)")


def names_in_data(data: object) -> dict[str, set[str]]:
    """The names under each section of a parsed file (a mapping of sections)."""
    found: dict[str, set[str]] = {}
    if isinstance(data, dict):
        for section in SECTIONS:
            entries = data.get(section)
            if isinstance(entries, dict):
                found[section] = {str(name) for name in entries}
    return found


def names_in_text(text: str) -> dict[str, set[str]]:
    """The names under each section of a file YAML could not parse: the keys one indentation
    in from a section's line, up to the next line that starts in the first column."""
    found: dict[str, set[str]] = {}
    section: str | None = None
    indent: str | None = None
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line[0].isspace():
            opened = _SECTION.match(line)
            section, indent = (opened.group(1), None) if opened else (None, None)
            continue
        key = _KEY.match(line)
        if section is None or key is None:
            continue
        indent = key.group(1) if indent is None else indent
        if key.group(1) == indent:
            found.setdefault(section, set()).add(key.group(3))
    return found
