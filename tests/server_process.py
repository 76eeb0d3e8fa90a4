"""Running ``omnibot run`` as a real process on a free loopback port, for tests: the one place
that starts it, reads what it prints and logs, and stops it.

- :func:`running` (a context manager) and :func:`serving` / :func:`serving_all` (the same off
  the event loop, so that fake vendor APIs on the loop answer while it starts) give a
  :class:`Server` once its banner is printed, and stop it afterwards; a server whose free port
  was taken before it bound it is started again on another (:class:`AddressInUse`).
- Its log goes to a pipe, or to a file read while it runs (:class:`Log`); :class:`Output` reads
  the pipes as they fill, for a server that logs a lot; :func:`stopped` stops it and returns
  what it printed (:class:`Printed`).
- :func:`ready` asks ``/readyz``; :func:`workers` and :func:`worker_serving` find its worker
  processes in ``/proc``.
- The bots it runs: :data:`EXAMPLE`, :func:`example_copy` (the example on a namespace of its
  own), :func:`echo_bot`; :func:`wipe` deletes a namespace's keys afterwards.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import aiohttp

from tests.redis_server import free_port

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "store"
"""The example store bot, which ``omnibot run`` serves when no folder is given."""
_VENDOR_PREFIXES = (
    "OMNIBOT_",
    "TELEGRAM_",
    "SLACK_",
    "TWILIO_",
    "WHATSAPP_",
    "EMAIL_",
    "PROMETHEUS_",
)


def clean_env(**overrides: str) -> dict[str, str]:
    """This process's environment without any omnibot or channel settings, plus ``overrides``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(_VENDOR_PREFIXES)}
    env["OMNIBOT_LOG_FORMAT"] = "text"
    if "OMNIBOT_CACHE_DIR" in os.environ:  # the run's phrase cache (tests/conftest.py)
        env["OMNIBOT_CACHE_DIR"] = os.environ["OMNIBOT_CACHE_DIR"]
    env.update(overrides)
    return env


def omnibot(*args: str) -> list[str]:
    """The command line of the installed ``omnibot`` entry point."""
    return [sys.executable, "-m", "bot.app.cli", *args]


