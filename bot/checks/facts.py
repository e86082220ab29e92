"""The facts a review compares per object, read with the same readers the checks use.

A review shows what a change does before what it breaks: per object, the facts an architect
looks at first (replica floor and ceiling, GPUs per pod, autoscaling target, probes, disruption
budget, spread, exposure, images; node-pool size, GPUs per node, machine, zones or subnets,
capacity type; RBAC grants and bindings; Triton batching), each with the file and line it was
read from (rendered Kustomize output cites the file that wrote the value).
`bot.decision.changes` pairs the two trees' facts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

from bot.checks.alike import Apart, recited, related_apart, same_objects
from bot.checks.common import capacity_evidence, dig, mapping, min_replicas, source_line
from bot.checks.rbac import grant_of
from bot.decision.changes import Fact, ObjectFacts
from bot.decision.identity import ObjectMap
from bot.findings import Location, at
from bot.graph.nodepools import NodePool
from bot.graph.platform import Binding, PlatformGraph
from bot.graph.scaling import max_replicas, pool_max_line, utilization_targets
from bot.graph.workloads import Workload
from bot.ingest.documents import Document
from bot.ingest.loader import Inventory
from bot.tradeoffs import AdviceFacts

PROBES = ("readinessProbe", "livenessProbe", "startupProbe")
Where = Callable[[str, int | None], Location]  # (path, line) -> where it was written


@dataclass(frozen=True)
class Tree:
    """One side of a review: its graph and the inventory it was built from."""

    graph: PlatformGraph
    inventory: Inventory


Pairs = list[tuple[Workload, Workload]]  # (base, head) workload


@dataclass(frozen=True)
class _BaseWorkloads:
    """A judged base graph's workloads as `unmoved` looks them up, worked out once for every
    push against it (`PlatformGraph.derived`): by document and group, and the `id`s of those an
    autoscaler may name (by kind and name) or a selector's label pair may find."""

    workloads: list[Workload]
    by_doc: dict[tuple[int, str], Workload]
    by_target: dict[tuple[str, str], list[int]]
    by_pair: dict[tuple[str, str], list[int]]
    subject: dict[int, str]  # each one's subject, by `id` (the same as its head workload's)

    @classmethod
    def of(cls, graph: PlatformGraph) -> _BaseWorkloads:
        return cls.of_workloads(graph.workloads)

    @classmethod
    def of_workloads(cls, workloads: list[Workload]) -> _BaseWorkloads:
        by_target: dict[tuple[str, str], list[int]] = {}
        by_pair: dict[tuple[str, str], list[int]] = {}
        for w in workloads:
            by_target.setdefault((w.kind, w.doc.name), []).append(id(w))
            for pair in w.labels.items():
                by_pair.setdefault(pair, []).append(id(w))
        return cls(workloads, {(id(w.doc), w.group): w for w in workloads}, by_target, by_pair,
                   {id(w): w.subject for w in workloads})

    def __reduce__(self) -> tuple[Callable[[list[Workload]], _BaseWorkloads],
                                  tuple[list[Workload]]]:
        # made again where it is loaded (with the graph): `id`s do not survive a pickle
        return _BaseWorkloads.of_workloads, (self.workloads,)

    def found(self, apart: Apart | None) -> set[int] | None:
        """The `id`s of the base workloads `apart` may find (`Apart.may_find`); None: any."""
        if apart is None or apart.unkeyed:
            return None
        out: set[int] = set()
        for target in apart.targets:
            out.update(self.by_target.get(target, ()))
        for pair in apart.pairs:
            out.update(self.by_pair.get(pair, ()))
        return out


def unmoved(base: Tree, head: Tree, objects: ObjectMap | None) -> Pairs | None:
    """Each head workload that reads the very same objects as its base workload (`_unmoved`),
    with it: its facts, and the facts advice reads, are equal on both sides. None where every
    object's facts are to be read: where the change renames an object (its new name may be
    written into other objects' fact values), and without `objects` (an unscoped review)."""
    if objects is None or objects.renamed or objects.names:
        return None
    was = base.graph.derived("unmoved", _BaseWorkloads.of)
    cited_apart = recited(base.inventory, head.inventory)
    found = was.found(related_apart(base.graph, head.graph, cited_apart))
    # The facts keep one workload per identity (the last of those that share it), which an
    # unmoved one need not be on both sides: an identity two workloads share is read whole.
    shared = base.graph.derived("shared subjects", _shared_subjects) | \
        _shared_subjects(head.graph)
    same: Pairs = []
    for w in head.graph.workloads:
        old = was.by_doc.get((id(w.doc), w.group))
        if old is not None and w.subject not in shared and \
                _unmoved(base.graph, old, head.graph, w, cited_apart, found):
            same.append((old, w))
    return same


