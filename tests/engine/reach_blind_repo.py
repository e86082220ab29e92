"""An LLM inference platform as a git repository, and changes aimed at a review's indirect
effects: edits to one object (a Role, a binding, a Service's selector, a PDB, an HPA, a
namespace, a node pool, an overlay) that can move findings about a different object.

Written without reading how the proportional review picks what a change reached: the tree and
its changes only use what the rule packs' titles and messages say the rules look at.
`build_repo` commits the tree on `main` and each change on a branch named after it; `PUSH_1` is
an unrelated earlier push (a branch too) that warms a cache before a change is reviewed.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

Tree = dict[str, str]

NAMESPACES = """apiVersion: v1
kind: Namespace
metadata:
  name: llm-serve
  labels: {team: inference, tier: prod, gpu: "true"}
---
apiVersion: v1
kind: Namespace
metadata:
  name: llm-batch
  labels: {team: research, tier: batch}
---
apiVersion: v1
kind: Namespace
metadata:
  name: edge-gw
  labels: {team: edge, tier: prod}
"""

PRIORITY = """apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata:
  name: serving-critical
value: 100000
globalDefault: false
description: interactive model servers
---
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata:
  name: batch-low
value: 100
preemptionPolicy: Never
"""

QUOTA = """apiVersion: v1
kind: ResourceQuota
metadata:
  name: gpu-quota
  namespace: llm-serve
spec:
  hard:
    requests.nvidia.com/gpu: "16"
    limits.memory: 1Ti
---
apiVersion: v1
kind: LimitRange
metadata:
  name: batch-defaults
  namespace: llm-batch
spec:
  limits:
  - type: Container
    default: {memory: 32Gi, cpu: "4"}
    defaultRequest: {memory: 16Gi, cpu: "2"}
"""

CLUSTER_RBAC = """apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: weights-reader
rules:
- apiGroups: [""]
  resources: [configmaps]
  verbs: [get, list]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: weights-reader-engineers
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: weights-reader}
subjects:
- {kind: Group, name: ml-engineers, apiGroup: rbac.authorization.k8s.io}
- {kind: ServiceAccount, name: chat-runtime, namespace: llm-serve}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: oncall-debug
rules:
- apiGroups: [""]
  resources: [pods, pods/log]
  verbs: [get, list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: secret-peek
rules:
- apiGroups: [""]
  resources: [secrets]
  verbs: [get]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: oncall-debug-sre
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: oncall-debug}
subjects:
- {kind: Group, name: sre-oncall, apiGroup: rbac.authorization.k8s.io}
"""

SERVE_RBAC = """apiVersion: v1
kind: ServiceAccount
metadata:
  name: chat-runtime
  namespace: llm-serve
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: embedder
  namespace: llm-serve
automountServiceAccountToken: false
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: rollout-operator
  namespace: llm-serve
rules:
- apiGroups: [apps]
  resources: [deployments, statefulsets]
  verbs: [get, list, patch]
- apiGroups: [""]
  resources: [configmaps]
  verbs: [get]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: rollout-operator
  namespace: llm-serve
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: rollout-operator}
subjects:
- {kind: ServiceAccount, name: chat-runtime, namespace: llm-serve}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: batch-default-reads
  namespace: llm-batch
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: weights-reader}
subjects:
- {kind: ServiceAccount, name: default, namespace: llm-batch}
"""

VLLM_CHAT = """apiVersion: v1
kind: ConfigMap
metadata:
  name: chat-env
  namespace: llm-serve
data:
  MODEL_ID: meta-llama/Llama-3.1-70B-Instruct
  MAX_MODEL_LEN: "8192"
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: vllm-chat
  namespace: llm-serve
  labels: {app: chat, tier: llm}
spec:
  replicas: 2
  selector:
    matchLabels: {app: chat, tier: llm}
  template:
    metadata:
      labels: {app: chat, tier: llm}
    spec:
      serviceAccountName: chat-runtime
      priorityClassName: serving-critical
      nodeSelector: {pool: a100}
      tolerations:
      - {key: nvidia.com/gpu, operator: Exists, effect: NoSchedule}
      containers:
      - name: vllm
        image: vllm/vllm-openai:v0.6.3
        args: [--model, /models/llama, --tensor-parallel-size, "2",
               --gpu-memory-utilization, "0.90", --max-model-len, "8192",
               --max-num-batched-tokens, "4096"]
        envFrom:
        - configMapRef: {name: chat-env}
        ports:
        - {name: http, containerPort: 8000}
        resources:
          requests: {cpu: "8", memory: 64Gi, nvidia.com/gpu: 2}
          limits: {memory: 64Gi, nvidia.com/gpu: 2}
        readinessProbe:
          httpGet: {path: /health, port: 8000}
        livenessProbe:
          httpGet: {path: /health, port: 8000}
          initialDelaySeconds: 600
        securityContext: {runAsNonRoot: true, allowPrivilegeEscalation: false}
        volumeMounts:
        - {name: templates, mountPath: /templates}
      volumes:
      - name: templates
        configMap: {name: chat-templates}
"""

CHAT_SCALING = """apiVersion: v1
kind: Service
metadata:
  name: chat
  namespace: llm-serve
  labels: {monitored: "true"}
spec:
  selector: {app: chat, tier: llm}
  ports:
  - {port: 80, targetPort: 8000}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: vllm-chat
  namespace: llm-serve
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: vllm-chat}
  minReplicas: 2
  maxReplicas: 8
  metrics:
  - type: Resource
    resource:
      name: cpu
      target: {type: Utilization, averageUtilization: 70}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: chat-pdb
  namespace: llm-serve
