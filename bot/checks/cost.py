"""Cost: on-demand-only GPU capacity, large GPU requests, and ceilings that make a cost cliff."""

from __future__ import annotations

from collections.abc import Iterator

from bot.checks.common import (
    as_int,
    capacity_evidence,
    dig,
    gpu_line,
    is_patch_fragment,
    mapping,
    metadata_annotations,
    per_node_evidence,
    pod_annotations_path,
)
from bot.checks.contract import CheckContext, CheckParams, Hit, check, ev
from bot.graph.nodepools import NodePool
from bot.graph.prices import PriceTable
from bot.graph.scaling import max_replicas
from bot.graph.workloads import Container, Workload

MIN_KEYS = {"aws_eks_node_group": ("scaling_config", "min_size"),
            "google_container_node_pool": ("autoscaling", "min_node_count"),
            "azurerm_kubernetes_cluster_node_pool": ("min_count",)}


def is_gpu_pool(pool: NodePool) -> bool:
    """GPU capacity by the instance catalogue, accelerator block, GPU limit or requirement, or a
    GPU taint."""
    return pool.gpu or "nvidia.com/gpu" in pool.taints


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
        item = capacity_evidence(pool)
        line = item.location.line if item.location else pool.doc.line
        yield Hit(subject=pool.subject, path=pool.doc.path, line=line,
                  fields={"object": pool.name, "pools": len(gpu_pools)}, evidence=[item])


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
        yield Hit(subject=pool.subject, path=pool.doc.path, line=line,
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
        yield Hit(subject=pool.subject, path=pool.doc.path, line=line,
                  fields={"object": pool.doc.ref},
                  evidence=[ev("spec.limits", "not set", pool.doc.path, line)])


class CostCliff(CheckParams):
    min_ratio: float  # head commitment / base commitment at or above this is a cliff
    hours_per_month: int  # GPU-hours a month one always-on accelerator stands for


def _monthly(prices: PriceTable | None, machine: str, floor: int, hours: int) -> float | None:
    """What the floor costs a month at the operator's prices (None without a price)."""
    price = prices.per_hour(machine) if prices is not None else None
    return None if price is None else floor * price * hours


@check("gpu_cost_cliff", CostCliff)
def gpu_cost_cliff(ctx: CheckContext[CostCliff]) -> Iterator[Hit]:
    """A change that multiplies what a pool keeps running at its floor.

    Committed = floor nodes × accelerators per node, on both sides of the review (the base side
    comes in as `NodePool.prior`). A class change counts through the accelerators per node it
    brings and, with the operator's price table, through the price of a node-hour: money is
    the measure when both sides have a price, so dearer GPUs at the same count are a cliff too.
    """
    hours, prices = ctx.params.hours_per_month, ctx.graph.prices
    for pool in ctx.graph.node_pools:
        before = pool.prior.commitment if pool.prior is not None else None
        now = pool.commitment()
        if before is None or now is None:
            continue
        old, new = before.floor * before.gpus_per_node, now.floor * now.gpus_per_node
        old_cost = _monthly(prices, before.machine, before.floor, hours)
        new_cost = _monthly(prices, now.machine, now.floor, hours)
        measure = (old_cost, new_cost) if old_cost is not None and new_cost is not None \
            else (old, new)
        if measure[1] <= measure[0] or (measure[0] and
                                        measure[1] < ctx.params.min_ratio * measure[0]):
            continue
        growth = f"{measure[1] / measure[0]:.3g}× the commitment" if measure[0] \
            else "from nothing committed"
        money = ""
        if prices is not None and old_cost is not None and new_cost is not None:
            money = (f" At the operator's prices (ARIA_GPU_PRICES) the floor costs "
                     f"{prices.currency} {new_cost:,.0f} a month instead of "
                     f"{prices.currency} {old_cost:,.0f}.")
        evidence = [
            ev("floor nodes before", before.floor, before.floor_at.path, before.floor_at.line),
            ev(f"accelerators per node before ({before.machine})", before.gpus_per_node,
               before.gpus_at.path, before.gpus_at.line),
            ev("floor nodes", now.floor, now.floor_at.path, now.floor_at.line),
            per_node_evidence(pool),
            ev("hours per month (assumed: Aria's default, rules/cost.yaml)", hours)]
        if money and prices is not None:
            evidence += [ev(f"price of a {m} node-hour ({prices.source})", prices.per_hour(m),
                            unit=prices.currency) for m in dict.fromkeys((before.machine,
                                                                          now.machine))]
        yield Hit(subject=pool.subject, path=pool.doc.path, line=now.floor_at.line,
                  fields={"object": pool.name, "before": old, "after": new, "growth": growth,
                          "floor": now.floor, "per_node": now.gpus_per_node,
                          "accelerator": now.accelerator or "accelerators",
                          "base_floor": before.floor, "base_per_node": before.gpus_per_node,
                          "base_accelerator": before.accelerator or "accelerators",
                          "hours": f"{new * hours:,}", "base_hours": f"{old * hours:,}",
                          "hours_per_month": hours, "money": money},
                  evidence=evidence)
