import pytest

from bot.catalog import load_catalog
from bot.findings import Status
from tests.conftest import findings_for, review_of

VLLM = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: llm
  namespace: serving
spec:
{replicas}  selector:
    matchLabels: {{app: llm}}
  template:
    metadata:
      labels: {{app: llm}}
    spec:
      containers:
        - name: vllm
          image: vllm/vllm-openai:v0.6.3
          args:
            - --model=meta-llama/Llama-3.1-8B-Instruct
            - --gpu-memory-utilization
            - "{fraction}"
          resources:
{resources}
"""
FULL_RESOURCES = """\
            requests: {cpu: "4", memory: 32Gi}
            limits: {memory: 32Gi, nvidia.com/gpu: 1}"""


def vllm(replicas: str = "  replicas: 2\n", fraction: str = "0.90",
         resources: str = FULL_RESOURCES) -> str:
    return VLLM.format(replicas=replicas, fraction=fraction, resources=resources)


def hpa(min_replicas: int | None = 2, max_replicas: int = 6, cpu_target: int | None = None) -> str:
    text = """
    apiVersion: autoscaling/v2
    kind: HorizontalPodAutoscaler
    metadata: {name: llm, namespace: serving}
    spec:
      scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: llm}
    """
    if min_replicas is not None:
        text += f"  minReplicas: {min_replicas}\n    "
    text += f"  maxReplicas: {max_replicas}\n"
    if cpu_target is not None:
        text += ("      metrics:\n"
                 "        - type: Resource\n"
                 "          resource:\n"
                 "            name: cpu\n"
                 f"            target: {{type: Utilization, averageUtilization: {cpu_target}}}\n")
    return text


# Rules on production telemetry fire on measurements (tests/telemetry), not on a manifest.
@pytest.mark.parametrize("rule", [r for r in load_catalog() if r.family == "headroom"
                                  and not r.check.name.startswith("telemetry_")],
                         ids=lambda r: r.id)
def test_pack_example_fires_its_rule(rule):
    """Every static headroom rule ships an example manifest, and the example triggers it."""
    assert rule.example, f"{rule.id} has no example"
    if rule.example_base:  # a rule about a change fires in a review of its base and example
        found = review_of({"k8s/example.yaml": rule.example_base},
                          {"k8s/example.yaml": rule.example}, rule=rule.id)
        assert [f.status for f in found] == [Status.new]
    else:
        assert findings_for({"k8s/example.yaml": rule.example}, rule=rule.id)


# --- HEAD001: utilization target above the headroom policy ----------------------------------

def test_head001_target_above_policy():
    found = findings_for({"k8s/llm.yaml": vllm(), "k8s/hpa.yaml": hpa(cpu_target=90)},
                         rule="HEAD001")
    assert len(found) == 1
    assert found[0].subject == "HorizontalPodAutoscaler/serving/llm"
    assert found[0].detail == "cpu"
    assert found[0].location.line == 13
    assert found[0].evidence[0].value == 90
    assert "**10%** headroom" in found[0].message


def test_head001_target_within_policy_passes():
    assert findings_for({"k8s/llm.yaml": vllm(), "k8s/hpa.yaml": hpa(cpu_target=70)},
                        rule="HEAD001") == []


def test_head001_threshold_follows_repo_headroom_policy():
    config = "headroom: {min: 0.4, max: 0.5}\n"
    found = findings_for({"k8s/llm.yaml": vllm(), "k8s/hpa.yaml": hpa(cpu_target=70)},
                         config=config, rule="HEAD001")
    assert [f.evidence[1].value for f in found] == [40]


# --- HEAD002: min == max ---------------------------------------------------------------------

def test_head002_pinned_hpa():
    found = findings_for({"k8s/hpa.yaml": hpa(min_replicas=3, max_replicas=3)}, rule="HEAD002")
    assert len(found) == 1
    assert found[0].location.line == 8
    assert [(e.label, e.value, e.location.line) for e in found[0].evidence] == [
        ("minReplicas", 3, 7), ("maxReplicas", 3, 8)]
    assert "`Deployment/llm`" in found[0].message


def test_head002_default_floor_of_one():
    found = findings_for({"k8s/hpa.yaml": hpa(min_replicas=None, max_replicas=1)},
                         rule="HEAD002")
    assert [(e.label, e.value) for e in found[0].evidence] == [
        ("minReplicas (default)", 1), ("maxReplicas", 1)]


def test_head002_range_passes():
    assert findings_for({"k8s/hpa.yaml": hpa(min_replicas=2, max_replicas=3)},
                        rule="HEAD002") == []


# --- HEAD003 / HEAD004: requests and memory limit ---------------------------------------------

def test_head003_gpu_only_resources():
    text = vllm(resources="            limits: {nvidia.com/gpu: 1}")
    found = findings_for({"k8s/llm.yaml": text}, rule="HEAD003")
    assert len(found) == 1
    assert (found[0].subject, found[0].detail) == ("Deployment/serving/llm", "vllm")
    assert found[0].location.line == 22
    assert [e.label for e in found[0].evidence] == ["vllm requests.cpu", "vllm requests.memory"]


def test_head003_limits_imply_requests():
    text = vllm(resources="            limits: {cpu: '4', memory: 32Gi, nvidia.com/gpu: 1}")
    assert findings_for({"k8s/llm.yaml": text}, rule="HEAD003") == []


def test_head003_skips_kustomize_patch_and_batch_job():
    patch = """
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: llm}
    spec:
      template:
        spec:
          containers: [{name: vllm, image: vllm/vllm-openai:v0.6.4}]
    """
    job = """
    apiVersion: batch/v1
    kind: Job
    metadata: {name: eval}
    spec:
      template:
        spec:
          containers: [{name: eval, image: vllm/vllm-openai:v0.6.3}]
    """
    assert findings_for({"k8s/patch.yaml": patch, "k8s/job.yaml": job}, rule="HEAD003") == []


def test_head004_memory_request_without_limit():
    text = vllm(resources="            requests: {cpu: '4', memory: 24Gi}\n"
                          "            limits: {nvidia.com/gpu: 1}")
    found = findings_for({"k8s/llm.yaml": text}, rule="HEAD004")
    assert len(found) == 1
    assert found[0].location.line == 23
    assert found[0].evidence[0].value == "24Gi"
    assert "**24Gi**" in found[0].message


def test_head004_limit_set_passes():
    assert findings_for({"k8s/llm.yaml": vllm()}, rule="HEAD004") == []


# --- HEAD005: GPU memory share ----------------------------------------------------------------

def test_head005_vllm_flag_in_list():
    found = findings_for({"k8s/llm.yaml": vllm(fraction="0.98")}, rule="HEAD005")
    assert len(found) == 1
    assert found[0].detail == "vllm"
    assert found[0].location.line == 20  # the element holding the flag
    assert found[0].evidence[0].value == 0.98
    assert "**2.0%**" in found[0].message


def test_head005_shell_string_and_tgi_env():
    pod_spec = """
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: tgi}
    spec:
      selector: {matchLabels: {app: tgi}}
      template:
        metadata: {labels: {app: tgi}}
        spec:
          containers:
            - name: sh
              image: vllm/vllm-openai:v0.6.3
              command: ["/bin/sh", "-c"]
              args: ["vllm serve m --gpu_memory_utilization=0.97 --max-model-len 8192"]
            - name: tgi
              image: ghcr.io/huggingface/text-generation-inference:2.4
              env:
                - {name: CUDA_MEMORY_FRACTION, value: "1.0"}
    """
    found = findings_for({"k8s/tgi.yaml": pod_spec}, rule="HEAD005")
    assert [(f.detail, f.location.line, f.evidence[0].value) for f in found] == [
        ("sh", 14, 0.97), ("tgi", 18, 1.0)]


def test_head005_below_threshold_and_configurable():
    assert findings_for({"k8s/llm.yaml": vllm(fraction="0.90")}, rule="HEAD005") == []
    config = "rules: {HEAD005: {params: {max_fraction: 0.9}}}\n"
    assert findings_for({"k8s/llm.yaml": vllm(fraction="0.90")}, config=config,
                        rule="HEAD005")


# --- HEAD006: node pool maximum vs replica ceiling ---------------------------------------------

GKE_POOL = """
resource "google_container_node_pool" "gpu" {{
  name       = "gpu"
  cluster    = google_container_cluster.main.id
  autoscaling {{
    min_node_count = 1
    max_node_count = {max_nodes}
  }}
  node_config {{
    machine_type = "g2-standard-24"
    guest_accelerator {{
      type  = "nvidia-l4"
      count = 2
    }}
    labels = {{ pool = "gpu" }}
  }}
}}
"""


def pinned() -> str:
    """The vLLM server, placed on the `gpu` pool by the pool's own label."""
    return vllm().replace("      containers:", "      nodeSelector: {pool: gpu}\n      containers:")


