"""Read pip-audit's JSON report: fail on a vulnerable dependency, and say loudly which ones
could not be audited (failing on those too in ``strict`` mode). Used by ``scripts/audit``."""

from __future__ import annotations

import json
import sys
from typing import Any


def verdict(dependencies: list[dict[str, Any]], strict: bool) -> tuple[int, list[str]]:
    """The exit status and the lines to print for a report's ``dependencies``."""
    vulnerable = [d for d in dependencies if d.get("vulns")]
    skipped = [d for d in dependencies if d.get("skip_reason")]
    audited = len(dependencies) - len(skipped)
    lines = [
        f"  {d['name']} {d['version']}: {v['id']} (fixed in "
        f"{', '.join(v.get('fix_versions') or []) or 'no fix yet'})"
        for d in vulnerable
        for v in d["vulns"]
    ]
    if vulnerable:
        lines.append(
            f"scripts/audit: FAILED: {len(vulnerable)} vulnerable dependencies (above); "
            "raise their floors in pyproject.toml"
        )
        return 1, lines
    if audited:
        lines.append(
            f"scripts/audit: {audited} of {len(dependencies)} dependencies audited: none vulnerable"
        )
    if skipped:
        lines.append(
            f"scripts/audit: NOT AUDITED: {len(skipped)} of {len(dependencies)} dependencies "
            f"(e.g. {skipped[0]['skip_reason']}): PyPI's vulnerability data could not be "
            "reached. That is not a pass for them; OMNIBOT_AUDIT=strict makes it fail."
        )
        return (1 if strict else 0), lines
    return 0, lines


def main(report: str, mode: str) -> int:
    try:
        with open(report, encoding="utf-8") as file:
            dependencies = json.load(file)["dependencies"]
    except (OSError, ValueError, KeyError) as exc:
        print(f"scripts/audit: FAILED: pip-audit gave no report ({exc})", file=sys.stderr)
        return 1
    status, lines = verdict(dependencies, strict=mode == "strict")
    for line in lines:
        print(line, file=sys.stderr if status or "NOT AUDITED" in line else sys.stdout)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
