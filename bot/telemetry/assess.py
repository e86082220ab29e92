"""Projections from measured peaks and the repository's capacity — no I/O, no invented number.

Peak load is measured (the whole workload's, in the unit of a *basis*: GPUs busy, CPU cores,
or inferences/s when a probe measured a replica's throughput at the SLO). Capacity is
replicas × per-replica capacity as each side of the change writes it. Utilisation after the
change = measured peak ÷ the head's capacity; the verdict compares its headroom with the
policy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from bot.config import Headroom
from bot.quantity import format_bytes
from bot.telemetry.changes import Side, Touched
from bot.telemetry_report import (
    Basis,
    Capacity,
    Cut,
    Drift,
    Projection,
    Reading,
    Verdict,
    num,
)


@dataclass(frozen=True)
class ProbeCapacity:
    """A replica's throughput at the SLO, measured by the latency probe for one model."""

    model: str
    before: float | None
    after: float | None
    slo: str
    assumed_peak: float | None  # `peak_rps` the probe was told in `.aria.yml`


@dataclass(frozen=True)
class LoadBasis:
    """The unit a projection compares in, with the measured peak and capacity per replica."""

    basis: Basis
    unit: str
    peak: Reading
    today: Reading | None
    before: float | None
    after: float | None
    before_from: str
    after_from: str


def verdict(utilisation: float, policy: Headroom) -> Verdict:
    if utilisation > 1.0:
        return "over"
    headroom = 1.0 - utilisation
    if headroom < policy.min:
        return "tight"
    return "room" if headroom > policy.max else "fits"


def choose_basis(t: Touched, r: dict[str, Reading], probe: ProbeCapacity | None
                 ) -> LoadBasis | str:
    """The unit peak load and capacity are compared in, or why there is none."""
    base, head = t.base, t.head
    requests = r.get("probe_requests")
    if probe is not None and probe.after is not None and requests is not None and requests.ok:
        measured = f"probe of {probe.model}, {probe.slo}"
        return LoadBasis("probe", requests.unit, requests, None, probe.before, probe.after,
                         measured, measured)
    unmeasured = t.kinds & {"gpu-class", "triton"}
    if unmeasured:
        what = "GPU class" if "gpu-class" in unmeasured else "Triton instance count or batching"
        return (f"the change alters the {what}, which changes what one replica can serve; "
                "telemetry measures today's load, not that capacity — a latency probe "
                "(probes.models in .aria.yml, ARIA_PROBE_URL) measures it")
    busy = r.get("gpu_busy")
    if head.gpus and base.gpus and busy is not None and busy.ok:
        return LoadBasis("gpu", "GPUs", busy, r.get("gpu_util"), base.gpus, head.gpus,
                      "GPUs per pod", "GPUs per pod")
    cores = r.get("cpu_cores")
    a, b = base.main_container, head.main_container
    if a and b and a.cpu and b.cpu and cores is not None and cores.ok:
        return LoadBasis("cpu", "cores", cores, r.get("cpu_util"), a.cpu, b.cpu,
                      f"CPU request of {a.container}", f"CPU request of {b.container}")
    missing = [x for x in (busy, cores) if x is not None and not x.ok]
    if missing:
        return "; ".join(f"{x.label}: {x.note}" for x in missing)
    return ("no capacity unit to compare with: the workload requests no GPU and its main "
            "container no CPU, or its series were not found")


def _capacity(side: Side, per: float, per_from: str, unit: str) -> Capacity:
    replicas, replicas_from = side.capacity_replicas
    each = {"GPUs": "GPU", "cores": "core"}.get(unit, unit)
    plural = "" if per == 1 or each.endswith("/s") else "s"
    return Capacity(replicas=replicas, replicas_from=replicas_from, per_replica=per,
                    per_replica_from=per_from, total=replicas * per,
                    text=f"{replicas} replica{'s' if replicas != 1 else ''} × {num(per)} "
                         f"{each}{plural}")


