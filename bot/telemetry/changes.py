"""What a change does to capacity: per workload (replicas, autoscaler, GPUs, requests, Triton
configs it serves, node pools it runs on) and per node pool (size, GPU class).

Both sides are read from the repository as written; nothing here is measured.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.graph.nodepools import NodePool
from bot.graph.platform import PlatformGraph
from bot.graph.scaling import hpa_bounds, pool_max_line, utilization_targets
from bot.graph.workloads import Workload
from bot.ingest.documents import Document
from bot.quantity import format_bytes, parse_quantity

TRITON_CAPACITY_FIELDS = ("instance_group", "dynamic_batching", "max_batch_size",
                          "sequence_batching")


@dataclass(frozen=True)
class Resources:
    """One app container's requests and limits (cores, bytes)."""

    container: str
    cpu: float | None
    memory_request: float | None
    memory_limit: float | None
    line: int


@dataclass
class Side:
    """One side's capacity of a workload, as the repository writes it."""

    workload: Workload
    spec_replicas: int | None
    scaler: Document | None
    hpa_min: int | None
    hpa_max: int | None
    targets: dict[str, int]
    gpus: int
    resources: dict[str, Resources]
    pools: list[NodePool]
    models: dict[str, Document]

    @property
    def hpa_name(self) -> str | None:
        """The HorizontalPodAutoscaler that runs in the cluster (KEDA creates `keda-hpa-…`)."""
        if self.scaler is None:
            return None
        prefix = "keda-hpa-" if self.scaler.kind == "ScaledObject" else ""
        return prefix + self.scaler.name

    @property
    def capacity_replicas(self) -> tuple[int, str]:
        """Replicas the workload can run at peak, and which field says so."""
        if self.scaler is not None and self.hpa_max is not None:
            return self.hpa_max, f"{self.scaler.kind} {self._max_key}"
        if self.spec_replicas is not None:
            return self.spec_replicas, "spec.replicas"
        return 1, "Kubernetes' default of 1 (spec.replicas unset)"

    @property
    def replicas_line(self) -> tuple[str, int | None]:
        if self.scaler is not None and self.hpa_max is not None:
            return self.scaler.path, self.scaler.line_at("spec", self._max_key)
        w = self.workload
        return w.doc.path, w.line(*w.replicas_path) if w.replicas_path else w.doc.line

    @property
    def _max_key(self) -> str:
        kind = self.scaler.kind if self.scaler is not None else ""
        return "maxReplicaCount" if kind == "ScaledObject" else "maxReplicas"

    @property
    def main_container(self) -> Resources | None:
        """The container whose requests bound the pod: GPU holder, else the first app one."""
        gpu = [c.name for c in self.workload.containers if not c.init and c.gpus]
        name = gpu[0] if gpu else next(iter(self.resources), None)
        return self.resources.get(name) if name else None


@dataclass
class Touched:
    """A workload whose capacity the change touches."""

    base: Side
    head: Side
    changes: list[str] = field(default_factory=list)
    kinds: set[str] = field(default_factory=set)


@dataclass
class PoolChange:
    base: NodePool
    head: NodePool
    changes: list[str]
    kinds: set[str]

    @property
    def line(self) -> int:
        return pool_max_line(self.head)


def pool_gpus(pool: NodePool) -> int | None:
    """GPUs the pool can hold at its maximum: nodes × GPUs per node, or Karpenter's limit."""
    if pool.max_nodes is not None and pool.gpus_per_node:
        return pool.max_nodes * pool.gpus_per_node
    return pool.gpu_limit


def _resources(w: Workload) -> dict[str, Resources]:
    out = {}
    for c in w.containers:
        if c.init:
            continue
        out[c.name] = Resources(
            c.name, parse_quantity(c.resources("requests").get("cpu")),
            parse_quantity(c.resources("requests").get("memory")),
            parse_quantity(c.resources("limits").get("memory")),
            w.line(*c.path, "resources"))
    return out


def _models(graph: PlatformGraph, w: Workload) -> dict[str, Document]:
    return {doc.name: doc for doc in graph.kind("TritonModelConfig")
            if any(s is w for s in graph.triton_servers_for(doc))}


