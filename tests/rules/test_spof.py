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


def _anti_affinity(match: str, namespaces: str = "") -> str:
    return f"""      affinity:
        podAntiAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            - topologyKey: kubernetes.io/hostname
{namespaces}              labelSelector:
                matchLabels: {{{match}}}
"""


def test_spof004_anti_affinity_that_never_selects_its_own_pods_spreads_nothing():
    """Scenario 07: the term selects `app: summarizer`, the pods are `app: llm`."""
    wrong_label = GPU_DEPLOYMENT.format(replicas=3) + _anti_affinity("app: summarizer")
    found = findings_for({"k8s/llm.yaml": wrong_label}, rule="SPOF004")
    assert [(f.subject, f.evidence[0].value) for f in found] == [("Deployment/serving/llm", 3)]
    other_namespace = GPU_DEPLOYMENT.format(replicas=3) + _anti_affinity(
        "app: llm", "              namespaces: [batch]\n")
    assert len(findings_for({"k8s/llm.yaml": other_namespace}, rule="SPOF004")) == 1
    wrong_spread = GPU_DEPLOYMENT.format(replicas=3) + SPREAD.replace("app: llm", "app: web")
    assert len(findings_for({"k8s/llm.yaml": wrong_spread}, rule="SPOF004")) == 1


def test_spof004_anti_affinity_on_its_own_pods_spreads():
    own = GPU_DEPLOYMENT.format(replicas=3) + _anti_affinity(
        "app: llm", "              namespaces: [serving]\n")
    assert findings_for({"k8s/llm.yaml": own}, rule="SPOF004") == []
    preferred = GPU_DEPLOYMENT.format(replicas=3) + """      affinity:
        podAntiAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
            - weight: 100
              podAffinityTerm:
                topologyKey: kubernetes.io/hostname
                labelSelector:
                  matchExpressions: [{key: app, operator: In, values: [llm]}]
"""
    assert findings_for({"k8s/llm.yaml": preferred}, rule="SPOF004") == []


TPU_SERVER = """
apiVersion: apps/v1
kind: Deployment
metadata: {{name: jetstream, namespace: serving}}
spec:
  replicas: 2
  selector: {{matchLabels: {{app: jetstream}}}}
  template:
    metadata: {{labels: {{app: jetstream}}}}
    spec:
      nodeSelector:
        cloud.google.com/gke-tpu-accelerator: tpu-v5-lite-podslice
        cloud.google.com/gke-tpu-topology: {topology}
      containers:
        - name: maxengine
          image: us-docker.pkg.dev/cloud-tpu-images/inference/maxengine-server:v0.2.2
          resources:
            limits: {{google.com/tpu: {chips}}}
"""


def test_spof004_pods_that_take_a_whole_tpu_host_cannot_share_a_node():
    whole_host = TPU_SERVER.format(topology="2x4", chips=8)
    assert findings_for({"k8s/tpu.yaml": whole_host}, rule="SPOF004") == []
    half_host = TPU_SERVER.format(topology="2x4", chips=4)
    assert len(findings_for({"k8s/tpu.yaml": half_host}, rule="SPOF004")) == 1


OPENSHIFT = """
apiVersion: apps.openshift.io/v1
kind: DeploymentConfig
metadata: {{name: granite-chat, namespace: rhoai-models}}
spec:
  replicas: {replicas}
  selector: {{app: granite-chat}}
  template:
    metadata: {{labels: {{app: granite-chat}}}}
    spec:
      containers:
        - name: vllm
          image: quay.io/modh/vllm:rhoai-2.16
          resources: {{limits: {{nvidia.com/gpu: 1}}}}
"""


def test_spof001_openshift_deployment_config_is_a_serving_workload():
    found = findings_for({"openshift/dc.yaml": OPENSHIFT.format(replicas=1)}, rule="SPOF001")
    assert [(f.subject, f.location.line) for f in found] == [
        ("DeploymentConfig/rhoai-models/granite-chat", 6)]
    assert findings_for({"openshift/dc.yaml": OPENSHIFT.format(replicas=2)},
                        rule="SPOF001") == []


def test_availability_rules_skip_benchmark_targets_but_not_their_security():
    """A model server deployed under `benchmarks/` is the target of a load test: its replicas
    are a benchmark parameter. Its security settings are still reviewed."""
    files = {"benchmarks/inference-server/llm.yaml": GPU_DEPLOYMENT.format(replicas=1)}
    assert findings_for(files, rule="SPOF001") == []
    assert findings_for(files, rule="OBS001") == []
    assert [f.detail for f in findings_for(files, rule="SEC004")] == ["vllm"]
    assert len(findings_for({"serving/llm.yaml": GPU_DEPLOYMENT.format(replicas=1)},
                            rule="SPOF001")) == 1


PERF_CLIENT = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: nv-triton-client, namespace: default}
spec:
  replicas: 1
  selector: {matchLabels: {app: triton-client}}
  template:
    metadata: {labels: {app: triton-client}}
    spec:
      containers:
        - name: client
          image: nvcr.io/nvidia/tritonserver:24.08-py3-sdk
          command: [perf_analyzer, -m, bert, -u, "triton:8001", -i, grpc]