def _shared_subjects(graph: PlatformGraph) -> frozenset[str]:
    """The identities two or more of the graph's workloads share (an object written twice)."""
    return frozenset(s for s, n in Counter(w.subject for w in graph.workloads).items() if n > 1)


def compared_facts(base: Tree, head: Tree, same: Pairs | None,
                   ) -> tuple[dict[str, ObjectFacts], dict[str, ObjectFacts]]:
    """Both trees' object facts for `fact_changes`, less those of the `unmoved` workloads
    (`same`; None: none left out): their facts are equal on both sides, so they compare to no
    change. Reading them all was most of the facts' cost, and a tenth of the judged base's
    size, for workloads a one-file change does not touch."""
    if same is None:
        return object_facts(base.graph, base.inventory), object_facts(head.graph, head.inventory)
    return (object_facts(base.graph, base.inventory, {id(old) for old, _ in same}),
            object_facts(head.graph, head.inventory, {id(w) for _, w in same}))


def object_facts(graph: PlatformGraph, inventory: Inventory,
                 leave: Collection[int] = ()) -> dict[str, ObjectFacts]:
    """Every object of the tree that has facts worth comparing, by identity; not the workloads
    whose `id` is in `leave`."""
    def where(path: str, line: int | None) -> Location:
        return inventory.locate(at(path, line))

    out: dict[str, ObjectFacts] = {}
    for w in graph.workloads:
        if id(w) not in leave:
            out[w.subject] = _workload(graph, w, where)
    for pool in graph.node_pools:
        out[pool.subject] = _pool(pool, where)
    for doc in graph.kind("Role", "ClusterRole"):
        out[doc.identity] = _role(doc, where)
    for binding in graph.bindings:
        out[binding.doc.identity] = _binding(binding, where)
    for doc in graph.kind("TritonModelConfig"):
        out[doc.identity] = _model(doc, where)
    return out


def _unmoved(base: PlatformGraph, old: Workload, head: PlatformGraph, w: Workload,
             cited_apart: Collection[str], found: set[int] | None) -> bool:
    """Whether `_workload` reads the same for `w` in head as for `old`, the same document, in
    base: the very same autoscalers, budgets and services (an unchanged file's or overlay's
    objects are the base's own), none of them cited through a render made apart
    (`cited_apart`), and the same containers counted as accelerated (a base role can mark
    one). A workload that nothing apart may find (`found`: the base workloads with its kind,
    name and labels that `Apart` may find; None: any) has the very same ones, none cited
    apart: it is not looked up (the lookups, for every workload, were most of the facts'
    cost)."""
    if found is None or id(old) in found or w.labels != old.labels or \
            w.doc.path in cited_apart:
        for now, then in (([w.doc], [old.doc]),  # the same by the caller: its render, then
                          (head.scalers_for(w), base.scalers_for(old)),
                          (head.pdbs_for(w), base.pdbs_for(old)),
                          (head.services_for(w), base.services_for(old))):
            if not same_objects(then, now) or any(d.path in cited_apart for d in now):
                return False
    # a copied workload shares its base's containers until its base side changes one (a list
    # compares the very same items as equal without comparing them; equal containers are as
    # accelerated, which reads only their fields)
    return old.containers == w.containers or \
        [c.accelerated for c in w.containers] == [c.accelerated for c in old.containers]


def _object(doc: Document, ref: str, where: Where) -> ObjectFacts:
    """An object's facts, named as findings name it (with its namespace, when it has one)."""
    if doc.format == "k8s" and doc.namespace:
        ref = ref.replace("/", f"/{doc.namespace}/", 1)
    return ObjectFacts(ref=ref, location=where(doc.path, doc.line))


