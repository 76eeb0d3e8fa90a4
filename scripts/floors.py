"""The floors of pyproject.toml, for ``scripts/test-lowest``.

``build-constraints`` prints ``NAME==FLOOR`` for each build requirement with a floor, so that
omnibot itself is built with the oldest setuptools it allows. ``check REQUIREMENTS`` compares the
set uv compiled with ``--resolution lowest-direct`` to the floors of the direct dependencies
(runtime and the ``dev`` extra), prints both, and fails when a package could not be installed at
its floor: uv then quietly picks a later version, and a floor nobody can install is not true.
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"


def floor(requirement: Requirement) -> Version | None:
    """The version a ``>=`` (or ``==``) bound names, None when there is no lower bound."""
    bounds = [Version(s.version) for s in requirement.specifier if s.operator in (">=", "==")]
    return max(bounds, default=None)


def direct() -> list[Requirement]:
    """omnibot's runtime dependencies and its dev extra, those that apply on this machine."""
    project = tomllib.loads(PYPROJECT.read_text())["project"]
    lines = project["dependencies"] + project["optional-dependencies"]["dev"]
    requirements = [Requirement(line) for line in lines]
    return [r for r in requirements if r.marker is None or r.marker.evaluate()]


def compiled(path: str) -> dict[str, Version]:
    """Name to version of a ``uv pip compile`` output (``name==version`` lines)."""
    pins: dict[str, Version] = {}
    for line in Path(path).read_text().splitlines():
        line = line.split("#")[0].strip()
        if "==" in line:
            name, _, version = line.partition("==")
            pins[canonicalize_name(name)] = Version(version.split(";")[0].strip())
    return pins


def check(path: str) -> int:
    """Print each direct dependency's floor and installed version; 1 if any is off its floor."""
    pins, status = compiled(path), 0
    for requirement in direct():
        want, got = floor(requirement), pins.get(canonicalize_name(requirement.name))
        verdict = "ok" if want is None or got == want else "NOT AT ITS FLOOR"
        status |= verdict != "ok"
        print(f"  {requirement.name:<20} {requirement.specifier!s:<18} {got}  {verdict}")
    if status:
        print("scripts/test-lowest: a floor cannot be installed with the others' floors;")
        print("  raise it to the version uv chose (or find what holds it up)")
    return status


def build_constraints() -> int:
    """Print ``NAME==FLOOR`` for each build requirement that has a floor."""
    for line in tomllib.loads(PYPROJECT.read_text())["build-system"]["requires"]:
        requirement = Requirement(line)
        if (version := floor(requirement)) is not None:
            print(f"{requirement.name}=={version}")
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["check"] and len(sys.argv) == 3:
        sys.exit(check(sys.argv[2]))
    if sys.argv[1:] == ["build-constraints"]:
        sys.exit(build_constraints())
    sys.exit("usage: floors.py check REQUIREMENTS | floors.py build-constraints")
