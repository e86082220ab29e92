"""A real Prometheus over generated production series, for the telemetry tests.

One session-wide server holds every workload the tests review or audit; tests that stop or
pause a server, or put it behind basic auth, start their own over a small dataset.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.config import TelemetryConfig
from bot.promql import duration_seconds
from tests.prerequisites import need
from tests.telemetry.prom import Prometheus, build_blocks, launch, missing_binaries
from tests.telemetry.synth import Fleet, Timeline

# How far back a review measures peaks (the default `telemetry.window`). The expected figures use
# it too: with two days of history in a 14-day window a review reads all of it, however long
# after the history was written the test runs (a two-day expectation dropped its first minutes).
REVIEW_WINDOW_S = duration_seconds(TelemetryConfig().window)

# Production as the tests' reviews find it (namespace `serving`, two days of history unless
# said otherwise, scraped every minute; peaks in requests/s).
FLEETS = (
    # 6 × 1 GPU at ~47% peak utilisation: 6 → 4 replicas lands inside the 20–40% policy
    Fleet("chat-fits", replicas=6, peak=140, per_gpu=50, burst_size=0.05),
    # 4 × 1 GPU at ~65%: 4 → 3 leaves too little headroom, 4 → 2 cuts below the peak.
    # Pod 0 restarts twice (counter resets) and the fleet is rolled out once.
    Fleet("chat-tight", replicas=4, peak=130, per_gpu=50, burst_size=0.05,
          restarts=(0.3, 0.75)),
    # TGI behind an HPA of 2–10 that wants 9 replicas at the daily peak
    Fleet("embed", exporter="tgi", hpa=(2, 10), peak=170, hpa_per_replica=20, per_gpu=30,
          burst_size=0.05),
    # CPU-bound HTTP service (Micrometer histogram): 4 × 2 cores, ~4.4 cores at peak
    Fleet("api", exporter="http", gpus=0, replicas=4, peak=360, cpu_request=2.0, bursts=0),
    # runs 5 replicas while the repository says 3
    Fleet("drift", exporter="http", gpus=0, replicas=5, peak=50, histogram=False),
    # deployed for the last 30% of the window only; a flat 0.9 busy GPUs, so its peak does
    # not depend on the hours of the day the 30% covers
    Fleet("fresh", replicas=3, peak=45, trough=1.0, bursts=0, start_at=0.7, histogram=False),
    # DCGM exports NaN for the last 40% (half) of the window
    Fleet("nan-gpu", replicas=2, peak=40, nan_gpu_from=0.6, histogram=False),
    Fleet("nan-idle", replicas=2, peak=4, nan_gpu_from=0.5, histogram=False),
    # a StatefulSet (ordinal pod names; the rollout restarts its counters)
    Fleet("ranker", kind="StatefulSet", exporter="http", gpus=0, replicas=3, peak=90,
          histogram=False),
    # Triton serving the probe tests' `review` model: inferences/s by model
    Fleet("triton-review", exporter="triton", model="review", replicas=2, peak=300,
          per_gpu=400, histogram=False),
    # 14 days, scraped every 2 minutes: GPUs that idle, and GPUs that work
    Fleet("idle-gpu", exporter="triton", model="resnet50", replicas=4, gpus=2, peak=20,
          per_gpu=40, days=14, scrape_s=120, cpu_metrics=False),
    Fleet("busy-gpu", replicas=2, peak=70, per_gpu=50, days=14, scrape_s=120,
          cpu_metrics=False, histogram=False),
)


@dataclass
class Production:
    server: Prometheus
    timelines: dict[str, Timeline]

    @property
    def url(self) -> str:
        return self.server.url


def _require_prometheus() -> None:
    missing = missing_binaries()
    need(not missing, f"{', '.join(missing)} not installed (Debian package `prometheus`; "
                      "scripts/test.sh installs it)")


@pytest.fixture(scope="session")
def production(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Production]:
    _require_prometheus()
    root = tmp_path_factory.mktemp("production")
    end = int(time.time()) // 60 * 60
    timelines = {f.name: Timeline(f, end) for f in FLEETS}
    build_blocks(list(timelines.values()), root / "blocks")
    server = launch(root / "blocks", root / "server")
    try:
        yield Production(server, timelines)
    finally:
        server.stop()


@pytest.fixture(scope="session")
def small_blocks(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Half a day of one workload, for servers a test stops, pauses or locks."""
    _require_prometheus()
    root = tmp_path_factory.mktemp("small")
    end = int(time.time()) // 60 * 60
    build_blocks([Timeline(Fleet("chat-tight", replicas=4, peak=130, days=0.5,
                                 histogram=False), end)], root / "blocks")
    return root / "blocks"


@pytest.fixture
def prometheus_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """A clean operator environment; tests set ARIA_PROMETHEUS_URL themselves."""
    import os

    for key in list(os.environ):
        if key.startswith("ARIA_PROMETHEUS_") or key.startswith("ARIA_PROBE_"):
            monkeypatch.delenv(key)
    return monkeypatch


@pytest.fixture
def telemetry_on(production: Production, prometheus_env: pytest.MonkeyPatch) -> Production:
    prometheus_env.setenv("ARIA_PROMETHEUS_URL", production.url)
    return production
