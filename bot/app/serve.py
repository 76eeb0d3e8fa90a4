"""Serving one worker: load the bot folder, assemble the runtime, listen, stop on a signal."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from aiohttp import web

from bot.app import heap
from bot.app.banner import banner
from bot.app.compose import assemble
from bot.app.config import BotConfig, Settings, load_bot_config
from bot.app.logs import configure
from bot.app.server import build_app
from bot.errors import ConfigError
from bot.http.access_log import AccessLogger
from bot.http.limits import IDLE_SECONDS
from bot.http.slow_clients import DeadlineSite

Serving = Callable[[str], None]
"""Told a worker's banner once it serves (its port bound, its routes mounted)."""


@dataclass(frozen=True, slots=True)
class ServeOptions:
    """What ``omnibot run`` was asked to serve, and where."""

    bot_dir: Path
    host: str = "127.0.0.1"
    port: int = 8080
    workers: int = 1


def load(options: ServeOptions) -> tuple[BotConfig, Settings]:
    """Read the bot folder and the environment; raises :class:`~bot.errors.ConfigError`."""
    settings = Settings.from_env(os.environ)
    return load_bot_config(options.bot_dir), settings


async def serve(
    options: ServeOptions, *, reuse_port: bool = False, serving: Serving | None = None
) -> None:
    """Run one worker until SIGTERM or SIGINT, then shut down gracefully. Once it serves, its
    banner is printed, or handed to ``serving`` (a supervisor prints it when every worker
    serves)."""
    config, settings = load(options)
    configure(settings.log_level, settings.log_format == "json", settings.secrets())
    runtime = assemble(options.bot_dir, config, settings, _base_url(options))
    runner = make_runner(build_app(runtime))
    await runner.setup()
    site = DeadlineSite(runner, options.host, options.port, reuse_port=reuse_port)
    await site.start()
    heap.freeze()  # start-up is over: what lives now lives as long as the process
    text = banner(runtime, _base_url(options), options.workers)
    if serving is None:
        print(text, flush=True)
    else:
        serving(text)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()


def make_runner(app: web.Application) -> web.AppRunner:
    """How every worker serves ``app``. A handler runs to its end when its client goes away, as
    a webhook's must once its event is being queued, so what it reads from a client that left
    is answered (:func:`bot.app.server.read_body`), not raised; a connection kept alive may idle
    :data:`~bot.http.limits.IDLE_SECONDS` between requests."""
    return web.AppRunner(
        app,
        handle_signals=False,
        access_log_class=AccessLogger,
        handler_cancellation=False,
        keepalive_timeout=IDLE_SECONDS,
    )


def _base_url(options: ServeOptions) -> str:
    host = "127.0.0.1" if options.host in ("0.0.0.0", "") else options.host  # noqa: S104
    host = f"[{host}]" if ":" in host else host
    return f"http://{host}:{options.port}"


class Told(Protocol):
    """How a worker tells its supervisor how its start went."""

    def serving(self, banner: str) -> None:
        """It serves; ``banner`` says what."""

    def refused(self, problems: tuple[str, ...]) -> None:
        """The bot folder or the settings cannot be served: ``problems`` say why."""


def run_worker(options: ServeOptions, told: Told) -> None:
    """Entry point of a worker process started by the supervisor."""
    try:
        heap.run(serve(options, reuse_port=True, serving=told.serving))
    except ConfigError as exc:
        told.refused(tuple(exc.problems))
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(0)
