"""The platform graph over one tree's documents."""

from __future__ import annotations

import copy
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from bot.graph.nodepools import (
    NodePool,
    PriorPool,
    TerraformIndex,
    label_value,
    node_pools_of,
    provider_label,
)
from bot.graph.prices import PriceTable
from bot.graph.roles import RoleHints, is_benchmark_client, under_any
from bot.graph.workloads import PriorRole, Workload, workloads_of
from bot.ingest.documents import Document

CONTROL_PLANE_MARKERS = ("controller", "operator", "webhook", "manager", "admission",
                         "agent", "router", "dashboard")
SERVING_ARGV_HINTS = ("tritonserver", "vllm", "text-generation-launcher", "serve run",
                      "torchserve", "sglang")


SCALER_KINDS = ("HorizontalPodAutoscaler", "ScaledObject")
T = TypeVar("T")


def scale_target(doc: Document) -> tuple[str, str] | None:
    """(kind, name) of the workload an autoscaler scales."""
    spec = doc.body.get("spec") if isinstance(doc.body.get("spec"), dict) else {}
    ref = spec.get("scaleTargetRef")
    if not isinstance(ref, dict):
        return None
    return str(ref.get("kind") or "Deployment"), str(ref.get("name"))


def _ns_match(a: str, b: str) -> bool:
    """Objects without a namespace get one at apply time (kustomize, -n): match either way."""
    return not a or not b or a == b


def _selects(selector: Any, labels: dict[str, str]) -> bool:
    if not isinstance(selector, dict) or not selector:
        return False
    match = match_labels(selector)
    if match is not None:
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


def match_labels(selector: Any) -> dict[Any, Any] | None:
    """The equality terms of a selector, as `_selects` reads them (None: it has none)."""
    if not isinstance(selector, dict) or not selector:
        return None
    match = selector.get("matchLabels") if "matchLabels" in selector or \
        "matchExpressions" in selector else selector
    return match if isinstance(match, dict) and match else None


class _SelectorIndex:
    """The documents of one kind (Services, PDBs) by one label pair their selector requires: a
    workload is checked against the few that could select it, not against all of them (an audit
    of a large tree asks this for every workload). Results keep the documents' order."""

    def __init__(self, docs: list[Document]) -> None:
        self.docs = docs
        self.selectors = [(d.body.get("spec") or {}).get("selector") for d in docs]
        self.by_pair: dict[tuple[str, str], list[int]] = defaultdict(list)
        self.unkeyed: list[int] = []  # expressions only, or no selector: checked every time
        for index, selector in enumerate(self.selectors):
            match = match_labels(selector)
            if match is None:
                self.unkeyed.append(index)
            else:
                key, value = next(iter(match.items()))
                self.by_pair[(str(key), str(value))].append(index)

    def selecting(self, namespace: str, labels: dict[str, str]) -> list[Document]:
        candidates = set(self.unkeyed)
        for pair in labels.items():
            candidates.update(self.by_pair.get(pair, ()))
        return [self.docs[i] for i in sorted(candidates)
                if _ns_match(self.docs[i].namespace, namespace)
                and _selects(self.selectors[i], labels)]


def pool_refusal(w: Workload, pool: NodePool) -> str | None:
    """Why the pool's nodes take none of the workload's pods, its labels apart (None: they may):
    a GPU pod on a pool without GPUs, or a taint the pod does not tolerate by key (the
    `nvidia.com/gpu` taint left out: GKE and the ExtendedResourceToleration admission plugin
    add its toleration to GPU pods)."""
    if w.gpus_per_pod and not pool.gpu:
        return "its nodes have no GPU"
    tolerations = [t for t in w.pod.get("tolerations", []) or [] if isinstance(t, dict)]
    if any(not t.get("key") and t.get("operator") == "Exists" for t in tolerations):
        return None  # tolerates every taint
    tolerated = {str(t.get("key")) for t in tolerations}
    taints = [t for t in pool.taints if t != "nvidia.com/gpu" and t not in tolerated]
    if taints:
        return "its taint " + ", ".join(f"`{t}`" for t in taints) + " is not tolerated"
    return None


@dataclass
class Binding:
    doc: Document
    role: Document | None
    role_name: str
    role_kind: str
    subjects: list[dict[str, Any]]