def _workload(graph: PlatformGraph, w: Workload, where: Where) -> ObjectFacts:
    out = _object(w.doc, w.ref, where)
    facts = out.facts
    doc = w.doc
    if not w.batch and w.kind not in ("DaemonSet", "Pod"):
        floor, _, line, holder = min_replicas(graph, w)
        ceiling = max_replicas(graph, w)
        shown = f"at least {floor}" if ceiling is None else \
            str(floor) if ceiling[0] == floor else f"{floor}–{ceiling[0]}"
        facts["replicas"] = Fact(value=shown, location=where(holder.path, line))
    accelerated = [c for c in w.containers if c.accelerated and not c.init]
    if accelerated:
        facts["GPUs per pod"] = Fact(value=str(w.gpus_per_pod),
                                     location=where(doc.path, w.gpu_line(accelerated[0])))
    for scaler in graph.scalers_for(w):
        targets = utilization_targets(scaler)
        if targets:
            facts["autoscaling target"] = Fact(
                value=", ".join(f"{name} {value}%" for name, value, _ in targets),
                location=where(scaler.path, targets[0][2]))
    app = [c for c in w.containers if not c.init]
    for c in app:
        suffix = f" ({c.name})" if len(app) > 1 else ""
        facts[f"image{suffix}"] = Fact(value=c.image or "not set",
                                       location=where(doc.path, w.line(*c.path, "image")))
        probes = [p.removesuffix("Probe") for p in PROBES if isinstance(c.body.get(p), dict)]
        facts[f"probes{suffix}"] = Fact(value=", ".join(probes) or "none",
                                        location=where(doc.path, w.line(*c.path)))
    if not w.batch:
        pdbs = graph.pdbs_for(w)
        facts["disruption budget"] = Fact(
            value=", ".join(_budget(p) for p in pdbs) or "none",
            location=where(pdbs[0].path, pdbs[0].line) if pdbs else None)
        facts["spread"] = Fact(value=_spread(w.pod),
                               location=where(doc.path, w.line(*w.pod_path)))
    services = graph.services_for(w)
    if services:
        facts["exposure"] = Fact(
            value=", ".join(f"{s.ref} ({mapping(s.body.get('spec')).get('type', 'ClusterIP')})"
                            for s in services),
            location=where(services[0].path, services[0].line_at("spec", "type")))
    return out


def _budget(pdb: Document) -> str:
    spec = mapping(pdb.body.get("spec"))
    for key in ("maxUnavailable", "minAvailable"):
        if key in spec:
            return f"{pdb.ref} ({key} {spec[key]})"
    return pdb.ref


def _spread(pod: dict[str, Any]) -> str:
    keys = [str(dig(c, "topologyKey")).rsplit("/", 1)[-1]
            for c in pod.get("topologySpreadConstraints") or [] if isinstance(c, dict)]
    anti = mapping(dig(pod, "affinity", "podAntiAffinity"))
    parts = [f"topology spread ({', '.join(keys)})"] if keys else []
    if anti:
        parts.append("pod anti-affinity")
    return ", ".join(parts) or "none"


def _pool(pool: NodePool, where: Where) -> ObjectFacts:
    doc = pool.doc
    out = _object(doc, pool.name, where)
    facts = out.facts
    if pool.min_nodes is not None and pool.min_at is not None:
        facts["node floor"] = Fact(value=str(pool.min_nodes),
                                   location=where(pool.min_at.path, pool.min_at.line))
    if pool.max_nodes is not None:
        facts["node ceiling"] = Fact(value=str(pool.max_nodes),
                                     location=where(doc.path, pool_max_line(pool)))
    if pool.gpus_per_node and pool.gpus_at is not None:
        at = where(pool.gpus_at.path, pool.gpus_at.line)
        facts["GPUs per node"] = Fact(value=str(pool.gpus_per_node), location=at)
        if pool.accelerator:
            facts["GPU class"] = Fact(value=pool.accelerator, location=at)
        if pool.committed_gpus is not None and pool.min_at is not None:
            facts["GPUs at the floor"] = Fact(value=str(pool.committed_gpus), location=where(
                pool.min_at.path, pool.min_at.line))
    if pool.machine:
        facts["machine"] = Fact(value=pool.machine, location=where(
            doc.path, source_line(doc, "instance_types", "machine_type", "vm_size")))
    if pool.zones and pool.zones_at is not None:
        facts["zones"] = Fact(value=", ".join(pool.zones),
                              location=where(pool.zones_at.path, pool.zones_at.line))
    elif pool.subnets and pool.zones_at is not None:
        facts["subnets"] = Fact(value=", ".join(pool.subnets),
                                location=where(pool.zones_at.path, pool.zones_at.line))
    if pool.spot is not None:
        capacity = capacity_evidence(pool).location
        facts["capacity"] = Fact(
            value="spot" if pool.spot_only else "spot and on-demand" if pool.spot
            else "on-demand",
            location=where(doc.path, capacity.line if capacity else doc.line))
    return out


def _role(doc: Document, where: Where) -> ObjectFacts:
    out = _object(doc, doc.ref, where)
    verbs: dict[str, set[str]] = {}
    lines: dict[str, int] = {}
    for index, rule in enumerate(doc.body.get("rules") or []):
        if isinstance(rule, dict):
            key = f"grants {grant_of(rule)}"
            verbs.setdefault(key, set()).update(str(v) for v in rule.get("verbs") or [])
            lines.setdefault(key, doc.line_at("rules", index))
    for key in sorted(verbs):
        out.facts[key] = Fact(value=", ".join(sorted(verbs[key])) or "no verbs",
                              location=where(doc.path, lines[key]))
    return out


