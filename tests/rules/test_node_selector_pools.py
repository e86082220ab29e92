"""HEAD014: a workload's nodeSelector names a label the repository's node pools set, and no pool
of the repository offers the selected value (or only pools whose nodes refuse the pod)."""

from __future__ import annotations

from tests.conftest import findings_for, review_of

EKS_POOL = """\
resource "aws_eks_node_group" "gpu" {{
  cluster_name    = "ml-prod"
  node_group_name = "gpu-inference"
  node_role_arn   = "arn:aws:iam::412381957734:role/ml-prod-node"
  subnet_ids      = ["subnet-0a3f9c1e7b2d45a01", "subnet-0b7e2d4c9a1f36b02"]
  instance_types  = ["{instance}"]

  scaling_config {{
    desired_size = 2
    min_size     = 1
    max_size     = 4
  }}

  labels = {{
    pool = "{pool}"
  }}
{taint}}}
"""
DEDICATED_TAINT = """
  taint {
    key    = "dedicated"
    value  = "inference"
    effect = "NO_SCHEDULE"
  }
"""


def eks_pool(pool: str = "inference", instance: str = "g5.2xlarge", taint: str = "") -> str:
    return EKS_POOL.format(pool=pool, instance=instance, taint=taint)


DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {{name: chat, namespace: serving}}
spec:
  replicas: 2
  selector: {{matchLabels: {{app: chat}}}}
  template:
    metadata: {{labels: {{app: chat}}}}
    spec:
      nodeSelector:
{selector}
      tolerations:
        - {{key: nvidia.com/gpu, operator: Exists, effect: NoSchedule}}
      containers:
        - name: vllm
          image: vllm/vllm-openai:v0.6.3
          args: [--model, meta-llama/Llama-3.1-8B-Instruct]
          resources:
            limits: {{nvidia.com/gpu: {gpus}}}
