import pytest

from bot.catalog import load_catalog
from tests.conftest import findings_for

GPU_DEPLOYMENT = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: llm
  namespace: serving
spec:
  replicas: {replicas}
  selector:
    matchLabels: {{app: llm}}
  template:
    metadata:
      labels: {{app: llm}}
    spec:
      containers:
        - name: vllm
          image: vllm/vllm-openai:v0.6.3
          resources:
            limits: {{nvidia.com/gpu: 1}}
"""


def test_spof001_single_replica_gpu_server():
    found = findings_for({"k8s/llm.yaml": GPU_DEPLOYMENT.format(replicas=1)}, rule="SPOF001")
    assert len(found) == 1
    assert found[0].subject == "Deployment/serving/llm"
    assert found[0].location.line == 8
    assert found[0].evidence[0].value == 1


def test_spof001_two_replicas_pass():
    assert findings_for({"k8s/llm.yaml": GPU_DEPLOYMENT.format(replicas=2)}, rule="SPOF001") == []


def test_spof001_hpa_floor_wins_over_replicas():
    hpa = """
    apiVersion: autoscaling/v2
    kind: HorizontalPodAutoscaler
    metadata: {name: llm, namespace: serving}
    spec:
      scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: llm}
      minReplicas: 1
      maxReplicas: 4
    """
    found = findings_for({"k8s/llm.yaml": GPU_DEPLOYMENT.format(replicas=3), "k8s/hpa.yaml": hpa},
                         rule="SPOF001")
    assert [f.location.path for f in found] == ["k8s/hpa.yaml"]


@pytest.mark.parametrize("rule", [r for r in load_catalog() if r.family == "spof"],
                         ids=lambda r: r.id)
def test_pack_example_fires_its_rule(rule):
    """Every spof rule ships an example, and the example triggers it."""
    assert rule.example, f"{rule.id} has no example"
    if rule.example.startswith("resource "):
        path = "infra/main.tf"
    else:
        path = "k8s/example.yaml" if "apiVersion" in rule.example else "models/m/config.pbtxt"
    assert findings_for({path: rule.example}, rule=rule.id)


def test_spof001_bare_pod_is_not_a_server():
    pod = """
    apiVersion: v1
    kind: Pod
    metadata: {name: debug}
    spec:
      containers: [{name: vllm, image: vllm/vllm-openai:v0.6.3}]
    """
    assert findings_for({"k8s/pod.yaml": pod}, rule="SPOF001") == []


PDB = """
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {{name: llm, namespace: serving}}
spec:
  {budget}
  selector:
    matchLabels: {{app: llm}}
"""


def test_spof002_replicas_without_pdb():
    found = findings_for({"k8s/llm.yaml": GPU_DEPLOYMENT.format(replicas=3)}, rule="SPOF002")
    assert len(found) == 1
    assert (found[0].subject, found[0].location.line) == ("Deployment/serving/llm", 2)
    assert [(e.value, e.location and e.location.line) for e in found[0].evidence] == [
        (3, 8), (0, None)]


def test_spof002_pdb_present_passes():
    files = {"k8s/llm.yaml": GPU_DEPLOYMENT.format(replicas=3),
             "k8s/pdb.yaml": PDB.format(budget="maxUnavailable: 1")}
    assert findings_for(files, rule="SPOF002") == []


def test_spof003_max_unavailable_zero():
    found = findings_for({"k8s/pdb.yaml": PDB.format(budget="maxUnavailable: 0")},
                         rule="SPOF003")
    assert len(found) == 1
    assert (found[0].subject, found[0].location.line) == ("PodDisruptionBudget/serving/llm", 6)
    assert found[0].evidence[0].value == 0


def test_spof003_min_available_equal_to_replicas():
    files = {"k8s/llm.yaml": GPU_DEPLOYMENT.format(replicas=2),
             "k8s/pdb.yaml": PDB.format(budget="minAvailable: 2")}
    found = findings_for(files, rule="SPOF003")
    assert len(found) == 1
    assert [(e.value, str(e.location)) for e in found[0].evidence] == [
        (2, "k8s/pdb.yaml:6"), (2, "k8s/llm.yaml:8")]
    assert "`minAvailable: 2` for Deployment/llm" in found[0].message


def test_spof003_budget_that_allows_one_eviction_passes():
    files = {"k8s/llm.yaml": GPU_DEPLOYMENT.format(replicas=3),
             "k8s/pdb.yaml": PDB.format(budget="minAvailable: 2")}
    assert findings_for(files, rule="SPOF003") == []
    assert findings_for({"k8s/pdb.yaml": PDB.format(budget="maxUnavailable: 25%")},
                        rule="SPOF003") == []


SPREAD = """
      topologySpreadConstraints:
        - maxSkew: 1
          topologyKey: kubernetes.io/hostname
          whenUnsatisfiable: ScheduleAnyway
          labelSelector: {matchLabels: {app: llm}}
