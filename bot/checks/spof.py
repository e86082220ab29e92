"""Single points of failure: one replica, no disruption budget, one zone, one node."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

from bot.checks.common import (
    as_int,
    capacity_evidence,
    dig,
    is_available_server,
    is_interactive,
    mapping,
    min_replicas,
    selector_matches,
)
from bot.checks.contract import CheckContext, CheckParams, Hit, NoParams, check, ev
from bot.findings import Evidence
from bot.graph.scaling import pool_max_line
from bot.graph.workloads import Workload
from bot.ingest.documents import Document

ZONE_LABELS = ("topology.kubernetes.io/zone", "failure-domain.beta.kubernetes.io/zone")
KSERVE_COMPONENTS = ("predictor", "transformer", "explainer")


class MinReplicas(CheckParams):
    min_replicas: int


class Kinds(CheckParams):
    kinds: list[str]  # workload kinds the rule covers; empty: every kind


class ReplicatedKinds(MinReplicas, Kinds):
    pass


def _replicated(kinds: list[str], w: Workload) -> bool:
    """A replicated server of one of the kinds the rule's `kinds` parameter names."""
    return is_available_server(w) and (not kinds or w.kind in kinds)


@check("single_replica", MinReplicas)
def single_replica(ctx: CheckContext[MinReplicas]) -> Iterator[Hit]:
    floor = ctx.params.min_replicas
    for w in ctx.graph.workloads:
        if not is_available_server(w):
            continue
        value, path, line, holder = min_replicas(ctx.graph, w)
        if value < floor:
            evidence = [ev("minimum replicas", value, path, line)]
            if w.gpus_per_pod:
                evidence.append(ev("GPUs per pod", w.gpus_per_pod, w.doc.path,
                                   w.line(*w.pod_path)))
            yield Hit(subject=w.subject, path=path, line=line, evidence=evidence,
                      fields={"object": w.ref, "replicas": value, "min": floor,
                              "holder": holder.ref})


@check("missing_pdb", ReplicatedKinds)
def missing_pdb(ctx: CheckContext[ReplicatedKinds]) -> Iterator[Hit]:
    """Replicas without a budget can all be evicted at once by a node drain or upgrade."""
    floor = ctx.params.min_replicas
    for w in ctx.graph.workloads:
        if not _replicated(ctx.params.kinds, w) or ctx.graph.pdbs_for(w):
            continue
        value, path, line, _ = min_replicas(ctx.graph, w)
        if value >= floor:
            yield Hit(subject=w.subject, path=w.doc.path, line=w.doc.line,
                      fields={"object": w.ref, "replicas": value},
                      evidence=[ev("minimum replicas", value, path, line),
                                ev("PodDisruptionBudgets selecting its pods", 0)])


def _blocking_setting(pdb: Document) -> tuple[str, Any] | None:
    """The field that forbids every voluntary eviction on its own, whatever the replicas."""
    spec = mapping(pdb.body.get("spec"))
    unavailable = spec.get("maxUnavailable")
    if unavailable is not None and str(unavailable).strip() in ("0", "0%"):
        return "maxUnavailable", unavailable
    if str(spec.get("minAvailable")).strip() == "100%":
        return "minAvailable", spec["minAvailable"]
    return None


