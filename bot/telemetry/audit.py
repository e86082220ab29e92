"""Telemetry in ``aria audit``: GPU utilisation and GPU-hours of every GPU workload, and the
replicas the cluster runs against the ones the repository writes.

An audit covers every workload, so the figures are read with a few queries grouped by
namespace and pod (or object) and picked apart per workload; each reading cites the
equivalent per-workload PromQL. Workloads mapped in `.aria.yml` are read one by one.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.config import Headroom, TelemetryConfig
from bot.graph.platform import build_graph
from bot.graph.workloads import Workload
from bot.ingest.loader import Inventory
from bot.promql import Matcher, duration_seconds, selector
from bot.telemetry import assess
from bot.telemetry import queries as q
from bot.telemetry.changes import Side, side_of
from bot.telemetry.measure import Meter, settle
from bot.telemetry.series import POD_OWNER_RE, SeriesRef, series_of
from bot.telemetry.session import finish, new_report, record_replicas
from bot.telemetry_report import (
    GpuUsage,
    Reading,
    Replacement,
    TelemetryReport,
    WorkloadTelemetry,
)

if TYPE_CHECKING:  # the client is imported where a meter is opened (bot.telemetry.session)
    from bot.telemetry.client import Sample

    Rows = dict[str, list[Sample]]  # a grouped answer's samples by namespace

GROUPED = "read for all workloads in one query grouped by namespace and pod"
FAILED = "not read: the grouped query failed (see the notes)"


def audit_telemetry(meter: Meter, inventory: Inventory, config: TelemetryConfig,
                    headroom: Headroom, serving_images: Sequence[str]) -> TelemetryReport:
    """GPU usage of the tree's GPU workloads and replica drift (entered through
    `bot.telemetry.gate`, which opens the meter)."""
    graph = build_graph(inventory.documents, tuple(serving_images))
    report = new_report("audit", meter, config, headroom)
    found: list[tuple[Workload, SeriesRef]] = []
    for w in graph.workloads:
        if w.batch:
            continue
        ref = series_of(w, config)
        if isinstance(ref, SeriesRef):
            found.append((w, ref))
        elif w.gpus_per_pod:
            report.kept.append(Replacement(subject=w.subject, text=ref))
    gpu = [(w, ref) for w, ref in found if w.gpus_per_pod]
    if gpu:
        report.gpu = _gpu_usage(meter, gpu, headroom)
    sides = [(w, ref, side_of(graph, w)) for w, ref in found if ref.controller is not None]
    if sides:
        report.workloads = _drift(meter, sides, report)
    return finish(report, meter)


class _GpuStats:
    """The GPU statistics, as per-workload PromQL and as one grouped query each."""

    def __init__(self, meter: Meter) -> None:
        s = meter.stats
        self.window, self.step = s.window, s.step
        self.step_hours = duration_seconds(s.step) / 3600
        # Coverage needs no 5-minute detail: hourly instants decide "90% of 14 days" and cost
        # a twelfth of the grouped owner query (seconds for 200 workloads).
        window_s = duration_seconds(s.window)
        self.coverage_step = "1h" if window_s >= 2 * 86400 else s.step
        self.coverage_points = int(window_s // duration_seconds(self.coverage_step))

    @staticmethod
    def _util(sel: str) -> str:
        return f"{q.GPU_UTIL}{{{sel}}}" if sel else q.GPU_UTIL

    def peak(self, sel: str = "") -> str:
        inner = f"max_over_time({self._util(sel)}[{self.window}])"
        return f"max({inner})" if sel else f"max by (namespace, pod) ({inner})"

    def points(self, sel: str = "") -> str:
        inner = f"count_over_time({self._util(sel)}[{self.window}:{self.step}])"
        return f"sum({inner})" if sel else f"sum by (namespace, pod) ({inner})"

    def nonfinite(self, sel: str = "") -> str:
        """NaN or ±Inf if any sample is: `max_over_time` skips NaN, so an idle-looking peak
        may hide in them; a sum propagates them (and reads raw samples, no subquery)."""
        inner = f"sum_over_time({self._util(sel)}[{self.window}])"
        return f"sum({inner})" if sel else f"sum by (namespace, pod) ({inner})"

    def steps(self, sel: str = "") -> str:
        """Steps with any GPU of the workload present: the window's coverage."""
        steps = f"[{self.window}:{self.coverage_step}]"
        if sel:
            return f"count_over_time((count({self._util(sel)})){steps})"
        owner = f'label_replace({q.GPU_UTIL}, "owner", "$1", "pod", "{POD_OWNER_RE}")'
        return f"count_over_time((count by (namespace, owner) ({owner})){steps})"


STATS = ("peak", "points", "nonfinite", "steps")