def project(t: Touched, basis: LoadBasis, policy: Headroom, min_coverage: float
            ) -> Projection | None:
    peak = basis.peak.value
    if peak is None or basis.after is None:
        return None
    after = _capacity(t.head, basis.after, basis.after_from, basis.unit)
    before = (_capacity(t.base, basis.before, basis.before_from, basis.unit)
              if basis.before is not None else None)
    used = peak / after.total if after.total else None  # None: the head keeps no capacity
    # Unknown coverage cannot confirm a fit either.
    partial = basis.peak.coverage is None or basis.peak.coverage < min_coverage or \
        bool(basis.peak.note)
    return Projection(
        basis=basis.basis, unit=basis.unit, peak=basis.peak, today=basis.today,
        before=before, after=after,
        utilisation_before=peak / before.total if before and before.total else None,
        utilisation_after=used, headroom_after=1.0 - used if used is not None else None,
        replicas_needed=math.ceil(peak / (basis.after * (1.0 - policy.min)))
        if basis.after else None,
        verdict=verdict(used, policy) if used is not None else "over", partial=partial)


def _cut_line(t: Touched) -> tuple[str, int | None]:
    head = t.head
    if t.kinds & {"replicas", "hpa-max"} or not head.main_container:
        return head.replicas_line
    return head.workload.doc.path, head.main_container.line


def cuts(t: Touched, projection: Projection | None, r: dict[str, Reading]) -> list[Cut]:
    """Capacities the change lowers below a measured peak."""
    out: list[Cut] = []
    p = projection
    if p is not None and p.before is not None and p.after.total < p.before.total \
            and p.peak.value is not None and p.peak.value > p.after.total:
        path, line = _cut_line(t)
        out.append(Cut(kind="hpa-max" if "hpa-max" in t.kinds else "capacity", path=path,
                       line=line, measured=p.peak, before=p.before.total, after=p.after.total,
                       unit=p.unit,
                       text=f"capacity from {p.before.text} to {p.after.text} "
                            f"({num(p.after.total)} {p.unit}), below the measured peak of "
                            f"{num(p.peak.value)} {p.unit}"))
    desired = r.get("hpa_desired")
    base_max, head_max = t.base.hpa_max, t.head.hpa_max
    if not out and desired is not None and desired.value is not None and head_max is not None \
            and desired.value > head_max and (base_max is None or head_max < base_max):
        path, line = t.head.replicas_line
        out.append(Cut(kind="hpa-max", path=path, line=line, measured=desired,
                       before=base_max, after=head_max, unit="replicas",
                       text=f"HPA maxReplicas from {base_max} to {head_max}, below the "
                            f"{num(desired.value)} replicas the HPA itself wanted at peak"))
    for name, res in t.head.resources.items():
        used = r.get(f"memory:{name}")
        old = t.base.resources.get(name)
        limit = res.memory_limit
        if used is None or used.value is None or limit is None or used.value <= limit:
            continue
        if old is not None and old.memory_limit is not None and old.memory_limit <= limit:
            continue
        before = old.memory_limit if old else None
        out.append(Cut(kind="memory", path=t.head.workload.doc.path, line=res.line,
                       measured=used, before=before, after=limit, unit="bytes",
                       text=f"the memory limit of container {name} from "
                            f"{format_bytes(before) if before else 'unset'} to "
                            f"{format_bytes(limit)}, below its measured peak working set of "
                            f"{format_bytes(used.value)}"))
    return out


def drift(base: Side, head: Side, r: dict[str, Reading]) -> Drift | None:
    """The base's replica count (or autoscaler bounds) against what the cluster runs.

    Not raised when the head writes what runs: the change then reconciles the repository.
    In an audit both sides are the tree itself.
    """
    if base.scaler is None:
        running = r.get("replicas")
        if running is None or running.value is None:
            return None
        written = base.spec_replicas if base.spec_replicas is not None else 1
        now = round(running.value)
        head_written = head.spec_replicas if head.spec_replicas is not None else 1
        if written == now or (head.scaler is None and head_written == now):
            return None
        path, line = base.replicas_line
        return Drift(repository=f"replicas: {written}", running=f"{now} replicas",
                     readings=[running], path=path, line=line)
    low, high = r.get("hpa_min"), r.get("hpa_max")
    if low is None or high is None or low.value is None or high.value is None:
        return None
    live = (round(low.value), round(high.value))
    if live == (base.hpa_min, base.hpa_max) or live == (head.hpa_min, head.hpa_max):
        return None
    path, line = base.replicas_line
    return Drift(repository=f"HPA {base.hpa_min}–{base.hpa_max}",
                 running=f"HPA {live[0]}–{live[1]}", readings=[low, high], path=path, line=line)
