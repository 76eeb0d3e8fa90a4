"""The ``omnibot`` command line."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from bot import __version__
from bot.errors import ConfigError
from bot.serve import ServeOptions, load, serve
from bot.supervisor import Supervisor

EXAMPLE = Path("examples") / "store"


def default_bot_dir() -> Path:
    """The example store bot: next to the source tree, or in the current directory (the
    Docker image's working directory holds ``examples/``)."""
    for base in (Path(__file__).resolve().parent.parent, Path.cwd()):
        if (base / EXAMPLE / "bot.yaml").is_file():
            return base / EXAMPLE
    return EXAMPLE


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line and run a command; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    command: Callable[[argparse.Namespace], int] = args.handler
    try:
        return command(args)
    except ConfigError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="omnibot", description="Omnichannel conversational bots.")
    parser.add_argument("--version", action="version", version=f"omnibot {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run = commands.add_parser("run", help="serve the bot", description="Serve a bot folder.")
    run.add_argument(
        "bot_dir", nargs="?", type=Path, help="the bot folder (default: the example store bot)"
    )
    run.add_argument("--host", default="127.0.0.1", help="address to listen on")
    run.add_argument("--port", type=int, default=8080, help="port to listen on")
    run.add_argument("--workers", type=int, default=1, help="worker processes (needs Redis)")
    run.set_defaults(handler=_run)
    return parser


def _run(args: argparse.Namespace) -> int:
    bot_dir: Path = args.bot_dir or default_bot_dir()
    options = ServeOptions(bot_dir=bot_dir, host=args.host, port=args.port, workers=args.workers)
    _, settings = load(options)
    problem = _workers_problem(options, redis=settings.redis_url is not None)
    if problem:
        print(f"omnibot run: {problem}", file=sys.stderr)
        return 2
    if options.workers == 1:
        asyncio.run(serve(options))
        return 0
    return Supervisor(options).run()


def _workers_problem(options: ServeOptions, redis: bool) -> str | None:
    if options.workers < 1:
        return "--workers must be at least 1"
    if options.workers > 1 and not redis:
        return (
            "--workers > 1 needs OMNIBOT_REDIS_URL: the embedded memory lives inside one "
            "process, so several workers would each remember different customers"
        )
    if options.workers > 1 and options.port == 0:
        return "--workers > 1 needs a fixed --port (the workers share it)"
    if options.workers > (os.cpu_count() or 1) * 4:
        return f"--workers {options.workers} is far more than this machine's CPUs"
    return None


if __name__ == "__main__":
    sys.exit(main())