def side_of(graph: PlatformGraph, w: Workload) -> Side:
    scalers = graph.scalers_for(w)  # an HPA or a KEDA ScaledObject
    scaler = scalers[0] if scalers else None
    low, high = hpa_bounds(scaler) if scaler is not None else (None, None)
    targets = {name: value for name, value, _ in utilization_targets(scaler)} if scaler else {}
    return Side(w, w.replicas, scaler, low, high, targets, w.gpus_per_pod, _resources(w),
                graph.node_pools_for(w) if w.gpus_per_pod else [], _models(graph, w))


def _fmt(value: float | None, unit: str = "") -> str:
    if value is None:
        return "unset"
    if unit == "bytes":
        return format_bytes(value)
    return f"{value:g}{unit}"


def _diff(base: Side, head: Side) -> tuple[list[str], set[str]]:
    text: list[str] = []
    kinds: set[str] = set()

    def note(kind: str, what: str, before: object, after: object) -> None:
        if before != after:
            kinds.add(kind)
            text.append(f"{what} {before} → {after}")

    if base.scaler is None and head.scaler is None:
        note("replicas", "replicas", _fmt(base.spec_replicas), _fmt(head.spec_replicas))
    else:
        note("hpa-max", "HPA maxReplicas", _fmt(base.hpa_max), _fmt(head.hpa_max))
        note("hpa-min", "HPA minReplicas", _fmt(base.hpa_min), _fmt(head.hpa_min))
        for resource in sorted(base.targets.keys() | head.targets.keys()):
            note("hpa-target", f"HPA {resource} target",
                 _fmt(base.targets.get(resource), "%"), _fmt(head.targets.get(resource), "%"))
    note("gpus", "GPUs per pod", base.gpus, head.gpus)
    for name in sorted(base.resources.keys() & head.resources.keys()):
        a, b = base.resources[name], head.resources[name]
        note("cpu", f"CPU request of {name}", _fmt(a.cpu), _fmt(b.cpu))
        note("memory", f"memory limit of {name}", _fmt(a.memory_limit, "bytes"),
             _fmt(b.memory_limit, "bytes"))
        note("memory", f"memory request of {name}", _fmt(a.memory_request, "bytes"),
             _fmt(b.memory_request, "bytes"))
    for name in sorted(base.models.keys() & head.models.keys()):
        fields = [f for f in TRITON_CAPACITY_FIELDS
                  if base.models[name].body.get(f) != head.models[name].body.get(f)]
        if fields:
            kinds.add("triton")
            text.append(f"Triton model {name}: {', '.join(fields)} changed")
    return text, kinds


def touched_workloads(base: PlatformGraph, head: PlatformGraph,
                      pools: list[PoolChange]) -> list[Touched]:
    """Workloads on both sides whose capacity differs, or whose node pool the change resizes."""
    before = {w.subject: w for w in base.workloads if not w.batch}
    resized = {p.head.doc.identity: p for p in pools}
    out = []
    for w in head.workloads:
        old = before.get(w.subject)
        if old is None or w.batch:
            continue
        a, b = side_of(base, old), side_of(head, w)
        text, kinds = _diff(a, b)
        for pool in b.pools:
            change = resized.get(pool.doc.identity)
            if change is not None:
                kinds |= change.kinds
                text.append(f"node pool {pool.name}: " + "; ".join(change.changes))
        if kinds:
            out.append(Touched(a, b, text, kinds))
    return out


def changed_pools(base: PlatformGraph, head: PlatformGraph) -> list[PoolChange]:
    before = {p.doc.identity: p for p in base.node_pools}
    out = []
    for pool in head.node_pools:
        old = before.get(pool.doc.identity)
        if old is None or not pool.gpu:
            continue
        changes, kinds = [], set()
        if pool_gpus(old) != pool_gpus(pool) or old.max_nodes != pool.max_nodes:
            kinds.add("node-pool")
            changes.append(f"max nodes {_fmt(old.max_nodes)} → {_fmt(pool.max_nodes)} "
                           f"(GPUs {_fmt(pool_gpus(old))} → {_fmt(pool_gpus(pool))})")
        if old.machine != pool.machine or old.gpus_per_node != pool.gpus_per_node:
            kinds.add("gpu-class")
            changes.append(f"machine {old.machine} → {pool.machine}")
        if changes:
            out.append(PoolChange(old, pool, changes, kinds))
    return out
