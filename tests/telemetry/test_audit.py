"""`aria audit` with production telemetry: idle GPUs, and replicas that disagree with Git."""

from __future__ import annotations

import pytest

from bot.engine import audit
from bot.render import render
from tests.telemetry.conftest import Production
from tests.telemetry.manifests import tree, workload
from tests.telemetry.synth import prometheus_points

FOURTEEN_DAYS = 14 * 86400
GPU_FLEET = {
    "k8s/idle.yaml": workload("idle-gpu", replicas=4, gpus=2, exporter="triton"),
    "k8s/busy.yaml": workload("busy-gpu", replicas=2, gpus=1),
}


def _found(decision, rule: str) -> list:
    return [f for f in decision.findings if f.rule_id == rule and f.suppressed is None]


def test_idle_gpus_over_the_default_window_are_a_cost_finding(telemetry_on: Production):
    decision = audit(tree(GPU_FLEET, config="headroom: {min: 0.2, max: 0.4}\n"))

    report = decision.telemetry
    assert report.window == "14d" and report.mode == "audit"
    (finding,) = _found(decision, "COST006")
    assert finding.subject == "Deployment/serving/idle-gpu" and finding.family == "cost"
    assert finding.location.path == "k8s/idle.yaml"
    usage = next(g for g in report.gpu if g.subject == finding.subject)
    tl = telemetry_on.timelines["idle-gpu"]
    assert usage.peak_utilisation.value == pytest.approx(
        max(tl.gpu_util(p)[p.active].max() for p in tl.pods))
    assert usage.peak_utilisation.value < 0.5 * usage.floor_percent == 30
    at = report.evaluated_at.timestamp()
    gpus_present = prometheus_points(tl, lambda p: float(tl.fleet.gpus) + 0 * tl.load, at,
                                     FOURTEEN_DAYS)
    expected_hours = gpus_present.sum() * 5 / 60
    assert usage.gpu_hours.value == pytest.approx(expected_hours, rel=0.01)
    assert usage.gpu_hours.value == pytest.approx(8 * 14 * 24, rel=0.02)  # 4 pods × 2 GPUs
    assert usage.coverage == pytest.approx(1.0, abs=0.01)
    hours = next(e for e in finding.evidence if e.label == "GPU-hours held")
    assert hours.value == pytest.approx(usage.gpu_hours.value, rel=1e-3)
    assert "DCGM_FI_DEV_GPU_UTIL" in hours.location.path and "14d" in hours.location.path
    text = render(decision, "markdown")
    assert "GPU utilisation over the window" in text and "GPU-hours" in text


def test_working_gpus_are_not_a_cost_finding(telemetry_on: Production):
    decision = audit(tree(GPU_FLEET, config=None))
    busy = next(g for g in decision.telemetry.gpu if g.subject == "Deployment/serving/busy-gpu")
    assert busy.peak_utilisation.value > 60
    assert [f.subject for f in _found(decision, "COST006")] == ["Deployment/serving/idle-gpu"]


def test_short_history_is_no_cost_finding(telemetry_on: Production):
    """Two days of idle GPUs do not prove a 14-day window idle."""
    decision = audit(tree({"k8s/w.yaml": workload("fresh", replicas=3)}, config=None))
    (usage,) = decision.telemetry.gpu
    assert usage.coverage < 0.2
    assert not _found(decision, "COST006")


def test_nan_gpu_samples_are_no_idle_finding(telemetry_on: Production):
    """Idle while DCGM reported numbers, NaN since: the NaN half could hold the peak."""
    config = "telemetry: {window: 2d}\n"
    decision = audit(tree({"k8s/w.yaml": workload("nan-idle", replicas=2)}, config=config))
    (usage,) = decision.telemetry.gpu
    assert usage.peak_utilisation.value is None
    assert "NaN or infinite values" in usage.peak_utilisation.note
    assert usage.coverage == pytest.approx(1.0, abs=0.02) and usage.gpu_hours.value > 0
    assert not _found(decision, "COST006")


def test_coverage_over_a_configured_window(telemetry_on: Production):
    """Coverage counts the window set in `.aria.yml`, at hourly instants."""
    config = "telemetry: {window: 2d}\n"
    decision = audit(tree({"k8s/w.yaml": workload("nan-idle", replicas=2),
                           "k8s/x.yaml": workload("fresh", replicas=3)}, config=config))
    by_subject = {g.subject: g for g in decision.telemetry.gpu}
    fresh = by_subject["Deployment/serving/fresh"]
    assert fresh.coverage == pytest.approx(0.3, abs=0.03)  # deployed for 30% of the window
    assert not _found(decision, "COST006")


def test_audit_compares_replicas_with_what_runs(telemetry_on: Production):
    files = {"k8s/drift.yaml": workload("drift", replicas=3, gpus=0, exporter="http"),
             "k8s/api.yaml": workload("api", replicas=4, gpus=0, exporter="http")}
    decision = audit(tree(files, config=None))

    (finding,) = _found(decision, "HEAD011")
    assert finding.subject == "Deployment/serving/drift"
    assert finding.location.path == "k8s/drift.yaml" and finding.location.line == 5
    assert "**replicas: 3**" in finding.message and "**5 replicas**" in finding.message
    measured = next(e for e in finding.evidence if e.label.startswith("replicas the cluster"))
    assert measured.value == 5 and "kube_deployment_spec_replicas" in measured.location.path
    replicas = next(a for a in decision.assumptions if "Replica counts" in a.text)
    assert replicas.source == "measurement" and replicas.text.startswith("~~")


def test_audit_without_telemetry_has_no_measured_findings(production: Production,
                                                           prometheus_env):
    decision = audit(tree(GPU_FLEET, config=None))
    assert decision.telemetry is None
    assert not _found(decision, "COST006") and not _found(decision, "HEAD011")
