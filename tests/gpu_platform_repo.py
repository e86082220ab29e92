"""A small but realistic GPU serving platform as a git repository, with one branch per change.

The base tree (branch `main`) holds:
- `serving/vllm/`: a plain-manifest vLLM chat server with its HPA, PDB, Service,
  ServiceAccount, Role and RoleBinding, NetworkPolicy and ConfigMap;
- `serving/triton/base` with two overlays (`prod`, `staging`) rendered by Kustomize
  (namePrefix, namespace, replicas, images, patches);
- `models/`: a Triton model repository (`config.pbtxt`);
- `platform/rbac/`: cluster-wide roles and bindings;
- `infra/`: Terraform GPU node pools on EKS and GKE.

Each change in CHANGES edits what a workload relates to (its autoscaler, disruption budget,
Service, binding, node pool, overlay) while mostly leaving the workload's own file alone.
"""

from __future__ import annotations

import subprocess
import textwrap
from collections.abc import Callable
from pathlib import Path

Tree = dict[str, str]


def _d(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


VLLM_DEPLOYMENT = _d("""
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: chat-llm
      namespace: inference
      labels: {app.kubernetes.io/name: chat-llm, team: genai}
    spec:
      replicas: 2
      selector:
        matchLabels: {app.kubernetes.io/name: chat-llm}
      strategy:
        type: RollingUpdate
        rollingUpdate: {maxSurge: 1, maxUnavailable: 0}
      template:
        metadata:
          labels: {app.kubernetes.io/name: chat-llm, team: genai}
        spec:
          serviceAccountName: chat-llm
          nodeSelector:
            platform.example.com/pool: llm-gpu
          tolerations:
            - {key: nvidia.com/gpu, operator: Exists, effect: NoSchedule}
          affinity:
            podAntiAffinity:
              preferredDuringSchedulingIgnoredDuringExecution:
                - weight: 100
                  podAffinityTerm:
                    topologyKey: kubernetes.io/hostname
                    labelSelector:
                      matchLabels: {app.kubernetes.io/name: chat-llm}
          securityContext: {runAsNonRoot: true, runAsUser: 1000}
          containers:
            - name: vllm
              image: vllm/vllm-openai:v0.6.3
              args: ["--model", "/models/llama-3-8b", "--tensor-parallel-size", "4",
                     "--max-model-len", "8192", "--gpu-memory-utilization", "0.88"]
              ports: [{name: http, containerPort: 8000}]
              readinessProbe: {httpGet: {path: /health, port: 8000}, periodSeconds: 5}
              livenessProbe:
                httpGet: {path: /health, port: 8000}
                initialDelaySeconds: 600
              resources:
                requests: {cpu: "8", memory: 64Gi, nvidia.com/gpu: "4"}
                limits: {memory: 64Gi, nvidia.com/gpu: "4"}
              volumeMounts:
                - {name: sampling, mountPath: /etc/vllm}
          volumes:
            - name: sampling
              configMap: {name: chat-llm-sampling}
    """)

VLLM_HPA = _d("""
    apiVersion: autoscaling/v2
    kind: HorizontalPodAutoscaler
    metadata:
      name: chat-llm
      namespace: inference
    spec:
      scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: chat-llm}
      minReplicas: 2
      maxReplicas: 4
      metrics:
        - type: Resource
          resource:
            name: cpu
            target: {type: Utilization, averageUtilization: 60}
    """)

VLLM_PDB = _d("""
    apiVersion: policy/v1
    kind: PodDisruptionBudget
    metadata:
      name: chat-llm
      namespace: inference
    spec:
      maxUnavailable: 1
      selector:
        matchLabels: {app.kubernetes.io/name: chat-llm}
    """)

VLLM_SERVICE = _d("""
    apiVersion: v1
    kind: Service
    metadata:
      name: chat-llm
      namespace: inference
      labels: {app.kubernetes.io/name: chat-llm}
    spec:
      selector: {app.kubernetes.io/name: chat-llm}
      ports: [{name: http, port: 80, targetPort: 8000}]
    """)

VLLM_MONITOR = _d("""
    apiVersion: monitoring.coreos.com/v1
    kind: ServiceMonitor
    metadata:
      name: chat-llm
      namespace: inference
    spec:
      selector:
        matchLabels: {app.kubernetes.io/name: chat-llm}
      endpoints: [{port: http, path: /metrics, interval: 15s}]
    """)

VLLM_SA = _d("""
    apiVersion: v1
    kind: ServiceAccount
    metadata:
      name: chat-llm
      namespace: inference
    automountServiceAccountToken: false
    """)

VLLM_ROLE = _d("""
    apiVersion: rbac.authorization.k8s.io/v1
    kind: Role
    metadata:
      name: chat-llm-reader
      namespace: inference
    rules:
      - apiGroups: [""]
        resources: [configmaps]
        verbs: [get, list, watch]
    ---
    apiVersion: rbac.authorization.k8s.io/v1
    kind: RoleBinding
    metadata:
      name: chat-llm-reader
      namespace: inference
    roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: chat-llm-reader}
    subjects:
      - {kind: ServiceAccount, name: chat-llm, namespace: inference}
    """)

VLLM_NETPOL = _d("""
    apiVersion: networking.k8s.io/v1
    kind: NetworkPolicy
    metadata:
      name: chat-llm-ingress
      namespace: inference
    spec:
      podSelector:
        matchLabels: {app.kubernetes.io/name: chat-llm}
      policyTypes: [Ingress]
      ingress:
        - from:
            - namespaceSelector:
                matchLabels: {kubernetes.io/metadata.name: gateway}
          ports: [{port: 8000}]
    """)

VLLM_CONFIGMAP = _d("""
    apiVersion: v1
    kind: ConfigMap
    metadata:
      name: chat-llm-sampling
      namespace: inference
    data:
      sampling.json: '{"temperature": 0.7, "top_p": 0.9}'
    """)

TRITON_DEPLOYMENT = _d("""
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: triton
      labels: {app: triton}
    spec:
      replicas: 2
      selector:
        matchLabels: {app: triton}
      template:
        metadata:
          labels: {app: triton}
        spec:
          serviceAccountName: triton
          nodeSelector:
            cloud.google.com/gke-accelerator: nvidia-tesla-a100
          tolerations:
            - {key: nvidia.com/gpu, operator: Equal, value: present, effect: NoSchedule}
          containers:
            - name: server
              image: nvcr.io/nvidia/tritonserver:24.05-py3
              args: ["tritonserver", "--model-repository=/models", "--allow-metrics=true"]
              ports:
                - {name: http, containerPort: 8000}
                - {name: grpc, containerPort: 8001}
                - {name: metrics, containerPort: 8002}
              readinessProbe: {httpGet: {path: /v2/health/ready, port: 8000}}
              livenessProbe:
                httpGet: {path: /v2/health/live, port: 8000}
                initialDelaySeconds: 300
              resources:
                requests: {cpu: "4", memory: 32Gi, nvidia.com/gpu: "1"}
                limits: {memory: 32Gi, nvidia.com/gpu: "1"}
              volumeMounts:
                - {name: models, mountPath: /models}
                - {name: tuning, mountPath: /etc/triton}
          volumes:
            - name: models
              persistentVolumeClaim: {claimName: triton-models}
            - name: tuning
              configMap: {name: triton-tuning}
    """)

TRITON_BASE_KUSTOMIZATION = _d("""
    apiVersion: kustomize.config.k8s.io/v1beta1
    kind: Kustomization
    resources:
      - deployment.yaml
      - service.yaml
      - hpa.yaml
      - pdb.yaml
      - serviceaccount.yaml
      - configmap.yaml
    """)

TRITON_SERVICE = _d("""
    apiVersion: v1
    kind: Service
    metadata:
      name: triton
    spec:
      selector: {app: triton}
      ports:
        - {name: http, port: 8000}
        - {name: grpc, port: 8001}
        - {name: metrics, port: 8002}
    """)

TRITON_HPA = _d("""
    apiVersion: autoscaling/v2
    kind: HorizontalPodAutoscaler
    metadata:
      name: triton
    spec:
      scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: triton}
      minReplicas: 2
      maxReplicas: 6
      metrics:
        - type: Resource
          resource:
            name: cpu
            target: {type: Utilization, averageUtilization: 65}
    """)

TRITON_PDB = _d("""
    apiVersion: policy/v1
    kind: PodDisruptionBudget
    metadata:
      name: triton
    spec:
      minAvailable: 1
      selector:
        matchLabels: {app: triton}
    """)

TRITON_SA = _d("""
    apiVersion: v1
    kind: ServiceAccount
    metadata:
      name: triton
    """)

TRITON_CONFIGMAP = _d("""
    apiVersion: v1
    kind: ConfigMap
    metadata:
      name: triton-tuning
    data:
      TRITON_LOG_VERBOSE: "0"
    """)

PROD_KUSTOMIZATION = _d("""
    apiVersion: kustomize.config.k8s.io/v1beta1
    kind: Kustomization
    namespace: ml-prod
    namePrefix: prod-
    resources:
      - ../../base
    replicas:
      - {name: triton, count: 3}
    images:
      - name: nvcr.io/nvidia/tritonserver
        newTag: 24.05-py3
    patches:
      - path: gpu-pool.yaml
    """)

PROD_GPU_PATCH = _d("""
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: triton
    spec:
      template:
        spec:
          topologySpreadConstraints:
            - maxSkew: 1
              topologyKey: topology.kubernetes.io/zone
              whenUnsatisfiable: ScheduleAnyway
              labelSelector:
                matchLabels: {app: triton}
    """)

STAGING_KUSTOMIZATION = _d("""
    apiVersion: kustomize.config.k8s.io/v1beta1
    kind: Kustomization
    namespace: ml-staging
    namePrefix: stg-
    resources:
      - ../../base
    images:
      - name: nvcr.io/nvidia/tritonserver
        newTag: 24.05-py3
    """)

CLUSTER_RBAC = _d("""
    apiVersion: rbac.authorization.k8s.io/v1
    kind: ClusterRole
    metadata:
      name: model-puller
    rules:
      - apiGroups: [""]
        resources: [persistentvolumeclaims]
        verbs: [get, list]
    ---
    apiVersion: rbac.authorization.k8s.io/v1
    kind: ClusterRoleBinding
    metadata:
      name: model-puller
    roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: model-puller}
    subjects:
      - {kind: ServiceAccount, name: triton, namespace: ml-prod}
    """)

TRITON_MODEL_CONFIG = _d("""
    name: "resnet50"
    platform: "tensorrt_plan"
    max_batch_size: 32
    input [
      { name: "input" data_type: TYPE_FP16 dims: [ 3, 224, 224 ] }
    ]
    output [
      { name: "logits" data_type: TYPE_FP16 dims: [ 1000 ] }
    ]
    instance_group [ { count: 2 kind: KIND_GPU } ]
    dynamic_batching {
      preferred_batch_size: [ 8, 16 ]
      max_queue_delay_microseconds: 500
      default_queue_policy { max_queue_size: 256 }
    }
    model_warmup [
      {
        name: "zeros" batch_size: 8
        inputs {
          key: "input"
          value: { data_type: TYPE_FP16 dims: [ 3, 224, 224 ] zero_data: true }
        }
      }
    ]
    """)

EKS_TF = _d("""
    resource "aws_eks_node_group" "llm_gpu" {
      cluster_name    = "ml-platform"
      node_group_name = "llm-gpu"
      node_role_arn   = "arn:aws:iam::123456789012:role/eks-gpu-nodes"
      subnet_ids      = ["subnet-0a1", "subnet-0b2", "subnet-0c3"]
      instance_types  = ["g5.12xlarge"]
      capacity_type   = "ON_DEMAND"
      ami_type        = "AL2_x86_64_GPU"

      scaling_config {
        min_size     = 1
        desired_size = 2
        max_size     = 5
      }

      labels = {
        "platform.example.com/pool" = "llm-gpu"
      }

      taint {
        key    = "nvidia.com/gpu"
        value  = "present"
        effect = "NO_SCHEDULE"
      }
    }
    """)

GKE_TF = _d("""
    resource "google_container_node_pool" "triton_a100" {
      name     = "triton-a100"
      cluster  = "ml-platform"
      location = "us-central1"
      node_locations = ["us-central1-a", "us-central1-b"]

      autoscaling {
        min_node_count = 1
        max_node_count = 6
      }

      node_config {
        machine_type = "a2-highgpu-1g"
        guest_accelerator {
          type  = "nvidia-tesla-a100"
          count = 1
        }
        taint {
          key    = "nvidia.com/gpu"
          value  = "present"
          effect = "NO_SCHEDULE"
        }
      }
    }
    """)

EMBED_ALL = _d("""
    # One file: the embedding server with its autoscaler and disruption budget.
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: embedder
      namespace: search
    spec:
      selector:
        matchLabels: {app: embedder}
      template:
        metadata:
          labels: {app: embedder}
        spec:
          serviceAccountName: embedder
          nodeSelector: {platform.example.com/pool: llm-gpu}
          tolerations:
            - {key: nvidia.com/gpu, operator: Exists, effect: NoSchedule}
          topologySpreadConstraints:
            - maxSkew: 1
              topologyKey: kubernetes.io/hostname
              whenUnsatisfiable: DoNotSchedule
              labelSelector: {matchLabels: {app: embedder}}
          securityContext: {runAsNonRoot: true}
          containers:
            - name: tei
              image: ghcr.io/huggingface/text-embeddings-inference:1.5
              readinessProbe: {httpGet: {path: /health, port: 80}}
              livenessProbe: {httpGet: {path: /health, port: 80}, initialDelaySeconds: 120}
              securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
              resources:
                requests: {cpu: "2", memory: 8Gi, nvidia.com/gpu: "1"}
                limits: {memory: 8Gi, nvidia.com/gpu: "1"}
    ---
    apiVersion: autoscaling/v2
    kind: HorizontalPodAutoscaler
    metadata:
      name: embedder
      namespace: search
    spec:
      scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: embedder}
      minReplicas: 2
      maxReplicas: 8
      metrics:
        - type: Resource
          resource:
            name: cpu
            target: {type: Utilization, averageUtilization: 55}
    ---
    apiVersion: policy/v1
    kind: PodDisruptionBudget
    metadata:
      name: embedder
      namespace: search
    spec:
      maxUnavailable: 1
      selector:
        matchLabels: {app: embedder}
    """)

BASE: Tree = {
    "serving/embed/embedder.yaml": EMBED_ALL,
    "serving/vllm/deployment.yaml": VLLM_DEPLOYMENT,
    "serving/vllm/hpa.yaml": VLLM_HPA,
    "serving/vllm/pdb.yaml": VLLM_PDB,
    "serving/vllm/service.yaml": VLLM_SERVICE,
    "serving/vllm/servicemonitor.yaml": VLLM_MONITOR,
    "serving/vllm/serviceaccount.yaml": VLLM_SA,
    "serving/vllm/rbac.yaml": VLLM_ROLE,
    "serving/vllm/networkpolicy.yaml": VLLM_NETPOL,
    "serving/vllm/configmap.yaml": VLLM_CONFIGMAP,
    "serving/triton/base/kustomization.yaml": TRITON_BASE_KUSTOMIZATION,
    "serving/triton/base/deployment.yaml": TRITON_DEPLOYMENT,
    "serving/triton/base/service.yaml": TRITON_SERVICE,
    "serving/triton/base/hpa.yaml": TRITON_HPA,
    "serving/triton/base/pdb.yaml": TRITON_PDB,
    "serving/triton/base/serviceaccount.yaml": TRITON_SA,
    "serving/triton/base/configmap.yaml": TRITON_CONFIGMAP,
    "serving/triton/overlays/prod/kustomization.yaml": PROD_KUSTOMIZATION,
    "serving/triton/overlays/prod/gpu-pool.yaml": PROD_GPU_PATCH,
    "serving/triton/overlays/staging/kustomization.yaml": STAGING_KUSTOMIZATION,
    "platform/rbac/model-puller.yaml": CLUSTER_RBAC,
    "models/resnet50/config.pbtxt": TRITON_MODEL_CONFIG,
    "infra/eks-gpu.tf": EKS_TF,
    "infra/gke-gpu.tf": GKE_TF,
}

DELETED = "\0deleted"  # a tree value that removes the path


def _sub(path: str, old: str, new: str, count: int = 1) -> Callable[[Tree], Tree]:
    def edit(tree: Tree) -> Tree:
        assert tree[path].count(old) >= 1, (path, old)
        return {path: tree[path].replace(old, new, count)}
    return edit


def _files(**files: str) -> Callable[[Tree], Tree]:
    return lambda tree: {k.replace("__", "/").replace("_DOT_", "."): v for k, v in files.items()}


def _both(*edits: Callable[[Tree], Tree]) -> Callable[[Tree], Tree]:
    def edit(tree: Tree) -> Tree:
        out: Tree = {}
        for e in edits:
            out.update(e({**tree, **{k: v for k, v in out.items() if v != DELETED}}))
        return out
    return edit


def _move(old: str, new: str) -> Callable[[Tree], Tree]:
    return lambda tree: {old: DELETED, new: tree[old]}


def _delete(path: str) -> Callable[[Tree], Tree]:
    return lambda tree: {path: DELETED}


def _add(path: str, text: str) -> Callable[[Tree], Tree]:
    return lambda tree: {path: _d(text)}


# name -> edit of the base tree (path -> new text, or DELETED).
CHANGES: dict[str, Callable[[Tree], Tree]] = {
    # Autoscaler of the plain vLLM Deployment.
    "hpa-ceiling-raised": _sub("serving/vllm/hpa.yaml", "maxReplicas: 4", "maxReplicas: 40"),
    "hpa-pinned": _sub("serving/vllm/hpa.yaml", "maxReplicas: 4", "maxReplicas: 2"),
    "hpa-floor-one": _sub("serving/vllm/hpa.yaml", "minReplicas: 2", "minReplicas: 1"),
    "hpa-target-hot": _sub("serving/vllm/hpa.yaml", "averageUtilization: 60",
                           "averageUtilization: 95"),
    "hpa-target-renamed": _sub("serving/vllm/hpa.yaml", "kind: Deployment, name: chat-llm}",
                               "kind: Deployment, name: chat-llm-v2}"),
    "hpa-other-namespace": _sub("serving/vllm/hpa.yaml", "namespace: inference",
                                "namespace: inference-canary"),
    "hpa-on-gpu-metric": _sub("serving/vllm/hpa.yaml", "name: cpu", "name: nvidia.com/gpu"),
    "hpa-deleted": _delete("serving/vllm/hpa.yaml"),
    # Disruption budget.
    "pdb-selector-misses": _sub("serving/vllm/pdb.yaml", "{app.kubernetes.io/name: chat-llm}",
                                "{app.kubernetes.io/name: chat-llm-old}"),
    "pdb-blocks-eviction": _sub("serving/vllm/pdb.yaml", "maxUnavailable: 1",
                                "maxUnavailable: 0"),
    "pdb-deleted": _delete("serving/vllm/pdb.yaml"),
    # Service and monitoring.
    "service-selector-moved": _both(
        _sub("serving/vllm/service.yaml", "selector: {app.kubernetes.io/name: chat-llm}",
             "selector: {app.kubernetes.io/name: chat-llm-next}"),
        _sub("serving/vllm/servicemonitor.yaml", "port: http", "port: web")),
    "monitor-deleted": _delete("serving/vllm/servicemonitor.yaml"),
    # RBAC around the workload's ServiceAccount.
    "binding-cluster-admin": _add("platform/rbac/chat-llm-admin.yaml", """
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRoleBinding
        metadata:
          name: chat-llm-debug
        roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
        subjects:
          - {kind: ServiceAccount, name: chat-llm, namespace: inference}
        """),
    "clusterrole-secrets-wildcard": _sub(
        "platform/rbac/model-puller.yaml",
        "resources: [persistentvolumeclaims]\n    verbs: [get, list]",
        "resources: [persistentvolumeclaims, secrets]\n    verbs: [get, list, watch]"),
    "sa-token-automounted": _sub("serving/vllm/serviceaccount.yaml",
                                 "automountServiceAccountToken: false",
                                 "automountServiceAccountToken: true"),
    "sa-renamed-in-binding": _both(
        _sub("serving/vllm/serviceaccount.yaml", "name: chat-llm", "name: chat-llm-runner"),
        _sub("serving/vllm/rbac.yaml", "{kind: ServiceAccount, name: chat-llm,",
             "{kind: ServiceAccount, name: chat-llm-runner,")),
    "sa-deleted": _delete("serving/vllm/serviceaccount.yaml"),
    # Terraform GPU node pools.
    "eks-taint-removed": _sub("infra/eks-gpu.tf",
                              '  taint {\n    key    = "nvidia.com/gpu"\n    value  = "present"\n'
                              '    effect = "NO_SCHEDULE"\n  }\n', ""),
    "eks-smaller-instances": _sub("infra/eks-gpu.tf", '["g5.12xlarge"]', '["g5.2xlarge"]'),
    "eks-single-node": _sub("infra/eks-gpu.tf", "min_size     = 1\n    desired_size = 2\n"
                            "    max_size     = 5", "min_size     = 1\n    desired_size = 1\n"
                            "    max_size     = 1"),
    "eks-spot-wide": _sub("infra/eks-gpu.tf", "max_size     = 5", "max_size     = 64"),
    "gke-bigger-floor": _both(
        _sub("infra/gke-gpu.tf", '"a2-highgpu-1g"', '"a2-highgpu-8g"'),
        _sub("infra/gke-gpu.tf", "min_node_count = 1", "min_node_count = 3"),
        _sub("infra/gke-gpu.tf", "count = 1", "count = 8")),
    "gke-one-zone": _sub("infra/gke-gpu.tf", '["us-central1-a", "us-central1-b"]',
                         '["us-central1-a"]'),
    # Kustomize overlays of the Triton base.
    "prod-toleration-dropped": _add("serving/triton/overlays/prod/gpu-pool.yaml", """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: triton
        spec:
          template:
            spec:
              tolerations: null
              topologySpreadConstraints:
                - maxSkew: 1
                  topologyKey: topology.kubernetes.io/zone
                  whenUnsatisfiable: ScheduleAnyway
                  labelSelector:
                    matchLabels: {app: triton}
        """),
    "staging-patched-only": _both(
        _sub("serving/triton/overlays/staging/kustomization.yaml",
             "resources:\n  - ../../base\n",
             "resources:\n  - ../../base\npatches:\n  - path: root.yaml\n"),
        _add("serving/triton/overlays/staging/root.yaml", """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: triton
            spec:
              template:
                spec:
                  hostNetwork: true
                  containers:
                    - name: server
                      securityContext: {privileged: true, runAsUser: 0}
            """)),
    "prod-namespace-moved": _sub("serving/triton/overlays/prod/kustomization.yaml",
                                 "namespace: ml-prod", "namespace: ml-serving"),
    "prod-one-replica": _sub("serving/triton/overlays/prod/kustomization.yaml",
                             "{name: triton, count: 3}", "{name: triton, count: 1}"),
    "staging-image-unpinned": _sub("serving/triton/overlays/staging/kustomization.yaml",
                                   "newTag: 24.05-py3", "newTag: latest"),
    "base-configmap-dropped": _both(
        _sub("serving/triton/base/kustomization.yaml", "  - configmap.yaml\n", ""),
        _delete("serving/triton/base/configmap.yaml")),
    "vllm-configmap-deleted": _delete("serving/vllm/configmap.yaml"),
    "base-labels-changed": _sub("serving/triton/base/kustomization.yaml",
                                "resources:", "labels:\n  - pairs: {tier: gpu}\n"
                                "    includeSelectors: true\nresources:"),
    "base-hpa-renamed-target": _sub("serving/triton/base/hpa.yaml", "name: triton}",
                                    "name: triton-server}"),
    "base-pdb-dropped-from-render": _sub("serving/triton/base/kustomization.yaml",
                                         "  - pdb.yaml\n", ""),
    # Second workload that the existing PDB, Service and HPA-less budget now match.
    "second-deployment-matches": _add("serving/vllm/canary.yaml", """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: chat-llm-canary
          namespace: inference
        spec:
          replicas: 1
          selector:
            matchLabels: {app.kubernetes.io/name: chat-llm}
          template:
            metadata:
              labels: {app.kubernetes.io/name: chat-llm}
            spec:
              containers:
                - name: vllm
                  image: vllm/vllm-openai:latest
                  resources:
                    limits: {nvidia.com/gpu: "8"}
        """),
    # Triton model configuration.
    "triton-batching-off": _sub("models/resnet50/config.pbtxt",
                                "preferred_batch_size: [ 8, 16 ]",
                                "preferred_batch_size: [ 8, 64 ]"),
    "triton-single-instance": _sub("models/resnet50/config.pbtxt", "count: 2", "count: 1"),
    # Two places at once.
    "hpa-and-pool-together": _both(
        _sub("serving/vllm/hpa.yaml", "maxReplicas: 4", "maxReplicas: 12"),
        _sub("infra/eks-gpu.tf", "max_size     = 5", "max_size     = 3")),
    "overlay-and-base-together": _both(
        _sub("serving/triton/overlays/prod/kustomization.yaml", "{name: triton, count: 3}",
             "{name: triton, count: 1}"),
        _sub("serving/triton/base/pdb.yaml", "minAvailable: 1", "minAvailable: 2")),
    # Settings, broken inputs, duplicates and swaps.
    "budget-setting-tightened": _add(".aria.yml", """
        rules:
          COST003:
            params: {max_gpus: 8}
        """),
    "hpa-unparseable": _sub("serving/vllm/hpa.yaml", "  minReplicas: 2\n",
                            "  minReplicas: [2\n"),
    "prod-render-broken": _sub("serving/triton/overlays/prod/kustomization.yaml",
                               "path: gpu-pool.yaml", "path: gpu-pools.yaml"),
    "hpa-duplicated": lambda tree: {"serving/vllm/extra/hpa.yaml":
                                    tree["serving/vllm/hpa.yaml"].replace("maxReplicas: 4",
                                                                          "maxReplicas: 16")},
    "hpa-pdb-contents-swapped": lambda tree: {
        "serving/vllm/hpa.yaml": tree["serving/vllm/pdb.yaml"],
        "serving/vllm/pdb.yaml": tree["serving/vllm/hpa.yaml"]},
    "staging-own-hpa": _both(
        _sub("serving/triton/overlays/staging/kustomization.yaml",
             "resources:\n  - ../../base\n",
             "resources:\n  - ../../base\n  - hpa-burst.yaml\n"),
        _add("serving/triton/overlays/staging/hpa-burst.yaml", """
            apiVersion: autoscaling/v2
            kind: HorizontalPodAutoscaler
            metadata:
              name: triton-burst
            spec:
              scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: triton}
              minReplicas: 1
              maxReplicas: 30
              metrics:
                - type: Resource
                  resource:
                    name: memory
                    target: {type: Utilization, averageUtilization: 97}
            """)),
    "model-config-copied": lambda tree: {
        "models/resnet50-int8/config.pbtxt": tree["models/resnet50/config.pbtxt"].replace(
            'name: "resnet50"', 'name: "resnet50-int8"').replace("count: 2", "count: 1")},
    "base-replicas-patch": _both(
        _sub("serving/triton/base/kustomization.yaml", "resources:",
             "patches:\n  - path: single.yaml\nresources:"),
        _add("serving/triton/base/single.yaml", """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: triton
            spec:
              replicas: 1
              template:
                spec:
                  affinity: null
                  nodeSelector: null
            """)),
    # Documents beside the workload's own, in its file: the Deployment's document is unchanged.
    "same-file-hpa-ceiling": _sub("serving/embed/embedder.yaml", "maxReplicas: 8",
                                  "maxReplicas: 48"),
    "same-file-pdb-strict": _sub("serving/embed/embedder.yaml", "  maxUnavailable: 1\n",
                                 "  maxUnavailable: 0\n"),
    "same-file-hpa-dropped": lambda tree: {"serving/embed/embedder.yaml":
                                           tree["serving/embed/embedder.yaml"].split("---")[0]
                                           + "---" + tree["serving/embed/embedder.yaml"]
                                           .split("---")[2]},
    "same-file-docs-reordered": lambda tree: {"serving/embed/embedder.yaml": "---\n".join(
        tree["serving/embed/embedder.yaml"].split("---\n")[i] for i in (2, 1, 0))},
    # The pool the workloads select, changed in Terraform only.
    "eks-pool-label-changed": _sub("infra/eks-gpu.tf", '"platform.example.com/pool" = "llm-gpu"',
                                   '"platform.example.com/pool" = "llm-gpu-v2"'),
    # Overlay edits that change only the rendered HPA or PDB, not the rendered Deployment.
    "prod-hpa-patched": _both(
        _sub("serving/triton/overlays/prod/kustomization.yaml", "  - path: gpu-pool.yaml\n",
             "  - path: gpu-pool.yaml\n  - path: hpa-cap.yaml\n"),
        _add("serving/triton/overlays/prod/hpa-cap.yaml", """
            apiVersion: autoscaling/v2
            kind: HorizontalPodAutoscaler
            metadata:
              name: triton
            spec:
              maxReplicas: 2
            """)),
    "staging-collides-with-prod": _sub(
        "serving/triton/overlays/staging/kustomization.yaml",
        "namespace: ml-staging\nnamePrefix: stg-", "namespace: ml-prod\nnamePrefix: prod-"),
    "pdb-moved-to-prod-overlay": _both(
        _sub("serving/triton/base/kustomization.yaml", "  - pdb.yaml\n", ""),
        _move("serving/triton/base/pdb.yaml", "serving/triton/overlays/prod/pdb.yaml"),
        _sub("serving/triton/overlays/prod/kustomization.yaml", "  - ../../base\n",
             "  - ../../base\n  - pdb.yaml\n")),
    # The plain vLLM files, byte-identical, now cited through a Kustomize render.
    "vllm-wrapped-in-kustomization": _add("serving/vllm/kustomization.yaml", """
        resources: [deployment.yaml, hpa.yaml, pdb.yaml, service.yaml, servicemonitor.yaml,
                    serviceaccount.yaml, rbac.yaml, networkpolicy.yaml, configmap.yaml]
        """),
    "vllm-render-split-namespace": _add("serving/vllm/kustomization.yaml", """
        namespace: inference-b
        resources: [deployment.yaml, service.yaml, serviceaccount.yaml, configmap.yaml]
        """),
    "hpa-exact-copy": lambda tree: {"serving/vllm/copy/hpa.yaml": tree["serving/vllm/hpa.yaml"]},
    "eks-taint-other-key": _sub("infra/eks-gpu.tf", 'key    = "nvidia.com/gpu"',
                                'key    = "dedicated"'),
    # Pure moves and renames, identical content.
    "move-hpa-file": _move("serving/vllm/hpa.yaml", "serving/vllm/autoscaling/chat-llm-hpa.yaml"),
    "move-tf-file": _move("infra/eks-gpu.tf", "infra/aws/eks-gpu.tf"),
    "rename-base-service": _both(
        _move("serving/triton/base/service.yaml", "serving/triton/base/svc.yaml"),
        _sub("serving/triton/base/kustomization.yaml", "- service.yaml", "- svc.yaml")),
    # No-ops.
    "noop-comments": _both(
        _sub("serving/vllm/hpa.yaml", "spec:\n", "# owned by the genai team\nspec:\n"),
        _sub("infra/eks-gpu.tf", 'resource "aws_eks_node_group"',
             '# GPU pool for the chat model\nresource "aws_eks_node_group"')),
    "noop-whitespace": _both(
        _sub("serving/vllm/pdb.yaml", "spec:\n", "spec:\n\n"),
        _sub("serving/triton/overlays/prod/kustomization.yaml", "resources:", "\nresources:")),
}

# Changes whose reference is expected to be empty of new/fixed findings and fact changes.
QUIET = {"noop-comments", "noop-whitespace", "move-hpa-file", "move-tf-file",
         "rename-base-service", "same-file-docs-reordered", "vllm-wrapped-in-kustomization"}


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True,
                          text=True).stdout


def _write(repo: Path, tree: Tree) -> None:
    for rel, text in tree.items():
        path = repo / rel
        if text == DELETED:
            path.unlink()
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def build(repo: Path) -> None:
    """The platform on `main` and one branch per change in CHANGES, each off `main`."""
    repo.mkdir(parents=True, exist_ok=True)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.email", "ci@example.com")
    git(repo, "config", "user.name", "ci")
    _write(repo, BASE)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "platform")
    for name, edit in CHANGES.items():
        git(repo, "checkout", "-q", "-b", name, "main")
        _write(repo, edit(dict(BASE)))
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "--allow-empty", "-m", name)
    git(repo, "checkout", "-q", "main")
