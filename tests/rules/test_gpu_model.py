"""The GPU capacity model: node pools recognised through the instance catalogue on EKS, eksctl,
Karpenter, GKE and AKS, and the rules on it (SPOF009 one-zone pool, SPOF010 interactive server
on spot only, COST007 cost cliff, HEAD006 through catalogue counts)."""

from __future__ import annotations

import textwrap

import pytest

from bot.graph.accelerators import load_accelerators
from bot.graph.nodepools import NodePool, TerraformIndex, node_pools_of
from bot.graph.prices import GpuPriceSettings, PriceTableError, load_prices
from bot.ingest.kubernetes import parse_yaml_file
from bot.ingest.terraform import parse_terraform
from tests.conftest import findings_for, review_of


def _pools(path: str, text: str) -> dict[str, NodePool]:
    text = textwrap.dedent(text)
    result = parse_terraform(path, text) if path.endswith(".tf") else parse_yaml_file(path, text)
    assert result.problems == []
    index = TerraformIndex.of(result.documents)
    return {p.subject: p for d in result.documents for p in node_pools_of(d, index)}


EKS = """
resource "aws_eks_node_group" "{name}" {{
  cluster_name    = "ml-prod"
  node_group_name = "{name}"
  node_role_arn   = "arn:aws:iam::412381957734:role/ml-prod-node"
  subnet_ids      = {subnets}
  instance_types  = ["{instance}"]
  ami_type        = "AL2_x86_64_GPU"
  capacity_type   = "{capacity}"

  scaling_config {{
    desired_size = {low}
    min_size     = {low}
    max_size     = {high}
  }}

  labels = {{
    workload = "{name}"
  }}

  taint {{
    key    = "nvidia.com/gpu"
    value  = "true"
    effect = "NO_SCHEDULE"
  }}
}}
"""
THREE_SUBNETS = ('["subnet-0a3f9c1e7b2d45a01", "subnet-0b7e2d4c9a1f36b02", '
                 '"subnet-0c1d8e5f2a7b49c03"]')


def eks(name: str = "gpu", instance: str = "g5.2xlarge", low: int = 2, high: int = 6,
        subnets: str = THREE_SUBNETS, capacity: str = "ON_DEMAND") -> str:
    return EKS.format(name=name, instance=instance, low=low, high=high, subnets=subnets,
                      capacity=capacity)


# --- the catalogue and pool recognition ----------------------------------------------------------

def test_catalogue_entries_cite_the_provider_page_and_resolve_their_model():
    cat = load_accelerators()
    p4d = cat.instance("p4d.24xlarge")
    assert p4d is not None and (p4d.count, p4d.model.name) == (8, "NVIDIA A100 40GB")
    assert p4d.source == "https://aws.amazon.com/ec2/instance-types/p4/"
    assert cat.instance("standard_nd96asr_v4") is not None  # Azure sizes in any case
    assert cat.instance("m6i.xlarge") is None and cat.instance("gpu-large") is None
    for family in cat.families:
        assert family.source.startswith(("https://aws.amazon.com/ec2/instance-types/",
                                         "https://cloud.google.com/compute/docs/",
                                         "https://learn.microsoft.com/azure/virtual-machines/"))


@pytest.mark.parametrize(("instance", "per_node", "model"), [
    ("g5.2xlarge", 1, "NVIDIA A10G"), ("g5.12xlarge", 4, "NVIDIA A10G"),
    ("p4d.24xlarge", 8, "NVIDIA A100 40GB"), ("p5.48xlarge", 8, "NVIDIA H100 80GB"),
    ("inf2.8xlarge", 1, "AWS Inferentia2"), ("g6e.12xlarge", 4, "NVIDIA L40S")])
def test_eks_node_groups_without_gpu_in_their_name_are_gpu_pools(instance, per_node, model):
    pool = _pools("infra/eks.tf", eks(instance=instance))["aws_eks_node_group.gpu"]
    assert (pool.gpu, pool.gpus_per_node, pool.accelerator) == (True, per_node, model)
    assert (pool.min_nodes, pool.max_nodes, pool.committed_gpus) == (2, 6, 2 * per_node)
    assert pool.gpus_at is not None and pool.gpus_at.line == 7  # instance_types


def test_a_cpu_node_group_is_not_a_gpu_pool():
    pool = _pools("infra/eks.tf", eks(name="system", instance="m6i.xlarge"))
    assert not pool["aws_eks_node_group.system"].gpu