spec:
  minAvailable: 1
  selector:
    matchLabels: {app: chat, tier: llm}
"""

CHAT_TEMPLATES = """apiVersion: v1
kind: ConfigMap
metadata:
  name: chat-templates
  namespace: llm-serve
data:
  llama3.jinja: "{{ bos_token }}{% for m in messages %}{{ m.content }}{% endfor %}"
"""

TGI_SUMMARIZE = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: tgi-summarize
  namespace: llm-serve
  labels: {app: summarize, tier: llm}
spec:
  replicas: 3
  selector:
    matchLabels: {app: summarize}
  template:
    metadata:
      labels: {app: summarize, tier: llm}
    spec:
      nodeSelector: {pool: a100}
      tolerations:
      - {key: nvidia.com/gpu, operator: Exists, effect: NoSchedule}
      containers:
      - name: tgi
        image: ghcr.io/huggingface/text-generation-inference:2.4.0
        args: [--model-id, mistralai/Mistral-7B-Instruct-v0.3, --max-input-length, "3072",
               --max-total-tokens, "4096", --max-batch-prefill-tokens, "4096"]
        ports:
        - {containerPort: 80}
        resources:
          requests: {cpu: "4", memory: 24Gi, nvidia.com/gpu: 1}
          limits: {memory: 24Gi, nvidia.com/gpu: 1}
        readinessProbe:
          httpGet: {path: /health, port: 80}
---
apiVersion: v1
kind: Service
metadata:
  name: summarize
  namespace: llm-serve
  labels: {monitored: "true"}
spec:
  selector: {app: summarize}
  ports:
  - {port: 80}
"""

EMBED = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: embed
  namespace: llm-serve
  labels: {app: embed, tier: llm}
spec:
  selector:
    matchLabels: {app: embed}
  template:
    metadata:
      labels: {app: embed, tier: llm}
      annotations: {prometheus.io/scrape: "true", prometheus.io/port: "80"}
    spec:
      serviceAccountName: embedder
      containers:
      - name: tei
        image: ghcr.io/huggingface/text-embeddings-inference:1.5
        args: [--model-id, BAAI/bge-large-en-v1.5]
        resources:
          requests: {cpu: "2", memory: 8Gi, nvidia.com/gpu: 1}
          limits: {memory: 8Gi, nvidia.com/gpu: 1}
        readinessProbe:
          httpGet: {path: /health, port: 80}
        livenessProbe:
          httpGet: {path: /health, port: 80}
---
apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata:
  name: embed
  namespace: llm-serve
spec:
  scaleTargetRef: {name: embed}
  minReplicaCount: 2
  maxReplicaCount: 6
  triggers:
  - type: prometheus
    metadata:
      serverAddress: http://prometheus.monitoring:9090
      query: sum(rate(te_request_count[1m]))
      threshold: "50"
---
apiVersion: v1
kind: Service
metadata:
  name: llm-all
  namespace: llm-serve
spec:
  selector: {tier: llm}
  ports:
  - {port: 8080}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: light-servers
  namespace: llm-serve
spec:
  maxUnavailable: 1
  selector:
    matchExpressions:
    - {key: app, operator: In, values: [summarize, embed]}
"""

TRITON = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: triton-rerank
  namespace: llm-serve
  labels: {app: rerank}
spec:
  replicas: 2
  selector:
    matchLabels: {app: rerank}
  template:
    metadata:
      labels: {app: rerank}
    spec:
      serviceAccountName: default
      containers:
      - name: triton
        image: nvcr.io/nvidia/tritonserver:24.08-py3
        args: [tritonserver, --model-repository=/models, --allow-metrics=true,
               "--cache-config=local,size=1073741824"]
        ports:
        - {containerPort: 8000}
        - {containerPort: 8002}
        resources:
          requests: {cpu: "4", memory: 16Gi, nvidia.com/gpu: 1}
          limits: {memory: 16Gi, nvidia.com/gpu: 1}
        readinessProbe:
          httpGet: {path: /v2/health/ready, port: 8000}
        volumeMounts:
        - {name: models, mountPath: /models}
      volumes:
      - name: models
        configMap: {name: rerank-models}
---
apiVersion: v1
kind: Service
metadata:
  name: rerank
  namespace: llm-serve
spec:
  selector: {app: rerank}
  ports:
  - {port: 8000}
"""

TRITON_CONFIG = """name: "rerank"
backend: "onnxruntime"
max_batch_size: 16
input [ { name: "input_ids" data_type: TYPE_INT64 dims: [ -1 ] } ]
output [ { name: "scores" data_type: TYPE_FP32 dims: [ 1 ] } ]
instance_group [ { count: 2 kind: KIND_GPU } ]
dynamic_batching { max_queue_delay_microseconds: 500 default_queue_policy { max_queue_size: 64 } }
response_cache { enable: true }
model_warmup [ { name: "w" batch_size: 1 inputs { key: "input_ids"
  value { data_type: TYPE_INT64 dims: [ 16 ] zero_data: true } } } ]
"""

KSERVE = """apiVersion: serving.kserve.io/v1beta1
kind: InferenceService
metadata:
  name: guard
  namespace: llm-serve
spec:
  predictor:
    minReplicas: 1
    maxReplicas: 3
    serviceAccountName: chat-runtime
    model:
      modelFormat: {name: huggingface}
      args: [--model_id=meta-llama/Llama-Guard-3-8B]
      resources:
        requests: {cpu: "4", memory: 32Gi, nvidia.com/gpu: "1"}
        limits: {memory: 32Gi, nvidia.com/gpu: "1"}
"""

