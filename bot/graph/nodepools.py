"""Node pools that can host workloads: Terraform node groups and Karpenter NodePools."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.ingest.documents import Document
from bot.ingest.values import as_int


@dataclass
class NodePool:
    doc: Document
    min_nodes: int | None = None
    max_nodes: int | None = None
    max_nodes_key: tuple[Any, ...] = ()
    gpus_per_node: int | None = None
    gpu_limit: int | None = None  # Karpenter `limits` on GPUs across the pool
    labels: dict[str, str] = field(default_factory=dict)
    taints: list[str] = field(default_factory=list)  # keys
    zones: list[str] = field(default_factory=list)
    spot: bool | None = None
    machine: str = ""

    @property
    def gpu(self) -> bool:
        return bool(self.gpus_per_node) or bool(self.gpu_limit) or "gpu" in self.machine.lower()

    @property
    def name(self) -> str:
        return self.doc.name


def _first(value: Any) -> Any:
    """python-hcl2 gives nested blocks as one-item lists."""
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return value[0]
    return value


def _labels(value: Any) -> dict[str, str]:
    value = _first(value)
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


def node_pool_of(doc: Document) -> NodePool | None:
    body = doc.body if isinstance(doc.body, dict) else {}
    if doc.format == "terraform" and doc.kind == "aws_eks_node_group":
        scaling = _first(body.get("scaling_config")) or {}
        types = body.get("instance_types") or []
        taints = [str(_first(t).get("key")) for t in body.get("taint", []) or []
                  if isinstance(_first(t), dict)]
        return NodePool(doc, as_int(scaling.get("min_size")), as_int(scaling.get("max_size")),
                        ("scaling_config", "max_size"), None, None, _labels(body.get("labels")),
                        taints, [], str(body.get("capacity_type", "")).upper() == "SPOT",
                        ",".join(map(str, types)) if isinstance(types, list) else str(types))
    if doc.format == "terraform" and doc.kind == "google_container_node_pool":
        auto = _first(body.get("autoscaling")) or {}
        node = _first(body.get("node_config")) or {}
        accel = _first(node.get("guest_accelerator")) or {}
        taints = [str(_first(t).get("key")) for t in node.get("taint", []) or []
                  if isinstance(_first(t), dict)]
        max_nodes = as_int(auto.get("max_node_count")) or as_int(auto.get("total_max_node_count"))
        count = as_int(body.get("node_count"))
        locations = body.get("node_locations")
        return NodePool(doc, as_int(auto.get("min_node_count")) or count, max_nodes or count,
                        ("autoscaling", "max_node_count"), as_int(accel.get("count")), None,
                        _labels(node.get("labels")), taints,
                        [str(z) for z in locations] if isinstance(locations, list) else [],
                        bool(node.get("spot")) or bool(node.get("preemptible")),
                        str(node.get("machine_type", "")) + (
                            f" {accel.get('type')}" if accel.get("type") else ""))
    if doc.format == "terraform" and doc.kind == "azurerm_kubernetes_cluster_node_pool":
        listed = body.get("zones")
        return NodePool(doc, as_int(body.get("min_count")), as_int(body.get("max_count")),
                        ("max_count",), None, None, _labels(body.get("node_labels")),
                        [str(t).split("=")[0] for t in body.get("node_taints", []) or []],
                        [str(z) for z in listed] if isinstance(listed, list) else [],
                        str(body.get("priority", "")).lower() == "spot",
                        str(body.get("vm_size", "")))
    if doc.format == "k8s" and doc.kind == "NodePool" and doc.api_version.startswith("karpenter"):
        spec: dict[str, Any] = body["spec"] if isinstance(body.get("spec"), dict) else {}
        tpl: dict[str, Any] = spec.get("template", {}).get("spec", {}) \
            if isinstance(spec.get("template"), dict) else {}
        limits: dict[str, Any] = spec["limits"] if isinstance(spec.get("limits"), dict) else {}
        zones: list[str] = []
        spot = None
        for req in tpl.get("requirements", []) or []:
            if not isinstance(req, dict):
                continue
            if req.get("key") == "topology.kubernetes.io/zone":
                zones = [str(v) for v in req.get("values", []) or []]
            if req.get("key") == "karpenter.sh/capacity-type":
                spot = "spot" in (req.get("values") or [])
        taints = [str(t.get("key")) for t in tpl.get("taints", []) or [] if isinstance(t, dict)]
        gpu_limit = as_int(limits.get("nvidia.com/gpu"))
        labels = _labels(_first(spec.get("template", {}).get("metadata", {}).get("labels")
                                if isinstance(spec.get("template"), dict) else {}))
        return NodePool(doc, None, None, ("spec", "limits"), None, gpu_limit, labels, taints,
                        zones, spot, "karpenter")
    return None