def test_eks_launch_template_and_variable_defaults_are_followed():
    tf = """
    variable "private_subnet_ids" {
      type    = list(string)
      default = ["subnet-04c2a9e1f3b7d8a10"]
    }

    resource "aws_launch_template" "llm" {
      name_prefix   = "llm-"
      instance_type = "p4d.24xlarge"
    }

    resource "aws_eks_node_group" "llm" {
      cluster_name  = "ml-prod"
      node_role_arn = "arn:aws:iam::583910274615:role/node"
      subnet_ids    = var.private_subnet_ids
      launch_template {
        id      = aws_launch_template.llm.id
        version = aws_launch_template.llm.latest_version
      }
      scaling_config {
        min_size     = 2
        desired_size = 2
        max_size     = 4
      }
    }
    """
    pool = _pools("infra/llm.tf", tf)["aws_eks_node_group.llm"]
    assert (pool.gpus_per_node, pool.machine, pool.subnets) == (
        8, "p4d.24xlarge", ["subnet-04c2a9e1f3b7d8a10"])
    assert pool.gpus_at is not None and pool.gpus_at.line == 9  # the template's instance_type


def test_gke_pool_counts_per_zone_and_reads_locals():
    tf = """
    locals {
      zones = ["europe-west4-a", "europe-west4-b"]
    }

    resource "google_container_node_pool" "llm" {
      name           = "llm"
      cluster        = "serving"
      location       = "europe-west4"
      node_locations = local.zones
      autoscaling {
        min_node_count = 1
        max_node_count = 3
      }
      node_config {
        machine_type = "a3-highgpu-8g"
      }
    }
    """
    pool = _pools("gke/pools.tf", tf)["google_container_node_pool.llm"]
    # min/max_node_count are per zone: two zones double them
    assert (pool.min_nodes, pool.max_nodes, pool.gpus_per_node) == (2, 6, 8)
    assert pool.zones == ["europe-west4-a", "europe-west4-b"]
    assert pool.accelerator == "NVIDIA H100 80GB"


def test_gke_accelerator_block_through_variables_is_a_gpu_pool():
    tf = """
    variable "gpu_count" {
      default = 2
    }

    resource "google_container_node_pool" "{name}" {
      name       = "serving"
      cluster    = "serving"
      location   = "us-central1-a"
      node_count = 1
      node_config {
        machine_type = var.machine_type
        guest_accelerator {
          type  = var.accelerator
          count = {count}
        }
      }
    }
    """
    known = _pools("gke/a.tf", tf.replace("{name}", "a").replace("{count}", "var.gpu_count"))
    pool = known["google_container_node_pool.a"]
    assert (pool.gpu, pool.gpus_per_node, pool.zones) == (True, 2, ["us-central1-a"])
    unknown = _pools("gke/b.tf", tf.replace("{name}", "b").replace("{count}", "var.other"))
    pool = unknown["google_container_node_pool.b"]
    assert (pool.gpu, pool.gpus_per_node) == (True, None)  # a GPU pool, count not guessed


def test_aks_fixed_spot_pool_and_its_implicit_taint():
    tf = """
    resource "azurerm_kubernetes_cluster_node_pool" "ocr" {
      name                  = "ocra10"
      kubernetes_cluster_id = "id"
      vm_size               = "Standard_NV36ads_A10_v5"
      zones                 = ["1", "2", "3"]
      enable_auto_scaling   = false
      node_count            = 2
      priority              = "Spot"
    }
    """
    pool = _pools("infra/aks.tf", tf)["azurerm_kubernetes_cluster_node_pool.ocr"]
    assert (pool.min_nodes, pool.max_nodes, pool.gpus_per_node) == (2, 2, 1)
    assert pool.spot_only and "kubernetes.azure.com/scalesetpriority" in pool.taints


def test_karpenter_families_gpu_count_and_capacity_types():
    nodepool = """
    apiVersion: karpenter.sh/v1
    kind: NodePool
    metadata: {name: chat}
    spec:
      template:
        spec:
          requirements:
            - {key: karpenter.k8s.aws/instance-family, operator: In, values: [g5, g6]}
            - {key: karpenter.k8s.aws/instance-gpu-count, operator: In, values: ["1"]}
            - {key: karpenter.sh/capacity-type, operator: In, values: [on-demand, spot]}
    """
    pool = _pools("platform/chat.yaml", nodepool)["NodePool/-/chat"]
    assert (pool.gpu, pool.gpus_per_node, pool.spot, pool.spot_only) == (True, 1, True, False)
    assert pool.accelerator == "NVIDIA A10G or NVIDIA L4"


