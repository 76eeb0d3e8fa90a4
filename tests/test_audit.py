"""scripts/audit's reading of pip-audit's report: a vulnerable dependency fails; one that could
not be audited is never reported as passing."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "audit_report.py"


def load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("audit_report", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


AUDIT = load()
CLEAN = {"name": "aiohttp", "version": "3.14.5", "vulns": []}
SKIPPED = {
    "name": "aiogram",
    "skip_reason": "Dependency not found on PyPI and could not be audited",
}
VULNERABLE = {
    "name": "jinja2",
    "version": "3.1.2",
    "vulns": [{"id": "GHSA-h75v-3vvj-5mfj", "fix_versions": ["3.1.4"]}],
}


def test_a_vulnerable_dependency_fails_and_is_named() -> None:
    status, lines = AUDIT.verdict([CLEAN, VULNERABLE], strict=False)
    assert status == 1
    assert "  jinja2 3.1.2: GHSA-h75v-3vvj-5mfj (fixed in 3.1.4)" in lines


def test_dependencies_not_audited_are_said_to_be_not_audited() -> None:
    status, lines = AUDIT.verdict([CLEAN, SKIPPED], strict=False)
    assert status == 0
    assert lines[0] == "scripts/audit: 1 of 2 dependencies audited: none vulnerable"
    assert lines[1].startswith("scripts/audit: NOT AUDITED: 1 of 2 dependencies")


def test_strict_mode_fails_when_anything_was_not_audited() -> None:
    assert AUDIT.verdict([CLEAN, SKIPPED], strict=True)[0] == 1
    assert AUDIT.verdict([CLEAN], strict=True) == (
        0,
        ["scripts/audit: 1 of 1 dependencies audited: none vulnerable"],
    )


def test_a_missing_report_fails(tmp_path: Path) -> None:
    assert AUDIT.main(str(tmp_path / "none.json"), "on") == 1
    report = tmp_path / "report.json"
    report.write_text(json.dumps({"dependencies": [CLEAN, VULNERABLE]}))
    assert AUDIT.main(str(report), "on") == 1
