"""Readers of a workload's scaling as written: autoscaler bounds and targets, replica ceiling,
node-pool maximum — shared by the rule checks and the telemetry projections."""

from __future__ import annotations

from typing import Any

from bot.graph.nodepools import NodePool
from bot.graph.platform import PlatformGraph
from bot.graph.workloads import Workload
from bot.ingest.documents import Document
from bot.ingest.values import as_int, dig

RESOURCE_UTILIZATION_KEYS = ("resource", "target", "averageUtilization")


def hpa_bounds(doc: Document) -> tuple[int | None, int | None]:
    """(min, max) replicas of an HPA or KEDA ScaledObject; HPA min defaults to 1."""
    spec = doc.body.get("spec") if isinstance(doc.body.get("spec"), dict) else {}
    if doc.kind == "ScaledObject":
        low = as_int(spec.get("minReplicaCount"))
        return (0 if low is None else low), as_int(spec.get("maxReplicaCount"))
    low = as_int(spec.get("minReplicas"))
    return (1 if low is None else low), as_int(spec.get("maxReplicas"))


def utilization_targets(doc: Document) -> list[tuple[str, int, int]]:
    """(resource, target percent, line) for each resource-utilization target of an HPA.

    Reads `autoscaling/v2` metrics, the v2beta1 `targetAverageUtilization` and the v1
    `targetCPUUtilizationPercentage`.
    """
    spec = doc.body.get("spec") if isinstance(doc.body.get("spec"), dict) else {}
    targets: list[tuple[str, int, int]] = []
    legacy = as_int(spec.get("targetCPUUtilizationPercentage"))
    if legacy is not None:
        targets.append(("cpu", legacy, doc.line_at("spec", "targetCPUUtilizationPercentage")))
    for index, metric in enumerate(spec.get("metrics") or []):
        if dig(metric, "type") not in (None, "Resource"):
            continue  # ContainerResource, Pods, External: not the pod-level resource ratio
        name = dig(metric, "resource", "name")
        value = as_int(dig(metric, *RESOURCE_UTILIZATION_KEYS))
        keys: tuple[Any, ...] = RESOURCE_UTILIZATION_KEYS
        if value is None:
            value = as_int(dig(metric, "resource", "targetAverageUtilization"))
            keys = ("resource", "targetAverageUtilization")
        if name is not None and value is not None:
            targets.append((str(name), value, doc.line_at("spec", "metrics", index, *keys)))
    return targets


def max_replicas(graph: PlatformGraph, w: Workload) -> tuple[int, str, int] | None:
    """The most replicas the workload may run, and where that number is written.

    An autoscaler's ceiling wins; a KServe predictor's `maxReplicas` next; a fixed
    `spec.replicas` last. None when no ceiling is written down.
    """
    for scaler in graph.scalers_for(w):
        _, high = hpa_bounds(scaler)
        if high is not None:
            key = "maxReplicaCount" if scaler.kind == "ScaledObject" else "maxReplicas"
            return high, scaler.path, scaler.line_at("spec", key)
    if w.kind == "InferenceService":
        high = as_int(dig(w.doc.body, "spec", "predictor", "maxReplicas"))
        if high:  # 0 means "no limit" to KServe
            return high, w.doc.path, w.line("spec", "predictor", "maxReplicas")
        return None
    if w.replicas is not None and w.replicas_path:
        return w.replicas, w.doc.path, w.line(*w.replicas_path)
    return None


def pool_max_line(pool: NodePool) -> int:
    """Line of a node pool's node maximum (a fixed `node_count` stands in on GKE)."""
    doc = pool.doc
    if doc.format != "terraform":
        return doc.line_at(*pool.max_nodes_key)
    for key in (pool.max_nodes_key[-1], "total_max_node_count", "node_count"):
        if key in doc.text_lines:
            return doc.text_lines[key]
    return doc.line
