"""Prometheus metrics for turns, inbound events, deliveries, errors, scheduled items and memory
round trips.

Each application owns its registry. Under ``omnibot run --workers N`` the supervisor sets
``PROMETHEUS_MULTIPROC_DIR`` so that ``/metrics`` on any worker reports the sum of all workers.
"""

from __future__ import annotations

import os
from typing import TypeVar, cast

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
M = TypeVar("M", Counter, Histogram)
_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    """The metrics of one running bot."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        self._children: dict[tuple[int, tuple[str, ...]], Counter | Histogram] = {}
        r = self.registry
        self.inbound = Counter(
            "omnibot_inbound_events",
            "Inbound events by channel and result",
            ["channel", "result"],
            registry=r,
        )
        self.turns = Counter(
            "omnibot_turns", "Turns run, by channel and outcome", ["channel", "outcome"], registry=r
        )
        self.turn_seconds = Histogram(
            "omnibot_turn_seconds",
            "Time to run, commit and deliver one turn",
            ["channel"],
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.turn_delay_seconds = Histogram(
            "omnibot_turn_delay_seconds",
            "Time from receiving an input to starting its turn",
            ["channel"],
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.errors = Counter("omnibot_errors", "Errors by stage", ["stage"], registry=r)
        self.deliveries = Counter(
            "omnibot_deliveries",
            "Outbound messages by channel and result",
            ["channel", "result"],
            registry=r,
        )
        self.code_sends = Counter(
            "omnibot_code_sends",
            "One-time codes asked for, by provider and result: sent, or why not",
            ["provider", "result"],
            registry=r,
        )
        self.code_checks = Counter(
            "omnibot_code_checks",
            "One-time codes typed back, by provider and result",
            ["provider", "result"],
            registry=r,
        )
        self.schedule = Counter(
            "omnibot_scheduled_items",
            "Scheduled items by what became of them: scheduled, fired, late (fired late), "
            "late_skipped, cancelled, duplicate (fired already)",
            ["result"],
            registry=r,
        )
        self.outreach_suppressed = Counter(
            "omnibot_outreach_suppressed",
            "Proactive messages never sent, by reason: opted_out, no_consent, unreachable, cap",
            ["reason"],
            registry=r,
        )
        self.outreach_deferred = Counter(
            "omnibot_outreach_deferred",
            "Proactive turns put off to a later time, by reason: quiet_hours, cap",
            ["reason"],
            registry=r,
        )
        self.outreach_delivered = Counter(
            "omnibot_outreach_delivered",
            "Proactive messages handed to a channel, by channel",
            ["channel"],
            registry=r,
        )
        self.memory_round_trips = Counter(
            "omnibot_memory_round_trips",
            "Shared memory round trips by operation",
            ["operation"],
            registry=r,
        )

    def of(self, metric: M, *values: str) -> M:
        """``metric.labels(*values)``, kept: the turn path asks for the same few children
        thousands of times a second, and prometheus_client builds the key and takes a lock
        each time. (Label values here come from small fixed sets: channels, results, stages.)"""
        key = (id(metric), values)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = metric.labels(*values)
        return cast(M, child)

    def count_round_trip(self, operation: str) -> None:
        """Observer for :class:`bot.turn.store.Observed`."""
        self.of(self.memory_round_trips, operation).inc()

    def exposition(self) -> bytes:
        """The text format Prometheus scrapes."""
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            merged = CollectorRegistry()
            MultiProcessCollector(merged)  # type: ignore[no-untyped-call]
            return generate_latest(merged)
        return generate_latest(self.registry)
