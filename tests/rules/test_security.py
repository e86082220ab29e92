from bot.checks.security import image_tag
from tests.conftest import findings_for

SERVER = """
apiVersion: apps/v1
kind: Deployment
metadata: {{name: llm, namespace: serving}}
spec:
  replicas: 2
  template:
    spec:
{pod}
      containers:
        - name: vllm
          image: {image}
          args: ["--model", "meta-llama/Llama-3.1-8B-Instruct"]
{container}
          resources:
            limits: {{nvidia.com/gpu: 1}}
  selector: {{matchLabels: {{app: llm}}}}
"""


def server(pod: str = "", container: str = "", image: str = "vllm/vllm-openai:v0.6.3") -> str:
    return SERVER.format(pod=pod, container=container, image=image)


HARDENED = """          securityContext:
            runAsNonRoot: true
            runAsUser: 1000
            allowPrivilegeEscalation: false
            capabilities: {drop: [ALL]}"""


def test_sec001_privileged_container():
    manifest = server(container="          securityContext: {privileged: true}")
    found = findings_for({"k8s/llm.yaml": manifest}, rule="SEC001")
    assert [(f.subject, f.detail, f.location.line) for f in found] == [
        ("Deployment/serving/llm", "vllm", 14)]
    assert found[0].severity.value == "error"


def test_sec001_node_agent_in_kube_system_is_exempt():
    agent = """
    apiVersion: apps/v1
    kind: DaemonSet
    metadata: {name: nvidia-device-plugin, namespace: kube-system}
    spec:
      template:
        spec:
          containers:
            - name: plugin
              image: nvcr.io/nvidia/k8s-device-plugin:v0.16.2
              securityContext: {privileged: true}
    """
    assert findings_for({"k8s/ds.yaml": agent}, rule="SEC001") == []
    assert findings_for({"k8s/llm.yaml": server(container=HARDENED)}, rule="SEC001") == []


def test_sec002_escalation_and_sys_admin():
    container = """          securityContext:
            allowPrivilegeEscalation: true
            capabilities: {add: [NET_BIND_SERVICE, CAP_SYS_ADMIN]}"""
    found = findings_for({"k8s/llm.yaml": server(container=container)}, rule="SEC002")
    assert sorted(f.location.line for f in found) == [15, 16]
    assert {e.value for f in found for e in f.evidence} == {True, "CAP_SYS_ADMIN"}


def test_sec002_hardened_passes():
    assert findings_for({"k8s/llm.yaml": server(container=HARDENED)}, rule="SEC002") == []


def test_sec003_pod_level_root_user_reaches_every_container():
    found = findings_for({"k8s/llm.yaml": server(pod="      securityContext: {runAsUser: 0}")},
                         rule="SEC003")
    assert [(f.detail, f.location.line) for f in found] == [("vllm", 9)]
    assert found[0].evidence[0].value == 0


def test_sec003_container_overrides_pod_root():
    manifest = server(pod="      securityContext: {runAsUser: 0}",
                      container="          securityContext: {runAsUser: 1000}")
    assert findings_for({"k8s/llm.yaml": manifest}, rule="SEC003") == []


def test_sec004_serving_container_without_non_root():
    found = findings_for({"k8s/llm.yaml": server()}, rule="SEC004")
    assert [(f.detail, f.location.line) for f in found] == [("vllm", 11)]
    assert found[0].evidence[1].value == "vllm/vllm-openai:v0.6.3"
    assert found[0].severity.value == "note"


def test_sec004_pod_level_non_root_and_plain_web_app_pass():
    manifest = server(pod="      securityContext: {runAsNonRoot: true, runAsUser: 1000}")
    web = """
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web}
    spec:
      template:
        spec:
          containers: [{name: web, image: "nginx:1.27"}]
    """
    assert findings_for({"k8s/llm.yaml": manifest, "k8s/web.yaml": web}, rule="SEC004") == []


HOST_PATHS = """
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: node-cache, namespace: ml}
spec:
  template:
    spec:
      containers: [{name: warm, image: "busybox:1.36"}]
      volumes:
        - name: models
          hostPath: {path: /mnt/models}
        - name: docker
          hostPath: {path: /var/run/docker.sock, type: Socket}
        - name: scratch
          emptyDir: {}
"""


def test_sec005_and_sec006_split_host_paths():
    sec005 = findings_for({"k8s/ds.yaml": HOST_PATHS}, rule="SEC005")
    sec006 = findings_for({"k8s/ds.yaml": HOST_PATHS}, rule="SEC006")
    assert [(f.detail, f.location.line, f.evidence[0].value) for f in sec005] == [
        ("models", 11, "/mnt/models")]
    assert [(f.detail, f.location.line, f.severity.value) for f in sec006] == [
        ("docker", 13, "error")]