@dataclass
class BaseRoles:
    by_subject: dict[str, PriorRole]  # the last workload's, of a subject listed twice
    subjects: dict[str, list[str]]  # the subjects of an identity's workloads

    @classmethod
    def of(cls, graph: PlatformGraph) -> BaseRoles:
        roles = cls({}, defaultdict(list))
        for w in graph.workloads:
            roles.by_subject[w.subject] = w.role()
            roles.subjects[w.doc.identity].append(w.subject)
        return roles


@dataclass
class PlatformGraph:
    documents: list[Document]
    serving_images: tuple[str, ...] = ()
    hints: RoleHints = field(default_factory=RoleHints)
    by_kind: dict[str, list[Document]] = field(default_factory=lambda: defaultdict(list))
    workloads: list[Workload] = field(default_factory=list)
    node_pools: list[NodePool] = field(default_factory=list)
    bindings: list[Binding] = field(default_factory=list)
    prices: PriceTable | None = None  # the operator's, when ARIA_GPU_PRICES names one
    _scalers: dict[tuple[str, str], list[Document]] | None = field(default=None, repr=False)
    _selectors: dict[str, _SelectorIndex] = field(default_factory=dict, repr=False)
    # values worked out from the whole graph once (`derived`), for every review against it
    _derived: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def derived(self, name: str, make: Callable[[PlatformGraph], T]) -> T:
        """`make(self)`, worked out once per graph: a judged base's graph serves every push to
        a pull request, and a graph is not changed once built (`make` reads only the graph,
        and its value is shared: never changed by a caller)."""
        if name not in self._derived:
            self._derived[name] = make(self)
        value: T = self._derived[name]
        return value

    def roles(self) -> BaseRoles:
        """Its workloads' roles, as the head tree of a review against it reads them."""
        return self.derived("roles", BaseRoles.of)

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
    def about(self, workloads: list[Workload]) -> PlatformGraph:
        """This graph with only `workloads` to check: every relation (autoscalers, budgets,
        services, bindings, node pools) is still read over the whole graph, through indexes
        shared with it. A `reads: neighbours` rule finds on it what it finds about them."""
        self._scaler_index()  # built once for both
        view = copy.copy(self)
        view.workloads = workloads
        view._derived = {}  # of the whole graph
        return view

    def _scaler_index(self) -> dict[tuple[str, str], list[Document]]:
        if self._scalers is None:
            self._scalers = defaultdict(list)
            for doc in self.kind(*SCALER_KINDS):
                target = scale_target(doc)
                if target is not None:
                    self._scalers[target].append(doc)
        return self._scalers

    def scalers_for(self, w: Workload) -> list[Document]:
        """HPAs and KEDA ScaledObjects whose target is this workload."""
        return [doc for doc in self._scaler_index().get((w.kind, w.doc.name), [])
                if _ns_match(doc.namespace, w.namespace)]

    def _selecting(self, kind: str, w: Workload) -> list[Document]:
        index = self._selectors.get(kind)
        if index is None:
            index = self._selectors[kind] = _SelectorIndex(self.kind(kind))
        return index.selecting(w.namespace, w.labels)

    def pdbs_for(self, w: Workload) -> list[Document]:
        return self._selecting("PodDisruptionBudget", w)

    def services_for(self, w: Workload) -> list[Document]:
        return self._selecting("Service", w)

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
        return [pool for pool in self.node_pools
                if all(label_value(v) in pool.label_values(k) for k, v in selector.items()
                       if not provider_label(str(k)))
                and pool_refusal(w, pool) is None]

    def selected_pools(self, w: Workload) -> list[NodePool]:
        """The pools a workload selects by a label of their own: only then are the pools in the
        tree all it can run on (with no selection it may land on any node of the cluster,
        including pools written elsewhere)."""
        selector = w.pod.get("nodeSelector")
        own = isinstance(selector, dict) and any(not provider_label(str(k)) for k in selector)
        return self.node_pools_for(w) if own else []

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
                prior: Mapping[str, PriorRole] | None = None,
                prior_pools: Mapping[str, PriorPool] | None = None,
                base: PlatformGraph | None = None) -> PlatformGraph:
    """The graph of one tree; `prior` holds the base roles of a review's head workloads and
    `prior_pools` the base side of its node pools. `base`: the graph of a review's base, whose
    work on a document the head shares (the very same object) is taken instead of done again
    (`_Carried`); the graph is the same as without it."""
    graph = PlatformGraph(documents, tuple(serving_images), hints or RoleHints())
    terraform = TerraformIndex.of([doc for doc in documents if doc.format == "terraform"])
    carried = _Carried.of(base, graph)
    prior, prior_pools = prior or {}, prior_pools or {}
    for doc in documents:
        graph.by_kind[doc.kind].append(doc)
        shared = carried.known.get(id(doc))
        if shared is _NOTHING:
            continue  # a document the base made neither workloads nor node pools of
        found, pools = carried.take(shared) if shared is not None else \
            _parts(doc, graph, terraform)
        for w, own in found:
            before = prior.get(w.subject)
            if before is not None:
                w.assume(before)
            w.serving = _serving(w, own, graph.hints)
            graph.workloads.append(w)
        for pool in pools:
            pool.prior = prior_pools.get(pool.subject)
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


