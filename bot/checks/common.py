"""Small readers shared by check functions."""

from __future__ import annotations

from typing import Any

from bot.findings import Evidence, at
from bot.graph.nodepools import NodePool
from bot.graph.platform import PlatformGraph
from bot.graph.scaling import hpa_bounds
from bot.graph.workloads import Container, Workload
from bot.ingest.documents import Document
from bot.ingest.values import as_int, dig

__all__ = ["as_int", "dig"]  # re-exported for check modules


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


def per_node_evidence(pool: NodePool) -> Evidence:
    """A pool's accelerators per node, citing where the instance type is written and the
    catalogue source its count comes from (or the `guest_accelerator` block that states it)."""
    known = {i.name: i for i in pool.instances}
    basis = "; ".join(f"{i.name}: {i.label} ({i.source})" for i in known.values())
    written = pool.gpus_at
    return Evidence(label=f"{pool.name} accelerators per node" + (f" [{basis}]" if basis else ""),
                    value=pool.gpus_per_node,
                    location=at(written.path, written.line) if written else None)


def capacity_evidence(pool: NodePool) -> Evidence:
    """The setting that decides whether a pool buys spot or on-demand capacity, as written (or
    the provider's default when it is not)."""
    body, doc = pool.doc.body, pool.doc
    keys: tuple[Any, ...] = ()
    label, value = "karpenter.sh/capacity-type", "not set (on-demand)"
    if doc.kind == "aws_eks_node_group":
        label, value, keys = "capacity_type", body.get("capacity_type", "not set (ON_DEMAND)"), \
            ("capacity_type",)
    elif doc.kind == "google_container_node_pool":
        node = body.get("node_config")
        node = node[0] if isinstance(node, list) and node else {}
        written = next((k for k in ("spot", "preemptible") if k in node), None)
        label, value, keys = f"node_config.{written or 'spot'}", \
            node.get(written, "not set (on-demand)") if written else "not set (on-demand)", \
            (written or "node_config",)
    elif doc.kind == "azurerm_kubernetes_cluster_node_pool":
        label, value, keys = "priority", body.get("priority", "not set (Regular)"), ("priority",)
    elif doc.kind == "ClusterConfig":
        label, value = f"{pool.group} spot", "true" if pool.spot else "not set (on-demand)"
        keys = (pool.max_nodes_key[0], pool.max_nodes_key[1], "spot")
    else:
        reqs = dig(body, "spec", "template", "spec", "requirements") or []
        for index, req in enumerate(reqs):
            if isinstance(req, dict) and req.get("key") == "karpenter.sh/capacity-type":
                value = ",".join(map(str, req.get("values") or []))
                keys = ("spec", "template", "spec", "requirements", index)
    line = source_line(doc, *keys) if keys else doc.line
    return Evidence(label=label, value=value if isinstance(value, str | int | bool) else
                    str(value), location=at(doc.path, line))


def is_interactive(w: Workload) -> bool:
    return w.serving and not w.batch


# --- readers for the lock-in, security, cost, observability and serving packs ---------------

def mapping(value: Any) -> dict[str, Any]:
    """The value when it is a mapping, else an empty one (manifests hold nulls and lists)."""
    return value if isinstance(value, dict) else {}


def metadata_annotations(doc: Document) -> dict[str, Any]:
    return mapping(dig(doc.body, "metadata", "annotations"))


def pod_annotations_path(w: Workload) -> tuple[Any, ...]:
    """Key path of the annotations that reach the pods (the template's, or the object's own)."""
    if w.pod_path[-1:] == ("spec",):
        return (*w.pod_path[:-1], "metadata", "annotations")
    return ("metadata", "annotations")  # KServe predictors take the InferenceService's


def prefixed(key: str, prefixes: dict[str, list[str]]) -> str | None:
    """The group (e.g. cloud provider) whose prefix list matches the key, if any."""
    for group, starts in prefixes.items():
        if any(key.startswith(str(s)) for s in starts or []):
            return group
    return None