"""


def test_spof004_no_spread():
    found = findings_for({"k8s/llm.yaml": GPU_DEPLOYMENT.format(replicas=2)}, rule="SPOF004")
    assert len(found) == 1
    assert (found[0].subject, found[0].location.line) == ("Deployment/serving/llm", 14)
    assert found[0].evidence[0].value == 2


def test_spof004_topology_spread_accepted():
    text = GPU_DEPLOYMENT.format(replicas=2) + SPREAD
    assert findings_for({"k8s/llm.yaml": text}, rule="SPOF004") == []


def test_spof005_node_selector_pins_zone():
    text = GPU_DEPLOYMENT.format(replicas=2) + \
        "      nodeSelector: {topology.kubernetes.io/zone: europe-west4-a}\n"
    found = findings_for({"k8s/llm.yaml": text}, rule="SPOF005")
    assert len(found) == 1
    assert found[0].location.line == 20
    assert found[0].evidence[0].value == "europe-west4-a"


def test_spof005_single_zone_node_pool():
    pool = """
    resource "google_container_node_pool" "gpu" {
      name           = "gpu"
      node_locations = ["us-central1-a"]
      autoscaling {
        max_node_count = 4
      }
      node_config {
        guest_accelerator {
          type  = "nvidia-l4"
          count = 1
        }
      }
    }
    """
    files = {"k8s/llm.yaml": GPU_DEPLOYMENT.format(replicas=2), "infra/gke.tf": pool}
    found = findings_for(files, rule="SPOF005")
    assert len(found) == 1
    assert [(e.value, str(e.location)) for e in found[0].evidence] == [
        ("us-central1-a", "infra/gke.tf:4")]
    two_zones = pool.replace('["us-central1-a"]', '["us-central1-a", "us-central1-b"]')
    files["infra/gke.tf"] = two_zones
    assert findings_for(files, rule="SPOF005") == []


def test_spof006_triton_single_instance():
    config = """
    name: "resnet50"
    platform: "onnxruntime_onnx"
    max_batch_size: 8
    instance_group [
      {
        count: 1
        kind: KIND_GPU
      }
    ]
    """
    found = findings_for({"models/resnet50/config.pbtxt": config}, rule="SPOF006")
    assert len(found) == 1
    assert (found[0].subject, found[0].location.line) == ("TritonModelConfig/resnet50", 7)
    assert found[0].evidence[0].value == 1


def test_spof006_two_instances_and_ensembles_pass():
    two = 'name: "m"\nplatform: "onnxruntime_onnx"\ninstance_group [{ count: 2, kind: KIND_GPU }]\n'
    ensemble = 'name: "e"\nplatform: "ensemble"\nmax_batch_size: 8\n'
    files = {"models/m/config.pbtxt": two, "models/e/config.pbtxt": ensemble}
    assert findings_for(files, rule="SPOF006") == []


def test_spof006_missing_instance_group_is_the_default_one():
    found = findings_for({"models/m/config.pbtxt": 'name: "m"\nbackend: "python"\n'},
                         rule="SPOF006")
    assert [(e.label, e.value) for e in found[0].evidence] == [("instance_group", "not set")]


GKE_GPU_POOL = """
resource "google_container_node_pool" "gpu" {{
  name       = "gpu"
  node_count = {nodes}
  node_config {{
    machine_type = "g2-standard-8"
    guest_accelerator {{
      type  = "nvidia-l4"
      count = 1
    }}
  }}
}}
"""


def test_spof007_single_node_gpu_pool():
    found = findings_for({"infra/gke.tf": GKE_GPU_POOL.format(nodes=1)}, rule="SPOF007")
    assert len(found) == 1
    assert (found[0].subject, found[0].location.line) == ("google_container_node_pool.gpu", 4)
    assert found[0].evidence[0].value == 1


def test_spof007_two_nodes_pass():
    assert findings_for({"infra/gke.tf": GKE_GPU_POOL.format(nodes=2)}, rule="SPOF007") == []


ISVC = """
apiVersion: serving.kserve.io/v1beta1
kind: InferenceService
metadata: {{name: llm, namespace: serving}}
spec:
  predictor:
    minReplicas: 1
    maxReplicas: {max}
    model:
      modelFormat: {{name: huggingface}}
      resources: {{limits: {{nvidia.com/gpu: 1}}}}
"""


def test_spof008_kserve_max_one():
    found = findings_for({"k8s/isvc.yaml": ISVC.format(max=1)}, rule="SPOF008")
    assert len(found) == 1
    assert (found[0].subject, found[0].detail, found[0].location.line) == (
        "InferenceService/serving/llm", "predictor", 8)


def test_spof008_unbounded_or_higher_passes():
    assert findings_for({"k8s/isvc.yaml": ISVC.format(max=0)}, rule="SPOF008") == []
    assert findings_for({"k8s/isvc.yaml": ISVC.format(max=4)}, rule="SPOF008") == []
