"""The Lua scripts of the Redis backend, one file each, read by name."""

from __future__ import annotations

from importlib import resources


def lua(name: str) -> str:
    """The source of ``<name>.lua``."""
    return resources.files(__name__).joinpath(f"{name}.lua").read_text("utf-8")
