"""Capacity headroom: autoscaling targets, bounds, requests, GPU memory share, pool maxima."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from bot.checks.common import (
    as_int,
    dig,
    flag_line,
    is_interactive,
    is_replicated_server,
    mapping,
    per_node_evidence,
    serving_containers,
    sets_resource,
)
from bot.checks.contract import CheckContext, CheckParams, Hit, NoParams, check, ev
from bot.findings import Evidence
from bot.graph.nodepools import NodePool, label_value
from bot.graph.platform import PlatformGraph, pool_refusal
from bot.graph.scaling import hpa_bounds, max_replicas, pool_max_line, utilization_targets
from bot.graph.workloads import Container, Workload
from bot.ingest.documents import Document
from bot.ingest.serverflags import server_flags


class Resources(CheckParams):
    resources: list[str]


class TargetUtilization(Resources):
    # Unset: derived from the repository's headroom policy (20% headroom -> 80% target).
    max_target_percent: int | None = None


@check("hpa_target_utilization", TargetUtilization)
def hpa_target_utilization(ctx: CheckContext[TargetUtilization]) -> Iterator[Hit]:
    """Utilization targets leave too little headroom for interactive traffic bursts."""
    ceiling = ctx.params.max_target_percent
    if ceiling is None:
        ceiling = round((1 - ctx.config.headroom.min) * 100)
    resources = set(ctx.params.resources)
    at = ctx.config.set_at("headroom.min")  # no location when it is Aria's default
    for doc in ctx.graph.kind("HorizontalPodAutoscaler"):
        for name, value, line in utilization_targets(doc):
            if name in resources and value > ceiling:
                yield Hit(subject=doc.identity, path=doc.path, line=line, detail=name,
                          fields={"object": doc.ref, "resource": name, "target": value,
                                  "headroom": 100 - value, "ceiling": ceiling},
                          evidence=[ev(f"{name} utilization target", value, doc.path, line, "%"),
                                    ev("headroom policy minimum",
                                       round(ctx.config.headroom.min * 100),
                                       at[0] if at else None, at[1] if at else None, "%")])


@check("hpa_pinned", NoParams)
def hpa_pinned(ctx: CheckContext[NoParams]) -> Iterator[Hit]:
    """An autoscaler whose floor equals its ceiling cannot add a pod when load grows."""
    for doc in ctx.graph.kind("HorizontalPodAutoscaler", "ScaledObject"):
        low, high = hpa_bounds(doc)
        if high is None or low != high:
            continue
        low_key, high_key = (("minReplicaCount", "maxReplicaCount") if doc.kind == "ScaledObject"
                             else ("minReplicas", "maxReplicas"))
        written = low_key in (dig(doc.body, "spec") or {})
        line = doc.line_at("spec", high_key)
        yield Hit(subject=doc.identity, path=doc.path, line=line,
                  fields={"object": doc.ref, "replicas": high, "target": _target_ref(doc)},
                  evidence=[ev(low_key if written else f"{low_key} (default)", low, doc.path,
                               doc.line_at("spec", low_key) if written else doc.line_at("spec")),
                            ev(high_key, high, doc.path, line)])


def _target_ref(scaler: Document) -> str:
    ref = mapping(dig(scaler.body, "spec", "scaleTargetRef"))
    return f"{ref.get('kind') or 'Deployment'}/{ref.get('name') or '?'}"


def _own_resources(w: Workload) -> bool:
    """KServe fills unset requests and limits from its own defaults, so they are never empty."""
    return w.kind != "InferenceService"


def _container_line(w: Workload, c: Container) -> int:
    return w.line(*c.path, "resources") if "resources" in c.body else w.line(*c.path)


@check("missing_requests", Resources)
def missing_requests(ctx: CheckContext[Resources]) -> Iterator[Hit]:
    """Serving containers the scheduler places without knowing what they need."""
    wanted = ctx.params.resources
    for w in ctx.graph.workloads:
        if not is_replicated_server(w) or not _own_resources(w):
            continue
        for c in serving_containers(w, ctx.graph.serving_images):
            missing = [r for r in wanted if not sets_resource(c, r)]
            if not missing:
                continue
            line = _container_line(w, c)
            yield Hit(subject=w.subject, path=w.doc.path, line=line, detail=c.name,
                      fields={"object": w.ref, "container": c.name,
                              "resources": " and ".join(missing)},
                      evidence=[ev(f"{c.name} requests.{r}", "not set", w.doc.path, line)
                                for r in missing])


@check("missing_memory_limit", NoParams)
def missing_memory_limit(ctx: CheckContext[NoParams]) -> Iterator[Hit]:
    """A memory request with no limit: the container may grow until the node evicts pods.

    A container with no memory request at all is `missing_requests`' finding; this one
    covers the container that sized its request and left the ceiling open.
    """
    for w in ctx.graph.workloads:
        if not is_replicated_server(w) or not _own_resources(w):
            continue
        for c in serving_containers(w, ctx.graph.serving_images):
            request = c.resources("requests").get("memory")
            if request is None or "memory" in c.resources("limits"):
                continue
            line = w.line(*c.path, "resources", "requests", "memory")
            yield Hit(subject=w.subject, path=w.doc.path, line=line, detail=c.name,
                      fields={"object": w.ref, "container": c.name, "request": str(request)},
                      evidence=[ev(f"{c.name} requests.memory", str(request), w.doc.path, line),
                                ev(f"{c.name} limits.memory", "not set", w.doc.path,
                                   _container_line(w, c))])


def _memory_fraction(w: Workload, c: Container, flags: list[str], env: list[str]
                     ) -> tuple[str, float, int] | None:
    """(setting, fraction, line) of the GPU memory share the server is told to claim."""
    given = server_flags(c.argv)
    for flag in flags:
        value = _fraction(given.get(flag))
        if value is not None:
            return f"--{flag}", value, flag_line(w, c, flag)
    for index, var in enumerate(c.body.get("env") or []):
        if isinstance(var, dict) and var.get("name") in env:
            value = _fraction(var.get("value"))
            if value is not None:
                return str(var["name"]), value, w.line(*c.path, "env", index, "value")
    return None


def _fraction(raw: Any) -> float | None:
    try:
        value = float(str(raw))
    except (TypeError, ValueError):
        return None
    return value if 0 < value <= 1 else None


class MemoryFraction(CheckParams):
    max_fraction: float
    flags: list[str]  # server flags that set the fraction
    env: list[str]  # environment variables that set it


@check("gpu_memory_fraction", MemoryFraction)
def gpu_memory_fraction(ctx: CheckContext[MemoryFraction]) -> Iterator[Hit]:
    """vLLM/TGI told to take (nearly) all GPU memory: no room for activations or fragmentation."""
    threshold = ctx.params.max_fraction
    flags, env = ctx.params.flags, ctx.params.env
    for w in ctx.graph.workloads:
        if not is_interactive(w):
            continue
        for c in w.containers:
            found = None if c.init else _memory_fraction(w, c, flags, env)
            if found is None or found[1] < threshold:
                continue
            setting, value, line = found
            yield Hit(subject=w.subject, path=w.doc.path, line=line, detail=c.name,
                      fields={"object": w.ref, "container": c.name, "setting": setting,
                              "fraction": value, "threshold": threshold,
                              "free": round((1 - value) * 100, 1)},
                      evidence=[ev(setting, value, w.doc.path, line),
                                ev("rule threshold", threshold)])


def _nvidia_gpus(w: Workload) -> tuple[int, int]:
    """NVIDIA GPUs per pod (the only accelerator node-pool sizes are read in), and a line."""
    total, line = 0, w.line(*w.pod_path)
    for c in w.containers:
        for which in ("limits", "requests"):
            count = 0 if c.init else as_int(c.resources(which).get("nvidia.com/gpu")) or 0
            if count:
                total += count
                line = w.line(*c.path, "resources", which, "nvidia.com/gpu")
                break
    return total, line


def _pool_pods(pool: NodePool, per_pod: int) -> tuple[int, list[Evidence]] | None:
    """Most pods of `per_pod` GPUs a pool can bring up, with where its size is written.

    None when the size is unknown (a variable, an instance type with no GPU count).
    """
    doc = pool.doc
    if pool.gpu_limit:
        return pool.gpu_limit // per_pod, [
            ev(f"{pool.name} GPU limit", pool.gpu_limit, doc.path,
               doc.line_at("spec", "limits", "nvidia.com/gpu"))]
    if pool.max_nodes is None or not pool.gpus_per_node:
        return None
    # a pod never spans nodes: a node holds floor(GPUs per node / GPUs per pod) pods
    return pool.max_nodes * (pool.gpus_per_node // per_pod), [
        ev(f"{pool.name} max nodes", pool.max_nodes, doc.path, pool_max_line(pool)),
        per_node_evidence(pool)]


@dataclass
class PoolFit:
    """A GPU workload's ceiling against the pools it can schedule on, every size known."""

    replicas: int
    path: str
    line: int | None
    per_pod: int
    capacity: int  # pods of `per_pod` GPUs the pools can bring up together
    pools: list[NodePool]
    evidence: list[Evidence]


