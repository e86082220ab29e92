"""Cost: on-demand-only GPU capacity, large GPU requests, and ceilings that make a cost cliff."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from bot.checks.common import (
    as_int,
    dig,
    gpu_line,
    is_patch_fragment,
    mapping,
    metadata_annotations,
    pod_annotations_path,
)
from bot.checks.contract import CheckContext, CheckParams, Hit, check, ev
from bot.graph.nodepools import NodePool
from bot.graph.scaling import max_replicas
from bot.graph.workloads import Container, Workload

GPU_REQUIREMENT_PREFIXES = ("karpenter.k8s.aws/instance-gpu", "karpenter.azure.com/sku-gpu")
MIN_KEYS = {"aws_eks_node_group": ("scaling_config", "min_size"),
            "google_container_node_pool": ("autoscaling", "min_node_count"),
            "azurerm_kubernetes_cluster_node_pool": ("min_count",)}


def _karpenter_requirements(pool: NodePool) -> list[dict[str, Any]]:
    reqs = dig(pool.doc.body, "spec", "template", "spec", "requirements") or []
    return [r for r in reqs if isinstance(r, dict)]


def is_gpu_pool(pool: NodePool) -> bool:
    """GPU capacity by machine, accelerator, GPU limit, GPU taint or a Karpenter GPU requirement."""
    if pool.gpu or "nvidia.com/gpu" in pool.taints:
        return True
    return any(str(r.get("key", "")).startswith(GPU_REQUIREMENT_PREFIXES)
               for r in _karpenter_requirements(pool))


def _capacity_evidence(pool: NodePool) -> tuple[str, Any, tuple[Any, ...]]:
    """The setting that makes the pool on-demand, as written (or the provider default)."""
    body = pool.doc.body
    if pool.doc.kind == "aws_eks_node_group":
        return "capacity_type", body.get("capacity_type", "not set (ON_DEMAND)"), \
            ("capacity_type",)
    if pool.doc.kind == "google_container_node_pool":
        return "node_config.spot", "not set (on-demand)", ("node_config",)
    if pool.doc.kind == "azurerm_kubernetes_cluster_node_pool":
        return "priority", body.get("priority", "not set (Regular)"), ("priority",)
    for index, req in enumerate(_karpenter_requirements(pool)):
        if req.get("key") == "karpenter.sh/capacity-type":
            return ("karpenter.sh/capacity-type", ",".join(map(str, req.get("values") or [])),
                    ("spec", "template", "spec", "requirements", index))
    return "karpenter.sh/capacity-type", "not set (on-demand)", ()


def _reserved(pool: NodePool, keys: list[str]) -> bool:
    text = repr(pool.doc.body)  # reservation blocks nest differently per provider
    return any(key in text for key in keys)


class Reservations(CheckParams):
    reservation_types: list[str]  # Terraform types that reserve capacity
    reservation_keys: list[str]  # settings of a pool that draw on a reservation


@check("gpu_capacity_all_on_demand", Reservations)
def gpu_capacity_all_on_demand(ctx: CheckContext[Reservations]) -> Iterator[Hit]:
    """On-demand GPU pools, when no GPU pool is spot and nothing in the tree reserves capacity."""
    gpu_pools = [p for p in ctx.graph.node_pools if is_gpu_pool(p)]
    if any(p.spot for p in gpu_pools) or ctx.graph.kind(*ctx.params.reservation_types):
        return
    reserved_keys = ctx.params.reservation_keys
    for pool in gpu_pools:
        if _reserved(pool, reserved_keys):
            continue
        label, value, keys = _capacity_evidence(pool)
        line = pool.doc.line_at(*keys) if keys else pool.doc.line
        yield Hit(subject=pool.doc.identity, path=pool.doc.path, line=line,
                  fields={"object": pool.doc.ref, "pools": len(gpu_pools)},
                  evidence=[ev(label, value, pool.doc.path, line)])


def _count(c: Container, resources: tuple[str, ...]) -> int:
    """Devices of the given resource names a container asks for (its limit, else its request)."""
    for which in ("limits", "requests"):
        values = [as_int(c.resources(which).get(key)) for key in resources]
        if any(v is not None for v in values):
            return sum(v or 0 for v in values)
    return 0


def _gpu_evidence(w: Workload) -> list:
    """One evidence item per container that requests accelerators."""
    return [ev(f"GPUs requested by container {c.name}", c.gpus, w.doc.path, gpu_line(w, c))
            for c in w.containers if c.gpus and not c.init]


class LargeGpuRequest(CheckParams):
    min_gpus: int
    justification_annotation: str
    # TPU slices are requested whole (all chips of a host), so the packs do not count them.
    resources: list[str]
    include_batch: bool
    # Ray worker pods are sized to a node and Ray packs model replicas into them: their GPUs
    # per pod say nothing about what one model uses.
    skip_kinds: list[str]


@check("large_gpu_request", LargeGpuRequest)
def large_gpu_request(ctx: CheckContext[LargeGpuRequest]) -> Iterator[Hit]:
    """Pods asking for many accelerators with no written justification on the object."""
    threshold = ctx.params.min_gpus
    key = ctx.params.justification_annotation
    counted = tuple(ctx.params.resources)
    for w in ctx.graph.workloads:
        if w.batch and not ctx.params.include_batch or is_patch_fragment(w) or \
                w.kind in ctx.params.skip_kinds:
            continue  # a Job's GPUs are released when it completes; a patch is not the object
        total = sum(_count(c, counted) for c in w.containers if not c.init)
        if total < threshold:
            continue
        pod_notes = mapping(dig(w.doc.body, *pod_annotations_path(w)))
        if key in metadata_annotations(w.doc) or key in pod_notes:
            continue
        evidence = _gpu_evidence(w)
        yield Hit(subject=w.subject, path=w.doc.path, line=evidence[0].location.line,
                  fields={"object": w.ref, "gpus": total, "threshold": threshold,
                          "annotation": key},
                  evidence=evidence)


class MaxGpus(CheckParams):
    max_gpus: int


@check("gpu_scale_ceiling", MaxGpus)
def gpu_scale_ceiling(ctx: CheckContext[MaxGpus]) -> Iterator[Hit]:
    """Autoscaling that may add more GPUs than the budget ceiling without another review."""
    for w in ctx.graph.workloads:
        most = max_replicas(ctx.graph, w) if w.gpus_per_pod else None
        if most is None or most[0] * w.gpus_per_pod <= ctx.params.max_gpus:
            continue
        high, path, line = most
        yield Hit(subject=w.subject, path=path, line=line,
                  fields={"object": w.ref, "where": f"{path}:{line}", "max_replicas": high,
                          "gpus": w.gpus_per_pod, "total": high * w.gpus_per_pod,
                          "ceiling": ctx.params.max_gpus},
                  evidence=[ev("maximum replicas", high, path, line), *_gpu_evidence(w)])


class GpuOnly(CheckParams):
    gpu_only: bool  # only pools with GPU capacity


class PoolGrowth(GpuOnly):
    max_ratio: float


@check("node_pool_growth", PoolGrowth)
def node_pool_growth(ctx: CheckContext[PoolGrowth]) -> Iterator[Hit]:
    """Pools whose maximum is many times their floor: an autoscaler can multiply the bill."""
    ratio, gpu_only = ctx.params.max_ratio, ctx.params.gpu_only
    for pool in ctx.graph.node_pools:
        if pool.min_nodes is None or pool.max_nodes is None or (gpu_only and not is_gpu_pool(pool)):
            continue
        if pool.max_nodes <= ratio * max(pool.min_nodes, 1):
            continue
        line = pool.doc.line_at(*pool.max_nodes_key)
        yield Hit(subject=pool.doc.identity, path=pool.doc.path, line=line,
                  fields={"object": pool.doc.ref, "min": pool.min_nodes, "max": pool.max_nodes,
                          "ratio": f"{ratio:g}"},
                  evidence=[ev("minimum nodes", pool.min_nodes, pool.doc.path,
                               pool.doc.line_at(*MIN_KEYS.get(pool.doc.kind, ()))),
                            ev("maximum nodes", pool.max_nodes, pool.doc.path, line)])


@check("unbounded_node_pool", GpuOnly)
def unbounded_node_pool(ctx: CheckContext[GpuOnly]) -> Iterator[Hit]:
    """Karpenter NodePools with no `limits`: provisioning stops only at the cloud quota."""
    gpu_only = ctx.params.gpu_only
    for pool in ctx.graph.node_pools:
        if pool.doc.kind != "NodePool" or (gpu_only and not is_gpu_pool(pool)):
            continue
        if mapping(dig(pool.doc.body, "spec", "limits")):
            continue
        line = pool.doc.line_at("spec")
        yield Hit(subject=pool.doc.identity, path=pool.doc.path, line=line,
                  fields={"object": pool.doc.ref},
                  evidence=[ev("spec.limits", "not set", pool.doc.path, line)])
