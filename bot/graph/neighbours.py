"""A workload's neighbourhood, the reach a rule declares with `reads: neighbours` (ADR 0021).

A neighbours rule finds by workload: what it finds while looking at one depends only on that
workload's own document and the documents it is linked to here: the autoscalers that target
it, the budgets and services whose selector may select it, the ServiceAccounts and role
bindings of its namespace, and the node pools. So a review asks such a rule only about the
workloads whose neighbourhood its change touched, and takes the base's findings for the rest.
This module answers the other way round: which workloads a changed document is a neighbour of.
Every link is over-approximated (a selector's first label, a name of any kind), which costs
only work; a link missing here would lose a finding, so `tests/engine/test_rule_reach.py`
removes each document of every fixture tree and checks that no other workload's hits move.
"""

from __future__ import annotations

from bot.graph.platform import SCALER_KINDS, PlatformGraph, match_labels, scale_target
from bot.graph.workloads import Workload
from bot.ingest.documents import Document

SELECTING = ("Service", "PodDisruptionBudget")
NAMESPACE_WIDE = ("ServiceAccount", "RoleBinding", "ClusterRoleBinding")


def near(graph: PlatformGraph, docs: list[Document]) -> list[Workload] | None:
    """The graph's workloads whose neighbourhood holds one of `docs` (documents of this graph);
    None where one of them may be a neighbour of any workload (a node pool, any Terraform, a
    namespace-wide link without a namespace). One pass over the workloads, by what the
    documents link to: their own documents, names, selector labels, namespaces."""
    own: set[int] = set()
    names: set[str] = set()
    labels: set[tuple[str, str]] = set()
    namespaces: set[str] = set()
    pools = {id(pool.doc) for pool in graph.node_pools}
    for doc in docs:
        if doc.format == "terraform" or id(doc) in pools:
            return None  # node pools (and what Terraform sizes them with) reach every workload
        own.add(id(doc))
        if doc.kind in SCALER_KINDS:
            target = scale_target(doc)
            if target is not None:
                names.add(target[1])
        elif doc.kind in SELECTING:
            spec = doc.body.get("spec")
            match = match_labels(spec.get("selector") if isinstance(spec, dict) else None)
            if match is None:  # expressions only: any workload of its namespace
                namespaces.add(doc.namespace)
            else:  # it selects only pods carrying its first term's label
                key, value = next(iter(match.items()))
                labels.add((str(key), str(value)))
        elif doc.kind in NAMESPACE_WIDE:
            subjects = [s for s in doc.body.get("subjects", []) or [] if isinstance(s, dict)]
            namespaces.update([doc.namespace] if doc.kind == "ServiceAccount" else
                              [str(s.get("namespace") or doc.namespace) for s in subjects])
    if "" in namespaces:
        return None
    if namespaces:
        namespaces.add("")  # a workload of no namespace matches any
    return [w for w in graph.workloads
            if id(w.doc) in own or w.doc.name in names or w.namespace in namespaces
            or (labels and not labels.isdisjoint(w.labels.items()))]


def about(graph: PlatformGraph, workloads: list[Workload]) -> PlatformGraph:
    """The graph with only its workloads of the same subjects as `workloads` (of either side)
    to check (`PlatformGraph.about`), in the graph's order."""
    names = {w.doc.name for w in workloads}
    subjects = {w.subject for w in workloads}
    return graph.about([w for w in graph.workloads
                        if w.doc.name in names and w.subject in subjects])
