"""The platform graph over one tree's documents."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.graph.nodepools import NodePool, node_pool_of
from bot.graph.roles import RoleHints, is_benchmark_client, under_any
from bot.graph.workloads import PriorRole, Workload, workloads_of
from bot.ingest.documents import Document

CONTROL_PLANE_MARKERS = ("controller", "operator", "webhook", "manager", "admission",
                         "agent", "router", "dashboard")
SERVING_ARGV_HINTS = ("tritonserver", "vllm", "text-generation-launcher", "serve run",
                      "torchserve", "sglang")


def _ns_match(a: str, b: str) -> bool:
    """Objects without a namespace get one at apply time (kustomize, -n): match either way."""
    return not a or not b or a == b


def _selects(selector: Any, labels: dict[str, str]) -> bool:
    if not isinstance(selector, dict) or not selector:
        return False
    match = selector.get("matchLabels") if "matchLabels" in selector or \
        "matchExpressions" in selector else selector
    if isinstance(match, dict) and match:
        return all(labels.get(str(k)) == str(v) for k, v in match.items())
    exprs = selector.get("matchExpressions")
    if isinstance(exprs, list) and exprs:
        for expr in exprs:
            if not isinstance(expr, dict):
                return False
            key, op = str(expr.get("key")), expr.get("operator")
            values = [str(v) for v in expr.get("values", []) or []]
            if op == "In" and labels.get(key) not in values:
                return False
            if op == "NotIn" and labels.get(key) in values:
                return False
            if op == "Exists" and key not in labels:
                return False
            if op == "DoesNotExist" and key in labels:
                return False
        return True
    return False


@dataclass
class Binding:
    doc: Document
    role: Document | None
    role_name: str
    role_kind: str
    subjects: list[dict[str, Any]]


@dataclass
class PlatformGraph:
    documents: list[Document]
    serving_images: tuple[str, ...] = ()
    hints: RoleHints = field(default_factory=RoleHints)
    by_kind: dict[str, list[Document]] = field(default_factory=lambda: defaultdict(list))
    workloads: list[Workload] = field(default_factory=list)
    node_pools: list[NodePool] = field(default_factory=list)
    bindings: list[Binding] = field(default_factory=list)
    _scalers: dict[tuple[str, str], list[Document]] | None = field(default=None, repr=False)
    _by_namespace: dict[tuple[str, str], list[tuple[int, Document]]] = field(
        default_factory=dict, repr=False)

    def kind(self, *kinds: str) -> list[Document]:
        out: list[Document] = []
        for k in kinds:
            out.extend(self.by_kind.get(k, []))
        return out

    def served_models(self) -> list[Document]:
        """Triton model configs, without the test fixtures (a `qa/` or `tests/` tree)."""
        return [doc for doc in self.kind("TritonModelConfig")
                if not under_any(doc.path, self.hints.test_fixture_dirs)]

    # --- relations of a workload -------------------------------------------------------
    def scalers_for(self, w: Workload) -> list[Document]:
        """HPAs and KEDA ScaledObjects whose target is this workload."""
        if self._scalers is None:
            self._scalers = defaultdict(list)
            for doc in self.kind("HorizontalPodAutoscaler", "ScaledObject"):
                spec = doc.body.get("spec") if isinstance(doc.body.get("spec"), dict) else {}
                ref = spec.get("scaleTargetRef")
                if isinstance(ref, dict):
                    target = (str(ref.get("kind") or "Deployment"), str(ref.get("name")))
                    self._scalers[target].append(doc)
        return [doc for doc in self._scalers.get((w.kind, w.doc.name), [])
                if _ns_match(doc.namespace, w.namespace)]

    def pdbs_for(self, w: Workload) -> list[Document]:
        return [d for d in self._in_namespace("PodDisruptionBudget", w.namespace)
                if _selects((d.body.get("spec") or {}).get("selector"), w.labels)]

    def services_for(self, w: Workload) -> list[Document]:
        return [d for d in self._in_namespace("Service", w.namespace)
                if _selects((d.body.get("spec") or {}).get("selector"), w.labels)]

    def _in_namespace(self, kind: str, namespace: str) -> list[Document]:
        """Objects of `kind` that `_ns_match` the namespace, in document order: an index, so a
        tree of thousands of workloads is not a product of workloads and objects."""
        if not namespace:
            return self.kind(kind)
        if not self._by_namespace:
            for k in ("PodDisruptionBudget", "Service"):
                for at, doc in enumerate(self.kind(k)):
                    self._by_namespace.setdefault((k, doc.namespace), []).append((at, doc))
        found = self._by_namespace.get((kind, namespace), []) + \
            self._by_namespace.get((kind, ""), [])
        return [doc for _, doc in sorted(found, key=lambda pair: pair[0])]

    def service_account_name(self, w: Workload) -> str:
        return str(w.pod.get("serviceAccountName") or w.pod.get("serviceAccount") or "default")

    def bindings_for_subject(self, kind: str, name: str, namespace: str) -> list[Binding]:
        out = []
        for b in self.bindings:
            for s in b.subjects:
                if s.get("kind") == kind and s.get("name") == name and (
                        kind != "ServiceAccount" or
                        _ns_match(str(s.get("namespace") or b.doc.namespace), namespace)):
                    out.append(b)
                    break
        return out

    def node_pools_for(self, w: Workload) -> list[NodePool]:
        """Pools whose labels satisfy the workload's nodeSelector and whose taints it tolerates."""
        selector: dict[str, Any] = w.pod["nodeSelector"] \
            if isinstance(w.pod.get("nodeSelector"), dict) else {}
        tolerated = {str(t.get("key")) for t in w.pod.get("tolerations", []) or []
                     if isinstance(t, dict)}
        tolerate_all = any(isinstance(t, dict) and not t.get("key") and
                           t.get("operator") == "Exists"
                           for t in w.pod.get("tolerations", []) or [])
        pools = []
        for pool in self.node_pools:
            if w.gpus_per_pod and not pool.gpu:
                continue
            if any(pool.labels.get(k) != str(v) for k, v in selector.items()
                   if not k.startswith(("kubernetes.io/", "node.kubernetes.io/",
                                        "cloud.google.com/", "karpenter."))):
                continue
            if not tolerate_all and any(t not in tolerated for t in pool.taints
                                        if t != "nvidia.com/gpu"):
                continue
            pools.append(pool)
        return pools

    def triton_servers_for(self, model: Document) -> list[Workload]:
        """Workloads whose container runs tritonserver over a repository holding this model."""
        out = []
        for w in self.workloads:
            for c in w.containers:
                argv = " ".join(c.argv)
                if "tritonserver" in argv or "tritonserver" in c.image:
                    out.append(w)
                    break
        # many servers load every model of a repository; narrow to one that names the model
        named = [w for w in out if any(model.name in " ".join(c.argv) for c in w.containers)]
        return named or out


