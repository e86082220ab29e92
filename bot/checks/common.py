"""Small readers shared by check functions."""

from __future__ import annotations

from typing import Any

from bot.graph.platform import PlatformGraph
from bot.graph.workloads import Workload
from bot.ingest.documents import Document


def dig(node: Any, *keys: Any) -> Any:
    for key in keys:
        if isinstance(node, dict):
            node = node.get(key)
        elif isinstance(node, list) and isinstance(key, int) and -len(node) <= key < len(node):
            node = node[key]
        else:
            return None
    return node


def as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None


def hpa_bounds(doc: Document) -> tuple[int | None, int | None]:
    """(min, max) replicas of an HPA or KEDA ScaledObject; HPA min defaults to 1."""
    spec = doc.body.get("spec") if isinstance(doc.body.get("spec"), dict) else {}
    if doc.kind == "ScaledObject":
        low = as_int(spec.get("minReplicaCount"))
        return (0 if low is None else low), as_int(spec.get("maxReplicaCount"))
    low = as_int(spec.get("minReplicas"))
    return (1 if low is None else low), as_int(spec.get("maxReplicas"))


def min_replicas(graph: PlatformGraph, w: Workload) -> tuple[int, str, int | None, Document]:
    """The fewest replicas the workload may run, and where that number is written.

    Returns (value, path, line, document holding it). An HPA's floor wins over
    `spec.replicas`, which the HPA overwrites.
    """
    for scaler in graph.scalers_for(w):
        low, _ = hpa_bounds(scaler)
        if low is not None:
            key = "minReplicaCount" if scaler.kind == "ScaledObject" else "minReplicas"
            return low, scaler.path, scaler.line_at("spec", key), scaler
    if w.replicas is not None:
        return w.replicas, w.doc.path, w.line(*w.replicas_path), w.doc
    # unset replicas default to 1 (Deployment/StatefulSet; KServe minReplicas default is 1)
    return 1, w.doc.path, w.line("spec"), w.doc


def is_interactive(w: Workload) -> bool:
    return w.serving and not w.batch