"""


def deployment(*pairs: str, gpus: int = 1) -> str:
    return DEPLOYMENT.format(selector="\n".join(f"        {p}" for p in pairs), gpus=gpus)


def head014(files: dict[str, str]) -> list:
    return findings_for(files, rule="HEAD014")


# --- Terraform EKS node group -------------------------------------------------------------------

def test_selector_on_a_renamed_pool_label_fires_with_the_pools_values():
    found = head014({"terraform/eks.tf": eks_pool("inference-v2"),
                     "k8s/chat.yaml": deployment("pool: inference")})
    assert [(f.subject, f.severity.value) for f in found] == [("Deployment/serving/chat",
                                                               "warning")]
    f = found[0]
    assert (f.location.path, f.location.line) == ("k8s/chat.yaml", 10)
    assert "`pool=inference`" in f.message and "(k8s/chat.yaml:10)" in f.message
    assert ("the tree's pools set `pool` to `inference-v2` (`aws_eks_node_group.gpu`, "
            "terraform/eks.tf:14)") in f.message
    labels = {e.label: (e.value, e.location.line if e.location else None) for e in f.evidence}
    assert labels["nodeSelector pool"] == ("inference", 11)  # the key's own line
    assert labels["aws_eks_node_group.gpu label pool"] == ("inference-v2", 14)


def test_selector_a_pool_sets_passes():
    assert head014({"terraform/eks.tf": eks_pool("inference"),
                    "k8s/chat.yaml": deployment("pool: inference")}) == []


def test_keys_no_pool_of_the_tree_sets_are_ignored():
    pool = {"terraform/eks.tf": eks_pool("inference")}
    for pairs in (["kubernetes.io/os: linux"], ["eks.amazonaws.com/nodegroup: gpu-inference-v2"],
                  ["karpenter.sh/capacity-type: spot"],
                  ["node.kubernetes.io/instance-type: g6.xlarge"],
                  ["topology.kubernetes.io/zone: us-east-1a"], ["team: search"]):
        assert head014({**pool, "k8s/chat.yaml": deployment(*pairs)}) == [], pairs
    # an unowned key beside an owned one that matches: the pool is the match
    assert head014({**pool, "k8s/chat.yaml": deployment("kubernetes.io/os: linux",
                                                        "team: search", "pool: inference")}) == []
    # ... and one that does not: only the owned key is reported
    found = head014({**pool, "k8s/chat.yaml": deployment("kubernetes.io/os: linux",
                                                         "pool: inference-v3")})
    assert len(found) == 1 and "`pool=inference-v3`" in found[0].message
    assert "kubernetes.io/os" not in found[0].message


def test_no_node_pool_in_the_tree_no_selector_or_affinity_alone_pass():
    assert head014({"k8s/chat.yaml": deployment("pool: inference")}) == []
    bare = deployment("pool: inference").replace("      nodeSelector:\n        pool: inference\n",
                                                 "")
    assert "nodeSelector" not in bare
    assert head014({"terraform/eks.tf": eks_pool("inference-v2"), "k8s/chat.yaml": bare}) == []
    affinity = bare.replace("      tolerations:", """\
      affinity:
        nodeAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            nodeSelectorTerms:
              - matchExpressions:
                  - {key: pool, operator: In, values: [inference]}
      tolerations:""")
    assert head014({"terraform/eks.tf": eks_pool("inference-v2"), "k8s/chat.yaml": affinity}) == []


def test_every_owned_key_must_match_on_one_pool():
    two = eks_pool("inference").replace('pool = "inference"', 'pool = "inference"\n    team = "ml"')
    tf = {"terraform/eks.tf": two}
    assert head014({**tf, "k8s/chat.yaml": deployment("pool: inference", "team: ml")}) == []
    found = head014({**tf, "k8s/chat.yaml": deployment("pool: inference", "team: search")})
    assert len(found) == 1
    assert "`pool=inference, team=search`" in found[0].message
    assert "set `team` to `ml`" in found[0].message


# --- pools that carry the labels but refuse the pod ---------------------------------------------

def test_taint_not_tolerated_fires_tolerated_passes():
    tf = {"terraform/eks.tf": eks_pool("inference", taint=DEDICATED_TAINT)}
    found = head014({**tf, "k8s/chat.yaml": deployment("pool: inference")})
    assert len(found) == 1
    assert ("`aws_eks_node_group.gpu` carries those labels but its taint `dedicated` is not "
            "tolerated") in found[0].message
    tolerant = deployment("pool: inference").replace(
        "        - {key: nvidia.com/gpu, operator: Exists, effect: NoSchedule}",
        "        - {key: nvidia.com/gpu, operator: Exists, effect: NoSchedule}\n"
        "        - {key: dedicated, operator: Equal, value: inference, effect: NoSchedule}")
    assert head014({**tf, "k8s/chat.yaml": tolerant}) == []


def test_gpu_pod_on_a_cpu_only_pool_fires_unless_a_gpu_pool_carries_the_label():
    cpu = {"terraform/eks.tf": eks_pool("inference", instance="m6i.2xlarge")}
    found = head014({**cpu, "k8s/chat.yaml": deployment("pool: inference")})
    assert len(found) == 1 and "its nodes have no GPU" in found[0].message
    assert head014({**cpu, "k8s/chat.yaml": deployment("pool: inference", gpus=0)}) == []
    gpu = eks_pool("inference").replace('"gpu"', '"gpu_a10g"', 1)
    assert head014({**cpu, "terraform/gpu.tf": gpu,
                    "k8s/chat.yaml": deployment("pool: inference")}) == []


# --- Karpenter, GKE, AKS, eksctl ----------------------------------------------------------------

KARPENTER = """\
apiVersion: karpenter.sh/v1
kind: NodePool
metadata: {name: gpu}
spec:
  template:
    metadata:
      labels:
        pool: inference-v2
        workload: llm
    spec:
      nodeClassRef: {group: karpenter.k8s.aws, kind: EC2NodeClass, name: gpu}
      requirements:
        - {key: karpenter.k8s.aws/instance-family, operator: In, values: [g6]}
        - {key: karpenter.sh/capacity-type, operator: In, values: [on-demand]}
      taints:
        - {key: nvidia.com/gpu, value: "true", effect: NoSchedule}
  limits: {nvidia.com/gpu: "16"}
