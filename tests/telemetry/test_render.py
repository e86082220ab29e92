"""The 📊 section stays within a PR comment's size for a large audit, and escapes repository
text (workload names are the repository's)."""

from __future__ import annotations

import datetime as _dt
import re

from bot.decision.model import Decision
from bot.render import render
from bot.telemetry_report import (
    Drift,
    GpuUsage,
    Reading,
    Replacement,
    TelemetryReport,
    WorkloadTelemetry,
)

SOURCE = "Prometheus http://127.0.0.1:9090"


def _reading(label: str, value: float, unit: str, promql: str) -> Reading:
    return Reading(label=label, value=value, unit=unit, promql=promql, window="14d",
                   stat="max", source=SOURCE)


def _report(n: int, name: str = "svc-{i}") -> TelemetryReport:
    names = [name.format(i=i) for i in range(n)]
    return TelemetryReport(
        mode="audit", source=SOURCE, window="14d", stat="p99 of 5m values",
        evaluated_at=_dt.datetime(2026, 11, 30, tzinfo=_dt.UTC), min_coverage=0.9,
        headroom_min=0.2, headroom_max=0.4, max_queries=120,
        gpu=[GpuUsage(subject=f"Deployment/team/{x}", ref=f"Deployment/{x}", path="k8s/a.yaml",
                      gpus_per_pod=1, floor_percent=60, coverage=1.0,
                      peak_utilisation=_reading("peak", float(i), "%", f'max(x{{pod="{x}"}})'),
                      gpu_hours=_reading("hours", 336.0, "GPU-hours", f'sum(x{{pod="{x}"}})'))
             for i, x in enumerate(names)],
        workloads=[WorkloadTelemetry(
            subject=f"Deployment/team/{x}", ref=f"Deployment/{x}", path="k8s/a.yaml",
            drift=Drift(repository="replicas: 3", running="5 replicas", path="k8s/a.yaml",
                        readings=[_reading("running", 5, "replicas", f'k{{d="{x}"}}')]))
            for x in names[: n // 2]],
        replaced=[Replacement(subject=f"Deployment/team/{x}", text="runs 5 replica(s)")
                  for x in names])


def _audit(report: TelemetryReport) -> Decision:
    return Decision(mode="audit", title="Audit", recommendation="r", context="c",
                    telemetry=report)


def test_a_200_workload_audit_is_summarised():
    text = render(_audit(_report(200)), "markdown")
    assert "(the 25 idlest of 200; all in the JSON output)" in text
    assert "… and 75 more workloads" in text and "… and 190 more replaced" in text
    assert "`Deployment/team/svc-0`" in text and "`Deployment/team/svc-199`" not in text
    assert len(text) < 60_000


def test_repository_names_cannot_break_out_of_the_section():
    hostile = "x`<img src=a onerror=alert(1)>|@team"
    text = render(_audit(_report(1, name=hostile)), "markdown")
    outside_code = re.sub(r"`[^`\n]*`", "", text)  # code spans show text, never HTML
    assert "<img" not in outside_code and "@team" not in outside_code
    # The name verbatim in a code span whose double fence its backtick cannot close.
    row = next(line for line in text.splitlines() if line.startswith("| ``Deployment/team/x`"))
    assert len(re.split(r"(?<!\\)\|", row)) == 7  # 5 cells: the name's pipe is escaped