def test_sec005_no_host_path_passes():
    assert findings_for({"k8s/llm.yaml": server()}, rule="SEC005") == []


def test_sec007_host_network_and_pid():
    manifest = server(pod="      hostNetwork: true\n      hostPID: true\n      hostIPC: false")
    found = findings_for({"k8s/llm.yaml": manifest}, rule="SEC007")
    assert len(found) == 1
    assert [(e.label, e.location.line) for e in found[0].evidence] == [
        ("hostNetwork", 9), ("hostPID", 10)]
    assert findings_for({"k8s/llm.yaml": server()}, rule="SEC007") == []


def test_image_tag_parsing():
    assert image_tag("vllm/vllm-openai") == ""
    assert image_tag("registry.local:5000/vllm") == ""
    assert image_tag("registry.local:5000/vllm:v1") == "v1"
    assert image_tag("vllm/vllm-openai:latest@sha256:abcd") is None


def test_sec008_latest_and_untagged_but_not_digest_or_version():
    files = {
        "k8s/a.yaml": server(image="vllm/vllm-openai:latest"),
        "k8s/b.yaml": server(image="registry.local:5000/llm").replace("name: llm,", "name: b,"),
        "k8s/c.yaml": server(image="vllm/vllm-openai@sha256:0123").replace("name: llm,",
                                                                          "name: c,"),
        "k8s/d.yaml": server(image="vllm/vllm-openai:v0.6.3").replace("name: llm,", "name: d,"),
    }
    found = sorted(findings_for(files, rule="SEC008"), key=lambda f: f.subject)
    assert [(f.subject, f.location.line, f.evidence[0].value) for f in found] == [
        ("Deployment/serving/b", 12, "registry.local:5000/llm"),
        ("Deployment/serving/llm", 12, "vllm/vllm-openai:latest")]


def test_sec009_literal_token_is_reported_without_its_value():
    container = """          env:
            - {name: HF_TOKEN, value: hf_abcdefghijklmnopqrstuvwxyz}
            - {name: ALLOW_EMPTY_PASSWORD, value: "yes"}
            - {name: MAX_TOKENS, value: "4096"}
            - name: API_KEY
              valueFrom: {secretKeyRef: {name: llm, key: api-key}}
            - {name: DB_PASSWORD, value: "$(PASSWORD_FROM_INIT)"}"""
    found = findings_for({"k8s/llm.yaml": server(container=container)}, rule="SEC009")
    assert [(f.detail, f.location.line) for f in found] == [("vllm:HF_TOKEN", 15)]
    assert "hf_abc" not in found[0].message
    assert all("hf_abc" not in str(e.value) for e in found[0].evidence)


def test_sec010_public_bucket_settings():
    tf = """
    resource "aws_s3_bucket_public_access_block" "weights" {
      bucket                  = aws_s3_bucket.weights.id
      block_public_acls       = true
      block_public_policy     = false
      ignore_public_acls      = true
      restrict_public_buckets = var.restrict
    }

    resource "google_storage_bucket_iam_member" "public" {
      bucket = "weights"
      role   = "roles/storage.objectViewer"
      member = "allUsers"
    }

    resource "google_storage_bucket_iam_member" "serving" {
      bucket = "weights"
      role   = "roles/storage.objectViewer"
      member = "serviceAccount:llm@p.iam.gserviceaccount.com"
    }
    """
    found = sorted(findings_for({"infra/s3.tf": tf}, rule="SEC010"), key=lambda f: f.subject)
    assert [(f.subject, f.location.line) for f in found] == [
        ("aws_s3_bucket_public_access_block.weights", 5),
        ("google_storage_bucket_iam_member.public", 13)]
    assert [(e.label, e.value) for e in found[0].evidence] == [("block_public_policy", "false")]
    assert "`block_public_policy = false`" in found[0].message


def test_sec011_and_sec012_required_settings():
    tf = """
    resource "google_storage_bucket" "acl" {
      name     = "weights"
      location = "US"
    }

    resource "google_storage_bucket" "uniform" {
      name                        = "weights-2"
      location                    = "US"
      uniform_bucket_level_access = true
    }

    resource "aws_efs_file_system" "models" {
      creation_token = "models"
      encrypted      = false
    }

    resource "aws_efs_file_system" "cache" {
      creation_token = "cache"
      encrypted      = true
    }
    """
    sec011 = findings_for({"infra/main.tf": tf}, rule="SEC011")
    sec012 = findings_for({"infra/main.tf": tf}, rule="SEC012")
    assert [(f.subject, f.location.line, f.evidence[0].value) for f in sec011] == [
        ("google_storage_bucket.acl", 2, "not set")]
    assert [(f.subject, f.location.line, f.evidence[0].value) for f in sec012] == [
        ("aws_efs_file_system.models", 15, "false")]
