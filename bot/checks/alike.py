"""What a review's two trees share, by object: an unchanged file's or overlay's objects are the
base's own (one parse or render, shared through the content cache), so "the same" here is the
very same objects, never equal ones, and a place in rendered output is cited alike in both
trees only through the very same rendered objects (`Inventory.locate` reads them)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from bot.graph.platform import SCALER_KINDS, PlatformGraph, match_labels, scale_target
from bot.graph.workloads import Workload
from bot.ingest.documents import Document
from bot.ingest.loader import Inventory

# The kinds of the other objects a workload's facts read: its autoscalers, disruption budgets
# and services.
RELATED = (*SCALER_KINDS, "PodDisruptionBudget", "Service")


def same_objects(base: Sequence[object], head: Sequence[object]) -> bool:
    """The very same objects, in the same order."""
    return base is head or len(base) == len(head) and all(
        a is b for a, b in zip(base, head, strict=True))


def recited(base: Inventory, head: Inventory) -> frozenset[str]:
    """The rendered outputs whose places the two trees may cite differently: those not made of
    the very same rendered objects in both (a render made again may cite the same output line
    from another file). Any other path is cited alike."""
    return frozenset(path for path in base.rendered.keys() | head.rendered.keys()
                     if not same_objects(base.rendered.get(path, []),
                                         head.rendered.get(path, [])))


@dataclass(frozen=True)
class Apart:
    """What may find a workload among the autoscalers, budgets and services that one tree has
    and the other has not (as the very same objects), or that are cited through a render made
    apart: a workload none of them may find finds the very same ones in both trees, none cited
    apart. `may_find` is a necessary condition only (the label pair a selector's index keys it
    by, the workload an autoscaler names), so a workload it passes is looked up as usual."""

    targets: frozenset[tuple[str, str]]  # (kind, name) such an autoscaler scales
    pairs: frozenset[tuple[str, str]]  # a label pair such a selector requires
    unkeyed: bool  # such a selector requires no label pair: it may find any workload

    def may_find(self, w: Workload) -> bool:
        return self.unkeyed or (w.kind, w.doc.name) in self.targets or \
            not w.labels.items().isdisjoint(self.pairs)


def related_apart(base: PlatformGraph, head: PlatformGraph,
                  cited_apart: Collection[str]) -> Apart | None:
    """`Apart` for a review's two graphs; None where the objects of a kind that both trees have
    are not in the same order (a workload's lookups list them in that order)."""
    docs: list[Document] = [d for k in RELATED for d in head.kind(k) if d.path in cited_apart]
    for kind in RELATED:
        then, now = base.kind(kind), head.kind(kind)
        if same_objects(then, now):
            continue
        in_then, in_now = {id(d) for d in then}, {id(d) for d in now}
        if not same_objects([d for d in then if id(d) in in_now],
                            [d for d in now if id(d) in in_then]):
            return None
        docs += [d for d in then if id(d) not in in_now]
        docs += [d for d in now if id(d) not in in_then]
    targets, pairs, unkeyed = set(), set(), False
    for doc in docs:
        if doc.kind in SCALER_KINDS:
            target = scale_target(doc)
            if target is not None:
                targets.add(target)
            continue
        match = match_labels((doc.body.get("spec") or {}).get("selector"))
        if match is None:
            unkeyed = True
        else:
            key, value = next(iter(match.items()))  # as `_SelectorIndex` keys it
            pairs.add((str(key), str(value)))
    return Apart(frozenset(targets), frozenset(pairs), unkeyed)