EVAL = """apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: eval-runner
  namespace: llm-batch
  labels: {app: eval}
spec:
  serviceName: eval
  replicas: 2
  selector:
    matchLabels: {app: eval}
  template:
    metadata:
      labels: {app: eval}
    spec:
      priorityClassName: batch-low
      containers:
      - name: vllm
        image: vllm/vllm-openai:v0.6.3
        args: [--model, /models/eval, --gpu-memory-utilization, "0.85"]
        ports:
        - {containerPort: 8000}
        resources:
          requests: {cpu: "4", memory: 48Gi, nvidia.com/gpu: 1}
          limits: {nvidia.com/gpu: 1}
        readinessProbe:
          httpGet: {path: /health, port: 8000}
---
apiVersion: v1
kind: Service
metadata:
  name: eval
  namespace: llm-batch
  labels: {monitored: "true"}
spec:
  clusterIP: None
  selector: {app: eval}
  ports:
  - {port: 8000}
"""

# The same name as the interactive server, in the batch namespace: a shadow copy for evals.
BATCH_CHAT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: vllm-chat
  namespace: llm-batch
  labels: {app: chat, tier: llm}
spec:
  replicas: 1
  selector:
    matchLabels: {app: chat, tier: llm}
  template:
    metadata:
      labels: {app: chat, tier: llm}
    spec:
      containers:
      - name: vllm
        image: vllm/vllm-openai:v0.6.3
        args: [--model, /models/llama-8b]
        ports:
        - {containerPort: 8000}
        resources:
          requests: {cpu: "4", memory: 32Gi, nvidia.com/gpu: 1}
          limits: {memory: 32Gi, nvidia.com/gpu: 1}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: vllm-chat
  namespace: llm-batch
data:
  note: same name as the Deployment, another kind
"""

GATEWAY = """apiVersion: v1
kind: ServiceAccount
metadata:
  name: default
  namespace: edge-gw
automountServiceAccountToken: false
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: gateway
  namespace: edge-gw
  labels: {app: gateway}
spec:
  replicas: 2
  selector:
    matchLabels: {app: gateway}
  template:
    metadata:
      labels: {app: gateway}
    spec:
      containers:
      - name: envoy
        image: envoyproxy/envoy:v1.31.2
        ports:
        - {containerPort: 8080}
        resources:
          requests: {cpu: 500m, memory: 512Mi}
          limits: {memory: 512Mi}
        readinessProbe:
          httpGet: {path: /ready, port: 8080}
---
apiVersion: v1
kind: Service
metadata:
  name: gateway
  namespace: edge-gw
spec:
  selector: {app: gateway}
  ports:
  - {port: 80, targetPort: 8080}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: gateway
  namespace: edge-gw
