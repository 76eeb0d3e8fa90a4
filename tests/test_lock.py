"""The environment the tests run in is exactly the lock: every package uv.lock names for this
machine (runtime and dev extras), at its locked version, and nothing else."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import distributions
from pathlib import Path

from packaging.markers import Marker
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
UV = Path(sys.executable).parent / "uv"


def locked() -> dict[str, str]:
    """Name to version of what ``uv.lock`` installs here, markers evaluated for this Python."""
    command: list[str | Path] = [UV, "export", "--frozen", "--extra", "dev", "--project", ROOT]
    exported = subprocess.run(
        [*command, "--no-emit-project", "--no-hashes", "--no-header", "--no-annotate"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    wanted: dict[str, str] = {}
    for line in exported.splitlines():
        requirement, _, marker = line.partition(";")
        if not requirement.strip() or (marker.strip() and not Marker(marker).evaluate()):
            continue
        name, _, version = requirement.strip().partition("==")
        wanted[canonicalize_name(name)] = version
    return wanted


def installed() -> dict[str, str]:
    """Name to version of every distribution in this environment but omnibot itself."""
    found: dict[str, str] = {
        canonicalize_name(d.metadata["Name"]): d.version for d in distributions()
    }
    found.pop("omnibot")
    return found


def test_the_environment_holds_exactly_the_locked_versions() -> None:
    wanted, found = locked(), installed()
    assert len(wanted) > 50
    assert {n: v for n, v in found.items() if wanted.get(n) != v} == {}
    assert {n: v for n, v in wanted.items() if found.get(n) != v} == {}
