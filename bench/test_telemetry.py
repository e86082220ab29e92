"""Bench: the review time production telemetry adds, against a real Prometheus holding 14 days
of 200 GPU-serving workloads.

    python -m pytest bench/test_telemetry.py -m long --benchmark-enable -p no:cacheprovider

The TSDB blocks (200 workloads: vLLM, TGI, Triton and HTTP servers, 2–3 replicas, some behind
an HPA, daily cycles, bursts, a rollout each; scraped every 2 minutes for 14 days, ~20 M
samples) are built once with promtool and cached under `$ARIA_CACHE_DIR` (default
`~/.cache/aria`), so later runs start in seconds. Every query is evaluated at the data's end, so
the cached data stays a full window. Measured: a review resizing 1 and 10 workloads and an
audit of all 200 (the telemetry step alone: graphs, queries, projections), plus the same
review without telemetry for comparison. `extra_info` records the queries each one sent.
Requires `prometheus` and `promtool` (Debian package `prometheus`).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.config import load_config_bytes  # noqa: E402
from bot.engine import ingest, review  # noqa: E402
from bot.ingest.source import MemorySource  # noqa: E402
from bot.telemetry.gate import telemetry_for_audit, telemetry_for_review  # noqa: E402
from bot.telemetry.settings import PrometheusSettings  # noqa: E402
from tests.telemetry.manifests import hpa, workload  # noqa: E402
from tests.telemetry.prom import Prometheus, build_blocks, launch, missing_binaries  # noqa: E402
from tests.telemetry.synth import Fleet, Timeline  # noqa: E402

# Building the data the first time takes minutes, beyond the suite's 300 s test timeout.
pytestmark = [pytest.mark.long, pytest.mark.timeout(3600)]

# 200 as the bench is specified; a smaller count makes a quick check of the bench itself
WORKLOADS = int(os.environ.get("ARIA_TELEMETRY_BENCH_WORKLOADS", "200"))
EXPORTERS = ("vllm", "tgi", "triton", "http")
CONFIG = "headroom: {min: 0.2, max: 0.4}\n"  # telemetry defaults: 14d, p99 of 5m values


def fleets() -> list[Fleet]:
    out = []
    for i in range(WORKLOADS):
        exporter = EXPORTERS[i % len(EXPORTERS)]
        out.append(Fleet(
            f"svc-{i:03d}", namespace=f"team-{i % 10}", exporter=exporter,
            model=f"model-{i}", replicas=2 + i % 2, gpus=2 if i % 7 == 0 else 1,
            peak=20.0 + (i * 37) % 120, per_gpu=60.0, hpa=(2, 8) if i % 5 == 0 else None,
            hpa_per_replica=25.0, days=14, scrape_s=120, cpu_metrics=False, histogram=False,
            rollout_at=0.3 + (i % 10) / 20, seed=i))
    return out


def _cache_dir() -> Path:
    base = os.environ.get("ARIA_CACHE_DIR") or str(Path.home() / ".cache" / "aria")
    source = (ROOT / "tests" / "telemetry" / "synth.py").read_bytes()
    key = hashlib.sha256(repr(fleets()).encode() + source).hexdigest()[:16]
    return Path(base) / "telemetry-bench" / key


def _blocks() -> tuple[Path, float]:
    """Cached blocks and the time their data ends (queries are evaluated there)."""
    cache = _cache_dir()
    meta = cache / "meta.json"
    if meta.is_file():
        return cache / "blocks", json.loads(meta.read_text())["end"]
    if cache.parent.is_dir():  # data of other generator versions, and killed builds
        for stale in cache.parent.iterdir():
            shutil.rmtree(stale, ignore_errors=True)
    staging = cache.with_name(cache.name + f".staging-{os.getpid()}")
    end = int(time.time()) // 60 * 60
    samples = build_blocks([Timeline(f, end) for f in fleets()], staging / "blocks")
    (staging / "meta.json").write_text(json.dumps({"end": end, "samples": samples}))
    shutil.rmtree(cache, ignore_errors=True)
    staging.rename(cache)
    return cache / "blocks", end


@pytest.fixture(scope="module")
def prometheus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Prometheus, float]]:
    if missing_binaries():
        pytest.skip(f"{', '.join(missing_binaries())} not installed (Debian package prometheus)")
    blocks, end = _blocks()
    server = launch(blocks, tmp_path_factory.mktemp("bench-prometheus"))
    try:
        yield server, end + 60
    finally:
        server.stop()


def _manifests(resized: int) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """The platform repository, and a change that resizes the first ``resized`` workloads
    (one replica fewer, or an HPA maximum two lower)."""
    base: dict[str, bytes] = {".aria.yml": CONFIG.encode()}
    head = dict(base)
    for i, f in enumerate(fleets()):
        text = workload(f.name, replicas=None if f.hpa else f.replicas, gpus=f.gpus,
                        exporter=f.exporter, namespace=f.namespace)
        if f.hpa:
            text += "---\n" + hpa(f.name, *f.hpa, namespace=f.namespace)
        changed = text
        if i < resized:
            changed = (text.replace(f"maxReplicas: {f.hpa[1]}", f"maxReplicas: {f.hpa[1] - 2}")
                       if f.hpa else
                       text.replace(f"replicas: {f.replicas}", f"replicas: {f.replicas - 1}"))
        path = f"k8s/{f.namespace}/{f.name}.yaml"
        base[path], head[path] = text.encode(), changed.encode()
    return base, head


def _settings(server: Prometheus) -> PrometheusSettings:
    return PrometheusSettings.from_env({"ARIA_PROMETHEUS_URL": server.url})


@pytest.mark.parametrize("resized", [1, 10])
def test_review_telemetry(benchmark, prometheus, resized: int):
    server, at = prometheus
    base_files, head_files = _manifests(resized)
    config = load_config_bytes(base_files[".aria.yml"])
    base, head = ingest(MemorySource(base_files), config), ingest(MemorySource(head_files), config)

    def run():
        head.notes.clear()
        return telemetry_for_review(base, head, config.telemetry, config.headroom,
                                    config.serving_images, _settings(server), at=at)

    report = benchmark.pedantic(run, rounds=5, iterations=1, warmup_rounds=1)
    assert report is not None and len(report.workloads) == resized
    assert all(w.projection is not None for w in report.workloads), report.notes
    benchmark.extra_info.update(queries=report.queries, workloads=resized,
                                prometheus_s=report.elapsed_s, notes=len(report.notes))


def test_review_without_telemetry(benchmark, prometheus, monkeypatch):
    """The whole review of the 10-workload change, telemetry off: the baseline."""
    for key in [k for k in os.environ if k.startswith("ARIA_PROMETHEUS_")]:
        monkeypatch.delenv(key)
    base_files, head_files = _manifests(10)
    decision = benchmark.pedantic(lambda: review(MemorySource(base_files),
                                                 MemorySource(head_files)),
                                  rounds=5, iterations=1, warmup_rounds=1)
    assert decision.telemetry is None


def test_fleet_telemetry(benchmark, prometheus):
    server, at = prometheus
    files, _ = _manifests(0)
    config = load_config_bytes(files[".aria.yml"])
    inventory = ingest(MemorySource(files), config)

    def run():
        inventory.notes.clear()
        return telemetry_for_audit(inventory, config.telemetry, config.headroom,
                                   config.serving_images, _settings(server), at=at)

    report = benchmark.pedantic(run, rounds=5, iterations=1, warmup_rounds=1)
    assert len(report.gpu) == WORKLOADS
    assert all(g.peak_utilisation.value is not None for g in report.gpu), report.notes
    benchmark.extra_info.update(queries=report.queries, workloads=WORKLOADS,
                                prometheus_s=report.elapsed_s)