spec:
  ingressClassName: nginx
  rules:
  - host: llm.example.org
    http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service: {name: gateway, port: {number: 80}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: serve-from-edge
  namespace: llm-serve
spec:
  podSelector:
    matchLabels: {tier: llm}
  ingress:
  - from:
    - namespaceSelector:
        matchLabels: {team: edge}
"""

ROUTER_BASE = {
    "apps/router/base/kustomization.yaml": """apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
- deployment.yaml
- service.yaml
- hpa.yaml
- pdb.yaml
""",
    "apps/router/base/deployment.yaml": """apiVersion: apps/v1
kind: Deployment
metadata:
  name: router
  labels: {app: router}
spec:
  replicas: 2
  selector:
    matchLabels: {app: router}
  template:
    metadata:
      labels: {app: router}
    spec:
      containers:
      - name: router
        image: ghcr.io/example/llm-router:1.4.0
        args: [--upstream, http://llm-all.llm-serve:8080]
        ports:
        - {containerPort: 9000}
        resources:
          requests: {cpu: "1", memory: 1Gi, nvidia.com/gpu: 1}
          limits: {memory: 1Gi, nvidia.com/gpu: 1}
        readinessProbe:
          httpGet: {path: /ready, port: 9000}
""",
    "apps/router/base/service.yaml": """apiVersion: v1
kind: Service
metadata:
  name: router
spec:
  selector: {app: router}
  ports:
  - {port: 80, targetPort: 9000}
""",
    "apps/router/base/hpa.yaml": """apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: router
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: router}
  minReplicas: 2
  maxReplicas: 4
  metrics:
  - type: Resource
    resource:
      name: memory
      target: {type: Utilization, averageUtilization: 75}
""",
    "apps/router/base/pdb.yaml": """apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: router
spec:
  minAvailable: 1
  selector:
    matchLabels: {app: router}
""",
    "apps/router/overlays/prod/kustomization.yaml": """apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: llm-serve
namePrefix: prod-
resources:
- ../../base
images:
- name: ghcr.io/example/llm-router
  newTag: 1.4.2
patches:
- path: replicas.yaml
""",
    "apps/router/overlays/prod/replicas.yaml": """apiVersion: apps/v1
kind: Deployment
metadata:
  name: router
spec:
  replicas: 3
""",
    "apps/router/overlays/staging/kustomization.yaml": """\
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: llm-batch
namePrefix: stg-
resources:
- ../../base
""",
}

NODE_POOLS = """resource "aws_eks_node_group" "gpu_a100" {
  cluster_name    = "llm-platform"
  node_group_name = "gpu-a100"
  node_role_arn   = "arn:aws:iam::123456789012:role/eks-nodes"
  subnet_ids      = ["subnet-0a1", "subnet-0b2"]
  instance_types  = ["p4d.24xlarge"]
  capacity_type   = "ON_DEMAND"

  scaling_config {
    desired_size = 2
    min_size     = 2
    max_size     = 3
  }

  labels = {
    pool = "a100"
  }

  taint {
    key    = "nvidia.com/gpu"
    value  = "present"
    effect = "NO_SCHEDULE"
  }
}

resource "aws_eks_node_group" "gpu_l4" {
  cluster_name    = "llm-platform"
  node_group_name = "gpu-l4"
  node_role_arn   = "arn:aws:iam::123456789012:role/eks-nodes"
  subnet_ids      = ["subnet-0a1", "subnet-0b2"]
  instance_types  = ["g6.12xlarge"]
  capacity_type   = "SPOT"

  scaling_config {
    desired_size = 1
    min_size     = 1
    max_size     = 4
  }

  labels = {
    pool = "l4"
  }
}
"""

BASE: Tree = {
    "cluster/namespaces.yaml": NAMESPACES,
    "cluster/priority.yaml": PRIORITY,
    "cluster/quota.yaml": QUOTA,
    "cluster/rbac.yaml": CLUSTER_RBAC,
    "serve/rbac.yaml": SERVE_RBAC,
    "serve/vllm-chat.yaml": VLLM_CHAT,
    "serve/chat-scaling.yaml": CHAT_SCALING,
    "serve/chat-templates.yaml": CHAT_TEMPLATES,
    "serve/tgi-summarize.yaml": TGI_SUMMARIZE,
    "serve/embed.yaml": EMBED,
    "serve/triton-rerank.yaml": TRITON,
    "serve/models/rerank/config.pbtxt": TRITON_CONFIG,
    "serve/guard-isvc.yaml": KSERVE,
    "batch/eval-runner.yaml": EVAL,
    "batch/vllm-chat.yaml": BATCH_CHAT,
    "edge/gateway.yaml": GATEWAY,
    **ROUTER_BASE,
    "infra/node_pools.tf": NODE_POOLS,
}


@dataclass(frozen=True)
class Change:
    name: str
    edit: Callable[[Tree], None]
    reverse: bool = False  # also reviewed the other way: the change's head as the base


def replace(path: str, old: str, new: str, count: int = 1) -> Callable[[Tree], None]:
    """An edit of `path` that must find `old` exactly `count` times (no edit goes stale)."""

    def edit(tree: Tree) -> None:
        found = tree[path].count(old)
        assert found == count, f"{path}: {old!r} found {found} times, expected {count}"
        tree[path] = tree[path].replace(old, new)

    return edit


def delete(path: str) -> Callable[[Tree], None]:
    def edit(tree: Tree) -> None:
        del tree[path]

    return edit


def add(path: str, text: str) -> Callable[[Tree], None]:
    def edit(tree: Tree) -> None:
        assert path not in tree
        tree[path] = text

    return edit


def move(old: str, new: str) -> Callable[[Tree], None]:
    def edit(tree: Tree) -> None:
        tree[new] = tree.pop(old)

    return edit


def both(*edits: Callable[[Tree], None]) -> Callable[[Tree], None]:
    def edit(tree: Tree) -> None:
        for one in edits:
            one(tree)

    return edit


EXTRA_SA_CHAT_DEFAULT_BINDING = """---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: serve-default-rollout
  namespace: llm-serve
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: rollout-operator}
subjects:
- {kind: ServiceAccount, name: default, namespace: llm-serve}
"""

SECOND_PDB = """apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: rerank-pdb
  namespace: llm-serve
spec:
  maxUnavailable: 1
  selector:
    matchLabels: {app: rerank}
"""

SERVICE_MONITOR = """apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata:
  name: llm-servers
  namespace: llm-serve
spec:
  selector:
    matchLabels: {monitored: "true"}
  endpoints:
  - port: http
"""

POD_MONITOR = """apiVersion: monitoring.coreos.com/v1
kind: PodMonitor
metadata:
  name: rerank
  namespace: llm-serve
spec:
  selector:
    matchLabels: {app: rerank}
  podMetricsEndpoints:
  - port: metrics
"""

EVAL_PDB = """apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: eval
  namespace: llm-batch
spec:
  minAvailable: 2
  selector:
    matchLabels: {app: eval}
"""

BURST_HPA = """apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: chat-burst
  namespace: llm-serve
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: vllm-chat}
  minReplicas: 1
  maxReplicas: 12
  metrics:
  - type: Resource
    resource:
      name: cpu
      target: {type: Utilization, averageUtilization: 90}
"""

CHAT_SCALED_OBJECT = """apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata:
  name: vllm-chat
  namespace: llm-batch
spec:
  scaleTargetRef: {name: vllm-chat}
  minReplicaCount: 2
  maxReplicaCount: 3
  triggers:
  - type: cpu
    metricType: Utilization
    metadata: {value: "60"}
"""

HPA_FLOOR_PATCH = """apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: router
spec:
  minReplicas: 1
"""

DEFAULT_SA_OFF = """apiVersion: v1
kind: ServiceAccount
metadata:
  name: default
  namespace: llm-serve
