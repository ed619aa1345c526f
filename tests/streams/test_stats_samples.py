"""The stats collector's pure parts: the ring buffer's bound, a sample's figures."""

from collections import deque
from types import SimpleNamespace

from containers import stats
from containers.streams.stats import sample


def test_ring_buffer_holds_five_minutes():
    watch = SimpleNamespace(samples=deque(maxlen=stats.HISTORY_SAMPLES))
    for second in range(1000):
        stats.Watch.add(watch, {"t": 1000.0 + second})
    assert watch.samples[-1]["t"] - watch.samples[0]["t"] == stats.HISTORY_SECONDS
    for tick in range(2000):  # faster than the engine's pace: bounded by count too
        stats.Watch.add(watch, {"t": 3000.0 + tick / 100})
    assert len(watch.samples) == stats.HISTORY_SAMPLES


def test_sample_rates_and_stopped():
    doc = {
        "read": "2026-12-01T12:00:01Z",
        "cpu_stats": {"cpu_usage": {"total_usage": 2_000_000_000}, "system_cpu_usage": 4_000_000_000, "online_cpus": 2},
        "precpu_stats": {"cpu_usage": {"total_usage": 1_000_000_000}, "system_cpu_usage": 2_000_000_000},
        "memory_stats": {"usage": 300, "limit": 1000, "stats": {"total_inactive_file": 100}},
        "networks": {"eth0": {"rx_bytes": 2000, "tx_bytes": 500}},
        "blkio_stats": {"io_service_bytes_recursive": [{"op": "Read", "value": 4096}, {"op": "write", "value": 10}]},
    }
    first, totals = sample(doc, None)
    assert first["cpu"] == 100.0 and first["mem"] == 200 and first["mem_pct"] == 20.0 and first["rx"] is None
    doc = {**doc, "read": "2026-12-01T12:00:03Z", "networks": {"eth0": {"rx_bytes": 4000, "tx_bytes": 500}}}
    second, _ = sample(doc, totals)
    assert second["rx"] == 1000.0 and second["tx"] == 0.0 and second["read"] == 0.0
    assert sample({"read": "0001-01-01T00:00:00Z"}, totals) == (None, None)