def test_eksctl_cluster_config_declares_one_pool_per_node_group():
    config = """
    apiVersion: eksctl.io/v1alpha5
    kind: ClusterConfig
    metadata: {name: ml, region: us-west-2}
    managedNodeGroups:
      - name: system
        instanceType: m6i.large
        minSize: 2
        maxSize: 4
      - name: gpu
        instanceTypes: [g6e.12xlarge]
        minSize: 1
        maxSize: 3
        spot: true
        availabilityZones: [us-west-2a]
    """
    pools = _pools("eksctl/cluster.yaml", config)
    gpu = pools["ClusterConfig/-/ml#gpu"]
    assert (gpu.gpus_per_node, gpu.min_nodes, gpu.max_nodes, gpu.zones) == (
        4, 1, 3, ["us-west-2a"])
    assert gpu.spot_only and not pools["ClusterConfig/-/ml#system"].gpu


# --- SPOF009: a GPU pool in one zone ---------------------------------------------------------

def test_spof009_eks_group_on_one_subnet():
    found = findings_for({"infra/eks.tf": eks(subnets='["subnet-0a3f9c1e7b2d45a01"]')},
                         rule="SPOF009")
    assert [(f.subject, f.location.line) for f in found] == [("aws_eks_node_group.gpu", 6)]
    assert found[0].evidence[0].value == "subnet-0a3f9c1e7b2d45a01"


def test_spof009_gke_pool_in_one_zone_and_fixed_by_three():
    pool = """
    resource "google_container_node_pool" "a100" {{
      name           = "a100"
      cluster        = "inference"
      location       = "us-central1"
      node_locations = {zones}
      autoscaling {{
        total_min_node_count = 2
        total_max_node_count = 6
      }}
      node_config {{
        machine_type = "a2-highgpu-1g"
      }}
    }}
    """
    one = pool.format(zones='["us-central1-a"]')
    three = pool.format(zones='["us-central1-a", "us-central1-b", "us-central1-c"]')
    found = review_of({"gke/pools.tf": one}, {"gke/pools.tf": three}, rule="SPOF009")
    assert [(f.status.value, f.subject) for f in found] == [
        ("fixed", "google_container_node_pool.a100")]
    assert findings_for({"gke/pools.tf": three}, rule="SPOF009") == []


def test_spof009_leaves_one_node_pools_and_cpu_pools_to_others():
    one_subnet = '["subnet-0a3f9c1e7b2d45a01"]'
    assert findings_for({"infra/eks.tf": eks(low=1, high=1, subnets=one_subnet)},
                        rule="SPOF009") == []
    assert findings_for({"infra/eks.tf": eks(low=1, high=1, subnets=one_subnet)},
                        rule="SPOF007")  # the one-node rule says it
    assert findings_for({"infra/eks.tf": eks(instance="m6i.xlarge", subnets=one_subnet)},
                        rule="SPOF009") == []


# --- SPOF010: interactive serving on spot only -----------------------------------------------

CHAT = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: chat-api, namespace: assistant}
spec:
  replicas: 3
  selector: {matchLabels: {app: chat-api}}
  template:
    metadata: {labels: {app: chat-api}}
    spec:
      nodeSelector: {workload: chat}
      tolerations:
        - {key: nvidia.com/gpu, operator: Exists, effect: NoSchedule}
      containers:
        - name: vllm
          image: vllm/vllm-openai:v0.6.3
          args: [--model=meta-llama/Llama-3.1-8B-Instruct]
          resources: {limits: {nvidia.com/gpu: 1}}
