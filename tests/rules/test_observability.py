from tests.conftest import findings_for

SERVER = """
apiVersion: apps/v1
kind: Deployment
metadata: {{name: llm, namespace: serving}}
spec:
  replicas: 2
  selector: {{matchLabels: {{app: llm}}}}
  template:
    metadata:
      labels: {{app: llm}}
{annotations}
    spec:
      containers:
        - name: vllm
          image: vllm/vllm-openai:v0.6.3
          args: ["--model", "Qwen/Qwen2.5-7B-Instruct"]
{probes}
          resources:
            limits: {{nvidia.com/gpu: 1}}
        - name: log-shipper
          image: fluent/fluent-bit:3.1
"""

READY = "          readinessProbe: {httpGet: {path: /health, port: 8000}}"
LIVE = "          livenessProbe: {httpGet: {path: /health, port: 8000}, periodSeconds: 15}"
STARTUP = "          startupProbe: {httpGet: {path: /health, port: 8000}, failureThreshold: 60}"


def server(probes: str = "", annotations: str = "") -> str:
    return SERVER.format(probes=probes, annotations=annotations)


def test_obs001_server_container_without_readiness_probe():
    found = findings_for({"k8s/llm.yaml": server(LIVE)}, rule="OBS001")
    # the log shipper is a sidecar, not the model server: only `vllm` is reported
    assert [(f.subject, f.detail, f.location.line) for f in found] == [
        ("Deployment/serving/llm", "vllm", 14)]
    assert found[0].evidence[0].value == "not set"


def test_obs001_probe_present_or_patch_fragment_passes():
    assert findings_for({"k8s/llm.yaml": server(READY)}, rule="OBS001") == []
    patch = """
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: llm}
    spec:
      template:
        spec:
          containers:
            - name: vllm
              image: vllm/vllm-openai:v0.6.4
    """
    assert findings_for({"overlays/prod/image-patch.yaml": patch}, rule="OBS001") == []


def test_obs002_missing_liveness_probe_is_a_note():
    found = findings_for({"k8s/llm.yaml": server(READY)}, rule="OBS002")
    assert [(f.detail, f.severity.value) for f in found] == [("vllm", "note")]
    assert findings_for({"k8s/llm.yaml": server(f"{READY}\n{LIVE}")}, rule="OBS002") == []


def test_obs003_no_scrape_configuration():
    found = findings_for({"k8s/llm.yaml": server(READY)}, rule="OBS003")
    assert [(f.subject, f.location.line) for f in found] == [("Deployment/serving/llm", 4)]


def test_obs003_pod_annotation_passes():
    notes = '      annotations: {prometheus.io/scrape: "true", prometheus.io/port: "8000"}'
    assert findings_for({"k8s/llm.yaml": server(READY, notes)}, rule="OBS003") == []


def test_obs003_service_monitor_through_service_passes():
    svc = """
    apiVersion: v1
    kind: Service
    metadata: {name: llm, namespace: serving, labels: {app: llm, monitored: "yes"}}
    spec:
      selector: {app: llm}
      ports: [{name: http, port: 8000}]
    ---
    apiVersion: monitoring.coreos.com/v1
    kind: ServiceMonitor
    metadata: {name: llm, namespace: monitoring}
    spec:
      namespaceSelector: {matchNames: [serving]}
      selector: {matchLabels: {monitored: "yes"}}
      endpoints: [{port: http}]
    """
    assert findings_for({"k8s/llm.yaml": server(READY), "k8s/mon.yaml": svc},
                        rule="OBS003") == []


def test_obs003_catch_all_or_other_namespace_monitor_does_not_count():
    monitors = """
    apiVersion: monitoring.coreos.com/v1
    kind: PodMonitor
    metadata: {name: envoy-stats, namespace: istio-system}
    spec:
      namespaceSelector: {any: true}
      selector:
        matchExpressions: [{key: istio-prometheus-ignore, operator: DoesNotExist}]
    ---
    apiVersion: monitoring.coreos.com/v1
    kind: PodMonitor
    metadata: {name: llm, namespace: staging}
    spec:
      selector: {matchLabels: {app: llm}}
    """
    found = findings_for({"k8s/llm.yaml": server(READY), "k8s/mon.yaml": monitors},
                         rule="OBS003")
    assert len(found) == 1


def test_obs004_triton_metrics_disabled_in_shell_command():
    triton = """
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: triton, namespace: serving}
    spec:
      selector: {matchLabels: {app: triton}}
      template:
        spec:
          containers:
            - name: triton
              image: nvcr.io/nvidia/tritonserver:24.08-py3
              command: ["/bin/sh", "-c"]
              args:
                - tritonserver --model-repository=/models --allow-metrics=false
    """
    found = findings_for({"k8s/triton.yaml": triton}, rule="OBS004")
    assert [(f.detail, f.location.line, f.evidence[0].value) for f in found] == [
        ("triton:allow-metrics", 14, "false")]
    assert findings_for({"k8s/triton.yaml": triton.replace("=false", "=true")},
                        rule="OBS004") == []


def test_obs005_liveness_without_startup_probe_on_gpu_server():
    found = findings_for({"k8s/llm.yaml": server(f"{READY}\n{LIVE}")}, rule="OBS005")
    assert [(f.detail, f.location.line) for f in found] == [("vllm", 18)]
    values = {e.label: e.value for e in found[0].evidence}
    assert values["livenessProbe.periodSeconds"] == 15
    assert values["livenessProbe.failureThreshold (Kubernetes default)"] == 3
    assert "**45**" in found[0].message


def test_obs005_startup_probe_passes():
    probes = f"{READY}\n{LIVE}\n{STARTUP}"
    assert findings_for({"k8s/llm.yaml": server(probes)}, rule="OBS005") == []
