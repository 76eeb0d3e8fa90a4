"""Finding or starting the Redis the tests talk to.

In order: ``OMNIBOT_TEST_REDIS_URL`` if set (it must answer); else 127.0.0.1:6379 if it answers;
else a ``redis-server`` started on a free loopback port and stopped by its PID afterwards; else
the tests fail with a message that says how to get one. No test is skipped for want of Redis.

For the tests that stop Redis and start it again, :class:`DurableRedis` is one of their own that
keeps what it was told across restarts.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

DEFAULT = "redis://127.0.0.1:6379/0"
HOW_TO_GET_ONE = (
    "no Redis for the tests: install one (apt-get install -y redis-server) so that the tests "
    "can start it, run one on 127.0.0.1:6379, or set OMNIBOT_TEST_REDIS_URL"
)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def answers(url: str, timeout: float = 0.5) -> bool:
    """Whether a Redis at ``url`` answers PING."""
    parsed = urlparse(url)
    try:
        with socket.create_connection(
            (parsed.hostname or "127.0.0.1", parsed.port or 6379), timeout
        ) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


@dataclass
class StartedRedis:
    """A redis-server this test run started; ``stop`` ends it by its PID."""

    url: str
    process: subprocess.Popen[bytes]
    directory: str

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.directory, ignore_errors=True)


def start_redis(port: int | None = None, *extra: str) -> StartedRedis:
    """Start a throwaway redis-server on 127.0.0.1 (a free port unless given)."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError(HOW_TO_GET_ONE)
    port = port or free_port()
    directory = tempfile.mkdtemp(prefix="omnibot-test-redis-")
    command = [
        binary,
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
    ]
    command += ["--dir", directory, *extra]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + 10
    while not answers(url):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"redis-server did not start on port {port}")
        time.sleep(0.05)
    return StartedRedis(url, process, directory)


class DurableRedis:
    """A redis-server with append-only persistence (fsync on every write) in a folder of its
    own, which a test may stop and start again on the same port without losing anything."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self._server: StartedRedis | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        durable = ("--appendonly", "yes", "--appendfsync", "always", "--dir", str(self.folder))
        self._server = start_redis(self.port, *durable)

    def stop(self) -> None:
        """SIGTERM by PID: Redis finishes writing its append-only file and exits."""
        if self._server is not None:
            self._server.stop()
        self._server = None


def find_or_start() -> tuple[str, StartedRedis | None]:
    """The URL of a Redis for the tests, and the server started for them (if any)."""
    configured = os.environ.get("OMNIBOT_TEST_REDIS_URL")
    if configured:
        if not answers(configured):
            raise RuntimeError(f"OMNIBOT_TEST_REDIS_URL={configured} does not answer PING")
        return configured, None
    if answers(DEFAULT):
        return DEFAULT, None
    started = start_redis()
    return started.url, started
