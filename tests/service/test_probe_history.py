"""Probe results kept in the state database and compared on the next review."""

from pathlib import Path

from bot.state.db import make_engine, migrate
from bot.state.probe_history import ProbeHistory


def _report(p99: float, error: str | None = None) -> dict:
    level = {"concurrency": 4, "throughput": 350.0,
             "latency_ms": {"p50": p99 / 2, "p90": p99, "p95": p99, "p99": p99}}
    return {"model": "resnet", "path": "models/resnet/config.pbtxt", "target": "127.0.0.1:8000",
            "error": error, "head": {"inputs": {"INPUT0": [1, 16]}, "levels": [level]}}


def test_history_records_measurements_and_summarises_them(tmp_path: Path):
    engine = make_engine(f"sqlite:///{tmp_path / 'state.db'}")
    migrate(engine)
    history = ProbeHistory(engine)
    assert history.summary("acme/platform", "resnet") is None
    assert history.record("acme/platform", [_report(10.0), _report(14.0),
                                            _report(0, error="refused")]) == 2
    assert history.record("acme/other", [_report(99.0)]) == 1
    line = history.summary("acme/platform", "resnet")
    assert line is not None
    assert "**2** measurement(s)" in line and "**12.00 ms** median" in line
    assert "10.00–14.00 ms" in line and "concurrency 4" in line