automountServiceAccountToken: false
"""

CHAT_CLUSTER_ADMIN = """apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: chat-runtime-admin
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects:
- {kind: ServiceAccount, name: chat-runtime, namespace: llm-serve}
"""

CHANGES: list[Change] = [
    # --- RBAC: a role's rules, not its binding; a binding's subjects, not its role.
    Change(
        "clusterrole-reads-secrets",
        replace(
            "cluster/rbac.yaml",
            "resources: [configmaps]\n  verbs: [get, list]",
            "resources: [configmaps, secrets]\n  verbs: [get, list]",
        ),
        reverse=True,
    ),
    Change(
        "clusterrole-wildcard-verbs",
        replace(
            "cluster/rbac.yaml",
            "resources: [pods, pods/log]\n  verbs: [get, list, watch]",
            "resources: [pods, pods/log]\n  verbs: ['*']",
        ),
    ),
    Change(
        "clusterrole-grants-exec",
        replace(
            "cluster/rbac.yaml",
            "resources: [pods, pods/log]",
            "resources: [pods, pods/log, pods/exec]",
        ),
        reverse=True,
    ),
    Change(
        "role-grants-escalate",
        replace(
            "serve/rbac.yaml",
            "verbs: [get, list, patch]",
            "verbs: [get, list, patch, escalate, bind]",
        ),
    ),
    Change(
        "role-wildcard-resources",
        replace(
            "serve/rbac.yaml",
            "  resources: [configmaps]\n  verbs: [get]",
            "  resources: ['*']\n  verbs: [get]",
        ),
        reverse=True,
    ),
    Change(
        "clusterrolebinding-roleref-to-secret-reader",
        replace(
            "cluster/rbac.yaml",
            "kind: ClusterRole, name: oncall-debug}",
            "kind: ClusterRole, name: secret-peek}",
        ),
        reverse=True,
    ),
    Change(
        "clusterrole-renamed-onto-bound-name",
        both(
            replace(
                "cluster/rbac.yaml",
                "  name: oncall-debug\nrules:",
                "  name: oncall-debug-old\nrules:",
            ),
            replace(
                "cluster/rbac.yaml", "  name: secret-peek\nrules:", "  name: oncall-debug\nrules:"
            ),
        ),
        reverse=True,
    ),
    Change(
        "clusterrolebinding-subject-default-added",
        replace(
            "cluster/rbac.yaml",
            "- {kind: ServiceAccount, name: chat-runtime, namespace: llm-serve}\n",
            "- {kind: ServiceAccount, name: chat-runtime, namespace: llm-serve}\n"
            "- {kind: ServiceAccount, name: default, namespace: llm-batch}\n",
        ),
        reverse=True,
    ),
    Change(
        "binding-subject-namespace-group",
        replace(
            "serve/rbac.yaml",
            "- {kind: ServiceAccount, name: default, namespace: llm-batch}",
            "- {kind: Group, name: system:serviceaccounts:llm-serve, "
            "apiGroup: rbac.authorization.k8s.io}",
        ),
    ),
    Change(
        "binding-subject-to-authenticated",
        replace(
            "cluster/rbac.yaml",
            "- {kind: Group, name: sre-oncall, apiGroup: rbac.authorization.k8s.io}",
            "- {kind: Group, name: system:authenticated, apiGroup: rbac.authorization.k8s.io}",
        ),
    ),
    Change(
        "binding-subject-namespace-moves",
        replace(
            "serve/rbac.yaml",
            "- {kind: ServiceAccount, name: default, namespace: llm-batch}",
            "- {kind: ServiceAccount, name: default, namespace: llm-serve}",
        ),
        reverse=True,
    ),
    Change(
        "binding-to-default-added",
        lambda t: t.__setitem__(
            "serve/rbac.yaml", t["serve/rbac.yaml"] + EXTRA_SA_CHAT_DEFAULT_BINDING
        ),
    ),
    Change(
        "binding-roleref-to-cluster-admin",
        replace(
            "serve/rbac.yaml",
            "kind: ClusterRole, name: weights-reader}",
            "kind: ClusterRole, name: cluster-admin}",
        ),
        reverse=True,
    ),
    Change("cluster-admin-binding-file-added", add("cluster/chat-admin.yaml", CHAT_CLUSTER_ADMIN)),
    Change(
        "serviceaccount-removed",
        replace(
            "serve/rbac.yaml",
            """apiVersion: v1
kind: ServiceAccount
metadata:
  name: embedder
  namespace: llm-serve
