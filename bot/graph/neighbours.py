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

from collections import defaultdict
from dataclasses import dataclass, field

from bot.graph.platform import SCALER_KINDS, PlatformGraph, _match_labels, scale_target
from bot.graph.workloads import Workload
from bot.ingest.documents import Document

SELECTING = ("Service", "PodDisruptionBudget")
NAMESPACE_WIDE = ("ServiceAccount", "RoleBinding", "ClusterRoleBinding")


@dataclass
class _Index:
    """A graph's workloads (their positions) by document, subject, name, label and namespace."""

    by_doc: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    by_subject: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    by_name: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    by_label: dict[tuple[str, str], list[int]] = field(default_factory=lambda: defaultdict(list))
    by_namespace: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))

    @classmethod
    def of(cls, workloads: list[Workload]) -> _Index:
        index = cls()
        for at, w in enumerate(workloads):
            index.by_doc[id(w.doc)].append(at)
            index.by_subject[w.subject].append(at)
            index.by_name[w.doc.name].append(at)
            index.by_namespace[w.namespace].append(at)
            for pair in w.labels.items():
                index.by_label[pair].append(at)
        return index


class Neighbourhoods:
    """One graph's workloads, indexed to find those a document is a neighbour of."""

    def __init__(self, graph: PlatformGraph) -> None:
        self.graph = graph
        self.index = _Index.of(graph.workloads)
        self.pools = {id(pool.doc) for pool in graph.node_pools}

    def subjects_near(self, docs: list[Document]) -> set[str] | None:
        """The subjects of the workloads whose neighbourhood holds one of `docs` (documents of
        this graph); None where one of them may be a neighbour of any workload (a node pool,
        any Terraform, a namespace-wide link without a namespace)."""
        found: set[int] = set()
        for doc in docs:
            near = self._near(doc)
            if near is None:
                return None
            found.update(near)
        return {self.graph.workloads[at].subject for at in found}

    def about(self, subjects: set[str]) -> PlatformGraph:
        """The graph with only the workloads of these subjects to check (`PlatformGraph.about`),
        in the graph's order."""
        at = sorted(i for s in subjects for i in self.index.by_subject.get(s, ()))
        return self.graph.about([self.graph.workloads[i] for i in at])

    def _near(self, doc: Document) -> list[int] | None:
        if doc.format == "terraform" or id(doc) in self.pools:
            return None  # node pools (and what Terraform sizes them with) reach every workload
        index = self.index
        near = list(index.by_doc.get(id(doc), ()))
        if doc.kind in SCALER_KINDS:
            target = scale_target(doc)
            if target is not None:
                near.extend(index.by_name.get(target[1], ()))
        elif doc.kind in SELECTING:
            match = _match_labels((doc.body.get("spec") or {}).get("selector")
                                  if isinstance(doc.body.get("spec"), dict) else None)
            if match is None:  # expressions only: any workload of its namespace
                return self._in_namespaces(near, [doc.namespace])
            key, value = next(iter(match.items()))
            near.extend(index.by_label.get((str(key), str(value)), ()))
        elif doc.kind in NAMESPACE_WIDE:
            subjects = [s for s in doc.body.get("subjects", []) or [] if isinstance(s, dict)]
            return self._in_namespaces(near, [doc.namespace] if doc.kind == "ServiceAccount"
                                       else [str(s.get("namespace") or doc.namespace)
                                             for s in subjects])
        return near

    def _in_namespaces(self, near: list[int], namespaces: list[str]) -> list[int] | None:
        """`near` and the workloads of these namespaces (and those of none, which match any);
        None when one of them is none."""
        if "" in namespaces:
            return None
        for namespace in (*namespaces, ""):
            near.extend(self.index.by_namespace.get(namespace, ()))
        return near