def _pool_fit(graph: PlatformGraph, w: Workload) -> PoolFit | None:
    """None when the workload asks for no GPU, has no ceiling, selects no pool of the tree, or
    a pool's size is unknown (unknown sizes make the sum a guess; no fitting node at all is a
    different failure)."""
    per_pod, gpu_line = _nvidia_gpus(w)
    ceiling = max_replicas(graph, w) if per_pod else None
    if ceiling is None:
        return None
    # only pools the workload selects by a label of their own bound it: with no selection it
    # may also land on pools written elsewhere, and the tree's ceiling proves nothing
    pools = graph.selected_pools(w)
    sizes = [size for size in (_pool_pods(p, per_pod) for p in pools) if size is not None]
    capacity = sum(pods for pods, _ in sizes)
    if not pools or len(sizes) < len(pools) or capacity == 0:
        return None
    replicas, path, line = ceiling
    evidence = [ev("maximum replicas", replicas, path, line),
                ev("GPUs per pod", per_pod, w.doc.path, gpu_line)]
    for _, pool_evidence in sizes:
        evidence.extend(pool_evidence)
    return PoolFit(replicas, path, line, per_pod, capacity, pools, evidence)


@check("node_pool_too_small", NoParams)
def node_pool_too_small(ctx: CheckContext[NoParams]) -> Iterator[Hit]:
    """The workload's own ceiling needs more GPU nodes than the pools that can host it allow."""
    for w in ctx.graph.workloads:
        fit = _pool_fit(ctx.graph, w)
        if fit is None or fit.replicas <= fit.capacity:
            continue
        yield Hit(subject=w.subject, path=fit.path, line=fit.line,
                  fields={"object": w.ref, "replicas": fit.replicas, "gpus": fit.per_pod,
                          "needed": fit.replicas * fit.per_pod, "capacity": fit.capacity,
                          "pools": ", ".join(p.name for p in fit.pools)},
                  evidence=fit.evidence)


