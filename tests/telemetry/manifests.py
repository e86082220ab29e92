"""The repository side of the telemetry scenarios: manifests for the fleets in production."""

from __future__ import annotations

import textwrap

from bot.ingest.source import MemorySource

ARIA_YML = """\
headroom: {min: 0.20, max: 0.40}
telemetry: {window: 2d}
"""

IMAGES = {"vllm": "vllm/vllm-openai:v0.6.3",
          "tgi": "ghcr.io/huggingface/text-generation-inference:2.4.0",
          "triton": "nvcr.io/nvidia/tritonserver:24.08-py3",
          "http": "ghcr.io/example/api:1.4.2"}


def workload(name: str, *, replicas: int | None = 4, gpus: int = 1, exporter: str = "vllm",
             cpu: str = "2", memory_limit: str = "16Gi", kind: str = "Deployment",
             namespace: str | None = "serving") -> str:
    limits = f"{{memory: {memory_limit}" + (f", nvidia.com/gpu: {gpus}}}" if gpus else "}")
    meta = f"{{name: {name}, namespace: {namespace}}}" if namespace else f"{{name: {name}}}"
    lines = [
        "apiVersion: apps/v1",
        f"kind: {kind}",
        f"metadata: {meta}",
        "spec:",
    ]
    if replicas is not None:
        lines.append(f"  replicas: {replicas}")
    if kind == "StatefulSet":
        lines.append(f"  serviceName: {name}")
    lines += [
        f"  selector: {{matchLabels: {{app: {name}}}}}",
        "  template:",
        f"    metadata: {{labels: {{app: {name}}}}}",
        "    spec:",
        "      containers:",
        "        - name: server",
        f"          image: {IMAGES[exporter]}",
        "          resources:",
        f"            requests: {{cpu: \"{cpu}\", memory: 4Gi}}",
        f"            limits: {limits}",
    ]
    return "\n".join(lines) + "\n"


def hpa(name: str, low: int, high: int, target: int = 70, namespace: str = "serving") -> str:
    return textwrap.dedent(f"""\
        apiVersion: autoscaling/v2
        kind: HorizontalPodAutoscaler
        metadata: {{name: {name}, namespace: {namespace}}}
        spec:
          scaleTargetRef: {{apiVersion: apps/v1, kind: Deployment, name: {name}}}
          minReplicas: {low}
          maxReplicas: {high}
          metrics:
            - type: Resource
              resource: {{name: cpu, target: {{type: Utilization, averageUtilization: {target}}}}}
        """)


def gke_pool(max_nodes: int, machine: str = "g2-standard-8", accelerator: str = "nvidia-l4"
             ) -> str:
    return textwrap.dedent(f"""\
        resource "google_container_node_pool" "gpu" {{
          name    = "gpu"
          cluster = "ml"
          autoscaling {{
            min_node_count = 1
            max_node_count = {max_nodes}
          }}
          node_config {{
            machine_type = "{machine}"
            guest_accelerator {{
              type  = "{accelerator}"
              count = 1
            }}
          }}
        }}
        """)


def tree(files: dict[str, str], config: str | None = ARIA_YML) -> MemorySource:
    blobs = {path: text.encode() for path, text in files.items()}
    if config is not None:
        blobs[".aria.yml"] = config.encode()
    return MemorySource(blobs)