def _gpu_usage(meter: Meter, workloads: list[tuple[Workload, SeriesRef]],
               headroom: Headroom) -> list[GpuUsage]:
    gs = _GpuStats(meter)
    grouped = any(not ref.mapped for _, ref in workloads)
    rows = {name: _by_namespace(meter.rows(getattr(gs, name)())) if grouped else None
            for name in STATS}
    out = []
    for w, ref in workloads:
        values = _values(meter, gs, ref, rows)
        stat = "per workload" if ref.mapped else GROUPED
        peak = settle(meter.blank("peak GPU utilisation (any GPU, whole window)",
                                  gs.peak(ref.pods), "%", gs.window, f"max ({stat})"),
                      values["peak"], max, FAILED)
        if not all(math.isfinite(v) for v in values["nonfinite"] or []):
            peak.value = None
            peak.note = ("Prometheus holds NaN or infinite values for these GPUs in the window, "
                         "so there is no figure")
        hours = settle(meter.blank("GPU-hours held", f"{gs.points(ref.pods)} * {gs.step_hours:g}",
                                   "GPU-hours", gs.window, f"GPUs present per {gs.step} ({stat})"),
                       values["points"], lambda v: sum(v) * gs.step_hours, FAILED)
        steps = values["steps"]
        out.append(GpuUsage(subject=w.subject, ref=w.ref, path=w.doc.path, line=w.doc.line,
                            gpus_per_pod=w.gpus_per_pod, peak_utilisation=peak, gpu_hours=hours,
                            coverage=min(1.0, sum(steps) / gs.coverage_points) if steps else None,
                            floor_percent=(1.0 - headroom.max) * 100))
    # the idlest first: the 📊 section shows the top of the list
    return sorted(out, key=lambda g: (g.peak_utilisation.value is None,
                                      g.peak_utilisation.value or 0.0, g.subject))




def _by_namespace(samples: list[Sample] | None) -> Rows | None:
    if samples is None:
        return None
    out: Rows = {}
    for s in samples:
        out.setdefault(s.labels.get("namespace", ""), []).append(s)
    return out


def _values(meter: Meter, gs: _GpuStats, ref: SeriesRef,
            rows: dict[str, Rows | None]) -> dict[str, list[float] | None]:
    """Each statistic's values for one workload: picked from the grouped rows, or queried."""
    if ref.mapped:
        asked = {name: meter.rows(getattr(gs, name)(ref.pods)) for name in STATS}
        return {name: None if found is None else [s.value for s in found]
                for name, found in asked.items()}
    pods = ref.pod_matcher()

    def mine(name: str, sample: Sample) -> bool:
        if name == "steps":
            return (sample.labels.get("namespace"), sample.labels.get("owner")) == \
                (ref.namespace, ref.name)
        return pods(sample.labels)

    return {name: None if found is None else
            [s.value for s in found.get(ref.namespace, []) if mine(name, s)]
            for name, found in rows.items()}


def _pick(meter: Meter, rows: list[Sample] | None, label: str, metric: str,
          labels: dict[str, str]) -> Reading:
    promql = f"{metric}{{{selector(*(Matcher(k, '=', v) for k, v in labels.items()))}}}"
    reading = meter.blank(label, promql, "replicas", "now", "last value (one query for all "
                                                             "objects)")

    def wanted(s: Sample) -> bool:
        return s.labels.get("__name__") == metric and all(
            s.labels.get(k) == v for k, v in labels.items())

    found = None if rows is None else [s.value for s in rows if wanted(s)]
    return settle(reading, found, lambda v: v[0], FAILED)


def _drift(meter: Meter, sides: list[tuple[Workload, SeriesRef, Side]],
           report: TelemetryReport) -> list[WorkloadTelemetry]:
    """Replica counts and autoscaler bounds as written, against kube-state-metrics."""
    metrics = sorted({c.desired for c in q.CONTROLLERS.values()} | {q.HPA_MIN, q.HPA_MAX})
    rows = meter.rows('{__name__=~"' + "|".join(metrics) + '"}')
    out = []
    for w, ref, side in sides:
        controller = ref.controller
        assert controller is not None
        r = {"replicas": _pick(meter, rows, "replicas the cluster runs (desired)",
                               controller.desired,
                               {"namespace": ref.namespace, controller.label: ref.name})}
        if side.hpa_name is not None:
            hpa = {"namespace": ref.namespace, "horizontalpodautoscaler": side.hpa_name}
            r["hpa_min"] = _pick(meter, rows, "HPA minReplicas in the cluster", q.HPA_MIN, hpa)
            r["hpa_max"] = _pick(meter, rows, "HPA maxReplicas in the cluster", q.HPA_MAX, hpa)
        record_replicas(report, w, r["replicas"])
        found = assess.drift(side, side, r)
        if found is not None:
            out.append(WorkloadTelemetry(subject=w.subject, ref=w.ref, path=found.path,
                                         line=found.line, selector=ref.pods, drift=found,
                                         readings=list(r.values())))
    return out