def _surge(w: Workload, replicas: int) -> tuple[int, str, int]:
    """Extra pods a Deployment's rolling update starts at `replicas` (Kubernetes: maxSurge,
    default 25% rounded up; none for Recreate), the value as written and its line."""
    strategy = mapping(dig(w.doc.body, "spec", "strategy"))
    if strategy.get("type") == "Recreate":
        return 0, "Recreate", w.line("spec", "strategy", "type")
    written = dig(strategy, "rollingUpdate", "maxSurge")
    line = w.line("spec", "strategy", "rollingUpdate", "maxSurge")
    if written is None:
        written, line = "25% (Kubernetes' default)", w.line("spec")
    text = str(written).split(" ", 1)[0]
    if text.endswith("%") and text[:-1].isdigit():
        return math.ceil(replicas * int(text[:-1]) / 100), str(written), line
    return as_int(written) or 0, str(written), line


@check("no_surge_room_at_ceiling", NoParams)
def no_surge_room_at_ceiling(ctx: CheckContext[NoParams]) -> Iterator[Hit]:
    """The pools hold the workload's ceiling but not the pods a rolling update adds on top of
    it: a rollout at peak leaves its new pods Pending (and stalls when maxUnavailable is 0)."""
    for w in ctx.graph.workloads:
        if w.kind != "Deployment":
            continue
        fit = _pool_fit(ctx.graph, w)
        if fit is None or fit.replicas > fit.capacity:
            continue  # beyond capacity is HEAD006's
        surge, written, surge_line = _surge(w, fit.replicas)
        if not surge or fit.replicas + surge <= fit.capacity:
            continue
        yield Hit(subject=w.subject, path=fit.path, line=fit.line,
                  fields={"object": w.ref, "replicas": fit.replicas, "surge": surge,
                          "capacity": fit.capacity, "gpus": fit.per_pod,
                          "pools": ", ".join(p.name for p in fit.pools)},
                  evidence=[*fit.evidence,
                            ev("maxSurge", written, w.doc.path, surge_line)])


