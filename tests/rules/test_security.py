import base64
import random
import string
import textwrap

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
    assert [(f.detail, f.location.line) for f in found] == [("vllm", 16)]
    assert [(e.value, e.location.line) for e in found[0].evidence] == [
        ("capabilities.add: CAP_SYS_ADMIN", 16), ("allowPrivilegeEscalation: true", 15)]
    assert "NET_BIND_SERVICE" not in found[0].message  # the baseline allows it


RANKER = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: ranker, namespace: recsys}
spec:
  replicas: 3
  selector: {matchLabels: {app: ranker}}
  template:
    metadata: {labels: {app: ranker}}
    spec:
      containers:
        - name: triton
          image: nvcr.io/nvidia/tritonserver:24.08-py3
          args: [tritonserver, --model-repository=s3://acme-models/ranker]
          securityContext:
            allowPrivilegeEscalation: false
            capabilities: {drop: [ALL]}
        - name: egress-shaper
          image: ghcr.io/acme-platform/tc-shaper:0.3.1
          args: ["--iface=eth0", "--rate=400mbit"]
          securityContext:
            capabilities:
              drop: ["ALL"]
              add: ["NET_ADMIN"]
"""


def test_sec002_net_admin_sidecar_with_escalation_left_unset():
    """NET_ADMIN is outside the Pod Security baseline, and an unset allowPrivilegeEscalation
    is allowed escalation: the sidecar of a model server is reported with both."""
    found = findings_for({"recsys/ranker.yaml": RANKER}, rule="SEC002")
    assert [(f.detail, f.location.line) for f in found] == [("egress-shaper", 24)]
    assert [(e.value, e.location.line) for e in found[0].evidence] == [
        ("capabilities.add: NET_ADMIN", 24), ("allowPrivilegeEscalation not set (allowed)", 18)]
    assert "NET_ADMIN" in found[0].message


def test_sec002_unset_escalation_counts_on_model_servers_only():
    found = findings_for({"k8s/llm.yaml": server()}, rule="SEC002")
    assert [(f.detail, f.evidence[0].value) for f in found] == [
        ("vllm", "allowPrivilegeEscalation not set (allowed)")]
    batch = """
    apiVersion: batch/v1
    kind: Job
    metadata: {name: convert, namespace: ml}
    spec:
      template:
        spec:
          containers: [{name: convert, image: "python:3.12"}]
    """
    assert findings_for({"k8s/job.yaml": batch}, rule="SEC002") == []


def test_sec002_kserve_model_takes_its_security_context_from_the_runtime():
    isvc = """
    apiVersion: serving.kserve.io/v1beta1
    kind: InferenceService
    metadata: {name: flowers, namespace: ml}
    spec:
      predictor:
        minReplicas: 2
        model:
          modelFormat: {name: tensorflow}
          storageUri: gs://kfserving-examples/models/tensorflow/flowers
        containers:
          - name: transformer
            image: kserve/image-transformer:v0.14.0
    """
    found = findings_for({"k8s/isvc.yaml": isvc}, rule="SEC002")
    assert [(f.detail, f.evidence[0].value) for f in found] == [
        ("transformer", "allowPrivilegeEscalation not set (allowed)")]


def test_sec002_hardened_passes():
    assert findings_for({"k8s/llm.yaml": server(container=HARDENED)}, rule="SEC002") == []
    baseline = HARDENED.replace("drop: [ALL]}", "drop: [ALL], add: [NET_BIND_SERVICE]}")
    assert findings_for({"k8s/llm.yaml": server(container=baseline)}, rule="SEC002") == []


NODE_AGENT = """
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: nvidia-driver-daemonset, namespace: gpu-operator}
spec:
  selector: {matchLabels: {app: nvidia-driver-daemonset}}
  template:
    metadata: {labels: {app: nvidia-driver-daemonset}}
    spec:
      hostPID: true
      containers:
        - name: nvidia-driver-ctr
          image: nvcr.io/nvidia/driver:550.90.07-ubuntu22.04
          securityContext: {privileged: true}
          volumeMounts:
            - {name: run-nvidia, mountPath: /run/nvidia, mountPropagation: Bidirectional}
      volumes:
        - name: run-nvidia
          hostPath: {path: /run/nvidia, type: DirectoryOrCreate}
        - name: host-root
          hostPath: {path: /}
        - name: dev-log
          hostPath: {path: /dev/log}
"""


def test_node_agent_is_exempt_by_role_in_any_namespace():
    """A GPU driver DaemonSet (outside kube-system) mounts driver and device paths of its node
    and propagates its mounts back to it: privilege, hostPID and host paths are its job."""
    for rule in ("SEC001", "SEC002", "SEC005", "SEC007"):
        assert findings_for({"gpu/driver.yaml": NODE_AGENT}, rule=rule) == [], rule


def test_node_agent_exemption_needs_the_role_not_the_name():
    """The same DaemonSet without device or driver mounts is not a node agent, nor privileged
    for a reason; a Deployment with the same mounts is not an agent; a runtime socket is
    reported even for an agent, and so is root."""
    plain = NODE_AGENT.replace("/run/nvidia, type", "/srv/cache, type").replace(
        "{path: /dev/log}", "{path: /var/log}").replace(", mountPropagation: Bidirectional", "")
    assert [f.detail for f in findings_for({"ds.yaml": plain}, rule="SEC001")] == [
        "nvidia-driver-ctr"]
    assert len(findings_for({"ds.yaml": plain}, rule="SEC007")) == 1
    assert [f.detail for f in findings_for({"ds.yaml": plain}, rule="SEC005")] == [
        "run-nvidia", "host-root", "dev-log"]
    as_deployment = NODE_AGENT.replace("kind: DaemonSet", "kind: Deployment")
    assert len(findings_for({"d.yaml": as_deployment}, rule="SEC007")) == 1
    with_socket = NODE_AGENT.replace("privileged: true}", "privileged: true, runAsUser: 0}") + \
        """        - name: containerd
          hostPath: {path: /run/containerd/containerd.sock}
