"""Probe and telemetry together: measured throughput per replica at the SLO (a real Triton
server) against measured peak demand (a real Prometheus)."""

from __future__ import annotations

import pytest

from bot.config import Headroom
from bot.engine import review
from bot.ingest.source import MemorySource
from bot.telemetry.assess import verdict
from tests.probes.conftest import Triton, triton  # noqa: F401 — the session's tritonserver
from tests.probes.test_review_measured import ARIA_YML as PROBES_YML
from tests.telemetry.conftest import Production
from tests.telemetry.manifests import workload
from tests.telemetry.synth import expected_peak, prometheus_points

# the probe tests' settings for model `review` (peak_rps 200), plus a two-day telemetry window
ARIA_YML = "headroom: {min: 0.2, max: 0.4}\ntelemetry: {window: 2d}\n" + PROBES_YML


def _tree(config_pbtxt: str) -> MemorySource:
    server = workload("triton-review", replicas=2, exporter="triton").replace(
        "          resources:", "          args: [tritonserver, --model-repository=/models, "
                                "--load-model=review]\n          resources:")
    return MemorySource({".aria.yml": ARIA_YML.encode(), "k8s/triton.yaml": server.encode(),
                         "models/review/config.pbtxt": config_pbtxt.encode()})


def test_capacity_verdict_uses_probe_throughput_and_measured_peak(
        triton: Triton, telemetry_on: Production, monkeypatch):  # noqa: F811
    base_cfg = (triton.repository / "review" / "config.pbtxt").read_text()
    head_cfg = base_cfg.replace("max_queue_delay_microseconds: 100",
                                "max_queue_delay_microseconds: 300")
    monkeypatch.setenv("ARIA_PROBE_URL", triton.server.url("http"))
    monkeypatch.setenv("ARIA_PROBE_SERVER_LOG", str(triton.server.log_path))

    decision = review(_tree(base_cfg), _tree(head_cfg))

    (probe,) = decision.measurements
    (item,) = decision.telemetry.workloads
    assert item.probe_model == "review"
    p = item.projection
    assert p is not None and p.basis == "probe" and p.unit == "inferences/s"
    assert probe.capacity_head is not None and probe.capacity_base is not None
    assert p.after.per_replica == probe.capacity_head.throughput_per_replica
    assert p.before.per_replica == probe.capacity_base.throughput_per_replica
    assert 'model="review"' in p.peak.promql and "nv_inference_count" in p.peak.promql
    tl = telemetry_on.timelines["triton-review"]
    at = decision.telemetry.evaluated_at.timestamp()
    assert p.peak.value == pytest.approx(
        expected_peak(prometheus_points(tl, tl.pod_rps, at, 2 * 86400, rate=True)), rel=0.01)
    assert p.utilisation_after == pytest.approx(p.peak.value / (2 * p.after.per_replica))
    assert p.verdict == verdict(p.utilisation_after, Headroom(min=0.2, max=0.4))
    (replaced,) = [r for r in decision.telemetry.replaced if r.subject == "review"]
    assert "not peak_rps 200 from .aria.yml" in replaced.text