def selector_matches(selector: Any, labels: dict[str, str]) -> bool:
    """A label selector (matchLabels / matchExpressions or a bare map) against labels."""
    from bot.graph.platform import _selects  # one selector semantics for graph and checks

    return _selects(selector, labels)


def hcl_block(value: Any) -> dict[str, Any]:
    """A nested Terraform block: python-hcl2 gives it as a one-item list."""
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return value[0]
    return mapping(value)


def security_setting(w: Workload, container: Container, key: str
                     ) -> tuple[Any, tuple[Any, ...] | None]:
    """A securityContext field as the kubelet applies it: the container's, else the pod's.

    Returns the value and its key path in the document (None when neither sets it).
    """
    for path in ((*container.path, "securityContext"), (*w.pod_path, "securityContext")):
        context = dig(w.doc.body, *path)
        if isinstance(context, dict) and key in context:
            return context[key], (*path, key)
    return None, None


def serving_containers(w: Workload, images: tuple[str, ...]) -> list[Container]:
    """The containers of a serving workload that run the model server.

    A container counts when it runs a known server, uses a configured serving image or
    requests accelerators; otherwise the first app container stands in (sidecars come later).
    """
    from bot.ingest.serverflags import detect_server

    app = [c for c in w.containers if not c.init]
    if not w.serving or not app:
        return []
    found = [c for c in app if c.accelerated or detect_server(c.image, c.argv)
             or any(hint in c.image.lower() for hint in images)]
    return found or app[:1]


def gpu_line(w: Workload, c: Container) -> int:
    """Line of the container's accelerator limit (else request, else the container itself)."""
    return w.gpu_line(c)


# --- readers for the headroom, spof and rbac packs ------------------------------------------

def is_replicated_server(w: Workload) -> bool:
    """Interactive serving run by a controller that keeps N copies.

    A bare Pod is a one-off (often a test or debug pod), a DaemonSet runs one per node and a
    Ray head is unique by design: replica and spread rules do not apply to them. Neither do
    kustomize patches, which hold only the fields they change.
    """
    return (is_interactive(w) and w.kind not in ("Pod", "DaemonSet") and w.group != "head"
            and not is_patch_fragment(w))


def is_available_server(w: Workload) -> bool:
    """A replicated server whose availability matters: not the target of a benchmark harness,
    whose replicas and probes are parameters of the benchmark."""
    return is_replicated_server(w) and not w.benchmark


def is_patch_fragment(w: Workload) -> bool:
    """An apps/v1 workload with no `spec.selector` cannot be applied as is.

    apps/v1 requires the selector, so such a document is a kustomize patch (or a fragment)
    that is merged into the real object elsewhere.
    """
    return w.doc.api_version.startswith("apps/") and dig(w.doc.body, "spec", "selector") is None


def source_line(doc: Document, *keys: Any) -> int:
    """Line of a nested key in any format; Terraform and pbtxt keep a line per field name."""
    if doc.format in ("terraform", "triton"):
        for key in reversed(keys):
            if isinstance(key, str) and key in doc.text_lines:
                return doc.text_lines[key]
        return doc.line
    return doc.line_at(*keys)


def sets_resource(c: Container, resource: str) -> bool:
    """Whether the scheduler sees a request for the resource (a limit alone implies one)."""
    return resource in c.resources("requests") or resource in c.resources("limits")


def flag_line(w: Workload, c: Container, flag: str) -> int:
    """Line of the command/args element that carries a server flag (either spelling)."""
    spellings = (flag, flag.replace("-", "_"))
    for key in ("command", "args"):
        items = c.body.get(key)
        if isinstance(items, str):
            items = [items]
        for index, item in enumerate(items if isinstance(items, list) else []):
            if any(f"--{s}" in str(item) for s in spellings):
                path = (*c.path, key, index) if isinstance(c.body.get(key), list) else \
                    (*c.path, key)
                return w.line(*path)
    return w.line(*c.path)