@check("pdb_blocks_eviction", NoParams)
def pdb_blocks_eviction(ctx: CheckContext[NoParams]) -> Iterator[Hit]:
    """A budget that allows no disruption makes every node drain hang."""
    selected: dict[str, list[Workload]] = {}
    for w in ctx.graph.workloads:
        for pdb in ctx.graph.pdbs_for(w):
            selected.setdefault(pdb.identity, []).append(w)
    for pdb in ctx.graph.kind("PodDisruptionBudget"):
        workloads = selected.get(pdb.identity, [])
        blocking = _blocking_setting(pdb)
        evidence: list[Evidence] = []
        if blocking is None:
            # an integer minAvailable blocks when it reaches the pods that run at the floor
            wanted = as_int(dig(pdb.body, "spec", "minAvailable"))
            floors = [min_replicas(ctx.graph, w) for w in workloads]
            if wanted is None or not floors or wanted < sum(f[0] for f in floors):
                continue
            blocking = ("minAvailable", wanted)
            evidence = [ev(f"{w.ref} minimum replicas", value, path, line)
                        for w, (value, path, line, _) in zip(workloads, floors, strict=True)]
        key, value = blocking
        line = pdb.line_at("spec", key)
        yield Hit(subject=pdb.identity, path=pdb.path, line=line,
                  fields={"object": pdb.ref, "setting": f"{key}: {value}",
                          "targets": ", ".join(w.ref for w in workloads) or "its pods"},
                  evidence=[ev(key, value, pdb.path, line), *evidence])


class Spread(ReplicatedKinds):
    topology_labels: list[str]  # node labels that give an accelerator slice's topology (AxB)


def _pod_labels(w: Workload) -> dict[str, str]:
    """Labels the workload's pods carry (KServe adds the InferenceService's name to its pods)."""
    if w.kind == "InferenceService":
        return {**w.labels, "serving.kserve.io/inferenceservice": w.doc.name}
    return w.labels


def _selects_own_pods(w: Workload, term: Any) -> bool:
    """An anti-affinity term or spread constraint that counts the workload's own pods.

    Its label selector must match their labels, and its namespaces (an anti-affinity term's
    `namespaces`; none means its own) must include theirs. A `namespaceSelector` is taken as
    reaching them: namespace labels are not in the tree.
    """
    term = mapping(term)
    if not selector_matches(term.get("labelSelector"), _pod_labels(w)):
        return False
    namespaces = term.get("namespaces")
    if isinstance(namespaces, list) and namespaces and "namespaceSelector" not in term:
        return not w.namespace or w.namespace in [str(n) for n in namespaces]
    return True


def _spreads(w: Workload) -> bool:
    """Whether a spread constraint or an anti-affinity term keeps the replicas apart."""
    anti = mapping(dig(w.pod, "affinity", "podAntiAffinity"))
    terms = _items(w.pod.get("topologySpreadConstraints"))
    terms += _items(anti.get("requiredDuringSchedulingIgnoredDuringExecution"))
    terms += [dig(t, "podAffinityTerm")
              for t in _items(anti.get("preferredDuringSchedulingIgnoredDuringExecution"))]
    return any(_selects_own_pods(w, t) for t in terms)


