"""The platform repository under review, written from the same workloads as the telemetry.

`write_tree(dir, changes)` writes the whole repository (one file per workload, a Triton model
config, `.aria.yml` with the headroom policy and one series mapping); `changes` overrides what
a PR would edit, per workload key.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from pathlib import Path

from tests.telemetry_blind.fleet import GIB, Workload
from tests.telemetry_blind.scenario import (
    FLEET,
    GEMMA,
    GEMMA_SELECTOR,
    HEADROOM_MAX,
    HEADROOM_MIN,
)


@dataclass(frozen=True)
class Change:
    replicas: int | None = None
    hpa_max: int | None = None
    memory_gib: int | None = None
    annotation: str | None = None        # a pod-template annotation (no capacity change)


def _resources(w: Workload, memory: int) -> str:
    gpu = f"\n                nvidia.com/gpu: {w.gpus_per_pod}" if w.gpus_per_pod else ""
    return (f"""            resources:
              requests:
                cpu: "{w.cpu_request:g}"
                memory: {memory // GIB}Gi{gpu}
              limits:
                memory: {memory // GIB}Gi{gpu}""")


@dataclass(frozen=True)
class _Server:
    args: str                       # the YAML flow list of the container's args, or ""
    ports: list[tuple[str, int]]
    ready: str                      # readiness path
    live: str | None                # liveness path
    live_delay: int = 0
    env: str = ""


def _server(w: Workload) -> _Server:
    if w.exporter == "triton":
        return _Server(f'["tritonserver", "--model-repository=gs://ml-models-prod/{w.name}", '
                       '"--model-control-mode=none", "--strict-readiness=true"]',
                       [("http", 8000), ("grpc", 8001), ("metrics", 8002)],
                       "/v2/health/ready", "/v2/health/live")
    if w.exporter == "vllm":
        return _Server(f'["--model", "{w.model}", "--max-num-seqs", "{w.max_num_seqs}", '
                       '"--gpu-memory-utilization", "0.90", "--max-model-len", "8192"]',
                       [("http", 8000)], "/health", "/health", live_delay=120)
    if w.exporter == "tgi":
        return _Server(f'["--model-id", "{w.model}", "--max-concurrent-requests", "128"]',
                       [("http", 80)], "/health", None)
    return _Server("", [("http", 8080)], "/actuator/health/readiness",
                   "/actuator/health/liveness",
                   env='[{name: JAVA_TOOL_OPTIONS, value: "-XX:MaxRAMPercentage=75"}]')


def _container(w: Workload, memory: int) -> str:
    srv = _server(w)
    ports = "".join(f"\n              - {{name: {n}, containerPort: {p}}}" for n, p in srv.ports)
    args = f"\n            args: {srv.args}" if srv.args else ""
    env = f"\n            env: {srv.env}" if srv.env else ""
    live = ""
    if srv.live:
        delay = f"\n              initialDelaySeconds: {srv.live_delay}" if srv.live_delay else ""
        live = (f"\n            livenessProbe:\n              httpGet: {{path: {srv.live}, "
                f"port: http}}{delay}\n              periodSeconds: 10")
    return f"""          - name: {w.container}
            image: {w.image}{args}{env}
            ports:{ports}
            readinessProbe:
              httpGet: {{path: {srv.ready}, port: http}}
              periodSeconds: 5{live}
{_resources(w, memory)}"""


def workload_yaml(w: Workload, change: Change) -> str:
    memory = (change.memory_gib * GIB) if change.memory_gib else w.memory_request
    replicas = change.replicas if change.replicas is not None else w.replicas
    # an HPA owns the replica count: the Deployment leaves it out, as GitOps needs
    replicas_line = "" if w.hpa else f"\n  replicas: {replicas}"
    annotations = ""
    if change.annotation:
        annotations = f"\n      annotations:\n        {change.annotation}"
    gpu_node = ""
    if w.gpus_per_pod:
        gpu_node = """
      nodeSelector:
        cloud.google.com/gke-accelerator: nvidia-tesla-a100
      tolerations:
        - {key: nvidia.com/gpu, operator: Exists, effect: NoSchedule}"""
    port = {"triton": 8000, "vllm": 8000, "tgi": 80, "http": 8080}[w.exporter]
    docs = [f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: {w.name}
  namespace: {w.namespace}
  labels:
    app.kubernetes.io/name: {w.name}
    app.kubernetes.io/part-of: {w.namespace}
spec:{replicas_line}
  revisionHistoryLimit: 5
  strategy:
    type: RollingUpdate
    rollingUpdate: {{maxSurge: 1, maxUnavailable: 0}}
  selector:
    matchLabels:
      app.kubernetes.io/name: {w.name}
  template:
    metadata:
      labels:
        app.kubernetes.io/name: {w.name}
        app.kubernetes.io/part-of: {w.namespace}{annotations}
    spec:
      securityContext:
        runAsNonRoot: true
        runAsUser: 1000
        seccompProfile: {{type: RuntimeDefault}}{gpu_node}
      topologySpreadConstraints:
        - maxSkew: 1
          topologyKey: topology.kubernetes.io/zone
          whenUnsatisfiable: ScheduleAnyway
          labelSelector:
            matchLabels:
              app.kubernetes.io/name: {w.name}
      containers:
{_container(w, memory)}
            securityContext:
              allowPrivilegeEscalation: false
              readOnlyRootFilesystem: true
              capabilities: {{drop: [ALL]}}
""", f"""apiVersion: v1
kind: Service
metadata:
  name: {w.name}
  namespace: {w.namespace}
spec:
  selector:
    app.kubernetes.io/name: {w.name}
  ports:
    - {{name: http, port: {port}, targetPort: http}}
""", f"""apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {w.name}
  namespace: {w.namespace}
spec:
  maxUnavailable: 1
  selector:
    matchLabels:
      app.kubernetes.io/name: {w.name}
"""]
    if w.hpa is not None:
        hpa_max = change.hpa_max if change.hpa_max is not None else w.hpa.max_replicas
        docs.append(f"""apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {w.name}
  namespace: {w.namespace}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {w.name}
  minReplicas: {w.hpa.min_replicas}
  maxReplicas: {hpa_max}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {round(w.hpa.target_cpu * 100)}
  behavior:
    scaleDown:
      stabilizationWindowSeconds: 300
""")
    return "---\n".join(docs)


RESNET_CONFIG = """name: "resnet50"
platform: "onnxruntime_onnx"
max_batch_size: 32
input [
  { name: "input" data_type: TYPE_FP32 dims: [ 3, 224, 224 ] }
]
output [
  { name: "logits" data_type: TYPE_FP32 dims: [ 1000 ] }
]
instance_group [ { count: 1 kind: KIND_GPU } ]
dynamic_batching { max_queue_delay_microseconds: 2000 }
"""


def aria_yml() -> str:
    return textwrap.dedent(f"""\
        version: 1
        headroom: {{min: {HEADROOM_MIN}, max: {HEADROOM_MAX}}}
        telemetry:
          window: 14d
          percentile: 99
          workloads:
            {GEMMA.key}:
              selector: '{GEMMA_SELECTOR}'
              exporter: vllm
        """)


def write_tree(root: Path, changes: dict[str, Change] | None = None) -> Path:
    changes = changes or {}
    root.mkdir(parents=True, exist_ok=True)
    for w in FLEET:
        path = root / "apps" / w.namespace / f"{w.name}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(workload_yaml(w, changes.get(w.key, Change())))
    model = root / "models" / "resnet50" / "config.pbtxt"
    model.parent.mkdir(parents=True, exist_ok=True)
    model.write_text(RESNET_CONFIG)
    (root / ".aria.yml").write_text(aria_yml())
    return root
