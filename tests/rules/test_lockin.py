import pytest

from bot.catalog import load_catalog
from tests.conftest import findings_for, review_of

# the static packs of these families; measurement rules (PROBE*, family serving) fire on
# probe results against a real Triton server, telemetry rules on production measurements
# (tests/telemetry): neither has a manifest example
PACK_PREFIXES = ("LOCK", "SEC", "COST", "OBS", "SRV")


def _example_path(example: str) -> str:
    if example.lstrip().startswith(("resource", "data")):
        return "infra/main.tf"
    return "k8s/example.yaml" if "apiVersion" in example else "models/example/config.pbtxt"


@pytest.mark.parametrize("rule", [r for r in load_catalog() if r.id.startswith(PACK_PREFIXES)
                                  and not r.check.name.startswith("telemetry_")],
                         ids=lambda r: r.id)
def test_pack_example_fires_its_rule(rule):
    """Every rule of these packs ships an example manifest, and the example triggers it."""
    assert rule.example, f"{rule.id} has no example"
    assert rule.severity.value != "error" or rule.family != "lock-in"
    if rule.example_base:  # a rule about a change fires in a review of its base to its example
        found = review_of({_example_path(rule.example_base): rule.example_base},
                          {_example_path(rule.example): rule.example}, rule=rule.id)
        assert [f.status.value for f in found] == ["new"]
        return
    assert findings_for({_example_path(rule.example): rule.example}, rule=rule.id)


def test_lock001_aws_service_annotations():
    svc = """
    apiVersion: v1
    kind: Service
    metadata:
      name: llm
      namespace: serving
      annotations:
        prometheus.io/scrape: "true"
        service.beta.kubernetes.io/aws-load-balancer-scheme: internal
        service.beta.kubernetes.io/aws-load-balancer-type: nlb
    spec:
      type: LoadBalancer
      selector: {app: llm}
      ports: [{port: 80}]
    """
    found = findings_for({"k8s/svc.yaml": svc}, rule="LOCK001")
    assert len(found) == 1
    assert found[0].severity.value == "note"
    assert (found[0].subject, found[0].detail) == ("Service/serving/llm", "AWS")
    assert found[0].location.line == 9
    assert [e.value for e in found[0].evidence] == ["internal", "nlb"]
    assert "**2**" in found[0].message


def test_lock001_gce_ingress_class_and_neutral_ingress():
    ingress = """
    apiVersion: networking.k8s.io/v1
    kind: Ingress
    metadata: {name: web, namespace: serving}
    spec:
      ingressClassName: gce
      rules: []
    ---
    apiVersion: networking.k8s.io/v1
    kind: Ingress
    metadata:
      name: api
      namespace: serving
      annotations: {nginx.ingress.kubernetes.io/proxy-body-size: 10m}
    spec:
      ingressClassName: nginx
      rules: []
    """
    found = findings_for({"k8s/ingress.yaml": ingress}, rule="LOCK001")
    assert [(f.subject, f.detail, f.location.line) for f in found] == [
        ("Ingress/serving/web", "Google Cloud", 6)]


def test_lock002_storage_class_and_gcsfuse_volume():
    files = {
        "k8s/sc.yaml": """
        apiVersion: storage.k8s.io/v1
        kind: StorageClass
        metadata: {name: fast}
        provisioner: pd.csi.storage.gke.io
        """,
        "k8s/job.yaml": """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: llm, namespace: serving}
        spec:
          template:
            spec:
              containers: [{name: server, image: "vllm/vllm-openai:v0.6.3"}]
              volumes:
                - name: weights
                  csi:
                    driver: gcsfuse.csi.storage.gke.io
                    volumeAttributes: {bucketName: models}
                - name: cache
                  emptyDir: {}
        """,
    }
    found = sorted(findings_for(files, rule="LOCK002"), key=lambda f: f.subject)
    assert [(f.subject, f.detail, f.location.line) for f in found] == [
        ("Deployment/serving/llm", "volume:weights", 12),
        ("StorageClass/-/fast", "", 5)]
    assert found[0].evidence[0].value == "gcsfuse.csi.storage.gke.io"


def test_lock002_portable_provisioner_passes():
    sc = """
    apiVersion: storage.k8s.io/v1
    kind: StorageClass
    metadata: {name: local}
    provisioner: rancher.io/local-path
    """
    assert findings_for({"k8s/sc.yaml": sc}, rule="LOCK002") == []


