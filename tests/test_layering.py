"""The layering holds: the core owns its contracts, and only the composition root knows what
implements them (docs/architecture.md, "Ports and adapters, and the composition root").

Imports are read with ``ast``, so one inside a function or under ``TYPE_CHECKING`` counts as much
as one at the top of a module. And importing any module of the core, the connectors or the
dialog language, in a fresh interpreter, loads no Redis client.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
COMPOSITION_ROOT = "bot.app.compose"
"""The one module of ``bot/`` that may import ``memory/`` (and wires everything together)."""

MAY_ALSO_IMPORT = {
    COMPOSITION_ROOT: {"memory", "connectors", "dialogs"},
    "bot.app.cli": {"dialogs"},
}
"""What a module of the core may import beyond its package's rule: the composition root knows
every part; the command line hands the designer's commands to the dialog tools."""

MUST_NOT_IMPORT = {
    "bot": {"memory", "connectors", "dialogs"},
    "connectors": {"memory"},
    "dialogs": {"connectors", "memory"},
    "memory": {"connectors", "dialogs"},
}
"""For each package, the packages it must not import: the memory backends are known to the
composition root alone, the core knows no channel and no dialog language (they plug into its
contracts), the dialog language runs on the core's contracts, and the adapters depend on the
core, never on its other clients."""

REDIS_FREE = ("bot", "connectors", "dialogs")

_FIRST_TO_LOAD_REDIS = """
import importlib, sys
for name in sys.argv[1:]:
    importlib.import_module(name)
    if "redis" in sys.modules:
        print(name)
        break
"""


def modules(package: str) -> Iterator[tuple[str, Path]]:
    """Every module of a package, by dotted name, with its file."""
    for path in sorted((ROOT / package).rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        yield ".".join(parts[:-1] if parts[-1] == "__init__" else parts), path


def imported(module: str, source: str, is_package: bool = False) -> Iterator[tuple[int, str]]:
    """The modules ``source`` (of ``module``) imports, wherever the import statement stands,
    with its line; relative imports are resolved."""
    package = module.split(".") if is_package else module.split(".")[:-1]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            yield node.lineno, ".".join([*base, *([node.module] if node.module else [])])


def breaches(module: str, source: str, is_package: bool = False) -> list[str]:
    """The imports of ``module`` that cross a line they must not, one line each."""
    forbidden = MUST_NOT_IMPORT.get(module.split(".")[0], set()) - MAY_ALSO_IMPORT.get(
        module, set()
    )
    return [
        f"{module}:{line}: imports {name}"
        for line, name in sorted(imported(module, source, is_package))
        if name.split(".")[0] in forbidden
    ]


@pytest.mark.parametrize("package", sorted(MUST_NOT_IMPORT))
def test_no_package_imports_what_its_layer_must_not_know(package: str) -> None:
    found = [
        problem
        for module, path in modules(package)
        for problem in breaches(module, path.read_text(), path.name == "__init__.py")
    ]
    assert found == [], "\n".join(found)


def test_the_composition_root_is_where_the_memory_backends_are_chosen() -> None:
    source = (ROOT / "bot" / "app" / "compose.py").read_text()
    assert any(name.startswith("memory") for _, name in imported(COMPOSITION_ROOT, source))


def test_an_import_counts_wherever_it_stands() -> None:
    source = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from memory import EmbeddedMemory\n"
        "def later() -> None:\n"
        "    import memory.redis.store\n"
        "from ...memory import embedded\n"
        "import connectors.loopback, dialogs.engine\n"
    )
    assert breaches("bot.turn.example", source) == [
        "bot.turn.example:3: imports memory",
        "bot.turn.example:5: imports memory.redis.store",
        "bot.turn.example:6: imports memory",
        "bot.turn.example:7: imports connectors.loopback",
        "bot.turn.example:7: imports dialogs.engine",
    ]
    assert breaches("memory.example", "from . import embedded\nimport dialogs.engine\n") == [
        "memory.example:2: imports dialogs.engine"
    ]
    assert breaches("dialogs", "from .connectors import loopback\n", is_package=True) == []
    assert breaches("dialogs.example", "import connectors.loopback, dialogs.engine\n") == [
        "dialogs.example:1: imports connectors.loopback"
    ]
    assert breaches(COMPOSITION_ROOT, source) == []
    assert breaches("bot.app.cli", source) == [
        "bot.app.cli:3: imports memory",
        "bot.app.cli:5: imports memory.redis.store",
        "bot.app.cli:6: imports memory",
        "bot.app.cli:7: imports connectors.loopback",
    ]


def test_importing_the_core_the_connectors_or_the_dialogs_loads_no_redis() -> None:
    names = [name for package in REDIS_FREE for name, _ in modules(package)]
    first = subprocess.run(
        [sys.executable, "-c", _FIRST_TO_LOAD_REDIS, *names],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert not first, f"importing {first} loads redis"