"""


def test_a_benchmark_client_is_not_a_model_server():
    """perf_analyzer in Triton's SDK image drives load; it serves nothing."""
    for rule in ("SPOF001", "OBS001", "SEC004"):
        assert findings_for({"load/client.yaml": PERF_CLIENT}, rule=rule) == [], rule
    server = PERF_CLIENT.replace("24.08-py3-sdk", "24.08-py3").replace(
        "[perf_analyzer, -m, bert, -u, \"triton:8001\", -i, grpc]",
        "[tritonserver, --model-repository=/models]")
    assert len(findings_for({"serving/triton.yaml": server}, rule="SPOF001")) == 1


def test_an_app_whose_image_only_mentions_a_server_is_not_one():
    """`hf-lc-ray` (a LangChain front end calling Ray) is not a Ray image; `ray-ml` is."""
    def deployment(image: str) -> str:
        return GPU_DEPLOYMENT.format(replicas=1).replace("vllm/vllm-openai:v0.6.3", image) \
            .replace("          resources:\n            limits: {nvidia.com/gpu: 1}\n", "")
    app = deployment("gcr.io/acme/hf-lc-ray:1.0")
    assert findings_for({"app/deploy.yaml": app}, rule="SPOF001") == []
    ray = deployment("rayproject/ray-ml:2.9.0")
    assert len(findings_for({"app/deploy.yaml": ray}, rule="SPOF001")) == 1


RAY_CLUSTER = """
apiVersion: ray.io/v1
kind: RayCluster
metadata: {{name: raycluster-auth}}
spec:
  headGroupSpec:
    template:
      spec:
        containers:
          - name: ray-head
            image: rayproject/ray:2.46.0
{head_args}
  workerGroupSpecs:
    - groupName: workergroup
      replicas: 1
      template:
        spec:
          containers:
            - name: ray-worker
              image: rayproject/ray:2.46.0
"""


def test_spof001_a_ray_cluster_serves_only_when_it_runs_ray_serve():
    """Every RayCluster runs the Ray image; a compute cluster has no model to take offline."""
    plain = RAY_CLUSTER.format(head_args="")
    assert findings_for({"ray/cluster.yaml": plain}, rule="SPOF001") == []
    serving = RAY_CLUSTER.format(
        head_args='            args: ["serve run fruit:deployment_graph"]')
    assert [f.subject for f in findings_for({"ray/cluster.yaml": serving}, rule="SPOF001")] == [
        "RayCluster/-/raycluster-auth#workergroup"]


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
        labels = {
          workload = "llm"
        }
        guest_accelerator {
          type  = "nvidia-l4"
          count = 1
        }
      }
    }
    """
    selecting = GPU_DEPLOYMENT.format(replicas=2) + "      nodeSelector: {workload: llm}\n"
    files = {"k8s/llm.yaml": selecting, "infra/gke.tf": pool}
    found = findings_for(files, rule="SPOF005")
    assert len(found) == 1
    assert [(e.value, str(e.location)) for e in found[0].evidence] == [
        ("us-central1-a", "infra/gke.tf:4")]
    two_zones = pool.replace('["us-central1-a"]', '["us-central1-a", "us-central1-b"]')
    assert findings_for({**files, "infra/gke.tf": two_zones}, rule="SPOF005") == []
    # selecting no pool, the server may land on any node of the cluster, pools written
    # elsewhere included: the tree's one-zone pool is not all it has
    unselected = {**files, "k8s/llm.yaml": GPU_DEPLOYMENT.format(replicas=2)}
    assert findings_for(unselected, rule="SPOF005") == []


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


WRAPPED_VLLM = """
name: "llama3_chat"
backend: "python"
max_batch_size: 0
model_transaction_policy { decoupled: true }
instance_group [{ count: 1, kind: KIND_MODEL }]
"""

MODEL_PY = """import json
import triton_python_backend_utils as pb_utils
from vllm import AsyncEngineArgs, AsyncLLMEngine


class TritonPythonModel:
    def initialize(self, args):
        self.engine = AsyncLLMEngine.from_engine_args(AsyncEngineArgs(model="m"))
"""


def test_spof006_python_model_wrapping_vllm_is_exempt():
    """Scenario 47: vLLM batches in flight and owns the GPU; one Triton instance drives it."""
    files = {"model_repository/llama3_chat/config.pbtxt": WRAPPED_VLLM,
             "model_repository/llama3_chat/1/model.py": MODEL_PY}
    assert findings_for(files, rule="SPOF006") == []
    plain = MODEL_PY.replace("from vllm import AsyncEngineArgs, AsyncLLMEngine", "import numpy")
    files["model_repository/llama3_chat/1/model.py"] = plain
    assert [f.subject for f in findings_for(files, rule="SPOF006")] == [
        "TritonModelConfig/llama3_chat"]


def test_triton_test_fixtures_are_not_served_models():
    """A `qa/` or `tests/` tree holds Triton's own test models, some invalid on purpose."""
    config = 'name: "identity"\nbackend: "python"\nmax_batch_size: 8\n'
    for folder in ("qa/L0_backend_python/models", "src/test/models"):
        files = {f"{folder}/identity/config.pbtxt": config}
        assert findings_for(files, rule="SPOF006") == [], folder
        assert findings_for(files, rule="SRV001") == [], folder
    served = {"model_repository/identity/config.pbtxt": config}
    assert len(findings_for(served, rule="SRV001")) == 1


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