STATEFULSET = """
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: cache, namespace: serving}
spec:
  serviceName: cache
  template:
    spec:
      containers: [{name: redis, image: "redis:7.2"}]
  volumeClaimTemplates:
    - metadata: {name: data}
      spec:
        storageClassName: gp3
        accessModes: [ReadWriteOnce]
"""


def test_lock003_provider_class_in_claim_template():
    found = findings_for({"k8s/sts.yaml": STATEFULSET}, rule="LOCK003")
    assert len(found) == 1
    assert (found[0].subject, found[0].detail) == ("StatefulSet/serving/cache", "data")
    assert found[0].location.line == 13
    assert found[0].evidence[0].value == "gp3"


def test_lock003_class_defined_in_tree_passes():
    sc = """
    apiVersion: storage.k8s.io/v1
    kind: StorageClass
    metadata: {name: gp3}
    provisioner: rancher.io/local-path
    """
    assert findings_for({"k8s/sts.yaml": STATEFULSET, "k8s/sc.yaml": sc}, rule="LOCK003") == []


def test_lock004_gke_accelerator_selector_and_affinity():
    deploy = """
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: llm, namespace: serving}
    spec:
      template:
        spec:
          nodeSelector:
            cloud.google.com/gke-accelerator: nvidia-l4
            kubernetes.io/os: linux
          affinity:
            nodeAffinity:
              requiredDuringSchedulingIgnoredDuringExecution:
                nodeSelectorTerms:
                  - matchExpressions:
                      - key: karpenter.k8s.aws/instance-family
                        operator: In
                        values: [g6, g5]
          containers: [{name: vllm, image: "vllm/vllm-openai:v0.6.3"}]
    """
    found = sorted(findings_for({"k8s/llm.yaml": deploy}, rule="LOCK004"),
                   key=lambda f: f.detail)
    assert [(f.detail, f.location.line) for f in found] == [("AWS", 16), ("Google Cloud", 9)]
    assert found[0].evidence[0].value == "g6,g5"
    assert found[1].evidence[0].value == "nvidia-l4"


def test_lock004_neutral_selector_passes():
    deploy = """
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: llm}
    spec:
      template:
        spec:
          nodeSelector: {nvidia.com/gpu.product: NVIDIA-L4}
          containers: [{name: vllm, image: "vllm/vllm-openai:v0.6.3"}]
    """
    assert findings_for({"k8s/llm.yaml": deploy}, rule="LOCK004") == []


def test_lock005_irsa_and_terraform_workload_identity():
    files = {
        "k8s/sa.yaml": """
        apiVersion: v1
        kind: ServiceAccount
        metadata:
          name: loader
          namespace: serving
          annotations:
            eks.amazonaws.com/role-arn: arn:aws:iam::111122223333:role/loader
        """,
        "infra/sa.tf": """
        resource "kubernetes_service_account" "ksa" {
          metadata {
            name = "loader"
            annotations = {
              "iam.gke.io/gcp-service-account" = "loader@p.iam.gserviceaccount.com"
            }
          }
        }
        """,
    }
    found = sorted(findings_for(files, rule="LOCK005"), key=lambda f: f.subject)
    assert [(f.subject, f.location.line) for f in found] == [
        ("ServiceAccount/serving/loader", 8), ("kubernetes_service_account.ksa", 5)]
    assert found[1].evidence[0].value == "loader@p.iam.gserviceaccount.com"


def test_lock005_plain_service_account_passes():
    sa = """
    apiVersion: v1
    kind: ServiceAccount
    metadata: {name: loader, annotations: {team: ml}}
    """
    assert findings_for({"k8s/sa.yaml": sa}, rule="LOCK005") == []


def test_lock006_vertex_endpoint_but_not_a_bucket():
    tf = """
    resource "google_storage_bucket" "weights" {
      name     = "weights"
      location = "US"
      uniform_bucket_level_access = true
    }

    resource "google_vertex_ai_endpoint" "llm" {
      name         = "llm"
      display_name = "llm"
      location     = "us-central1"
    }
    """
    found = findings_for({"infra/main.tf": tf}, rule="LOCK006")
    assert [(f.subject, f.location.line) for f in found] == [("google_vertex_ai_endpoint.llm", 8)]
    assert found[0].evidence[0].value == "google_vertex_ai_endpoint"