"""


def test_spof010_chat_server_on_a_spot_node_group():
    found = findings_for({"infra/chat.tf": eks(name="chat", capacity="SPOT"),
                          "k8s/chat.yaml": CHAT}, rule="SPOF010")
    assert [f.subject for f in found] == ["Deployment/assistant/chat-api"]
    assert (found[0].evidence[0].label, found[0].evidence[0].value) == ("capacity_type", "SPOT")
    assert found[0].evidence[0].location.line == 9


def test_spof010_on_demand_or_mixed_capacity_passes():
    assert findings_for({"infra/chat.tf": eks(name="chat"), "k8s/chat.yaml": CHAT},
                        rule="SPOF010") == []
    mixed = """
    apiVersion: karpenter.sh/v1
    kind: NodePool
    metadata: {name: chat}
    spec:
      template:
        metadata: {labels: {workload: chat}}
        spec:
          requirements:
            - {key: karpenter.k8s.aws/instance-family, operator: In, values: [g6]}
            - {key: karpenter.sh/capacity-type, operator: In, values: [on-demand, spot]}
      limits: {nvidia.com/gpu: "12"}
    """
    assert findings_for({"platform/chat.yaml": mixed, "k8s/chat.yaml": CHAT},
                        rule="SPOF010") == []
    spot = mixed.replace("[on-demand, spot]", "[spot]")
    assert [f.subject for f in findings_for({"platform/chat.yaml": spot,
                                             "k8s/chat.yaml": CHAT}, rule="SPOF010")] == [
        "Deployment/assistant/chat-api"]


def test_spof010_batch_job_on_spot_is_fine():
    job = """
    apiVersion: batch/v1
    kind: Job
    metadata: {name: embed-backfill, namespace: assistant}
    spec:
      template:
        spec:
          nodeSelector: {workload: chat}
          tolerations: [{key: nvidia.com/gpu, operator: Exists}]
          restartPolicy: Never
          containers:
            - name: embed
              image: ghcr.io/acme/embed-backfill:1.4.2
              resources: {limits: {nvidia.com/gpu: 1}}
    """
    assert findings_for({"infra/chat.tf": eks(name="chat", capacity="SPOT"),
                         "k8s/job.yaml": job}, rule="SPOF010") == []


# --- COST007: the cost cliff ------------------------------------------------------------------

def test_cost007_class_change_multiplies_the_floor():
    found = review_of({"infra/eks.tf": eks(instance="g5.2xlarge")},
                      {"infra/eks.tf": eks(instance="p4d.24xlarge")}, rule="COST007")
    assert [(f.status.value, f.subject, f.location.line) for f in found] == [
        ("new", "aws_eks_node_group.gpu", 13)]  # min_size
    message = found[0].message
    assert "**16** accelerators" in message and "8×" in message
    assert "**11,680 GPU-hours a month**" in message  # 16 × 730
    before = {e.label: (e.value, e.location and e.location.line) for e in found[0].evidence}
    assert before["floor nodes before"] == (2, 13)
    assert before["accelerators per node before (g5.2xlarge)"] == (1, 7)


def test_cost007_floor_raised_fourfold():
    found = review_of({"infra/p5.tf": eks(name="h100", instance="p5.48xlarge", low=1)},
                      {"infra/p5.tf": eks(name="h100", instance="p5.48xlarge", low=4)},
                      rule="COST007")
    assert [(f.status.value, f.subject) for f in found] == [("new", "aws_eks_node_group.h100")]
    assert "4×" in found[0].message and "**23,360 GPU-hours a month**" in found[0].message


@pytest.mark.parametrize(("base", "head"), [
    (eks(instance="g5.2xlarge"), eks(instance="g6.2xlarge")),  # same count, cheaper class
    (eks(low=2), eks(low=3)),  # 1.5×: a change, not a cliff
    (eks(low=4), eks(low=2)),  # going down is never a cliff
])
def test_cost007_same_or_modest_commitment_passes(base, head):
    assert review_of({"infra/eks.tf": base}, {"infra/eks.tf": head}, rule="COST007") == []


PRICES = """
currency: USD
hourly:
  g5.2xlarge: 1.212
  g6.2xlarge: 0.978
  p5.48xlarge: 98.32
