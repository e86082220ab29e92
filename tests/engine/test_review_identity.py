"""A review follows objects across renames and moves, and never pairs unrelated objects."""

from bot.decision.identity import match_objects
from bot.findings import Status
from bot.ingest.loader import load_inventory
from bot.ingest.source import MemorySource
from tests.conftest import review_of

SERVER = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  namespace: ml-search
  labels: {{app.kubernetes.io/name: {name}}}
spec:
  replicas: 2
  selector: {{matchLabels: {{app.kubernetes.io/name: {name}}}}}
  template:
    metadata: {{labels: {{app.kubernetes.io/name: {name}}}}}
    spec:
      serviceAccountName: {name}
      containers:
        - name: {name}
          image: {image}
          resources:
            requests: {{cpu: "2", memory: 8Gi}}
            limits: {{memory: 8Gi}}
"""
TRITON = "nvcr.io/nvidia/tritonserver:24.08-py3"


def server(name: str, image: str = TRITON) -> str:
    return SERVER.format(name=name, image=image)


def _statuses(found: list) -> list[tuple[str, str, str]]:
    return sorted((f.rule_id, f.subject, f.status.value) for f in found)


def test_a_renamed_deployment_keeps_its_findings():
    """Folder, object, labels and container renamed together: nothing new, nothing fixed."""
    found = review_of({"deploy/reranker/deployment.yaml": server("reranker")},
                      {"deploy/cross-encoder/deployment.yaml": server("cross-encoder")})
    assert found, "the two-replica server without a PDB has findings on both sides"
    assert {f.status for f in found} == {Status.unchanged}
    assert all("cross-encoder" in f.subject for f in found)


def test_a_rename_that_also_changes_the_object_is_judged_on_the_change():
    """The rename is followed, and the tag moved to `latest` is the one new finding."""
    found = review_of({"k8s/a.yaml": server("reranker", TRITON)},
                      {"k8s/b.yaml": server("cross-encoder", "nvcr.io/nvidia/tritonserver:latest")})
    assert [f.rule_id for f in found if f.status is Status.new] == ["SEC008"]
    assert not [f for f in found if f.status is Status.fixed]


def test_unrelated_objects_are_not_paired():
    """A server removed and a different one added: the old findings are fixed, the new new."""
    other = """
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: ocr, namespace: vision}
    spec:
      replicas: 1
      selector: {matchLabels: {app: ocr}}
      template:
        metadata: {labels: {app: ocr}}
        spec:
          containers:
            - name: paddle
              image: vllm/vllm-openai:v0.6.3
              args: [--model, microsoft/Florence-2-large]
              resources: {limits: {nvidia.com/gpu: 1}}
    """
    found = review_of({"k8s/a.yaml": server("reranker")}, {"k8s/b.yaml": other})
    assert {f.status for f in found if "reranker" in f.subject} == {Status.fixed}
    assert {f.status for f in found if "ocr" in f.subject} == {Status.new}


NODE_POOL = """
resource "google_container_node_pool" "{name}" {{
  cluster        = "vision-staging"
  node_locations = ["europe-west4-a"]
  autoscaling {{
    min_node_count = 0
    max_node_count = 1
  }}
  node_config {{
    machine_type = "g2-standard-8"
    guest_accelerator {{
      type  = "nvidia-l4"
      count = 1
    }}
  }}
}}
"""
MOVED = """
moved {
  from = google_container_node_pool.gpu
  to   = google_container_node_pool.gpu_l4
}
"""


def test_terraform_rename_is_followed_only_through_a_moved_block():
    base = {"gke/gpu.tf": NODE_POOL.format(name="gpu")}
    moved = review_of(base, {"gke/gpu_l4.tf": NODE_POOL.format(name="gpu_l4") + MOVED})
    assert "SPOF007" in {f.rule_id for f in moved}
    assert {f.status for f in moved} == {Status.unchanged}
    # without `moved`, Terraform destroys one node pool and creates another
    replaced = review_of(base, {"gke/gpu_l4.tf": NODE_POOL.format(name="gpu_l4")})
    assert {f.status for f in replaced} == {Status.new, Status.fixed}


def _documents(files: dict[str, str]) -> list:
    return load_inventory(MemorySource({p: t.encode() for p, t in files.items()})).documents


def test_kustomize_name_prefix_change_is_a_rename():
    kustomization = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n" \
                    "namePrefix: {}\nresources: [deployment.yaml]\n"
    base = _documents({"app/kustomization.yaml": kustomization.format("prod-"),
                       "app/deployment.yaml": server("prod-ranker")})
    head = _documents({"app/kustomization.yaml": kustomization.format("live-"),
                       "app/deployment.yaml": server("live-ranker", "ghcr.io/acme/ranker:2")})
    objects = match_objects(base, head)
    assert objects.head_subject("Deployment/ml-search/prod-ranker") == \
        "Deployment/ml-search/live-ranker"
    assert objects.head_detail("Deployment/ml-search/prod-ranker", "prod-ranker:PORT") == \
        "live-ranker:PORT"
