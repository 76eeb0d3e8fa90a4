"""Print the pip requirement for the uv that ``uv.lock`` names, with every hash the lock has
for it, so that ``scripts/bootstrap`` installs exactly that uv (``pip --require-hashes``)."""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path


def requirement(lock: dict[str, object]) -> str:
    """``uv==VERSION --hash=sha256:...`` for each of the locked uv's wheels."""
    packages = lock.get("package")
    assert isinstance(packages, list)
    for package in packages:
        if package.get("name") == "uv":
            hashes = " ".join(f"--hash={wheel['hash']}" for wheel in package["wheels"])
            return f"uv=={package['version']} {hashes}"
    raise SystemExit("uv.lock names no uv: add uv to the dev extras and run `uv lock`")


def main(path: str) -> None:
    with open(path, "rb") as file:
        print(requirement(tomllib.load(file)))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else str(Path(__file__).parent.parent / "uv.lock"))