"""


def test_karpenter_template_labels():
    found = head014({"karpenter/gpu.yaml": KARPENTER,
                     "k8s/chat.yaml": deployment("pool: inference")})
    assert len(found) == 1
    assert ("the tree's pools set `pool` to `inference-v2` (`NodePool/gpu`, "
            "karpenter/gpu.yaml:8)") in found[0].message
    assert head014({"karpenter/gpu.yaml": KARPENTER,
                    "k8s/chat.yaml": deployment("pool: inference-v2", "workload: llm")}) == []


GKE = """\
resource "google_container_node_pool" "l4" {
  name           = "l4"
  cluster        = "projects/ml/locations/us-central1/clusters/serving"
  location       = "us-central1"
  node_locations = ["us-central1-a", "us-central1-b"]

  autoscaling {
    min_node_count = 0
    max_node_count = 3
  }

  node_config {
    machine_type = "g2-standard-8"
    labels = {
      accelerator-pool = "l4"
    }
    guest_accelerator {
      type  = "nvidia-l4"
      count = 1
    }
  }
}
"""


def test_gke_node_pool_labels():
    found = head014({"infra/gke.tf": GKE,
                     "k8s/chat.yaml": deployment("accelerator-pool: a100")})
    assert len(found) == 1
    assert ("set `accelerator-pool` to `l4` (`google_container_node_pool.l4`, infra/gke.tf:14)"
            in found[0].message)
    assert head014({"infra/gke.tf": GKE,
                    "k8s/chat.yaml": deployment("accelerator-pool: l4",
                                                "cloud.google.com/gke-nodepool: l4")}) == []


AKS = """\
resource "azurerm_kubernetes_cluster_node_pool" "gpu" {
  name                  = "gpu"
  kubernetes_cluster_id = "/subscriptions/0000/resourceGroups/ml/providers/x/serving"
  vm_size               = "Standard_NC24ads_A100_v4"
  node_count            = 2
  node_labels = {
    "pool" = "gpu"
  }
  node_taints = ["sku=gpu:NoSchedule"]
}
"""


def test_aks_node_labels_and_taints():
    found = head014({"infra/aks.tf": AKS, "k8s/chat.yaml": deployment("pool: gpu")})
    assert len(found) == 1 and "its taint `sku` is not tolerated" in found[0].message
    tolerant = deployment("pool: gpu").replace(
        "      tolerations:\n", "      tolerations:\n        - {key: sku, operator: Exists}\n")
    assert head014({"infra/aks.tf": AKS, "k8s/chat.yaml": tolerant}) == []


EKSCTL = """\
apiVersion: eksctl.io/v1alpha5
kind: ClusterConfig
metadata: {name: ml-prod, region: us-east-1}
managedNodeGroups:
  - name: cpu
    instanceType: m6i.2xlarge
    minSize: 2
    maxSize: 6
    labels: {pool: general}
  - name: gpu
    instanceType: g5.2xlarge
    minSize: 0
    maxSize: 4
    labels: {pool: inference}
