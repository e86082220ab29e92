"""Findings from production telemetry: projected headroom, capacity cut below a measured peak,
replicas that disagree with what runs, GPUs that sit idle.

The figures are read and projected in :mod:`bot.telemetry`; these checks only turn them into
hits, with the measured figure's PromQL, window and source as evidence.
"""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import Field

from bot.checks.contract import CheckContext, CheckParams, Hit, NoParams, check, ev
from bot.findings import Evidence
from bot.telemetry_report import Cut, Reading, TelemetryReport, WorkloadTelemetry, num

PROJECTED = "computed: measured peak ÷ capacity after the change"


def _measured(reading: Reading, label: str | None = None) -> Evidence:
    value = round(reading.value, 3) if reading.value is not None else None
    return ev(label or reading.label, value, reading.cite, None, reading.unit)


def _workloads(ctx: CheckContext[NoParams]
               ) -> Iterator[tuple[TelemetryReport, WorkloadTelemetry]]:
    report = ctx.inventory.telemetry
    if report is not None:
        for w in report.workloads:
            yield report, w


def _pct(fraction: float) -> str:
    return f"{fraction * 100:.0f}"


@check("telemetry_projected_headroom", NoParams)
def projected_headroom(ctx: CheckContext[NoParams]) -> Iterator[Hit]:
    """Projected peak utilisation above the policy's ceiling (a cut below peak is its own)."""
    for report, w in _workloads(ctx):
        p = w.projection
        if p is None or p.verdict not in ("tight", "over") or w.cuts \
                or p.utilisation_after is None or p.headroom_after is None:
            continue  # a cut (to zero, too) is the capacity-cut finding
        yield Hit(subject=w.subject, path=w.path, line=w.line,
                  fields={"object": w.ref, "utilisation": _pct(p.utilisation_after),
                          "headroom": _pct(p.headroom_after), "min": _pct(report.headroom_min),
                          "peak": p.peak.shown, "capacity": p.after.text, "window": report.window,
                          "stat": report.stat},
                  evidence=[_measured(p.peak, "measured peak"),
                            ev("capacity after the change", p.after.total, w.path, w.line,
                               p.unit),
                            ev("projected peak utilisation", round(p.utilisation_after * 100, 1),
                               PROJECTED, None, "%")])


def _cut_hit(subject: str, ref: str, cut: Cut) -> Hit:
    return Hit(subject=subject, path=cut.path, line=cut.line, detail=cut.kind,
               fields={"object": ref, "what": cut.text, "window": cut.measured.window,
                       "stat": cut.measured.stat},
               evidence=[_measured(cut.measured, "measured peak"),
                         ev("capacity after the change", cut.after, cut.path, cut.line,
                            cut.unit)])


@check("telemetry_capacity_cut", NoParams)
def capacity_cut(ctx: CheckContext[NoParams]) -> Iterator[Hit]:
    for _, w in _workloads(ctx):
        for cut in w.cuts:
            yield _cut_hit(w.subject, w.ref, cut)
    report = ctx.inventory.telemetry
    for pool in report.pools if report is not None else []:
        if pool.cut is not None:
            yield _cut_hit(pool.subject, pool.subject, pool.cut)


@check("telemetry_replica_drift", NoParams)
def replica_drift(ctx: CheckContext[NoParams]) -> Iterator[Hit]:
    for _, w in _workloads(ctx):
        d = w.drift
        if d is None:
            continue
        yield Hit(subject=w.subject, path=d.path, line=d.line,
                  fields={"object": w.ref, "repository": d.repository, "running": d.running},
                  evidence=[ev("in the repository", d.repository, d.path, d.line)]
                  + [_measured(r) for r in d.readings])


class FarBelow(CheckParams):
    # "far below": a measured peak under this share of the policy's lowest peak utilisation
    far_below: float = Field(gt=0, le=1)


@check("telemetry_gpu_overprovisioned", FarBelow)
def gpu_overprovisioned(ctx: CheckContext[FarBelow]) -> Iterator[Hit]:
    """Peak GPU utilisation over the whole window far below the policy's lowest peak."""
    report = ctx.inventory.telemetry
    if report is None:
        return
    far_below = ctx.params.far_below
    for g in report.gpu:
        peak, hours = g.peak_utilisation.value, g.gpu_hours.value
        if peak is None or hours is None or g.coverage is None \
                or g.coverage < report.min_coverage:
            continue
        threshold = far_below * g.floor_percent
        if peak >= threshold:
            continue
        yield Hit(subject=g.subject, path=g.path, line=g.line,
                  fields={"object": g.ref, "peak": num(peak), "threshold": num(threshold),
                          "floor": num(g.floor_percent), "hours": num(hours),
                          "gpus": g.gpus_per_pod, "window": report.window},
                  evidence=[_measured(g.peak_utilisation, "peak GPU utilisation"),
                            _measured(g.gpu_hours, "GPU-hours held")])
