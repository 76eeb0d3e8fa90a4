"""The ``omnibot`` command line."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from bot import __version__
from bot.app import heap
from bot.app.compose import sandbox
from bot.app.serve import ServeOptions, load, serve
from bot.app.supervisor import Supervisor
from bot.errors import ConfigError

EXAMPLE = Path("examples") / "store"
CHANNELS = ("telegram", "slack", "sms", "webchat", "whatsapp", "email")


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
    except KeyboardInterrupt:
        return 130


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

    validate = commands.add_parser(
        "validate", help="check a bot folder", description="Report every problem as file:line:col."
    )
    validate.add_argument("bot_dir", type=Path)
    validate.set_defaults(handler=_validate)

    test = commands.add_parser(
        "test", help="run the conversation tests", description="Run tests/*.yaml of a bot folder."
    )
    test.add_argument("bot_dir", type=Path)
    test.add_argument("--channel", choices=[*CHANNELS, "all"], default="all")
    test.set_defaults(handler=_test)

    chat = commands.add_parser("chat", help="talk to the bot in the terminal")
    chat.add_argument("bot_dir", type=Path)
    chat.add_argument("--channel", choices=CHANNELS, default="webchat")
    chat.add_argument(
        "--explain",
        action="store_true",
        help="before each answer, say what the message was understood as and why",
    )
    chat.set_defaults(handler=_chat)

    evaluate = commands.add_parser(
        "evaluate",
        help="measure how well the bot understands labelled phrases",
        description="Per-flow precision and recall over labelled phrases; exit 1 under the "
        "thresholds of bot.yaml's understanding: section.",
    )
    evaluate.add_argument("bot_dir", type=Path)
    evaluate.add_argument(
        "file",
        nargs="?",
        type=Path,
        help="the labelled phrases (default: tests/understanding.yaml)",
    )
    evaluate.set_defaults(handler=_evaluate)

    graph = commands.add_parser("graph", help="draw the flows")
    graph.add_argument("bot_dir", type=Path)
    graph.add_argument("--format", choices=("mermaid", "dot", "svg"), default="mermaid")
    graph.set_defaults(handler=_graph)

    customer = commands.add_parser(
        "customer",
        help="export, erase or unlink a customer (privacy requests)",
        description="Work on one customer in the shared memory (needs OMNIBOT_REDIS_URL).",
    )
    customer.add_argument("action", choices=("export", "erase", "unlink"))
    customer.add_argument("customer_id", metavar="ID")
    customer.add_argument(
        "identity", nargs="?", metavar="CHANNEL:USER", help="for unlink: the identity to separate"
    )
    customer.add_argument(
        "--bot", type=Path, dest="bot_dir", help="the bot folder (default: the example store bot)"
    )
    customer.set_defaults(handler=_customer)

    password = commands.add_parser(
        "agent-password",
        help="make a users-file line for an agent (reads the password from stdin)",
        description="Print NAME:HASH for the agents' users file (bot.yaml agents.users_file).",
    )
    password.add_argument("name")
    password.set_defaults(handler=_agent_password)

    event = commands.add_parser(
        "event",
        help="send a business event to a running bot",
        description="Sign a business event with OMNIBOT_EVENTS_SECRET and post it to a running "
        "bot's POST /events, as the store's systems would (docs/outreach.md).",
    )
    event.add_argument("bot_dir", type=Path)
    event.add_argument("type", metavar="TYPE", help="the event's type, such as order.shipped")
    event.add_argument(
        "--customer",
        required=True,
        metavar="KIND:VALUE",
        help="who it is about: phone:+55..., email:... or external_id:...",
    )
    event.add_argument("--data", metavar="JSON", help="the event's data, a JSON object")
    event.add_argument(
        "--url",
        help="the bot's /events (default: OMNIBOT_PUBLIC_URL's, else http://127.0.0.1:8080/events)",
    )
    event.add_argument("--id", dest="webhook_id", help="the webhook-id (default: a new one)")
    event.set_defaults(handler=_event)

    schema = commands.add_parser("schema", help="JSON Schema of the dialog YAML, for editors")
    schema.add_argument("--tests", action="store_true", help="the schema of tests files instead")
    schema.set_defaults(handler=_schema)
    return parser


def _run(args: argparse.Namespace) -> int:
    bot_dir: Path = args.bot_dir or default_bot_dir()
    options = ServeOptions(bot_dir=bot_dir, host=args.host, port=args.port, workers=args.workers)
    _, settings = load(options)  # bot.yaml and the settings checked before any worker starts
    problem = _workers_problem(options, redis=settings.redis_url is not None)
    if problem:
        print(f"omnibot run: {problem}", file=sys.stderr)
        return 2
    if options.workers == 1:
        heap.run(serve(options))
        return 0
    return Supervisor(options).run()  # the first worker to find a problem says it, once


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


def _validate(args: argparse.Namespace) -> int:
    from dialogs.tools.commands import validate

    return validate(args.bot_dir)


def _test(args: argparse.Namespace) -> int:
    from dialogs.tools.commands import run_tests

    return run_tests(args.bot_dir, args.channel, sandboxes=sandbox)


def _chat(args: argparse.Namespace) -> int:
    from dialogs.tools.commands import chat

    return chat(args.bot_dir, args.channel, sandboxes=sandbox, explain=args.explain)


def _evaluate(args: argparse.Namespace) -> int:
    from dialogs.tools.commands import evaluate

    return evaluate(args.bot_dir, args.file)


def _graph(args: argparse.Namespace) -> int:
    from dialogs.tools.commands import graph

    return graph(args.bot_dir, args.format)


def _customer(args: argparse.Namespace) -> int:
    from bot.app import privacy as customers

    if args.action == "unlink" and not args.identity:
        print("omnibot customer unlink needs CHANNEL:USER", file=sys.stderr)
        return 2
    shared = customers.open_shared(args.bot_dir or default_bot_dir(), os.environ)
    return asyncio.run(
        customers.run(args.action, shared, args.customer_id, args.identity, sys.stdout)
    )


def _agent_password(args: argparse.Namespace) -> int:
    import getpass

    from bot.desk.console.auth import NAME, hash_password

    if not NAME.match(args.name):
        print("omnibot agent-password: a name is letters, digits, space, . _ @ -", file=sys.stderr)
        return 2
    secret = getpass.getpass("password: ") if sys.stdin.isatty() else sys.stdin.readline()
    secret = secret.rstrip("\n")
    if len(secret) < 10:
        print("omnibot agent-password: use at least 10 characters", file=sys.stderr)
        return 2
    print(f"{args.name}:{hash_password(secret)}")
    return 0


def _event(args: argparse.Namespace) -> int:
    import aiohttp

    from bot.app.config import Settings, load_bot_config
    from bot.outreach.events import sender

    load_bot_config(args.bot_dir)
    settings = Settings.from_env(os.environ)
    if settings.events_secret is None:
        print("omnibot event: set OMNIBOT_EVENTS_SECRET as the bot has it", file=sys.stderr)
        return 2
    try:
        body = sender.event_body(args.type, args.customer, args.data)
    except sender.EventUsageError as exc:
        print(f"omnibot event: {exc}", file=sys.stderr)
        return 2
    base = (settings.public_url or "http://127.0.0.1:8080").rstrip("/")
    url = args.url or f"{base}/events"
    webhook_id = args.webhook_id or sender.new_webhook_id()
    secret = settings.events_secret.get_secret_value()
    try:
        answer = asyncio.run(sender.send(url, secret, body, webhook_id))
    except (aiohttp.ClientError, TimeoutError) as exc:
        print(f"omnibot event: no bot answered at {url}: {exc}", file=sys.stderr)
        return 1
    return sender.report(answer, webhook_id, sys.stdout)


def _schema(args: argparse.Namespace) -> int:
    from dialogs.tools.commands import schema

    return schema(tests=args.tests)


if __name__ == "__main__":
    sys.exit(main())