def _items(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _takes_whole_node(w: Workload, topology_labels: list[str]) -> bool:
    """A pod that requests every chip of the single-host accelerator slice it selects (`2x4` is
    8 TPU chips on one host): two replicas never share a node."""
    selector = mapping(w.pod.get("nodeSelector"))
    for label in topology_labels:
        dims = str(selector.get(label) or "").split("x")
        if w.gpus_per_pod and all(d.isdigit() for d in dims):
            return w.gpus_per_pod >= math.prod(int(d) for d in dims)
    return False


@check("no_spread", Spread)
def no_spread(ctx: CheckContext[Spread]) -> Iterator[Hit]:
    """Nothing stops the scheduler from packing every replica onto one node."""
    floor = ctx.params.min_replicas
    for w in ctx.graph.workloads:
        if not _replicated(ctx.params.kinds, w) or _spreads(w) or \
                _takes_whole_node(w, ctx.params.topology_labels):
            continue
        value, path, line, _ = min_replicas(ctx.graph, w)
        if value >= floor:
            yield Hit(subject=w.subject, path=w.doc.path, line=w.line(*w.pod_path),
                      fields={"object": w.ref, "replicas": value},
                      evidence=[ev("minimum replicas", value, path, line),
                                ev("podAntiAffinity / topologySpreadConstraints selecting its "
                                   "own pods", "none", w.doc.path, w.line(*w.pod_path))])


def _pinned_zone(w: Workload) -> tuple[str, tuple[Any, ...]] | None:
    """(zone, key path) when the pod's nodeSelector or required node affinity allows one zone."""
    selector = mapping(w.pod.get("nodeSelector"))
    for label in ZONE_LABELS:
        if label in selector:
            return str(selector[label]), (*w.pod_path, "nodeSelector", label)
    terms_path = (*w.pod_path, "affinity", "nodeAffinity",
                  "requiredDuringSchedulingIgnoredDuringExecution", "nodeSelectorTerms")
    terms = dig(w.doc.body, *terms_path)
    zones: set[str] = set()
    for term in terms if isinstance(terms, list) else []:
        # terms are ORed: every term must name a zone for the pod to be confined
        exprs = [e for e in dig(term, "matchExpressions") or []
                 if isinstance(e, dict) and e.get("key") in ZONE_LABELS
                 and e.get("operator") == "In"]
        if not exprs:
            return None
        zones.update(str(v) for v in exprs[0].get("values") or [])
    if len(zones) == 1:
        return zones.pop(), terms_path
    return None


@check("single_zone", Kinds)
def single_zone(ctx: CheckContext[Kinds]) -> Iterator[Hit]:
    """Every replica in one zone: a zone outage (or a zonal GPU stock-out) is a full outage."""
    for w in ctx.graph.workloads:
        if not _replicated(ctx.params.kinds, w):
            continue
        pinned = _pinned_zone(w)
        if pinned is not None:
            zone, keys = pinned
            line = w.line(*keys)
            yield Hit(subject=w.subject, path=w.doc.path, line=line,
                      fields={"object": w.ref, "zone": zone, "source": "its node selection"},
                      evidence=[ev("zone", zone, w.doc.path, line)])
            continue
        pools = ctx.graph.selected_pools(w)
        zones = {z for p in pools for z in p.zones}
        if pools and all(p.zones for p in pools) and len(zones) == 1:
            zone = zones.pop()
            yield Hit(subject=w.subject, path=w.doc.path, line=w.line(*w.pod_path),
                      fields={"object": w.ref, "zone": zone,
                              "source": "node pool " + ", ".join(p.name for p in pools)},
                      evidence=[ev(f"{p.name} zones", ",".join(p.zones), p.doc.path,
                                   _zones_line(p.doc)) for p in pools])


def _zones_line(doc: Document) -> int:
    if doc.format == "terraform":
        for key in ("node_locations", "zones"):
            if key in doc.text_lines:
                return doc.text_lines[key]
        return doc.line
    return doc.line_at("spec", "template", "spec", "requirements")


def _instance_count(model: Document) -> tuple[int | None, int]:
    """(instances per device, line): None when `instance_group` is absent (Triton's default)."""
    groups = [g for g in model.body.get("instance_group") or [] if isinstance(g, dict)]
    if not groups:
        return None, model.line
    # Triton raises a count below 1 (proto3 cannot tell 0 from unset) to 1
    total = sum(max(as_int(g.get("count")) or 1, 1) for g in groups)
    return total, model.text_lines.get("count", model.text_lines.get("instance_group",
                                                                        model.line))


class ExemptBackends(CheckParams):
    exempt_backends: list[str]
    engine_modules: list[str]  # a Python model importing one of these wraps a batching engine


@check("triton_single_instance", ExemptBackends)
def triton_single_instance(ctx: CheckContext[ExemptBackends]) -> Iterator[Hit]:
    """One execution instance: requests to the model run one at a time, with no spare."""
    exempt = set(ctx.params.exempt_backends)
    engines = set(ctx.params.engine_modules)
    for model in ctx.graph.served_models():
        runtime = str(model.body.get("backend") or model.body.get("platform") or "")
        if runtime in exempt or "${" in runtime:
            continue
        if ctx.inventory.model_imports.get(model.path, frozenset()) & engines:
            continue  # the engine batches in flight and owns the GPU: one instance drives it
        count, line = _instance_count(model)
        if count is not None and count > 1:
            continue
        evidence = (ev("instance_group", "not set", model.path, line) if count is None
                    else ev("instance_group count", count, model.path, line))
        yield Hit(subject=model.identity, path=model.path, line=line,
                  fields={"object": model.name, "instances": 1 if count is None else count,
                          "source": "Triton's default, no instance_group" if count is None
                          else "instance_group", "runtime": runtime or "auto-complete"},
                  evidence=[evidence])


class MaxNodes(CheckParams):
    max_nodes: int


@check("single_node_gpu_pool", MaxNodes)
def single_node_gpu_pool(ctx: CheckContext[MaxNodes]) -> Iterator[Hit]:
    """All GPU capacity on one node: a node repair, upgrade or hardware fault empties it."""
    for pool in ctx.graph.node_pools:
        if not pool.gpu or pool.max_nodes is None or pool.max_nodes > ctx.params.max_nodes:
            continue
        line = pool_max_line(pool)
        yield Hit(subject=pool.subject, path=pool.doc.path, line=line,
                  fields={"object": pool.name, "nodes": pool.max_nodes},
                  evidence=[ev("maximum nodes", pool.max_nodes, pool.doc.path, line)])


@check("single_zone_gpu_pool", MaxNodes)
def single_zone_gpu_pool(ctx: CheckContext[MaxNodes]) -> Iterator[Hit]:
    """Every node of a GPU pool in one zone: an AWS subnet lies in one Availability Zone, so a
    node group on one subnet is one zone too. Pools of at most `max_nodes` nodes are SPOF007's:
    one node is in one zone by definition."""
    for pool in ctx.graph.node_pools:
        if not pool.gpu or pool.zones_at is None or \
                (pool.max_nodes is not None and pool.max_nodes <= ctx.params.max_nodes):
            continue
        if len(set(pool.zones)) == 1:
            what, place = "zone", pool.zones[0]
        elif not pool.zones and len(set(pool.subnets)) == 1:
            what, place = "subnet", pool.subnets[0]
        else:
            continue
        at = pool.zones_at
        yield Hit(subject=pool.subject, path=at.path, line=at.line,
                  fields={"object": pool.name, "what": what, "place": place},
                  evidence=[ev(f"{what}s", place, at.path, at.line)])


@check("spot_only_serving", NoParams)
def spot_only_serving(ctx: CheckContext[NoParams]) -> Iterator[Hit]:
    """An interactive server whose node selection leaves it only spot capacity: a reclaim wave
    (often every zone at once for a GPU type) leaves it nowhere to run."""
    for w in ctx.graph.workloads:
        if not is_interactive(w) or w.benchmark:
            continue
        pools = ctx.graph.selected_pools(w)
        if not pools or not all(p.spot_only for p in pools):
            continue
        yield Hit(subject=w.subject, path=w.doc.path, line=w.line(*w.pod_path),
                  fields={"object": w.ref, "pools": ", ".join(p.name for p in pools)},
                  evidence=[capacity_evidence(p) for p in pools])


@check("kserve_max_one", NoParams)
def kserve_max_one(ctx: CheckContext[NoParams]) -> Iterator[Hit]:
    """A KServe component capped at one replica can neither fail over nor scale out."""
    for isvc in ctx.graph.kind("InferenceService"):
        for component in KSERVE_COMPONENTS:
            if as_int(dig(isvc.body, "spec", component, "maxReplicas")) != 1:
                continue
            line = isvc.line_at("spec", component, "maxReplicas")
            yield Hit(subject=isvc.identity, path=isvc.path, line=line, detail=component,
                      fields={"object": isvc.ref, "component": component},
                      evidence=[ev(f"{component}.maxReplicas", 1, isvc.path, line)])
