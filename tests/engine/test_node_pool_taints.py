"""Which node pools a workload can land on: a taint keeps it off only when its effect does.

`PreferNoSchedule` asks the scheduler to avoid the node and still lets a pod that does not
tolerate it run there when nothing else fits; `NoSchedule` and `NoExecute` keep it off. Each
provider writes the effect its own way.
"""

from __future__ import annotations

import pytest

from bot.config import AriaConfig
from bot.engine import ingest, platform_graph
from bot.ingest.source import MemorySource

WORKLOAD = b"""apiVersion: apps/v1
kind: Deployment
metadata: {name: embedder, namespace: search}
spec:
  replicas: 2
  selector: {matchLabels: {app: embedder}}
  template:
    metadata: {labels: {app: embedder}}
    spec:
      nodeSelector: {workload-class: batch}
      containers: [{name: main, image: "registry.example.com/embedder:2.1.0"}]
"""

EKS = """resource "aws_eks_node_group" "batch" {{
  cluster_name    = "search"
  node_group_name = "batch"
  instance_types  = ["m6i.2xlarge"]
  labels          = {{ "workload-class" = "batch" }}
  scaling_config {{
    min_size     = 1
    max_size     = 6
    desired_size = 2
  }}
  taint {{
    key    = "dedicated"
    value  = "batch"
    effect = "{effect}"
  }}
}}
"""

GKE = """resource "google_container_node_pool" "batch" {{
  name    = "batch"
  cluster = "search"
  autoscaling {{
    min_node_count = 1
    max_node_count = 6
  }}
  node_config {{
    machine_type = "n2-standard-8"
    labels       = {{ "workload-class" = "batch" }}
    taint {{
      key    = "dedicated"
      value  = "batch"
      effect = "{effect}"
    }}
  }}
}}
"""

AKS = """resource "azurerm_kubernetes_cluster_node_pool" "batch" {{
  name                  = "batch"
  kubernetes_cluster_id = "cluster"
  vm_size               = "Standard_D8s_v5"
  node_count            = 2
  node_labels           = {{ "workload-class" = "batch" }}
  node_taints           = ["dedicated=batch:{effect}"]
}}
"""

KARPENTER = """apiVersion: karpenter.sh/v1
kind: NodePool
metadata: {{name: batch}}
spec:
  template:
    metadata: {{labels: {{workload-class: batch}}}}
    spec:
      nodeClassRef: {{group: karpenter.k8s.aws, kind: EC2NodeClass, name: default}}
      taints: [{{key: dedicated, value: batch, effect: {effect}}}]
      requirements:
        - {{key: karpenter.sh/capacity-type, operator: In, values: [on-demand]}}
"""

EKSCTL_LIST = """apiVersion: eksctl.io/v1alpha5
kind: ClusterConfig
metadata: {{name: search, region: eu-west-1}}
managedNodeGroups:
  - name: batch
    instanceType: m6i.2xlarge
    minSize: 1
    maxSize: 6
    labels: {{workload-class: batch}}
    taints: [{{key: dedicated, value: batch, effect: {effect}}}]
"""

EKSCTL_MAP = """apiVersion: eksctl.io/v1alpha5
kind: ClusterConfig
metadata: {{name: search, region: eu-west-1}}
nodeGroups:
  - name: batch
    instanceType: m6i.2xlarge
    minSize: 1
    maxSize: 6
    labels: {{workload-class: batch}}
    taints: {{dedicated: "batch:{effect}"}}
"""

# (file, template, the soft effect as the provider spells it, a hard one)
PROVIDERS = [
    ("infra/eks.tf", EKS, "PREFER_NO_SCHEDULE", "NO_SCHEDULE"),
    ("infra/gke.tf", GKE, "PREFER_NO_SCHEDULE", "NO_EXECUTE"),
    ("infra/aks.tf", AKS, "PreferNoSchedule", "NoSchedule"),
    ("cluster/nodepool.yaml", KARPENTER, "PreferNoSchedule", "NoSchedule"),
    ("cluster/eksctl.yaml", EKSCTL_LIST, "PreferNoSchedule", "NoExecute"),
    ("cluster/eksctl.yaml", EKSCTL_MAP, "PreferNoSchedule", "NoSchedule"),
]


def _pools_for_workload(path: str, pool: str) -> list[str]:
    config = AriaConfig()
    graph = platform_graph(ingest(MemorySource({
        "apps/embedder.yaml": WORKLOAD, path: pool.encode()}), config), config)
    [workload] = graph.workloads
    assert graph.node_pools, "the pool was not recognised"
    return [p.name for p in graph.node_pools_for(workload)]


@pytest.mark.parametrize(("path", "template", "soft", "hard"), PROVIDERS,
                         ids=["eks", "gke", "aks", "karpenter", "eksctl-list", "eksctl-map"])
def test_only_a_hard_taint_keeps_an_untolerating_workload_off(path, template, soft, hard):
    assert _pools_for_workload(path, template.format(effect=soft)), \
        f"a {soft} taint does not keep the pods off"
    assert _pools_for_workload(path, template.format(effect=hard)) == [], \
        f"a {hard} taint keeps pods that do not tolerate it off"
