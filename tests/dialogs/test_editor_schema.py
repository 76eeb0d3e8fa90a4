"""The JSON Schema ``omnibot schema`` writes is one an editor can use: every valid file passes it
under a standard validator, and mistakes still fail it.

The validator is check-jsonschema, run as the command it is: the example bot's files, every
flows and tests file of the guide that the loader accepts, and a bot using every key of the
language (``every_feature/``) must pass; files with an unknown key, a value of the wrong type or
a step of no kind or of two must not.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import BaseModel, ValidationError

from bot.yaml_source import YamlSyntaxError, parse
from dialogs.design.schema import FlowFile
from dialogs.tools import testing
from tests.dialogs.kit import GUIDE_TEXT, flowset_of, read_blocks
from tests.server_process import EXAMPLE, ROOT, clean_env, omnibot

EVERY_FEATURE = Path(__file__).parent / "every_feature"


@pytest.fixture(scope="module")
def schemas(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The schemas of flows files and of tests files, as ``omnibot schema`` writes them."""
    folder = tmp_path_factory.mktemp("schemas")
    written = {}
    for kind, args in (("flows", ()), ("tests", ("--tests",))):
        result = subprocess.run(
            omnibot("schema", *args),
            capture_output=True,
            text=True,
            env=clean_env(),
            cwd=ROOT,
            check=True,
            timeout=120,
        )
        written[kind] = folder / f"{kind}.schema.json"
        written[kind].write_text(result.stdout, encoding="utf-8")
    return written


def check_jsonschema(schema: Path, files: list[Path]) -> subprocess.CompletedProcess[str]:
    """Run the check-jsonschema command on ``files``."""
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--schemafile", str(schema), *map(str, files)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def assert_valid(schema: Path, files: list[Path]) -> None:
    assert files
    result = check_jsonschema(schema, files)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_example_bots_files_pass(schemas: dict[str, Path]) -> None:
    assert_valid(schemas["flows"], sorted((EXAMPLE / "flows").glob("*.yaml")))
    assert_valid(schemas["tests"], sorted((EXAMPLE / "tests").glob("*.yaml")))


def _accepted(text: str, model: type[BaseModel]) -> bool:
    """Whether the loader reads ``text`` as a file of ``model`` without a problem of shape."""
    try:
        model.model_validate(parse(text, "guide").data)
    except (YamlSyntaxError, ValidationError):
        return False
    return True


def test_the_guides_files_that_load_pass(schemas: dict[str, Path], tmp_path: Path) -> None:
    written: dict[str, list[Path]] = {"flows": [], "tests": []}
    for _, line, block in read_blocks(GUIDE_TEXT):
        path = block.path if block is not None else None
        if block is None or path is None or not path.startswith(("flows/", "tests/")):
            continue
        kind = path.partition("/")[0]
        if _accepted(block.text, FlowFile if kind == "flows" else testing.TestFile):
            written[kind].append(tmp_path / f"line{line}-{path.replace('/', '-')}")
            written[kind][-1].write_text(block.text, encoding="utf-8")
    assert len(written["flows"]) >= 30
    assert len(written["tests"]) >= 10
    assert_valid(schemas["flows"], written["flows"])
    assert_valid(schemas["tests"], written["tests"])


def _keys(value: object) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _keys(item)
    elif isinstance(value, list):
        for item in value:
            yield from _keys(item)


def _properties(schema: dict[str, object]) -> Iterator[tuple[str, str, dict[str, object]]]:
    """Every key the schema names: ``(where, key, its schema)``."""
    defs = schema.get("$defs", {})
    assert isinstance(defs, dict)
    for where, model in [("(file)", schema), *defs.items()]:
        for key, property_schema in model.get("properties", {}).items():
            yield where, key, property_schema


def test_a_bot_using_every_key_loads_cleanly_and_passes(
    schemas: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OMNIBOT_CACHE_DIR", str(tmp_path))  # its phrase vectors
    flowset = flowset_of(EVERY_FEATURE)
    assert flowset.matcher.semantic is not None
    assert flowset.warnings == []
    flows = sorted((EVERY_FEATURE / "flows").glob("*.yaml"))
    tests = sorted((EVERY_FEATURE / "tests").glob("*.yaml"))
    for kind, files in (("flows", flows), ("tests", tests)):
        assert_valid(schemas[kind], files)
        used = {key for file in files for key in _keys(parse(file.read_text(), file.name).data)}
        known = json.loads(schemas[kind].read_text(encoding="utf-8"))
        unused = sorted({key for _, key, _ in _properties(known)} - used)
        assert not unused, f"every_feature/{kind} never uses {unused}: add them"


@pytest.mark.parametrize("kind", ["flows", "tests"])
def test_every_key_has_a_description(schemas: dict[str, Path], kind: str) -> None:
    schema = json.loads(schemas[kind].read_text(encoding="utf-8"))
    undocumented = [
        f"{where}.{key}"
        for where, key, found in _properties(schema)
        if not found.get("description")
    ]
    assert not undocumented, f"give these a Field(description=...): {undocumented}"


MISTAKES = {
    "unknown_key": "slots:\n  order_id:\n    type: text\n    promt: Order number?\n",
    "wrong_type": "settings:\n  attempts: many\n",
    "unknown_slot_type": "slots:\n  order_id:\n    type: txt\n",
    "unknown_section": "flow:\n  hello:\n    steps: [end]\n",
    "two_kinds": "flows:\n  hello:\n    steps:\n      - say: Hi\n        ask: order_id\n",
    "no_kind": "flows:\n  hello:\n    steps:\n      - id: start\n",
    "unknown_word": "flows:\n  hello:\n    steps:\n      - stop\n",
    "no_steps": "flows:\n  hello:\n    steps: []\n",
    "end_with_ask": "flows:\n  hello:\n    steps:\n      - end: true\n        ask: x\n",
    "bad_name": "slots:\n  Order-Id:\n    type: text\n",
    "unknown_message": "messages:\n  fallbak: Sorry?\n",
    "unknown_intent": "intents:\n  bye:\n    enabled: false\n",
    "bad_message": "flows:\n  hello:\n    steps:\n      - say: {text: 3}\n",
}
TEST_MISTAKES = {
    "unknown_test_key": "tests:\n  - name: x\n    steps:\n      - usr: hi\n",
    "wrong_test_type": "tests:\n  - name: x\n    steps:\n      - silent: often\n",
}


def test_mistakes_still_fail(schemas: dict[str, Path], tmp_path: Path) -> None:
    for kind, mistakes, model in (
        ("flows", MISTAKES, FlowFile),
        ("tests", TEST_MISTAKES, testing.TestFile),
    ):
        files = []
        for name, text in mistakes.items():
            assert not _accepted(text, model), f"{name} is no mistake to the loader"
            files.append(tmp_path / f"{name}.yaml")
            files[-1].write_text(text, encoding="utf-8")
        result = check_jsonschema(schemas[kind], files)
        assert result.returncode == 1
        passed = [file.name for file in files if f"{file}::" not in result.stdout]
        assert not passed, f"the schema lets these through: {passed}\n{result.stdout}"