def test_head006_hpa_ceiling_exceeds_pool():
    found = findings_for({"k8s/llm.yaml": pinned(), "k8s/hpa.yaml": hpa(max_replicas=6),
                          "infra/gke.tf": GKE_POOL.format(max_nodes=2)}, rule="HEAD006")
    assert len(found) == 1
    f = found[0]
    assert (f.subject, f.location.path, f.location.line) == ("Deployment/serving/llm",
                                                             "k8s/hpa.yaml", 8)
    assert [(e.value, str(e.location)) for e in f.evidence] == [
        (6, "k8s/hpa.yaml:8"), (1, "k8s/llm.yaml:25"), (2, "infra/gke.tf:7"),
        (2, "infra/gke.tf:11")]
    assert "at most **4** such pods" in f.message


def test_head006_provider_labels_beside_the_pools_own_do_not_hide_the_pool():
    """Every node carries its zone, region, architecture and the provider's node-group labels:
    selecting them beside the pool's own label still lands the pods on that pool."""
    for key, value in [("topology.kubernetes.io/zone", "us-central1-a"),
                       ("topology.kubernetes.io/region", "us-central1"),
                       ("kubernetes.io/arch", "amd64"),
                       ("failure-domain.beta.kubernetes.io/zone", "us-central1-a"),
                       ("beta.kubernetes.io/instance-type", "g2-standard-24")]:
        llm = pinned().replace("nodeSelector: {pool: gpu}",
                               f"nodeSelector: {{pool: gpu, {key}: {value}}}")
        found = findings_for({"k8s/llm.yaml": llm, "k8s/hpa.yaml": hpa(max_replicas=6),
                              "infra/gke.tf": GKE_POOL.format(max_nodes=2)}, rule="HEAD006")
        assert len(found) == 1, key


