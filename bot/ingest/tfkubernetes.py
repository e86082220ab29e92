"""Kubernetes objects written in Terraform (`kubernetes_deployment` …), read as manifests.

The Terraform kubernetes provider spells each object's fields in snake_case, writes nested
objects as blocks (python-hcl2 gives a block as a list of one mapping per occurrence) and lists
of objects as repeated singular blocks (`container { … } container { … }`). Translated back to
the manifest the provider sends to the API server, the same rules apply to both spellings. Only
typed resources with a fixed schema are read; `kubernetes_manifest` values are usually
`yamldecode(templatefile(…))`, which is not in the file.
"""

from __future__ import annotations

from typing import Any

from bot.ingest.documents import Document

# Terraform type (either provider version) -> apiVersion and kind of the object it creates
KINDS: dict[str, tuple[str, str]] = {
    "kubernetes_deployment": ("apps/v1", "Deployment"),
    "kubernetes_stateful_set": ("apps/v1", "StatefulSet"),
    "kubernetes_daemonset": ("apps/v1", "DaemonSet"),
    "kubernetes_daemon_set": ("apps/v1", "DaemonSet"),
    "kubernetes_job": ("batch/v1", "Job"),
    "kubernetes_cron_job": ("batch/v1", "CronJob"),
    "kubernetes_service": ("v1", "Service"),
    "kubernetes_pod_disruption_budget": ("policy/v1", "PodDisruptionBudget"),
    "kubernetes_horizontal_pod_autoscaler": ("autoscaling/v2", "HorizontalPodAutoscaler"),
}

# Repeated singular blocks -> the list field they fill in the manifest
LISTS = {
    "container": "containers", "init_container": "initContainers", "port": "ports",
    "env": "env", "env_from": "envFrom", "volume": "volumes", "volume_mount": "volumeMounts",
    "toleration": "tolerations", "topology_spread_constraint": "topologySpreadConstraints",
    "image_pull_secrets": "imagePullSecrets", "host_aliases": "hostAliases",
    "match_expressions": "matchExpressions", "node_selector_term": "nodeSelectorTerms",
    "readiness_gate": "readinessGates", "metric": "metrics",
    "preferred_during_scheduling_ignored_during_execution":
        "preferredDuringSchedulingIgnoredDuringExecution",
}
# Blocks that are lists in the manifest where their name is already plural in Terraform
POD_AFFINITY = frozenset({"pod_affinity", "pod_anti_affinity"})
REQUIRED = "required_during_scheduling_ignored_during_execution"


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _value(value: Any, name: str, parent: str) -> Any:
    """A Terraform value as the manifest writes it; `name` is its field, `parent` the block's."""
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        blocks = [_block(v, name) for v in value]
        listed = name in LISTS or (name == REQUIRED and parent in POD_AFFINITY)
        return blocks if listed or len(blocks) > 1 else blocks[0]
    return value  # scalars, attribute lists, and maps (`labels = {…}`, `limits = {…}`) as written


def _block(body: dict[str, Any], name: str) -> dict[str, Any]:
    return {LISTS.get(key, _camel(key)): _value(value, key, name) for key, value in body.items()}


def kubernetes_object(doc: Document) -> Document | None:
    """The manifest a Terraform `kubernetes_*` resource creates, as a Kubernetes document."""
    if doc.format != "terraform":  # asked of every document of a tree: the cheap test first
        return None
    kind = KINDS.get(doc.kind.removesuffix("_v1").removesuffix("_v2"))
    if kind is None or not isinstance(doc.body, dict):
        return None
    api_version, object_kind = kind
    body = {"apiVersion": api_version, "kind": object_kind, **_block(doc.body, "")}
    metadata = body.get("metadata")
    if not isinstance(metadata, dict) or not isinstance(metadata.get("name"), str):
        return None
    namespace = metadata.get("namespace")
    if not isinstance(namespace, str) or "${" in namespace:
        namespace = ""  # set at plan time (`var.namespace`): matched like an unset namespace
    lines = {_camel(k): v for k, v in doc.text_lines.items()}
    lines.update({LISTS[k]: v for k, v in doc.text_lines.items() if k in LISTS})
    return Document(format="k8s", kind=object_kind, name=metadata["name"], path=doc.path,
                    line=doc.line, end_line=doc.end_line, body=body,
                    namespace=namespace,
                    api_version=api_version, text_lines=lines)
