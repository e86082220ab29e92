"""Telemetry in ``aria review``: measure what the change resizes, and project it.

For each workload whose capacity the change touches, and each node pool it resizes: measured
peaks, utilisation today and after the change, cuts below a measured peak, and a replica count
that disagrees with what runs; ``None`` when nothing capacity-related changed (the review
keeps today's assumptions). Entered through `bot.telemetry.gate`, which opens the meter first
(no Prometheus: ``None``, and this module is never imported) and keeps a failure from the
review (`session.guarded`).
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.config import Headroom, TelemetryConfig
from bot.graph.platform import PlatformGraph, build_graph
from bot.ingest.loader import Inventory
from bot.measurements import ConfigMeasurement
from bot.telemetry import assess
from bot.telemetry import queries as q
from bot.telemetry.assess import ProbeCapacity
from bot.telemetry.changes import PoolChange, Touched, changed_pools, pool_gpus, touched_workloads
from bot.telemetry.measure import Meter
from bot.telemetry.readings import read_workload
from bot.telemetry.series import SeriesRef, series_of
from bot.telemetry.session import finish, new_report, record_replicas
from bot.telemetry_report import (
    Cut,
    PoolTelemetry,
    Reading,
    Replacement,
    TelemetryReport,
    WorkloadTelemetry,
    num,
)


def review_telemetry(meter: Meter, base: Inventory, head: Inventory, config: TelemetryConfig,
                     headroom: Headroom, serving_images: Sequence[str]) -> TelemetryReport | None:
    """Measured peaks and projections for what the change from ``base`` to ``head`` resizes.

    Probe reports already on ``head.measurements`` give measured throughput per replica.
    Notes about data go into the report.
    """
    base_graph = build_graph(base.documents, tuple(serving_images))
    head_graph = build_graph(head.documents, tuple(serving_images))
    pools = changed_pools(base_graph, head_graph)
    touched = touched_workloads(base_graph, head_graph, pools)
    if not touched and not pools:
        return None  # nothing capacity-related changed: no query, no section
    report = new_report("review", meter, config, headroom)
    probes = _probe_capacities(head.measurements)
    refs: dict[str, SeriesRef] = {}
    for t in touched:
        report.workloads.append(_workload(meter, t, config, headroom, probes, refs, report))
    for change in pools:
        report.pools.append(_pool(meter, change, head_graph, refs, config))
    return finish(report, meter)


def _probe_capacities(measurements: list[ConfigMeasurement]) -> dict[str, ProbeCapacity]:
    """Throughput per replica at the SLO from the review's probe reports, by model."""
    out = {}
    for m in measurements:
        head, base = m.capacity_head, m.capacity_base
        if head is not None:
            out[m.model] = ProbeCapacity(
                model=m.model, before=base.throughput_per_replica if base else None,
                after=head.throughput_per_replica,
                slo=f"p{head.slo_percentile} ≤ {head.slo_ms:g} ms", assumed_peak=head.peak_rps)
    return out


def _workload(meter: Meter, t: Touched, config: TelemetryConfig, headroom: Headroom,
              probes: dict[str, ProbeCapacity], refs: dict[str, SeriesRef],
              report: TelemetryReport) -> WorkloadTelemetry:
    w = t.head.workload
    path, line = t.head.replicas_line
    item = WorkloadTelemetry(subject=w.subject, ref=w.ref, path=path, line=line,
                             changes=t.changes)
    ref = series_of(w, config)
    if isinstance(ref, str):
        item.notes.append(ref)
        report.kept.append(Replacement(subject=w.subject, text=ref))
        return item
    refs[w.subject] = ref
    probe = next((probes[m] for m in t.head.models if m in probes), None)
    item.selector, item.probe_model = ref.pods, probe.model if probe else None
    r, item.exporter = read_workload(meter, ref, t.base, t.head, t.kinds, item.probe_model)
    item.readings = list(r.values())
    basis = assess.choose_basis(t, r, probe)
    if isinstance(basis, str):
        item.notes.append(f"No projection: {basis}.")
    else:
        item.projection = assess.project(t, basis, headroom, config.min_coverage)
        if item.projection is not None and item.projection.partial:
            item.notes.append(_partial_note(basis.peak, config))
    item.cuts = assess.cuts(t, item.projection, r)
    item.drift = assess.drift(t.base, t.head, r)
    p = item.projection
    if probe is not None and p is not None and p.basis == "probe" and p.peak.value is not None \
            and probe.assumed_peak is not None:
        report.replaced.append(Replacement(
            subject=probe.model, promql=p.peak.promql,
            text=f"peak load is the measured {num(p.peak.value)} {p.unit} ({config.stat} over "
                 f"{config.window}), not peak_rps {probe.assumed_peak:g} from .aria.yml"))
    record_replicas(report, w, r.get("replicas"))
    return item


def _partial_note(peak: Reading, config: TelemetryConfig) -> str:
    covered = (f"covers {peak.coverage:.0%} of the {config.window} window"
               if peak.coverage is not None else f"is incomplete ({peak.note})")
    return (f"The peak {covered}; at least {config.min_coverage:.0%} is required to confirm "
            "that capacity suffices. It is a lower bound: only a shortfall is reported.")


def _pool(meter: Meter, change: PoolChange, graph: PlatformGraph, refs: dict[str, SeriesRef],
          config: TelemetryConfig) -> PoolTelemetry:
    pool = change.head
    item = PoolTelemetry(subject=pool.doc.identity, path=pool.doc.path, line=change.line,
                         changes=change.changes, gpus_before=pool_gpus(change.base),
                         gpus_after=pool_gpus(pool))
    terms = []
    for w in graph.workloads:
        if not w.gpus_per_pod or w.batch or not any(p is pool for p in graph.node_pools_for(w)):
            continue
        ref = refs.get(w.subject) or series_of(w, config)
        if isinstance(ref, str):
            item.notes.append(ref)
            continue
        item.workloads.append(w.subject)
        terms.append(f"(count({q.GPU_UTIL}{{{ref.pod_selector()}}}) or vector(0))")
    if "gpu-class" in change.kinds:
        item.notes.append("The GPU class changes: telemetry measured today's GPUs; what one GPU "
                          "of the new class serves is not measured (a latency probe on it is).")
    if not terms:
        item.notes.append("No GPU workload of this repository with known series runs on the "
                          "pool, so its measured peak is unknown.")
        return item
    peak = meter.peak("peak GPUs in use by this repository's workloads", " + ".join(terms),
                      "GPUs", coverage=True)
    item.readings.append(peak)
    item.peak_gpus = peak.value
    before, after = item.gpus_before, item.gpus_after
    if peak.value is not None and after is not None and peak.value > after \
            and (before is None or after < before):
        item.cut = Cut(kind="node-pool", path=pool.doc.path, line=change.line, measured=peak,
                       before=before, after=after, unit="GPUs",
                       text=f"the pool's GPUs from {before} to {after}, below the "
                            f"{num(peak.value)} GPUs its workloads used at peak")
    return item