def test_head006_a_workload_that_selects_no_pool_is_not_bounded_by_the_trees_pools():
    """With no selection the pods may land on GPU pools written elsewhere (another repository's
    Terraform, a console-made pool): the tree's pool maximum is no ceiling for them."""
    files = {"k8s/llm.yaml": vllm(), "k8s/hpa.yaml": hpa(max_replicas=6),
             "infra/gke.tf": GKE_POOL.format(max_nodes=2)}
    assert findings_for(files, rule="HEAD006") == []


def test_head006_pool_large_enough_passes():
    files = {"k8s/llm.yaml": pinned(), "k8s/hpa.yaml": hpa(max_replicas=6),
             "infra/gke.tf": GKE_POOL.format(max_nodes=3)}
    assert findings_for(files, rule="HEAD006") == []


def test_head006_unknown_pool_size_is_not_guessed():
    files = {"k8s/llm.yaml": pinned(), "k8s/hpa.yaml": hpa(max_replicas=6),
             "infra/gke.tf": GKE_POOL.format(max_nodes="var.gpu_max_nodes")}
    assert findings_for(files, rule="HEAD006") == []


# --- HEAD007: utilization without requests -----------------------------------------------------

def test_head007_cpu_target_without_cpu_request():
    text = vllm(resources="            limits: {memory: 32Gi, nvidia.com/gpu: 1}")
    found = findings_for({"k8s/llm.yaml": text, "k8s/hpa.yaml": hpa(cpu_target=70)},
                         rule="HEAD007")
    assert len(found) == 1
    assert (found[0].subject, found[0].detail) == ("HorizontalPodAutoscaler/serving/llm", "cpu")
    assert found[0].location.line == 13
    assert [(e.label, e.value) for e in found[0].evidence] == [
        ("cpu utilization target", 70), ("vllm requests.cpu", "not set")]


def test_head007_requests_present_passes():
    assert findings_for({"k8s/llm.yaml": vllm(), "k8s/hpa.yaml": hpa(cpu_target=70)},
                        rule="HEAD007") == []


# --- HEAD008: spec.replicas beside an HPA ------------------------------------------------------

def test_head008_replicas_and_hpa():
    found = findings_for({"k8s/llm.yaml": vllm(replicas="  replicas: 3\n"),
                          "k8s/hpa.yaml": hpa(min_replicas=2, max_replicas=8)}, rule="HEAD008")
    assert len(found) == 1
    assert (found[0].location.path, found[0].location.line) == ("k8s/llm.yaml", 8)
    assert found[0].evidence[0].value == 3
    assert found[0].evidence[1].value == "2–8"


def test_head008_no_replicas_field_passes():
    files = {"k8s/llm.yaml": vllm(replicas=""), "k8s/hpa.yaml": hpa()}
    assert findings_for(files, rule="HEAD008") == []