"""


def test_cost007_states_money_only_with_the_operators_price_table(tmp_path, monkeypatch):
    table = tmp_path / "prices.yaml"
    table.write_text(PRICES)
    base, head = eks(name="h100", instance="p5.48xlarge", low=1), \
        eks(name="h100", instance="p5.48xlarge", low=4)
    monkeypatch.delenv("ARIA_GPU_PRICES", raising=False)
    assert "USD" not in review_of({"infra/p5.tf": base}, {"infra/p5.tf": head},
                                  rule="COST007")[0].message
    monkeypatch.setenv("ARIA_GPU_PRICES", str(table))
    found = review_of({"infra/p5.tf": base}, {"infra/p5.tf": head}, rule="COST007")
    # 4 nodes × 98.32 × 730 hours, against 1 node
    assert "costs USD 287,094 a month instead of USD 71,774" in found[0].message
    prices = [e for e in found[0].evidence if e.label.startswith("price of")]
    assert [(e.label, e.value, e.unit) for e in prices] == [
        ("price of a p5.48xlarge node-hour (prices.yaml)", 98.32, "USD")]


def test_cost007_price_table_measures_a_class_change_at_the_same_count(tmp_path, monkeypatch):
    table = tmp_path / "prices.yaml"
    table.write_text(PRICES)
    monkeypatch.setenv("ARIA_GPU_PRICES", str(table))
    cheaper = review_of({"infra/eks.tf": eks(instance="g5.2xlarge")},
                        {"infra/eks.tf": eks(instance="g6.2xlarge")}, rule="COST007")
    assert cheaper == []
    table.write_text(PRICES.replace("0.978", "2.5"))  # a class that costs twice the old one
    dearer = review_of({"infra/eks.tf": eks(instance="g5.2xlarge")},
                       {"infra/eks.tf": eks(instance="g6.2xlarge")}, rule="COST007")
    assert [f.status.value for f in dearer] == ["new"]
    assert "2.06× the commitment" in dearer[0].message


def test_a_price_table_that_cannot_be_read_is_a_clear_error(tmp_path):
    table = tmp_path / "prices.yaml"
    table.write_text("currency: USD\nhourly: {g5.2xlarge: -1}\n")
    with pytest.raises(PriceTableError, match="prices must be above 0: g5.2xlarge"):
        load_prices(GpuPriceSettings(gpu_prices=table))
    with pytest.raises(PriceTableError, match="cannot read"):
        load_prices(GpuPriceSettings(gpu_prices=tmp_path / "missing.yaml"))


def test_cost007_is_about_a_change_not_a_tree():
    assert findings_for({"infra/eks.tf": eks(instance="p5.48xlarge", low=4)},
                        rule="COST007") == []


# --- HEAD006 through catalogue counts ---------------------------------------------------------

LLAMA = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: llama, namespace: chat}
spec:
  selector: {matchLabels: {app: llama}}
  template:
    metadata: {labels: {app: llama}}
    spec:
      nodeSelector: {workload: llama}
      tolerations: [{key: nvidia.com/gpu, operator: Exists}]
      containers:
        - name: vllm
          image: vllm/vllm-openai:v0.6.3
          resources: {limits: {nvidia.com/gpu: 2}}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: llama, namespace: chat}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: llama}
  minReplicas: 2
  maxReplicas: {max}
"""


def test_head006_counts_gpus_per_node_from_the_catalogue():
    pool = eks(name="llama", instance="g5.12xlarge", low=1, high=4)
    found = findings_for({"infra/llama.tf": pool,
                          "k8s/llama.yaml": LLAMA.replace("{max}", "16")}, rule="HEAD006")
    assert [f.subject for f in found] == ["Deployment/chat/llama"]
    per_node = next(e for e in found[0].evidence if "accelerators per node" in e.label)
    assert per_node.value == 4 and per_node.location.line == 7
    assert "https://aws.amazon.com/ec2/instance-types/g5/" in per_node.label
    assert findings_for({"infra/llama.tf": pool, "k8s/llama.yaml": LLAMA.replace("{max}", "8")},
                        rule="HEAD006") == []


# --- HEAD013: no room for a rolling update at the ceiling --------------------------------------

def test_head013_ceiling_fills_the_pool_and_the_surge_has_nowhere_to_go():
    pool = eks(name="llama", instance="g5.12xlarge", low=1, high=4)  # 4 nodes × 2 pods of 2 GPUs
    found = findings_for({"infra/llama.tf": pool,
                          "k8s/llama.yaml": LLAMA.replace("{max}", "8")}, rule="HEAD013")
    assert [(f.subject, f.severity.value) for f in found] == [("Deployment/chat/llama", "note")]
    surge = next(e for e in found[0].evidence if e.label == "maxSurge")
    assert surge.value == "25% (Kubernetes' default)"  # 25% of 8 rounded up: 2 pods
    assert "**2** pod(s)" in found[0].message


def test_head013_room_for_the_surge_recreate_or_beyond_capacity_passes():
    pool = eks(name="llama", instance="g5.12xlarge", low=1, high=4)
    roomy = LLAMA.replace("{max}", "6")  # 6 + 2 surge pods = 8, the pool's 8
    assert findings_for({"infra/llama.tf": pool, "k8s/llama.yaml": roomy}, rule="HEAD013") == []
    recreate = LLAMA.replace("{max}", "8").replace(
        "  selector: {matchLabels: {app: llama}}",
        "  strategy: {type: Recreate}\n  selector: {matchLabels: {app: llama}}", 1)
    assert findings_for({"infra/llama.tf": pool, "k8s/llama.yaml": recreate},
                        rule="HEAD013") == []
    beyond = LLAMA.replace("{max}", "16")  # HEAD006 says it, not this rule too
    assert findings_for({"infra/llama.tf": pool, "k8s/llama.yaml": beyond}, rule="HEAD013") == []
