"""Reviews where production telemetry decides, against a real Prometheus."""

from __future__ import annotations

import pytest

from bot.engine import review
from bot.findings import Finding, Status
from bot.render import render
from bot.telemetry_report import TelemetryReport, WorkloadTelemetry
from tests.telemetry.conftest import REVIEW_WINDOW_S, Production
from tests.telemetry.manifests import hpa, tree, workload
from tests.telemetry.synth import expected_peak, prometheus_points


def _new(decision, rule: str) -> list[Finding]:
    return [f for f in decision.findings
            if f.rule_id == rule and f.status is Status.new and f.suppressed is None]


def _workload(report: TelemetryReport, subject: str) -> WorkloadTelemetry:
    return next(w for w in report.workloads if w.subject == subject)


def _busy_gpus(production: Production, name: str, report: TelemetryReport) -> float:
    tl = production.timelines[name]
    at = report.evaluated_at.timestamp()
    return expected_peak(prometheus_points(tl, lambda p: tl.gpu_util(p) / 100 * tl.fleet.gpus,
                                           at, REVIEW_WINDOW_S))


def test_replica_cut_that_fits(telemetry_on: Production):
    base = tree({"k8s/chat.yaml": workload("chat-fits", replicas=6)})
    head = tree({"k8s/chat.yaml": workload("chat-fits", replicas=4)})

    decision = review(base, head)

    report = decision.telemetry
    assert report is not None and report.queries > 0
    item = _workload(report, "Deployment/serving/chat-fits")
    p = item.projection
    assert p is not None and p.basis == "gpu" and not p.partial
    expected = _busy_gpus(telemetry_on, "chat-fits", report)
    assert p.peak.value == pytest.approx(expected, rel=0.01)
    assert p.utilisation_after == pytest.approx(expected / 4, rel=0.01)
    assert p.verdict == "fits"
    assert p.before.total == 6 and p.after.total == 4
    assert not _new(decision, "HEAD009") and not _new(decision, "HEAD010")
    text = render(decision, "markdown")
    assert "📊 Production telemetry" in text and "Fits the headroom policy" in text
    assert "DCGM_FI_DEV_GPU_UTIL" in text and "quantile_over_time(0.99" in text
    assert f"{p.utilisation_after * 100:.0f}%" in text


def test_replica_cut_below_policy_headroom(telemetry_on: Production):
    base = tree({"k8s/chat.yaml": workload("chat-tight", replicas=4)})
    head = tree({"k8s/chat.yaml": workload("chat-tight", replicas=3)})

    decision = review(base, head)

    item = _workload(decision.telemetry, "Deployment/serving/chat-tight")
    expected = _busy_gpus(telemetry_on, "chat-tight", decision.telemetry)
    assert item.projection.utilisation_after == pytest.approx(expected / 3, rel=0.01)
    assert 0.8 < item.projection.utilisation_after <= 1.0
    (finding,) = _new(decision, "HEAD009")
    assert finding.subject == "Deployment/serving/chat-tight" and finding.family == "headroom"
    assert finding.location.path == "k8s/chat.yaml" and finding.location.line == 5
    measured = finding.evidence[0]
    assert measured.value == pytest.approx(expected, rel=0.01)
    assert "DCGM_FI_DEV_GPU_UTIL" in measured.location.path
    assert "p99 of 5m values" in measured.location.path and "2d" in measured.location.path
    assert not _new(decision, "HEAD010")


def test_replica_cut_below_measured_peak(telemetry_on: Production):
    base = tree({"k8s/chat.yaml": workload("chat-tight", replicas=4)})
    head = tree({"k8s/chat.yaml": workload("chat-tight", replicas=2)})

    decision = review(base, head)

    item = _workload(decision.telemetry, "Deployment/serving/chat-tight")
    assert item.projection.verdict == "over"
    (cut,) = _new(decision, "HEAD010")
    assert cut.severity.value == "error" and cut.detail == "capacity"
    assert cut.subject == "Deployment/serving/chat-tight"
    assert not _new(decision, "HEAD009")  # the cut is the finding, not also a headroom one
    assert decision.recommendation.startswith("**Request changes.**")


def test_scale_to_zero_is_a_cut_below_the_peak(telemetry_on: Production):
    base = tree({"k8s/chat.yaml": workload("chat-tight", replicas=4)})
    head = tree({"k8s/chat.yaml": workload("chat-tight", replicas=0)})

    decision = review(base, head)

    p = _workload(decision.telemetry, "Deployment/serving/chat-tight").projection
    assert p.after.total == 0 and p.utilisation_after is None and p.verdict == "over"
    (cut,) = _new(decision, "HEAD010")
    assert cut.detail == "capacity"
    assert "no capacity left" in render(decision, "markdown")
    assert decision.model_validate_json(decision.model_dump_json()) == decision


def test_hpa_cap_below_measured_peak(telemetry_on: Production):
    files = {"k8s/embed.yaml": workload("embed", replicas=None, exporter="tgi")}
    base = tree({**files, "k8s/hpa.yaml": hpa("embed", 2, 10)})
    head = tree({**files, "k8s/hpa.yaml": hpa("embed", 2, 6)})

    decision = review(base, head)

    item = _workload(decision.telemetry, "Deployment/serving/embed")
    desired = next(r for r in item.readings if r.label.startswith("replicas the HPA wanted"))
    assert desired.value == float(telemetry_on.timelines["embed"].replicas.max()) == 9
    assert "kube_horizontalpodautoscaler_status_desired_replicas" in desired.promql
    (cut,) = _new(decision, "HEAD010")
    assert cut.detail == "hpa-max" and cut.location.path == "k8s/hpa.yaml"
    assert cut.location.line == 7  # maxReplicas
    assert "9 replicas the HPA itself wanted" in cut.message


def test_hpa_cap_above_measured_peak_passes(telemetry_on: Production):
    files = {"k8s/embed.yaml": workload("embed", replicas=None, exporter="tgi")}
    base = tree({**files, "k8s/hpa.yaml": hpa("embed", 2, 10)})
    head = tree({**files, "k8s/hpa.yaml": hpa("embed", 2, 14)})

    decision = review(base, head)

    assert not _new(decision, "HEAD010") and not _new(decision, "HEAD009")
    item = _workload(decision.telemetry, "Deployment/serving/embed")
    assert item.projection is not None and item.projection.verdict in ("fits", "room")


def test_telemetry_off_keeps_todays_assumptions(production: Production, prometheus_env):
    base = tree({"k8s/chat.yaml": workload("chat-tight", replicas=4)})
    head = tree({"k8s/chat.yaml": workload("chat-tight", replicas=2)})

    decision = review(base, head)

    assert decision.telemetry is None
    assert not [f for f in decision.findings if f.rule_id in ("HEAD009", "HEAD010", "HEAD011")]
    replicas = next(a for a in decision.assumptions if a.text.startswith("Replica counts"))
    assert replicas.source == "repository" and "the live cluster may differ" in replicas.text
    assert any("ARIA_PROMETHEUS_URL" in n for n in decision.notes)  # .aria.yml asks for it
    assert "Production telemetry" not in render(decision, "markdown")