automountServiceAccountToken: false
---
""",
            "",
        ),
        reverse=True,
    ),
    Change(
        "serviceaccount-automount-flipped",
        replace(
            "serve/rbac.yaml",
            "automountServiceAccountToken: false",
            "automountServiceAccountToken: true",
        ),
    ),
    Change(
        "triton-sa-default-automount-off",
        replace(
            "serve/triton-rerank.yaml",
            "      serviceAccountName: default\n",
            "      serviceAccountName: default\n      automountServiceAccountToken: false\n",
        ),
        reverse=True,
    ),
    Change(
        "edge-default-sa-automount-on",
        replace(
            "edge/gateway.yaml",
            "automountServiceAccountToken: false",
            "automountServiceAccountToken: true",
        ),
        reverse=True,
    ),
    Change("serve-default-sa-declared-off", add("serve/default-sa.yaml", DEFAULT_SA_OFF)),
    # --- Services and selectors: what selects which workload.
    Change(
        "service-second-label-changed",
        replace(
            "serve/chat-scaling.yaml",
            "  selector: {app: chat, tier: llm}\n  ports",
            "  selector: {app: chat, tier: llm-v2}\n  ports",
        ),
    ),
    Change(
        "service-renamed",
        replace(
            "serve/tgi-summarize.yaml",
            "  name: summarize\n  namespace",
            "  name: summarize-v2\n  namespace",
        ),
        reverse=True,
    ),
    Change(
        "service-selects-nothing",
        replace(
            "serve/embed.yaml", "  selector: {tier: llm}", "  selector: {tier: llm, app: nothing}"
        ),
    ),
    Change(
        "workload-shared-label-dropped",
        replace(
            "serve/vllm-chat.yaml",
            "      labels: {app: chat, tier: llm}\n    spec",
            "      labels: {app: chat, tier: gpu-llm}\n    spec",
        ),
        reverse=True,
    ),
    Change(
        "servicemonitor-selector-changed",
        replace(
            "serve/monitoring.yaml",
            'matchLabels: {monitored: "true"}',
            'matchLabels: {monitored: "yes"}',
        ),
        reverse=True,
    ),
    Change(
        "servicemonitor-any-namespace",
        replace(
            "serve/monitoring.yaml",
            "spec:\n  selector:",
            "spec:\n  namespaceSelector: {any: true}\n  selector:",
        ),
        reverse=True,
    ),
    Change("servicemonitor-deleted", delete("serve/monitoring.yaml")),
    Change(
        "service-monitored-label-dropped",
        replace("serve/tgi-summarize.yaml", '  labels: {monitored: "true"}\n', ""),
        reverse=True,
    ),
    Change("podmonitor-added", add("serve/rerank-monitor.yaml", POD_MONITOR)),
    Change(
        "scrape-annotation-removed",
        replace(
            "serve/embed.yaml",
            '      annotations: {prometheus.io/scrape: "true", prometheus.io/port: "80"}\n',
            "",
        ),
        reverse=True,
    ),
    # --- PDBs.
    Change(
        "pdb-second-label-changed",
        replace(
            "serve/chat-scaling.yaml",
            "    matchLabels: {app: chat, tier: llm}",
            "    matchLabels: {app: chat, tier: frontend}",
        ),
        reverse=True,
    ),
    Change(
        "pdb-min-available-to-replicas",
        replace("serve/chat-scaling.yaml", "  minAvailable: 1", "  minAvailable: 2"),
    ),
    Change(
        "pdb-max-unavailable-zero",
        replace("serve/embed.yaml", "  maxUnavailable: 1", "  maxUnavailable: 0"),
        reverse=True,
    ),
    Change(
        "pdb-match-expressions-drop-one",
        replace("serve/embed.yaml", "values: [summarize, embed]", "values: [embed]"),
    ),
    Change(
        "pdb-match-expressions-notin",
        replace(
            "serve/embed.yaml",
            "operator: In, values: [summarize, embed]",
            "operator: NotIn, values: [chat, rerank, router]",
        ),
        reverse=True,
    ),
    Change("pdb-added-other-file", add("serve/rerank-pdb.yaml", SECOND_PDB)),
    Change(
        "pdb-file-deleted-with-service",
        replace(
            "serve/chat-scaling.yaml",
            """---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: chat-pdb
  namespace: llm-serve
spec:
  minAvailable: 1
  selector:
    matchLabels: {app: chat, tier: llm}
""",
            "",
        ),
        reverse=True,
    ),
    # --- Autoscalers.
    Change(
        "hpa-target-renamed",
        replace(
            "serve/chat-scaling.yaml",
            "kind: Deployment, name: vllm-chat}",
            "kind: Deployment, name: vllm-chat-v2}",
        ),
        reverse=True,
    ),
    Change(
        "hpa-target-kind-changed",
        replace(
            "serve/chat-scaling.yaml",
            "kind: Deployment, name: vllm-chat}",
            "kind: StatefulSet, name: vllm-chat}",
        ),
    ),
    Change(
        "hpa-min-replicas-one",
        replace(
            "serve/chat-scaling.yaml",
            "  minReplicas: 2\n  maxReplicas: 8",
            "  minReplicas: 1\n  maxReplicas: 8",
        ),
        reverse=True,
    ),
    Change(
        "hpa-pinned",
        replace(
            "serve/chat-scaling.yaml",
            "  minReplicas: 2\n  maxReplicas: 8",
            "  minReplicas: 2\n  maxReplicas: 2",
        ),
    ),
    Change(
        "hpa-max-beyond-pool",
        replace("serve/chat-scaling.yaml", "  maxReplicas: 8", "  maxReplicas: 20"),
        reverse=True,
    ),
    Change(
        "hpa-metric-memory",
        replace("serve/chat-scaling.yaml", "      name: cpu\n", "      name: ephemeral-storage\n"),
    ),
    Change(
        "scaledobject-target-renamed",
        replace(
            "serve/embed.yaml",
            "  scaleTargetRef: {name: embed}",
            "  scaleTargetRef: {name: embed-old}",
        ),
        reverse=True,
    ),
    Change(
        "second-hpa-on-same-workload", add("serve/chat-burst-hpa.yaml", BURST_HPA), reverse=True
    ),
    Change("scaledobject-for-namesake-twin", add("batch/chat-keda.yaml", CHAT_SCALED_OBJECT)),
    Change(
        "scaledobject-min-one",
        replace("serve/embed.yaml", "  minReplicaCount: 2", "  minReplicaCount: 1"),
    ),
    Change(
        "workload-renamed-hpa-left",
        replace(
            "serve/vllm-chat.yaml",
            "  name: vllm-chat\n  namespace: llm-serve",
            "  name: vllm-chat-v2\n  namespace: llm-serve",
        ),
        reverse=True,
    ),
    # --- Namespaces, moves, same names.
    Change(
        "workload-moved-namespace",
        replace(
            "serve/triton-rerank.yaml",
            "  namespace: llm-serve\n  labels: {app: rerank}",
            "  namespace: llm-batch\n  labels: {app: rerank}",
        ),
    ),
    Change(
        "hpa-moved-namespace",
        replace(
            "serve/chat-scaling.yaml",
            "  name: vllm-chat\n  namespace: llm-serve",
            "  name: vllm-chat\n  namespace: llm-batch",
        ),
        reverse=True,
    ),
    Change("batch-twin-deleted", delete("batch/vllm-chat.yaml")),
    Change(
        "batch-twin-gets-replicas",
        replace("batch/vllm-chat.yaml", "  replicas: 1\n", "  replicas: 4\n"),
        reverse=True,
    ),
    Change(
        "same-name-configmap-becomes-service",
        replace(
            "batch/vllm-chat.yaml",
            """apiVersion: v1