"""
    assert [f.detail for f in findings_for({"ds.yaml": with_socket}, rule="SEC006")] == [
        "containerd"]
    assert len(findings_for({"ds.yaml": with_socket}, rule="SEC003")) == 1


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


def test_sec008_placeholders_and_build_references_are_not_pulled():
    """Strings no runtime could pull are replaced before deploy: the GPU Operator's
    `FILLED BY THE OPERATOR`, a ko build path, templates."""
    images = ["FILLED BY THE OPERATOR", "ko://github.com/kserve/kserve/cmd/manager",
              "${IMAGE}", "$IMAGE", "{{ .Values.image }}", "gcr.io/YOUR_PROJECT/hf-lc-ray:latest"]
    files = {f"k8s/{i}.yaml": server(image=f'"{image}"').replace("name: llm,", f"name: m{i},")
             for i, image in enumerate(images)}
    # a placeholder inside a real reference keeps its tag: that one still pulls latest
    assert [f.evidence[0].value for f in findings_for(files, rule="SEC008")] == [
        "gcr.io/YOUR_PROJECT/hf-lc-ray:latest"]


def test_sec008_bare_name_the_tree_builds_is_an_artifact():
    """`image: cartservice` beside a release manifest that pins
    `…/microservices-demo/cartservice:v0.10.1` is skaffold's artifact name, not Docker Hub's
    `latest`; a bare official image (`nginx`, mirrored as `library/nginx`) still pulls latest."""
    def deployment(name: str, image: str) -> str:
        return server(image=image).replace("name: llm,", f"name: {name},")
    files = {
        "kubernetes-manifests/cart.yaml": deployment("cartservice", "cartservice"),
        "release/cart.yaml": deployment(
            "cartservice", "us-central1-docker.pkg.dev/google-samples/microservices-demo/"
                           "cartservice:v0.10.1"),
        "kubernetes-manifests/ad.yaml": deployment("adservice", "adservice"),
        "skaffold.yaml": """
            apiVersion: skaffold/v4beta6
            kind: Config
            build:
              artifacts:
                - image: adservice
                  context: src/adservice
            """,
        "web/web.yaml": deployment("web", "nginx"),
        "web/mirror.yaml": deployment("mirror", "docker.io/library/nginx:1.27"),
    }
    found = findings_for(files, rule="SEC008")
    assert [(f.location.path, f.evidence[0].value) for f in found] == [("web/web.yaml", "nginx")]


def test_sec009_placeholders_are_not_credentials():
    """The values of a dev overlay that are filled in at deploy time (scenario 35), and the
    made-up values of documentation."""
    values = ["changeme", "dummy", "${HF_TOKEN}", "<path:secret/data/rag-dev/langfuse#key>",
              '"{{ .Values.wandb.apiKey }}"', '""', "GOOGLE_API_KEY_VAL", "yourpassword",
              "$DB_PASSWORD", "AKIAIOSFODNN7EXAMPLE", "sk-xxxxxxxxxxxxxxxxxxxxxxxxxxxx",
              "REPLACE_ME"]
    env = "\n".join(f"            - {{name: API_KEY_{i}, value: {v}}}"
                     for i, v in enumerate(values))
    manifest = server(container="          env:\n" + env)
    assert findings_for({"k8s/llm.yaml": manifest}, rule="SEC009") == []


def _pem_key(seed: int) -> str:
    body = base64.b64encode(random.Random(seed).randbytes(600)).decode()
    lines = [body[i:i + 64] for i in range(0, len(body), 64)]
    return "\n".join(["-----BEGIN RSA PRIVATE KEY-----", *lines, "-----END RSA PRIVATE KEY-----"])


def test_sec009_reads_values_a_private_key_under_a_harmless_name():
    key = textwrap.indent(_pem_key(36), " " * 16)
    rnd = random.Random(9)
    access_key = "AKIA" + "".join(rnd.choice(string.ascii_uppercase + string.digits)
                                  for _ in range(16))
    container = f"""          env:
            - {{name: HF_HOME, value: /models/.hf}}
            - name: BOOTSTRAP_DATA
              value: |
{key}
            - {{name: UPSTREAM_ID, value: {access_key}}}
            - {{name: MYSQL_PASSWORD, value: password}}"""
    found = findings_for({"k8s/llm.yaml": server(container=container)}, rule="SEC009")
    assert [(f.detail, f.location.line) for f in found] == [
        ("vllm:BOOTSTRAP_DATA", 17), ("vllm:UPSTREAM_ID", 33), ("vllm:MYSQL_PASSWORD", 34)]
    assert "PEM private key" in found[0].message and "AWS access key id" in found[1].message
    assert "credential, by its name" in found[2].message
    assert all("BEGIN" not in str(e.value) and access_key not in str(e.value)
               for f in found for e in f.evidence)


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