@check("hpa_missing_requests", NoParams)
def hpa_missing_requests(ctx: CheckContext[NoParams]) -> Iterator[Hit]:
    """Utilization is usage over request: with a request missing the HPA cannot compute it."""
    for w in ctx.graph.workloads:
        for scaler in ctx.graph.scalers_for(w):
            if scaler.kind != "HorizontalPodAutoscaler":
                continue
            for resource, target, line in utilization_targets(scaler):
                lacking = [c for c in w.containers if not c.init and not sets_resource(c, resource)]
                if not lacking:
                    continue
                yield Hit(subject=scaler.identity, path=scaler.path, line=line, detail=resource,
                          fields={"object": scaler.ref, "target": w.ref, "resource": resource,
                                  "containers": ", ".join(c.name for c in lacking)},
                          evidence=[ev(f"{resource} utilization target", target, scaler.path,
                                       line, "%"),
                                    *(ev(f"{c.name} requests.{resource}", "not set", w.doc.path,
                                         _container_line(w, c)) for c in lacking)])


@check("replicas_with_hpa", NoParams)
def replicas_with_hpa(ctx: CheckContext[NoParams]) -> Iterator[Hit]:
    """`spec.replicas` in Git fights the autoscaler: every apply or sync resets the count."""
    for w in ctx.graph.workloads:
        written = dig(w.doc.body, "spec", "replicas")
        if w.replicas_path != ("spec", "replicas") or written is None:
            continue
        scalers = ctx.graph.scalers_for(w)
        if not scalers:
            continue
        scaler = scalers[0]
        low, high = hpa_bounds(scaler)
        line = w.line("spec", "replicas")
        yield Hit(subject=w.subject, path=w.doc.path, line=line,
                  fields={"object": w.ref, "replicas": written, "scaler": scaler.ref,
                          "min": low, "max": high},
                  evidence=[ev("spec.replicas", written, w.doc.path, line),
                            ev(f"{scaler.ref} bounds", f"{low}–{high}", scaler.path,
                               scaler.line_at("spec"))])