kind: ConfigMap
metadata:
  name: vllm-chat
  namespace: llm-batch
data:
  note: same name as the Deployment, another kind
""",
            """apiVersion: v1
kind: Service
metadata:
  name: vllm-chat
  namespace: llm-batch
spec:
  selector: {app: chat}
  ports:
  - {port: 8000}
""",
        ),
    ),
    Change(
        "namespace-labels-changed",
        replace(
            "cluster/namespaces.yaml",
            "labels: {team: edge, tier: prod}",
            "labels: {team: edge-legacy, tier: prod}",
        ),
        reverse=True,
    ),
    Change(
        "namespace-deleted",
        replace(
            "cluster/namespaces.yaml",
            """---
apiVersion: v1
kind: Namespace
metadata:
  name: llm-batch
  labels: {team: research, tier: batch}
""",
            "",
        ),
    ),
    Change(
        "limitrange-removed",
        replace(
            "cluster/quota.yaml",
            '  - type: Container\n    default: {memory: 32Gi, cpu: "4"}\n',
            "  - type: Container\n",
        ),
        reverse=True,
    ),
    Change(
        "resourcequota-gpu-cut",
        replace(
            "cluster/quota.yaml", 'requests.nvidia.com/gpu: "16"', 'requests.nvidia.com/gpu: "2"'
        ),
    ),
    Change(
        "priorityclass-deleted",
        replace(
            "cluster/priority.yaml",
            """apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata:
  name: serving-critical
value: 100000
globalDefault: false
description: interactive model servers
---
""",
            "",
        ),
        reverse=True,
    ),
    Change(
        "configmap-mounted-changed",
        replace("serve/chat-templates.yaml", "{% endfor %}", "{% endfor %}{{ eos_token }}"),
    ),
    Change(
        "configmap-envfrom-deleted",
        replace(
            "serve/vllm-chat.yaml",
            """apiVersion: v1
kind: ConfigMap
metadata:
  name: chat-env
  namespace: llm-serve
data:
  MODEL_ID: meta-llama/Llama-3.1-70B-Instruct
  MAX_MODEL_LEN: "8192"
---
""",
            "",
        ),
        reverse=True,
    ),
    Change(
        "configmap-gains-credential",
        replace(
            "serve/vllm-chat.yaml",
            '  MAX_MODEL_LEN: "8192"\n',
            '  MAX_MODEL_LEN: "8192"\n  HF_TOKEN: hf_live_0123456789abcdef\n',
        ),
    ),
    Change(
        "triton-config-batcher-removed",
        replace(
            "serve/models/rerank/config.pbtxt",
            "dynamic_batching { max_queue_delay_microseconds: 500 default_queue_policy"
            " { max_queue_size: 64 } }\n",
            "",
        ),
        reverse=True,
    ),
    Change(
        "triton-config-single-instance",
        replace(
            "serve/models/rerank/config.pbtxt", "count: 2 kind: KIND_GPU", "count: 1 kind: KIND_GPU"
        ),
    ),
    Change(
        "triton-server-cache-flag-dropped",
        replace(
            "serve/triton-rerank.yaml",
            ',\n               "--cache-config=local,size=1073741824"]',
            "]",
        ),
        reverse=True,
    ),
    Change("triton-server-file-deleted", delete("serve/triton-rerank.yaml")),
    Change(
        "workload-cpu-request-dropped",
        replace(
            "serve/vllm-chat.yaml", 'requests: {cpu: "8", memory: 64Gi', "requests: {memory: 64Gi"
        ),
        reverse=True,
    ),
    Change(
        "statefulset-replicas-up-frees-pdb",
        replace("batch/eval-runner.yaml", "  replicas: 2\n", "  replicas: 3\n"),
        reverse=True,
    ),
    Change(
        "pdb-namespace-dropped",
        replace(
            "serve/chat-scaling.yaml",
            "  name: chat-pdb\n  namespace: llm-serve\n",
            "  name: chat-pdb\n",
        ),
    ),
    Change(
        "other-pool-goes-on-demand",
        replace("infra/node_pools.tf", 'capacity_type   = "SPOT"', 'capacity_type   = "ON_DEMAND"'),
        reverse=True,
    ),
    # --- Node pools.
    Change(
        "pool-instance-type-smaller",
        replace("infra/node_pools.tf", '["p4d.24xlarge"]', '["g5.12xlarge"]'),
        reverse=True,
    ),
    Change(
        "pool-max-size-one",
        replace(
            "infra/node_pools.tf",
            "    min_size     = 2\n    max_size     = 3",
            "    min_size     = 1\n    max_size     = 1",
        ),
    ),
    Change(
        "pool-label-renamed",
        replace("infra/node_pools.tf", 'pool = "a100"', 'pool = "a100-v2"'),
        reverse=True,
    ),
    Change(
        "pool-taint-removed",
        replace(
            "infra/node_pools.tf",
            """  taint {
    key    = "nvidia.com/gpu"
    value  = "present"
    effect = "NO_SCHEDULE"
  }
