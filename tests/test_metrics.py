"""The metrics' kept label children count what the labels say."""

from __future__ import annotations

from bot.app.metrics import Metrics


def test_kept_children_count_under_their_own_labels() -> None:
    metrics = Metrics()
    for _ in range(3):
        metrics.of(metrics.turns, "telegram", "ok").inc()
    metrics.of(metrics.turns, "sms", "ok").inc()
    metrics.of(metrics.deliveries, "telegram", "ok").inc(2)
    metrics.of(metrics.turn_seconds, "telegram").observe(0.003)
    metrics.count_round_trip("enqueue")
    metrics.count_round_trip("enqueue")
    text = metrics.exposition().decode()
    assert 'omnibot_turns_total{channel="telegram",outcome="ok"} 3.0' in text
    assert 'omnibot_turns_total{channel="sms",outcome="ok"} 1.0' in text
    assert 'omnibot_deliveries_total{channel="telegram",result="ok"} 2.0' in text
    assert 'omnibot_turn_seconds_count{channel="telegram"} 1.0' in text
    assert 'omnibot_memory_round_trips_total{operation="enqueue"} 2.0' in text
    assert metrics.of(metrics.turns, "telegram", "ok") is metrics.turns.labels("telegram", "ok")