def _binding(b: Binding, where: Where) -> ObjectFacts:
    doc = b.doc
    out = _object(doc, doc.ref, where)
    out.facts["role"] = Fact(value=f"{b.role_kind}/{b.role_name}",
                             location=where(doc.path, doc.line_at("roleRef", "name")))
    out.facts["subjects"] = Fact(
        value=", ".join(sorted(f"{s.get('kind')}/{s.get('name')}" for s in b.subjects)),
        location=where(doc.path, doc.line_at("subjects")))
    return out


def _model(doc: Document, where: Where) -> ObjectFacts:
    out = _object(doc, doc.ref, where)
    body = doc.body if isinstance(doc.body, dict) else {}
    size = body.get("max_batch_size")
    out.facts["max_batch_size"] = Fact(value=str(size if size is not None else 0),
                                       location=where(doc.path,
                                                      source_line(doc, "max_batch_size")))
    preferred = dig(body, "dynamic_batching", "preferred_batch_size")
    batcher = "dynamic_batching" in body
    out.facts["dynamic batching"] = Fact(
        value=("preferred " + ", ".join(map(str, preferred))) if preferred else
        ("on" if batcher else "off"),
        location=where(doc.path, source_line(doc, "dynamic_batching")))
    return out


Known = Mapping[int, tuple[str, AdviceFacts]]  # a workload's `id` -> its subject and advice


def advice_facts(graph: PlatformGraph, known: Known | None = None) -> dict[str, AdviceFacts]:
    """What advice on each workload, node pool and model config depends on, by subject
    (ADR 0017); a pool's `replicas` is its node floor and `gpus` its GPUs per node. `known`:
    these, taken as they are (not read again), for the workloads whose `id` it holds
    (`known_advice`: a judged base's, already marked for the review, `unchanged_advice`)."""
    out: dict[str, AdviceFacts] = {}
    for w in graph.workloads:
        if known and id(w) in known:
            subject, facts = known[id(w)]
            out[subject] = facts
            continue
        pdbs, scalers = ([] if w.batch else graph.pdbs_for(w)), graph.scalers_for(w)
        floor = None
        if not w.batch and w.kind not in ("DaemonSet", "Pod"):
            floor = min_replicas(graph, w)[0]
        out[w.subject] = AdviceFacts(
            object=w.ref, kind=w.kind, serving=w.serving, gpu=w.gpus_per_pod > 0,
            gpus=w.gpus_per_pod or None, node_agent=w.kind == "DaemonSet", replicas=floor,
            pdb=pdbs[0].ref if pdbs else "", hpa=scalers[0].ref if scalers else "",
            spread=_spread(w.pod) != "none", backend=_server(w, graph.serving_images))
    for pool in graph.node_pools:
        out[pool.doc.identity] = AdviceFacts(
            object=pool.name, kind=pool.doc.kind, gpu=pool.gpu,
            gpus=pool.gpus_per_node or None, replicas=pool.min_nodes)
    for doc in graph.kind("TritonModelConfig"):
        body = doc.body if isinstance(doc.body, dict) else {}
        backend = body.get("backend") or body.get("platform")
        out[doc.identity] = AdviceFacts(object=doc.ref, kind=doc.kind,
                                        backend=str(backend) if backend else None)
    return out


def known_advice(base: PlatformGraph, advice: Mapping[str, AdviceFacts],
                 same: Pairs | None) -> dict[int, tuple[str, AdviceFacts]]:
    """The base's advice facts (`advice`, or their `unchanged_advice`) of each `unmoved` head
    workload, with its subject, by its `id`: they read the very same objects, so they are equal
    where the workload is as serving as in base (a base role can make it one) and the base's
    entry for its subject is its own (no other base workload, node pool or model config has that
    identity). Reading them again for every workload was most of the review's advice cost."""
    if not same:
        return {}
    models = base.kind("TritonModelConfig")
    taken: Counter[str] = Counter()  # how many wrote each subject, where some wrote one twice
    if len(advice) < len(base.workloads) + len(base.node_pools) + len(models):
        taken.update(w.subject for w in base.workloads)
        taken.update(pool.doc.identity for pool in base.node_pools)
        taken.update(doc.identity for doc in models)
    subject = base.derived("unmoved", _BaseWorkloads.of).subject
    return {id(w): (s, advice[s]) for old, w in same
            if old.serving == w.serving and taken.get(s := subject[id(old)], 0) <= 1}


def _server(w: Workload, images: tuple[str, ...] | list[str]) -> str | None:
    """The first serving image fragment a container's image names (`tritonserver`, `vllm` …)."""
    for c in w.containers:
        for fragment in images:
            if fragment in c.image.lower():
                return fragment
    return None