def build_graph(documents: list[Document], serving_images: list[str] | tuple[str, ...] = (),
                hints: RoleHints | None = None,
                prior: Mapping[str, PriorRole] | None = None) -> PlatformGraph:
    """The graph of one tree; `prior` holds the base roles of a review's head workloads."""
    graph = PlatformGraph(documents, tuple(serving_images), hints or RoleHints())
    for doc in documents:
        graph.by_kind[doc.kind].append(doc)
    for doc in documents:
        if doc.format == "k8s":
            found = workloads_of(doc)
            # a Ray cluster serves as a whole when any of its pods runs Ray Serve
            ray_serve = doc.kind == "RayCluster" and any(map(_runs_server, found))
            for w in found:
                before = (prior or {}).get(w.subject)
                if before is not None:
                    w.assume(before)
                w.serving = ((ray_serve or _is_serving(w, graph.serving_images))
                             and not is_benchmark_client(w, graph.hints)) or \
                    bool(before and before.serving)
                w.benchmark = under_any(doc.path, graph.hints.benchmark_dirs)
                graph.workloads.append(w)
        pool = node_pool_of(doc)
        if pool is not None:
            graph.node_pools.append(pool)
    roles: dict[tuple[str, str, str], Document] = {}
    for doc in graph.kind("Role", "ClusterRole"):
        roles[(doc.kind, doc.namespace if doc.kind == "Role" else "", doc.name)] = doc
    for doc in graph.kind("RoleBinding", "ClusterRoleBinding"):
        ref = doc.body.get("roleRef") if isinstance(doc.body.get("roleRef"), dict) else {}
        rkind, rname = str(ref.get("kind") or "ClusterRole"), str(ref.get("name") or "")
        role = roles.get((rkind, doc.namespace if rkind == "Role" else "", rname))
        subjects = [s for s in doc.body.get("subjects", []) or [] if isinstance(s, dict)]
        graph.bindings.append(Binding(doc, role, rname, rkind, subjects))
    return graph


def _is_serving(w: Workload, images: tuple[str, ...]) -> bool:
    if w.batch:
        return False
    if w.kind in ("InferenceService", "RayService") or \
            any(c.accelerated for c in w.containers if not c.init):
        return True
    for c in w.containers:
        if c.init:
            continue
        # Only the image's own name counts, and only when it starts with the hint: an image *of*
        # a server (`vllm-openai`, `tritonserver`), not an app that mentions one (`hf-lc-ray`).
        # Control-plane images (kserve-controller, kuberay-operator) are not model servers
        # either. Every RayCluster runs the Ray image: it serves only when it runs Ray Serve.
        name = c.image.lower().rsplit("/", 1)[-1].split(":")[0].split("@")[0]
        if w.kind != "RayCluster" and name.startswith(images) and \
                not any(marker in name for marker in CONTROL_PLANE_MARKERS):
            return True
    return _runs_server(w)


def _runs_server(w: Workload) -> bool:
    """A container started with a model server's command (`tritonserver`, `serve run` …)."""
    return any(hint in " ".join(c.argv) for c in w.containers if not c.init
               for hint in SERVING_ARGV_HINTS)
