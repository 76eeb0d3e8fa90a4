"""The insights as CSV, safe to open in a spreadsheet: a cell that a spreadsheet would read as a
formula (starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) is written with a
leading ``'``, as OWASP advises, so that a flow or reason named ``=HYPERLINK(...)`` stays text."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from bot.desk.insights.report import COLUMNS, Report

_FORMULA = ("=", "+", "-", "@", "\t", "\r")
TABLES = {
    "table": COLUMNS,
    "abandoned": ("flow", "title", "step", "step_title", "count"),
    "handoffs": ("flow", "title", "step", "step_title", "reason", "count"),
}
"""What can be exported, with its columns."""


def cell(value: object) -> str:
    """One value as a CSV cell, defused if a spreadsheet would take it for a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA) else text


def to_csv(report: Report, table: str = "table") -> str:
    """One of the report's tables (see :data:`TABLES`) as CSV, with a header."""
    columns: Sequence[str] = TABLES[table]
    rows = {"table": report.rows, "abandoned": report.abandoned, "handoffs": report.handoffs}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows[table]:
        writer.writerow([cell(row.get(column)) for column in columns])
    return out.getvalue()
