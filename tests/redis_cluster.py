"""Starting the Redis Cluster the tests talk to: three primaries on loopback ports.

``OMNIBOT_TEST_REDIS_CLUSTER_URL`` names a cluster to use instead (it must answer). Otherwise
three ``redis-server --cluster-enabled yes`` processes are started on free 127.0.0.1 ports,
joined with ``redis-cli --cluster create``, and stopped by their PIDs afterwards. Without
redis-server or redis-cli the tests fail with a message that says how to get them.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

from memory.redis.connection import Cluster, cluster_url
from tests.redis_server import StartedRedis, answers, free_port, start_redis

MASTERS = 3
_CUSTOMER_TAG = re.compile(rb"\{c:[^}]*\}")
HOW_TO_GET_CLI = (
    "no redis-cli to form the tests' Redis Cluster: install it (apt-get install -y redis-tools), "
    "or set OMNIBOT_TEST_REDIS_CLUSTER_URL to a running cluster"
)


@dataclass
class StartedCluster:
    """The nodes of a cluster this test run started; ``stop`` ends each by its PID."""

    nodes: list[StartedRedis] = field(default_factory=list)

    @property
    def url(self) -> str:
        """The URL omnibot is given: any one node, with the cluster scheme."""
        return f"redis+cluster://127.0.0.1:{port_of(self.nodes[0].url)}"

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()


def port_of(url: str) -> int:
    """The port of a ``redis://`` or ``redis+cluster://`` URL."""
    return urlparse(url).port or 6379


def _bindable(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def cluster_port() -> int:
    """A free port whose cluster bus port (the port + 10000) is free too."""
    while True:
        port = free_port()
        if port + 10000 <= 65535 and _bindable(port + 10000):
            return port


def _cluster_ok(cli: str, port: int) -> bool:
    info = subprocess.run(
        [cli, "-h", "127.0.0.1", "-p", str(port), "cluster", "info"],
        capture_output=True,
        text=True,
        check=False,
        timeout=5,
    )
    return "cluster_state:ok" in info.stdout


def _create(cli: str, ports: list[int]) -> None:
    nodes = [f"127.0.0.1:{port}" for port in ports]
    created = subprocess.run(
        [cli, "--cluster", "create", *nodes, "--cluster-replicas", "0", "--cluster-yes"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    if created.returncode != 0:
        raise RuntimeError(f"redis-cli --cluster create failed:\n{created.stdout}{created.stderr}")


def start_cluster() -> StartedCluster:
    """Three cluster-enabled redis-servers on 127.0.0.1, joined into one cluster whose state
    is ``ok`` on every node (all 16384 slots served)."""
    cli = shutil.which("redis-cli")
    if cli is None:
        raise RuntimeError(HOW_TO_GET_CLI)
    cluster = StartedCluster()
    try:
        for _ in range(MASTERS):
            port = cluster_port()
            node = start_redis(
                port,
                "--cluster-enabled",
                "yes",
                "--cluster-config-file",
                f"nodes-{port}.conf",
                "--daemonize",
                "no",
            )
            cluster.nodes.append(node)
        ports = [port_of(node.url) for node in cluster.nodes]
        _create(cli, ports)
        deadline = time.monotonic() + 30
        while not all(_cluster_ok(cli, port) for port in ports):
            if time.monotonic() > deadline:
                raise RuntimeError("the tests' Redis Cluster did not reach cluster_state:ok")
            time.sleep(0.1)
    except BaseException:
        cluster.stop()
        raise
    return cluster


def find_or_start_cluster() -> tuple[str, StartedCluster | None]:
    """The URL of a Redis Cluster for the tests, and the cluster started for them (if any)."""
    configured = os.environ.get("OMNIBOT_TEST_REDIS_CLUSTER_URL")
    if configured:
        if not answers(configured):
            raise RuntimeError(f"OMNIBOT_TEST_REDIS_CLUSTER_URL={configured} does not answer PING")
        return configured, None
    started = start_cluster()
    return started.url, started


class OneCustomerPerCommand(Cluster):
    """A cluster client that fails the test when one command (a script, a pipeline's
    command, a plain command) names the keys of two customers, or a customer's key together
    with a key outside that customer's hash tag.

    The cluster itself refuses a command whose keys span two slots (``CROSSSLOT``), but two
    customers' tags may hash to one slot by chance; this check does not depend on chance.
    """

    @classmethod
    def for_url(cls, url: str) -> OneCustomerPerCommand:
        node = cluster_url(url)
        assert node is not None, f"{url} does not name a cluster"
        client = cls.from_url(node, reinitialize_steps=0)
        assert isinstance(client, cls)  # redis-py builds ``cls``, though it says RedisCluster
        return client

    async def _determine_slot(self, command: str, *args: Any) -> int:
        # The one place where redis-py looks at a command's keys to route it; checked before
        # redis-py's own check that the keys share a slot.
        if command.upper() in ("EVAL", "EVALSHA"):
            keys = list(args[2 : 2 + int(args[1])])
        else:
            keys = list(await self.commands_parser.get_keys(command, *args) or [])
        encoded = [key if isinstance(key, bytes) else str(key).encode() for key in keys]
        tags = {tag.group() for key in encoded if (tag := _CUSTOMER_TAG.search(key))}
        untagged = [key for key in encoded if not _CUSTOMER_TAG.search(key)]
        assert len(tags) <= 1, f"{command} spans customers {sorted(tags)}: {encoded}"
        assert not (tags and untagged), f"{command} mixes a customer's keys with {untagged}"
        slot: int = await super()._determine_slot(command, *args)
        return slot
