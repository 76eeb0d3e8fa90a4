"""Putting the agent console on the server."""

from __future__ import annotations

from datetime import timedelta

from aiohttp import web

from bot.app.runtime import Runtime
from bot.desk.console.api import ConsoleApi, ConsoleParts
from bot.desk.console.auth import load_agents
from bot.desk.console.insights import InsightsApi, InsightsParts
from bot.desk.console.managers import check_managers
from bot.desk.console.sessions import Sessions
from bot.desk.console.socket import ConsoleSocket
from bot.desk.console.throttle import SignInLimits

SOCKETS = web.AppKey("console_sockets", ConsoleSocket)


def mount(app: web.Application, runtime: Runtime) -> None:
    """Add ``/agent`` and its API and websocket, and the managers' ``/agent/insights``, to
    ``app``. Raises :class:`~bot.errors.ConfigError` for a broken users file or agent token, or
    a manager who is not an agent."""
    agents_file = runtime.config.agents.users_file
    agents = load_agents(
        (token.get_secret_value() for token in runtime.settings.agent_tokens),
        runtime.bot_dir / agents_file if agents_file else None,
    )
    managers = check_managers(runtime.bot_dir, runtime.config.agents.managers, agents.names)
    lifetime = timedelta(hours=runtime.config.agents.session_hours)
    sessions = Sessions(runtime.desk.desk, lifetime, runtime.settings.public_url, agents.names)
    parts = ConsoleParts(
        pipeline=runtime.pipeline,
        memory=runtime.memory,
        keeper=runtime.desk,
        agents=agents,
        sessions=sessions,
        limits=SignInLimits(runtime.memory),
        flows=runtime.flow_names,
        scheduler=runtime.scheduler,
        summarise=runtime.summarise,
        managers=managers,
        words=runtime.words,
    )
    sockets = ConsoleSocket(sessions, runtime.desk, runtime.bus)
    app[SOCKETS] = sockets
    app.add_routes(ConsoleApi(parts).routes())
    app.add_routes(sockets.routes())
    if runtime.insights is not None:
        seen = InsightsParts(
            sessions,
            managers,
            runtime.insights,
            runtime.flow_titles,
            runtime.pipeline.now,
            runtime.step_labels,
        )
        app.add_routes(InsightsApi(seen).routes())