"""


def test_eksctl_node_groups_listed_with_their_values():
    found = head014({"eksctl/cluster.yaml": EKSCTL,
                     "k8s/chat.yaml": deployment("pool: inference-v2")})
    assert len(found) == 1
    assert ("set `pool` to `general` (`ClusterConfig/ml-prod[cpu]`, eksctl/cluster.yaml:9), "
            "`inference` (`ClusterConfig/ml-prod[gpu]`, eksctl/cluster.yaml:14)") \
        in found[0].message
    assert head014({"eksctl/cluster.yaml": EKSCTL,
                    "k8s/chat.yaml": deployment("pool: inference")}) == []


def test_other_workload_kinds():
    pool = {"terraform/eks.tf": eks_pool("inference-v2", instance="m6i.2xlarge")}
    cron = """\
    apiVersion: batch/v1
    kind: CronJob
    metadata: {name: reindex, namespace: search}
    spec:
      schedule: "0 3 * * *"
      jobTemplate:
        spec:
          template:
            spec:
              restartPolicy: OnFailure
              nodeSelector: {pool: inference}
              containers:
                - {name: reindex, image: ghcr.io/example/reindex:2.3.1}
    ---
    apiVersion: apps/v1
    kind: DaemonSet
    metadata: {name: node-exporter, namespace: monitoring}
    spec:
      selector: {matchLabels: {app: node-exporter}}
      template:
        metadata: {labels: {app: node-exporter}}
        spec:
          nodeSelector: {pool: inference-v2}
          containers:
            - {name: exporter, image: quay.io/prometheus/node-exporter:v1.8.2}
    """
    found = head014({**pool, "k8s/jobs.yaml": cron})
    assert [(f.subject, f.location.line) for f in found] == [("CronJob/search/reindex", 11)]


# --- in a review -------------------------------------------------------------------------------

def test_review_pool_label_renamed_is_new_and_a_standing_mismatch_unchanged():
    base = {"terraform/eks.tf": eks_pool("inference"),
            "k8s/chat.yaml": deployment("pool: inference")}
    head = {**base, "terraform/eks.tf": eks_pool("inference-v2")}
    found = review_of(base, head, rule="HEAD014")
    assert [(f.subject, f.status.value) for f in found] == [("Deployment/serving/chat", "new")]
    assert "`inference-v2`" in found[0].message
    stale = {**head, "k8s/chat.yaml": deployment("pool: inference-v3")}
    stale_base = {**base, "k8s/chat.yaml": deployment("pool: inference-v3")}
    found = review_of(stale_base, stale, rule="HEAD014")
    assert [(f.subject, f.status.value) for f in found] == [("Deployment/serving/chat",
                                                             "unchanged")]
    # the workload follows the rename in the same change: nothing to say
    assert [f.status.value for f in review_of(
        base, {**head, "k8s/chat.yaml": deployment("pool: inference-v2")}, rule="HEAD014")] == []


def test_review_pool_label_key_renamed_is_new():
    """The change renames the label's key (`pool` to `node-pool`): no pool of the head sets
    `pool` any more, and the base's pool did, so the workload still selecting it is stranded.
    The head tree alone cannot tell (another repository's pools might set `pool`)."""
    base = {"terraform/eks.tf": eks_pool("inference"),
            "k8s/chat.yaml": deployment("pool: inference")}
    head = {**base, "terraform/eks.tf": eks_pool("inference").replace("pool =", "node-pool =")}
    found = review_of(base, head, rule="HEAD014")
    assert [(f.subject, f.status.value) for f in found] == [("Deployment/serving/chat", "new")]
    assert "no pool of the tree sets `pool` any more" in found[0].message
    assert "aws_eks_node_group.gpu" in found[0].message
    assert head014(head) == []
    # the workload moves to the new key in the same change: nothing to say
    moved = {**head, "k8s/chat.yaml": deployment("node-pool: inference")}
    assert review_of(base, moved, rule="HEAD014") == []


def test_a_terraform_boolean_label_is_the_string_the_node_carries():
    """`labels = { gpu = true }` gives nodes the label "true" (a map of strings), which is what a
    manifest must quote: the two match."""
    pool = eks_pool("inference").replace('pool = "inference"',
                                         'pool = "inference"\n    gpu  = true')
    tf = {"terraform/eks.tf": pool}
    assert head014({**tf, "k8s/chat.yaml": deployment('gpu: "true"', "pool: inference")}) == []
    found = head014({**tf, "k8s/chat.yaml": deployment('gpu: "false"')})
    assert len(found) == 1 and "set `gpu` to `true`" in found[0].message


KARPENTER_REQUIRED = """\
apiVersion: karpenter.sh/v1
kind: NodePool
metadata: {name: batch}
spec:
  template:
    spec:
      nodeClassRef: {group: karpenter.k8s.aws, kind: EC2NodeClass, name: default}
      requirements:
        - {key: karpenter.k8s.aws/instance-family, operator: In, values: [g6]}
        - {key: pool, operator: In, values: [inference, batch]}
"""


def test_a_karpenter_requirement_on_an_own_label_offers_its_values():
    """Karpenter labels a node with the value of an `In` requirement the pod selects."""
    files = {"karpenter/batch.yaml": KARPENTER_REQUIRED, "terraform/eks.tf": eks_pool("general")}
    assert head014({**files, "k8s/chat.yaml": deployment("pool: inference")}) == []
    found = head014({**files, "k8s/chat.yaml": deployment("pool: inference-v2")})
    assert len(found) == 1
    assert ("set `pool` to `inference` or `batch` (`NodePool/batch`, karpenter/batch.yaml:10), "
            "`general` (`aws_eks_node_group.gpu`, terraform/eks.tf:14)") in found[0].message
    # a requirement on a provider's label is not the pool's own: no key of it is owned
    assert head014({"karpenter/batch.yaml": KARPENTER_REQUIRED, "k8s/chat.yaml": deployment(
        "karpenter.k8s.aws/instance-family: p5")}) == []