@check("accelerators_removed", NoParams)
def accelerators_removed(ctx: CheckContext[NoParams]) -> Iterator[Hit]:
    """A serving container that requested accelerators before the change and requests none now.

    Only a review knows the base: the workload's role there comes in as `Workload.prior`.
    """
    for w in ctx.graph.workloads:
        if w.prior is None or not w.serving:
            continue
        for c in w.containers:
            if c.init or c.gpus or c.name not in w.prior.gpus:
                continue
            before, base_path, base_line = w.prior.gpus[c.name]
            line = w.line(*c.path, "resources") if "resources" in c.body else w.line(*c.path)
            yield Hit(subject=w.subject, path=w.doc.path, line=line, detail=c.name,
                      fields={"object": w.ref, "container": c.name, "before": before,
                              "image": c.image or "(no image)"},
                      evidence=[ev("GPUs requested before the change", before, base_path,
                                   base_line),
                                ev("GPUs requested", 0, w.doc.path, line)])


def _pool_ref(pool: NodePool) -> str:
    return f"{pool.doc.ref}[{pool.group}]" if pool.group else pool.doc.ref


def _values(pool: NodePool, key: str) -> str:
    return " or ".join(f"`{v}`" for v in pool.label_values(key))


def _where(pool: NodePool, key: str) -> str:
    at = pool.label_at(key)
    return f"{at.path}:{at.line}"


@check("node_selector_matches_no_pool", NoParams)
def node_selector_matches_no_pool(ctx: CheckContext[NoParams]) -> Iterator[Hit]:
    """A nodeSelector on labels the tree's node pools set, which no pool of the tree offers
    with those values, or only pools whose nodes refuse the pod (taint, no GPU).

    Only keys some pool of the tree sets count, or in a review set in the base (a label key
    the change renamed): any other key (a provider's label, one written in another repository)
    may be met by nodes defined elsewhere, so it proves nothing here.
    """
    pools = ctx.graph.node_pools
    owned_keys = {key for pool in pools for key in (*pool.labels, *pool.label_choices,
                                                    *(pool.prior.label_keys if pool.prior else ()))}
    for w in ctx.graph.workloads:
        selector = w.pod.get("nodeSelector")
        if not isinstance(selector, dict):
            continue
        owned = {str(k): label_value(v) for k, v in selector.items() if str(k) in owned_keys}
        if not owned:
            continue
        carrying = [p for p in pools if all(v in p.label_values(k) for k, v in owned.items())]
        refusals = [(p, pool_refusal(w, p)) for p in carrying]
        if any(reason is None for _, reason in refusals):
            continue
        line = w.line(*w.pod_path, "nodeSelector")
        evidence = [ev(f"nodeSelector {k}", v, w.doc.path, w.line(*w.pod_path, "nodeSelector", k))
                    for k, v in owned.items()]
        said = []
        for key in owned:
            setting = [p for p in pools if p.label_values(key)]
            if not setting:
                said.append(f"no pool of the tree sets `{key}` any more (" + ", ".join(
                    f"`{_pool_ref(p)}`" for p in pools
                    if p.prior and key in p.prior.label_keys) + " set it before this change)")
                continue
            said.append(f"the tree's pools set `{key}` to " + ", ".join(
                f"{_values(p, key)} (`{_pool_ref(p)}`, {_where(p, key)})" for p in setting))
            evidence += [ev(f"{_pool_ref(p)} label {key}", " or ".join(p.label_values(key)),
                            p.label_at(key).path, p.label_at(key).line) for p in setting]
        for pool, reason in refusals:
            said.append(f"`{_pool_ref(pool)}` carries those labels but {reason}")
            evidence.append(ev(f"{_pool_ref(pool)} refuses the pod", str(reason), pool.doc.path,
                               pool.doc.line))
        yield Hit(subject=w.subject, path=w.doc.path, line=line,
                  fields={"object": w.ref,
                          "selector": ", ".join(f"{k}={v}" for k, v in owned.items()),
                          "at": f"{w.doc.path}:{line}", "pools": "; ".join(said)},
                  evidence=evidence)