@dataclass
class Server:
    """A running ``omnibot run``; ``banner`` holds what it printed on start."""

    process: subprocess.Popen[str]
    port: int
    banner: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self, timeout: float = 20) -> int:
        """SIGTERM by PID, then wait; kills it if it does not stop in time."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
            for stream in (self.process.stdout, self.process.stderr):
                if stream is not None:
                    stream.close()


# How long ``omnibot run`` may take to print its banner's last line: a ceiling for a loaded
# machine, not a measurement. Measured with `python -m bench.startup_bench` on this 2-core
# machine, every channel on Redis with 2 workers is ready in 2.7 s alone and 3.1 s with another
# process keeping one core busy; during the suite several servers and the test process share
# the cores besides, so the ceiling is about twenty times the worst measurement. A server that
# exits before its banner is reported at once, with what it logged.
STARTUP_SECONDS = 60.0

PORT_ATTEMPTS = 3
"""How many ports :func:`running` tries before a port taken under it fails the test."""
_IN_USE = "address already in use"
"""What ``omnibot run`` logs (the event loop's ``OSError`` for EADDRINUSE) when it cannot bind."""


class AddressInUse(RuntimeError):
    """``omnibot run`` exited before serving because its port was taken: another process bound
    it between :func:`free_port` choosing it and the server binding it."""


@contextlib.contextmanager
def running(
    bot_dir: Path,
    *extra: str,
    env: Mapping[str, str] | None = None,
    startup: float = STARTUP_SECONDS,
    log: Path | None = None,
    ports: Callable[[], int] = free_port,
) -> Iterator[Server]:
    """Start ``omnibot run`` and wait for its banner's last line; stop it afterwards. Its log
    goes to the file ``log`` (which :class:`Log` reads while it runs) or to a pipe.

    A free port can be taken by another process before the server binds it; a server that exits
    for that is started again on the next port ``ports`` picks, up to :data:`PORT_ATTEMPTS`
    times. Any other failure to start is reported at once, with what it logged."""
    for attempt in range(1, PORT_ATTEMPTS + 1):
        with contextlib.ExitStack() as stack:
            stderr = stack.enter_context(log.open("w")) if log is not None else subprocess.PIPE
            port = ports()
            process = subprocess.Popen(
                omnibot("run", str(bot_dir), "--port", str(port), *extra),
                stdout=subprocess.PIPE,
                stderr=stderr,
                text=True,
                cwd=ROOT,
                env=dict(env) if env is not None else clean_env(),
            )
            server = Server(process, port)
            stack.callback(server.stop)
            try:
                _read_banner(server, startup, log)
            except AddressInUse:
                if attempt == PORT_ATTEMPTS:
                    raise
                continue
            yield server
            return


@contextlib.asynccontextmanager
async def serving(
    bot_dir: Path, *extra: str, env: Mapping[str, str] | None = None
) -> AsyncIterator[Server]:
    """:func:`running` off the event loop, so the fakes on this loop answer while it starts."""
    async with serving_all((bot_dir, extra, env)) as (server,):
        yield server


Spec = tuple[Path, Sequence[str], Mapping[str, str] | None]


@contextlib.asynccontextmanager
async def serving_all(*specs: Spec) -> AsyncIterator[list[Server]]:
    """Several :func:`running` servers started at once, each ``(bot_dir, extra, env)``. When one
    fails to start, the others are still waited for and stopped, so none outlives the test."""
    managers = [running(folder, *extra, env=env) for folder, extra, env in specs]
    started = await asyncio.gather(
        *(asyncio.to_thread(manager.__enter__) for manager in managers), return_exceptions=True
    )
    entered = [m for m, got in zip(managers, started, strict=True) if isinstance(got, Server)]
    try:
        failures = [got for got in started if isinstance(got, BaseException)]
        if failures:
            raise failures[0]
        yield [got for got in started if isinstance(got, Server)]
    finally:
        await asyncio.gather(
            *(asyncio.to_thread(manager.__exit__, None, None, None) for manager in entered)
        )


def _read_banner(server: Server, startup: float, log: Path | None) -> None:
    """Read the banner up to its ``health`` line within ``startup`` seconds. The lines are read
    by a thread, so the deadline holds even when the server prints nothing at all. A server
    that exits first raises with what it logged (to the pipe, or to the file ``log``):
    :class:`AddressInUse` when it could not bind its port."""
    stdout = server.process.stdout
    assert stdout is not None
    lines: queue.Queue[str] = queue.Queue()

    def read() -> None:
        with contextlib.suppress(ValueError, OSError):  # closed by a stop after the deadline
            for line in stdout:
                lines.put(line)
                if line.lstrip().startswith("health"):
                    return
        lines.put("")  # the process closed its output: it exited

    threading.Thread(target=read, name=f"banner-{server.port}", daemon=True).start()
    deadline = time.monotonic() + startup
    while True:
        try:
            line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            raise RuntimeError(
                f"omnibot run printed no banner in {startup:.0f} s; it printed: {server.banner}"
            ) from None
        if not line:
            server.process.wait()
            logged = _logged(server, log)
            failure = AddressInUse if _IN_USE in logged else RuntimeError
            raise failure(
                f"omnibot run exited ({server.process.returncode}) before serving:\n{logged}"
            )
        server.banner.append(line.rstrip("\n"))
        if line.lstrip().startswith("health"):
            return


def _logged(server: Server, log: Path | None) -> str:
    """Everything a server that has exited logged."""
    if log is not None:
        return log.read_text(errors="replace")
    return server.process.stderr.read() if server.process.stderr else ""


@dataclass
class Log:
    """What a server started with ``log=path`` has logged so far, read from the file while it
    runs."""

    path: Path
    seen: int = 0

    def new(self) -> str:
        """What was logged since the last call."""
        text = self.path.read_text(errors="replace")
        fresh, self.seen = text[self.seen :], len(text)
        return fresh

    async def until(self, needle: str, within: float = 10.0) -> str:
        """What was logged since the last call, once it holds ``needle``."""
        gathered = ""
        deadline = time.monotonic() + within
        while needle not in gathered:
            assert time.monotonic() < deadline, f"{needle!r} not logged; got:\n{gathered}"
            await asyncio.sleep(0.02)
            gathered += self.new()
        return gathered


class Output:
    """A server's output and log read as they come, so a chatty server never blocks on a full
    pipe; ``lines`` holds what was read so far."""

    def __init__(self, server: Server) -> None:
        self.lines: list[str] = []
        for stream in (server.process.stdout, server.process.stderr):
            if stream is not None:
                threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            self.lines.append(line.rstrip("\n"))


@dataclass(frozen=True, slots=True)
class Printed:
    """What a stopped server printed: its exit code, its output (the banner first) and its log."""

    code: int
    out: str
    err: str

    @property
    def everything(self) -> str:
        return f"{self.out}\n{self.err}"


async def stopped(server: Server, within: float = 20) -> Printed:
    """Stop ``server`` with SIGTERM and wait for it off the event loop (fakes on the loop keep
    answering while it finishes); what it printed (no log when it went to a file)."""
    if server.process.poll() is None:
        server.process.send_signal(signal.SIGTERM)
    out, err = await asyncio.to_thread(server.process.communicate, timeout=within)
    banner = "".join(f"{line}\n" for line in server.banner)
    return Printed(server.process.returncode, banner + (out or ""), err or "")


async def ready(server: Server) -> int:
    """What ``/readyz`` answers."""
    async with aiohttp.ClientSession() as session, session.get(f"{server.url}/readyz") as got:
        return got.status


def workers(pid: int) -> list[int]:
    """The worker processes a supervisor ``pid`` spawned (read from /proc; multiprocessing's
    resource tracker, also a child, is left out)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            status = (entry / "status").read_text()
            parent = next(line for line in status.splitlines() if line.startswith("PPid:"))
            command = (entry / "cmdline").read_bytes()
            if int(parent.split()[1]) == pid and b"spawn_main" in command:
                found.append(int(entry.name))
    return found


async def wait_for_workers(pid: int, count: int) -> list[int]:
    """The worker processes of supervisor ``pid``, once there are ``count`` of them."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        found = workers(pid)
        if len(found) >= count:
            return found
        await asyncio.sleep(0.1)
    raise AssertionError(f"expected {count} worker processes under {pid}")


def worker_serving(server_port: int, client_port: int, pids: list[int]) -> int | None:
    """Which of the worker ``pids`` holds the server end of the loopback TCP connection from
    ``client_port`` (read from /proc: the socket's inode, then whose file descriptor it is)."""
    inode = None
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote = fields[1].split(":")[1], fields[2].split(":")[1]
        if int(local, 16) == server_port and int(remote, 16) == client_port:
            inode = fields[9]
    if inode is None:
        return None
    for pid in pids:
        with contextlib.suppress(OSError):
            for fd in (Path("/proc") / str(pid) / "fd").iterdir():
                with contextlib.suppress(OSError):
                    if os.readlink(fd) == f"socket:[{inode}]":
                        return pid
    return None


ECHO_FLOWS = """
flows:
  hello:
    triggers: {en: [hello there]}
    steps:
      - say: "Hello!"
messages:
  fallback: "echo {{ input.text }}"
"""


def echo_bot(root: Path, namespace: str, memory: str = "") -> Path:
    """A bot that answers "echo <text>" to anything (and has one flow, which a bot needs), on its
    own memory namespace; ``memory`` adds lines to its ``memory:`` section."""
    (root / "flows").mkdir(parents=True)
    (root / "bot.yaml").write_text(
        f"name: Echo\nlanguages: [en]\nmemory:\n  namespace: {namespace}\n{memory}"
    )
    (root / "flows" / "main.yaml").write_text(ECHO_FLOWS)
    return root


def example_copy(root: Path, namespace: str) -> Path:
    """The example store bot, copied under ``root`` with its own memory namespace, so a test
    on a shared Redis leaves nothing behind in anyone else's keys."""
    folder = root / "store"
    shutil.copytree(EXAMPLE, folder)
    with (folder / "bot.yaml").open("a") as config:
        config.write(f"\nmemory:\n  namespace: {namespace}\n")
    return folder


async def wipe(redis_url: str, namespace: str) -> None:
    """Delete every key of ``namespace`` (on every primary of a cluster)."""
    from memory.redis.connection import close, connect

    client = connect(redis_url)
    keys = [key async for key in client.scan_iter(match=f"{namespace}:*", count=1000)]
    if keys:
        await client.delete(*keys)
    await close(client)
