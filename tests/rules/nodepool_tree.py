"""Builders for the node-pool / workload trees the blind HEAD014 tests audit and review.

Each builder returns the text of one file as a platform team would commit it: Terraform for
EKS, GKE and AKS pools, eksctl and Karpenter YAML, and Kubernetes workloads. `Taint` is written
once in Kubernetes terms and translated to each provider's spelling, so a case states intent
(which label, which taint) rather than syntax.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]

# Kubernetes effect -> the constant the Terraform providers for EKS and GKE expect.
_TF_EFFECT = {"NoSchedule": "NO_SCHEDULE", "NoExecute": "NO_EXECUTE",
              "PreferNoSchedule": "PREFER_NO_SCHEDULE"}


@dataclass(frozen=True)
class Taint:
    key: str
    value: str
    effect: str = "NoSchedule"


def _hcl_map(attr: str, labels: dict[str, str], indent: str) -> str:
    rows = "".join(f'{indent}  "{k}" = "{v}"\n' for k, v in labels.items())
    return f"{indent}{attr} = {{\n{rows}{indent}}}\n"


def _hcl_taints(taints: tuple[Taint, ...], indent: str) -> str:
    return "".join(
        f"{indent}taint {{\n"
        f'{indent}  key    = "{t.key}"\n'
        f'{indent}  value  = "{t.value}"\n'
        f'{indent}  effect = "{_TF_EFFECT[t.effect]}"\n'
        f"{indent}}}\n"
        for t in taints
    )


def eks_node_group(name: str, labels: dict[str, str], *, instance_type: str = "m6i.2xlarge",
                   taints: tuple[Taint, ...] = ()) -> str:
    return (
        f'resource "aws_eks_node_group" "{name.replace("-", "_")}" {{\n'
        f"  cluster_name    = aws_eks_cluster.ml.name\n"
        f'  node_group_name = "{name}"\n'
        f"  node_role_arn   = aws_iam_role.eks_nodes.arn\n"
        f"  subnet_ids      = var.private_subnet_ids\n"
        f'  instance_types  = ["{instance_type}"]\n'
        f'  capacity_type   = "ON_DEMAND"\n'
        f"\n"
        f"  scaling_config {{\n"
        f"    desired_size = 2\n"
        f"    min_size     = 1\n"
        f"    max_size     = 6\n"
        f"  }}\n"
        f"\n"
        + _hcl_map("labels", labels, "  ")
        + _hcl_taints(taints, "  ")
        + "}\n"
    )


def gke_node_pool(name: str, labels: dict[str, str], *, machine_type: str = "n2-standard-8",
                  accelerator: str | None = None, taints: tuple[Taint, ...] = ()) -> str:
    gpu = (f"    guest_accelerator {{\n"
           f'      type  = "{accelerator}"\n'
           f"      count = 1\n"
           f"    }}\n") if accelerator else ""
    return (
        f'resource "google_container_node_pool" "{name.replace("-", "_")}" {{\n'
        f'  name     = "{name}"\n'
        f"  cluster  = google_container_cluster.ml.id\n"
        f'  location = "europe-west4"\n'
        f"\n"
        f"  autoscaling {{\n"
        f"    min_node_count = 0\n"
        f"    max_node_count = 4\n"
        f"  }}\n"
        f"\n"
        f"  node_config {{\n"
        f'    machine_type = "{machine_type}"\n'
        f"    disk_size_gb = 200\n"
        + _hcl_map("labels", labels, "    ")
        + gpu
        + _hcl_taints(taints, "    ")
        + "  }\n}\n"
    )


def aks_node_pool(name: str, labels: dict[str, str], *, vm_size: str = "Standard_D8s_v5",
                  taints: tuple[Taint, ...] = ()) -> str:
    node_taints = ", ".join(f'"{t.key}={t.value}:{t.effect}"' for t in taints)
    return (
        f'resource "azurerm_kubernetes_cluster_node_pool" "{name}" {{\n'
        f'  name                  = "{name}"\n'
        f"  kubernetes_cluster_id = azurerm_kubernetes_cluster.ml.id\n"
        f'  vm_size               = "{vm_size}"\n'
        f"  enable_auto_scaling   = true\n"
        f"  min_count             = 1\n"
        f"  max_count             = 5\n"
        + _hcl_map("node_labels", labels, "  ")
        + (f"  node_taints = [{node_taints}]\n" if taints else "")
        + "}\n"
    )


def _k8s_taints(taints: tuple[Taint, ...]) -> list[dict[str, str]]:
    return [{"key": t.key, "value": t.value, "effect": t.effect} for t in taints]


@dataclass(frozen=True)
class EksctlGroup:
    name: str
    labels: dict[str, str]
    instance_type: str = "m6i.xlarge"
    taints: tuple[Taint, ...] = ()


def eksctl_cluster(*, managed: tuple[EksctlGroup, ...] = (),
                   unmanaged: tuple[EksctlGroup, ...] = ()) -> str:
    def group(g: EksctlGroup) -> dict[str, Any]:
        out: dict[str, Any] = {"name": g.name, "instanceType": g.instance_type,
                               "minSize": 1, "maxSize": 5, "desiredCapacity": 2,
                               "privateNetworking": True, "labels": dict(g.labels)}
        if g.taints:
            out["taints"] = _k8s_taints(g.taints)
        return out

    doc: dict[str, Any] = {
        "apiVersion": "eksctl.io/v1alpha5",
        "kind": "ClusterConfig",
        "metadata": {"name": "ml-platform", "region": "eu-west-1", "version": "1.30"},
    }
    if unmanaged:
        doc["nodeGroups"] = [group(g) for g in unmanaged]
    if managed:
        doc["managedNodeGroups"] = [group(g) for g in managed]
    return yaml.safe_dump(doc, sort_keys=False)


def karpenter_node_pool(name: str, labels: dict[str, str], *,
                        taints: tuple[Taint, ...] = ()) -> str:
    template_spec: dict[str, Any] = {
        "nodeClassRef": {"group": "karpenter.k8s.aws", "kind": "EC2NodeClass",
                         "name": "default"},
        "requirements": [
            {"key": "karpenter.sh/capacity-type", "operator": "In",
             "values": ["spot", "on-demand"]},
            {"key": "karpenter.k8s.aws/instance-category", "operator": "In",
             "values": ["c", "m", "r"]},
        ],
    }
    if taints:
        template_spec["taints"] = _k8s_taints(taints)
    doc = {
        "apiVersion": "karpenter.sh/v1",
        "kind": "NodePool",
        "metadata": {"name": name},
        "spec": {
            "template": {"metadata": {"labels": dict(labels)}, "spec": template_spec},
            "limits": {"cpu": "400"},
            "disruption": {"consolidationPolicy": "WhenEmptyOrUnderutilized",
                           "consolidateAfter": "5m"},
        },
    }
    return yaml.safe_dump(doc, sort_keys=False)


def toleration(key: str, value: str | None = None, effect: str = "NoSchedule") -> dict[str, str]:
    """`Equal` toleration when a value is given, `Exists` on the key otherwise."""
    if value is None:
        return {"key": key, "operator": "Exists", "effect": effect}
    return {"key": key, "operator": "Equal", "value": value, "effect": effect}


TOLERATE_EVERYTHING: dict[str, str] = {"operator": "Exists"}


def workload(kind: str, name: str, *, namespace: str = "ml",
             node_selector: dict[str, str] | None = None,
             tolerations: tuple[dict[str, str], ...] = (), gpus: int = 0,
             affinity: dict[str, Any] | None = None,
             image: str | None = None) -> str:
    """One workload of `kind` whose pod spec carries the given scheduling constraints."""
    resources: dict[str, Any] = {"requests": {"cpu": "2", "memory": "4Gi"},
                                 "limits": {"memory": "4Gi"}}
    if gpus:
        resources["limits"]["nvidia.com/gpu"] = gpus
    pod_spec: dict[str, Any] = {}
    if node_selector is not None:
        pod_spec["nodeSelector"] = dict(node_selector)
    if tolerations:
        pod_spec["tolerations"] = [dict(t) for t in tolerations]
    if affinity is not None:
        pod_spec["affinity"] = affinity
    pod_spec["containers"] = [{
        "name": name,
        "image": image or f"registry.internal.example.com/ml/{name}:2.3.1",
        "resources": resources,
    }]
    labels = {"app.kubernetes.io/name": name}
    template = {"metadata": {"labels": labels}, "spec": pod_spec}
    if kind in ("Job", "CronJob"):
        pod_spec["restartPolicy"] = "OnFailure"
        job_spec: dict[str, Any] = {"backoffLimit": 2, "template": template}
        spec: dict[str, Any] = (
            {"schedule": "15 2 * * *", "concurrencyPolicy": "Forbid",
             "jobTemplate": {"spec": job_spec}} if kind == "CronJob" else job_spec)
        api = "batch/v1"
    else:
        spec = {"selector": {"matchLabels": labels}, "template": template}
        if kind != "DaemonSet":
            spec = {"replicas": 3, **spec}
        if kind == "StatefulSet":
            spec = {"serviceName": name, **spec}
        api = "apps/v1"
    doc = {"apiVersion": api, "kind": kind,
           "metadata": {"name": name, "namespace": namespace}, "spec": spec}
    return yaml.safe_dump(doc, sort_keys=False)


def multi_doc(*docs: str) -> str:
    return "---\n".join(docs)


def write_tree(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def _aria(*args: str) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, "-m", "bot.cli", *args, "--format", "json", "--fail-on", "never"],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    result: dict[str, Any] = json.loads(proc.stdout)
    return result


def audit_findings(root: Path, rule: str) -> list[dict[str, Any]]:
    """Active (unsuppressed) findings of `rule` in an `aria audit` of the tree."""
    found = _aria("audit", str(root))["findings"]
    return [f for f in found if f["rule_id"] == rule and not f.get("suppressed")]


def review_findings(base: Path, head: Path, rule: str) -> list[dict[str, Any]]:
    """Findings of `rule` in an `aria review` of base -> head, every status included."""
    found = _aria("review", str(base), str(head))["findings"]
    return [f for f in found if f["rule_id"] == rule and not f.get("suppressed")]