def test_lock007_provider_crd_but_not_upstream_monitor():
    docs = """
    apiVersion: networking.gke.io/v1
    kind: HealthCheckPolicy
    metadata: {name: hc, namespace: serving}
    spec: {}
    ---
    apiVersion: monitoring.coreos.com/v1
    kind: PodMonitor
    metadata: {name: llm, namespace: serving}
    spec: {}
    """
    found = findings_for({"k8s/policy.yaml": docs}, rule="LOCK007")
    assert [(f.subject, f.location.line) for f in found] == [
        ("HealthCheckPolicy/serving/hc", 2)]


TPU_JOB = """
apiVersion: batch/v1
kind: Job
metadata: {name: mnist-training}
spec:
  template:
    spec:
      nodeSelector:
        cloud.google.com/gke-tpu-accelerator: tpu-v5-lite-podslice
        cloud.google.com/gke-tpu-topology: 2x4
      containers:
        - name: tensorflow
          image: tensorflow/tensorflow:2.16.1
          resources: {limits: {google.com/tpu: 8}}
"""


def test_lock004_selecting_tpu_nodes_is_inherent_to_a_tpu_workload():
    """`google.com/tpu` exists only on Google Cloud: no neutral label makes it portable."""
    assert findings_for({"k8s/job.yaml": TPU_JOB}, rule="LOCK004") == []
    on_gpus = TPU_JOB.replace("google.com/tpu: 8", "nvidia.com/gpu: 1")
    assert [f.detail for f in findings_for({"k8s/job.yaml": on_gpus}, rule="LOCK004")] == [
        "Google Cloud"]


HEALTH_CHECK = """
apiVersion: networking.gke.io/v1
kind: HealthCheckPolicy
metadata: {name: hc, namespace: serving}
spec: {}
"""


def test_lock_in_already_in_a_per_cloud_folder_or_component_is_not_reported():
    """The remedy the rules give (a per-cloud folder, an opt-in kustomize Component) is done."""
    component = """
    apiVersion: kustomize.config.k8s.io/v1alpha1
    kind: Component
    resources: [sa.yaml]
    """
    sa = """
    apiVersion: v1
    kind: ServiceAccount
    metadata:
      name: shoppingassistantservice
      annotations: {iam.gke.io/gcp-service-account: assistant@p.iam.gserviceaccount.com}
    """
    files = {"configs/gateway/gke/healthcheck.yaml": HEALTH_CHECK,
             "kustomize/components/assistant/kustomization.yaml": component,
             "kustomize/components/assistant/sa.yaml": sa}
    assert findings_for(files, rule="LOCK007") == []
    assert findings_for(files, rule="LOCK005") == []
    # a folder that only mentions the cloud (`gke-config`) is not a per-cloud variant
    assert len(findings_for({"configs/gke-config/hc.yaml": HEALTH_CHECK}, rule="LOCK007")) == 1
    assert len(findings_for({"kustomize/base/sa.yaml": sa}, rule="LOCK005")) == 1


def test_lock005_terraform_binding_beside_its_cloud_iam_is_isolated():
    sa = """
    resource "kubernetes_service_account" "ksa" {
      metadata {
        name = "loader"
        annotations = {
          "iam.gke.io/gcp-service-account" = "loader@p.iam.gserviceaccount.com"
        }
      }
    }
    """
    iam = """
    resource "google_service_account_iam_member" "ksa-bind-to-gsa" {
      service_account_id = "projects/p/serviceAccounts/loader@p.iam.gserviceaccount.com"
      role               = "roles/iam.workloadIdentityUser"
      member             = "serviceAccount:p.svc.id.goog[serving/loader]"
    }
    """
    files = {"modules/workload-identity/kubernetes.tf": sa,
             "modules/workload-identity/gcp.tf": iam}
    assert findings_for(files, rule="LOCK005") == []
    assert len(findings_for({"modules/app/kubernetes.tf": sa}, rule="LOCK005")) == 1


def test_lock003_class_created_by_terraform_is_defined():
    storage = """
    resource "kubernetes_storage_class_v1" "efs" {
      metadata {
        name = "efs-sc"
      }
      storage_provisioner = "efs.csi.aws.com"
    }
    """
    pvc = """
    apiVersion: v1
    kind: PersistentVolumeClaim
    metadata: {name: app}
    spec:
      storageClassName: efs-sc
      accessModes: [ReadWriteMany]
      resources: {requests: {storage: 5Gi}}
    """
    assert findings_for({"infra/storage.tf": storage, "infra/config/pvc.yaml": pvc},
                        rule="LOCK003") == []
    assert len(findings_for({"infra/config/pvc.yaml": pvc}, rule="LOCK003")) == 1
