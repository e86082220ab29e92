"""Probe results kept in the state database and compared on the next review."""

from pathlib import Path

from bot.measurements import ConfigMeasurement, Latency, LevelResult, MethodSettings, ProbeRun
from bot.state.db import make_engine, migrate
from bot.state.probe_history import ProbeHistory


def _report(p99: float, error: str | None = None) -> ConfigMeasurement:
    # The highest concurrency is the one history keeps.
    levels = [LevelResult(concurrency=c, throughput=350.0 * c / 4, requests=1000, errors=0,
                          windows_measured=3, windows_merged=3, stable=True,
                          latency_ms=Latency(avg=p99 * c / 4, p50=p99 * c / 8, p90=p99 * c / 4,
                                             p95=p99 * c / 4, p99=p99 * c / 4))
              for c in (4, 1)]
    head = ProbeRun(model="resnet", url="127.0.0.1:8000", protocol="http", label="head",
                    method=MethodSettings(), inputs={"INPUT0": [1, 16]}, levels=levels)
    return ConfigMeasurement(model="resnet", path="models/resnet/config.pbtxt",
                             target="127.0.0.1:8000", protocol="http",
                             verdict="refused" if error else "measured", error=error,
                             head=None if error else head)


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
