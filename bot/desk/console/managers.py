"""``agents.managers``: the agents who may read the insights. Checked when the bot starts, against
the agents who can sign in, with the place in ``bot.yaml`` of a name that is none of theirs."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from bot.errors import ConfigError
from bot.yaml_source import YamlSyntaxError, load, shown_path


def check_managers(bot_dir: Path, managers: Iterable[str], agents: Iterable[str]) -> frozenset[str]:
    """The managers, each one a known agent; raises :class:`ConfigError` with
    ``bot.yaml:line:col`` for every one that is not."""
    known = set(agents)
    unknown = [(index, name) for index, name in enumerate(managers) if name not in known]
    if not unknown:
        return frozenset(managers)
    path = bot_dir / "bot.yaml"
    hint = ", ".join(sorted(known)) or "none: set OMNIBOT_AGENT_TOKENS or agents.users_file"
    try:
        document = load(path, shown_path(path))
    except (OSError, YamlSyntaxError):
        problems = [f"{path}:1:1: agents.managers: {name!r} is not an agent" for _, name in unknown]
        raise ConfigError(problems) from None
    raise ConfigError(
        [
            document.problem(
                ("agents", "managers", index),
                f"{name!r} is not an agent (the agents: {hint})",
            )
            for index, name in unknown
        ]
    )