_Parts = tuple[list[tuple[Workload, bool]], list[NodePool]]


def _parts(doc: Document, graph: PlatformGraph, terraform: TerraformIndex) -> _Parts:
    """The document's workloads, each with whether it serves by what the document says, and
    its node pools."""
    if doc.format != "k8s":
        return [], node_pools_of(doc, terraform)
    found = workloads_of(doc)
    # a Ray cluster serves as a whole when any of its pods runs Ray Serve
    ray_serve = doc.kind == "RayCluster" and any(map(_runs_server, found))
    benchmark = under_any(doc.path, graph.hints.benchmark_dirs)
    out = []
    for w in found:
        w.benchmark = benchmark
        out.append((w, (ray_serve or _is_serving(w, graph.serving_images))
                    and not is_benchmark_client(w, graph.hints)))
    return out, node_pools_of(doc, terraform)


def _serving(w: Workload, own: bool, hints: RoleHints) -> bool:
    """Whether the workload serves: by its own document, or by its base side in a review (it
    served there, or requested accelerators a change took away: still a GPU server)."""
    if own or (w.prior is not None and w.prior.serving):
        return True
    return not w.batch and any(c.gpus_before for c in w.containers if not c.init) and \
        not is_benchmark_client(w, hints)


class _Carried:
    """A review base graph's work on the documents a head tree shares with it (the very same
    objects: ledger.py): their workloads and node pools, copied before the head sets its side.

    Exact, as each is a function of inputs that are then the same: a workload's fields, and
    whether it serves by its own document (`_parts`), read only its document and the serving
    images and role hints (compared); a base workload built without a prior serves exactly
    when it serves by its document (`_serving`). A Kubernetes node pool reads its document and
    the instance catalogue. A Terraform document's pools also read the variables, locals and
    launch templates of the whole tree, and a workload built with a prior its base side: those
    are made again."""

    def __init__(self, base: PlatformGraph | None) -> None:
        # by the id of each base document (the base holds them: no other object has their id)
        self.known: dict[int, tuple[list[Workload], list[NodePool]]] = {}
        if base is None:
            return
        ids = [id(doc) for doc in base.documents if doc.format != "terraform"]
        self.known = dict.fromkeys(ids, _NOTHING)
        if len(self.known) < len(ids):
            self.known = {}  # a document listed twice: its parts would be taken twice over
            return
        for w in base.workloads:
            self._part(w.doc)[0].append(w)
        for pool in base.node_pools:
            if pool.doc.format != "terraform":
                self._part(pool.doc)[1].append(pool)
        for w in base.workloads:
            if w.prior is not None:
                self.known.pop(id(w.doc), None)

    def _part(self, doc: Document) -> tuple[list[Workload], list[NodePool]]:
        part = self.known[id(doc)]
        if part is _NOTHING:
            part = self.known[id(doc)] = ([], [])
        return part

    @classmethod
    def of(cls, base: PlatformGraph | None, graph: PlatformGraph) -> _Carried:
        """What `graph` can take of `base` (nothing when they read other roles' vocabularies)."""
        same = base is not None and base.serving_images == graph.serving_images and \
            base.hints == graph.hints
        return cls(base if same else None)

    @staticmethod
    def take(part: tuple[list[Workload], list[NodePool]]) -> _Parts:
        """A shared document's workloads, each with whether it serves by its document (its
        serving in the base), and its node pools, for the head to set its side of."""
        found, pools = part
        return [(w.again(), w.serving) for w in found], [copy.copy(pool) for pool in pools]


_NOTHING: tuple[list[Workload], list[NodePool]] = ([], [])  # a base document of neither


def _is_serving(w: Workload, images: tuple[str, ...]) -> bool:
    """Serves by what its document says (its base side apart: `_serving`)."""
    if w.batch:
        return False
    if w.kind in ("InferenceService", "RayService") or \
            any(c.gpus for c in w.containers if not c.init):
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