""",
            "",
        ),
    ),
    Change(
        "pool-goes-spot",
        replace("infra/node_pools.tf", 'capacity_type   = "ON_DEMAND"', 'capacity_type   = "SPOT"'),
        reverse=True,
    ),
    Change(
        "pool-one-subnet",
        replace(
            "infra/node_pools.tf",
            'subnet_ids      = ["subnet-0a1", "subnet-0b2"]\n  instance_types  = ["p4d.24xlarge"]',
            'subnet_ids      = ["subnet-0a1"]\n  instance_types  = ["p4d.24xlarge"]',
        ),
    ),
    Change(
        "workload-moves-pool",
        replace("serve/vllm-chat.yaml", "nodeSelector: {pool: a100}", "nodeSelector: {pool: l4}"),
        reverse=True,
    ),
    # --- Kustomize overlays.
    Change(
        "overlay-replicas-one",
        replace("apps/router/overlays/prod/replicas.yaml", "replicas: 3", "replicas: 1"),
    ),
    Change(
        "overlay-namespace-changed",
        replace(
            "apps/router/overlays/staging/kustomization.yaml",
            "namespace: llm-batch",
            "namespace: llm-serve",
        ),
        reverse=True,
    ),
    Change(
        "overlay-nameprefix-collides",
        replace(
            "apps/router/overlays/staging/kustomization.yaml",
            "namePrefix: stg-",
            "namePrefix: prod-",
        ),
    ),
    Change(
        "overlay-image-latest",
        replace(
            "apps/router/overlays/prod/kustomization.yaml", "  newTag: 1.4.2", "  newTag: latest"
        ),
        reverse=True,
    ),
    Change(
        "base-pdb-dropped-from-kustomization",
        replace("apps/router/base/kustomization.yaml", "- pdb.yaml\n", ""),
    ),
    Change(
        "overlay-deleted",
        both(delete("apps/router/overlays/staging/kustomization.yaml")),
        reverse=True,
    ),
    Change(
        "overlay-hpa-floor-patch-added",
        both(
            replace(
                "apps/router/overlays/prod/kustomization.yaml",
                "- path: replicas.yaml\n",
                "- path: replicas.yaml\n- path: hpa-floor.yaml\n",
            ),
            add("apps/router/overlays/prod/hpa-floor.yaml", HPA_FLOOR_PATCH),
        ),
        reverse=True,
    ),
    Change(
        "base-hpa-minreplicas-one",
        replace("apps/router/base/hpa.yaml", "minReplicas: 2", "minReplicas: 1"),
    ),
    # --- Files: moved, split, joined.
    Change("file-moved", move("serve/chat-scaling.yaml", "serve/scaling/chat.yaml"), reverse=True),
    Change(
        "multidoc-file-split",
        lambda t: t.update(
            {
                "serve/chat-scaling.yaml": t["serve/chat-scaling.yaml"].split("---\n")[0],
                "serve/chat-hpa-pdb.yaml": "---\n".join(
                    t["serve/chat-scaling.yaml"].split("---\n")[1:]
                ),
            }
        ),
    ),
    Change(
        "two-files-joined",
        lambda t: t.update(
            {
                "serve/vllm-chat.yaml": t["serve/vllm-chat.yaml"]
                + "---\n"
                + t.pop("serve/chat-scaling.yaml")
            }
        ),
        reverse=True,
    ),
    Change("object-deleted-file-deleted", delete("serve/chat-templates.yaml")),
]

BASE["batch/eval-pdb.yaml"] = EVAL_PDB
BASE["serve/monitoring.yaml"] = SERVICE_MONITOR  # defined with the changes' objects above

PUSH_1 = Change(
    "push-1",
    replace(
        "edge/gateway.yaml", "image: envoyproxy/envoy:v1.31.2", "image: envoyproxy/envoy:v1.31.3"
    ),
)


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True
    ).stdout


def _write(repo: Path, tree: Tree) -> None:
    for path in git(repo, "ls-files", "-z").split("\0"):
        if path:
            (repo / path).unlink()
    for path, text in tree.items():
        (repo / path).parent.mkdir(parents=True, exist_ok=True)
        (repo / path).write_text(text)


def build_repo(repo: Path) -> None:
    """The platform on `main`, and each change (and PUSH_1) on a branch of its own name."""
    repo.mkdir(parents=True, exist_ok=True)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.email", "blind@example.org")
    git(repo, "config", "user.name", "blind")
    _write(repo, BASE)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "platform")
    for change in [*CHANGES, PUSH_1]:
        tree = dict(BASE)
        change.edit(tree)
        assert tree != BASE, change.name
        git(repo, "checkout", "-q", "-B", change.name, "main")
        _write(repo, tree)
        git(repo, "add", "-A")
        git(repo, "commit", "-qm", change.name)
    git(repo, "checkout", "-q", "main")
