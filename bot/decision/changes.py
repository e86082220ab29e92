"""What a change does to each object: the facts that matter, compared base → head.

`bot.checks.facts` reads the facts of one tree (replica floor and ceiling, GPUs per pod, node
pool size and zones, RBAC grants, exposure, images, …), each with the file and line it was read
from. Here the two trees' facts are paired through the object map (renames followed) and only
what moved is kept.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from pydantic import BaseModel, Field

from bot.copies import updated
from bot.decision.identity import ObjectMap
from bot.findings import Location
from bot.tradeoffs import AdviceFacts


class Fact(BaseModel):
    value: str
    location: Location | None = None


class ObjectFacts(BaseModel):
    """The facts of one object of one tree, by fact name."""

    ref: str = Field(description="short name, as messages write it (Kind/name, tf address)")
    facts: dict[str, Fact] = Field(default_factory=dict)
    location: Location | None = Field(default=None, description="where the object is written")


class FactChange(BaseModel):
    """One fact of one object that the change moves; `None` where a side has no such fact."""

    object: str
    fact: str
    before: str | None
    after: str | None
    base_location: Location | None = None
    head_location: Location | None = None


ADDED, REMOVED, RENAMED = "added", "removed", "name"
# Facts named beside an added object, at most three, in this order.
SUMMARY_FACTS = ("replicas", "GPUs per pod", "exposure", "node floor", "node ceiling",
                 "GPUs per node", "machine", "role", "subjects", "max_batch_size")


def fact_changes(base: dict[str, ObjectFacts], head: dict[str, ObjectFacts],
                 objects: ObjectMap) -> list[FactChange]:
    """Changed facts of objects on both sides, then objects added and removed; renames too."""
    out: list[FactChange] = []
    paired: set[str] = set()
    for identity, old in base.items():
        head_id = objects.head_identity(identity)
        new = head.get(head_id)
        if new is None:
            out.append(FactChange(object=old.ref, fact="object", before="present",
                                  after=REMOVED, base_location=old.location))
            continue
        paired.add(head_id)
        if head_id != identity:
            out.append(FactChange(object=new.ref, fact=RENAMED, before=old.ref, after=new.ref,
                                  base_location=old.location, head_location=new.location))
        # (value as head names it, location): a copy of each base fact cost a tenth of a
        # second per 1,000 workloads, for the one field compared
        renamed = {objects.head_detail(identity, name): (objects.head_names(fact.value),
                                                         fact.location)
                   for name, fact in old.facts.items()}
        for name in sorted(renamed.keys() | new.facts.keys(), key=_fact_order(new, renamed)):
            before, base_location = renamed.get(name, (None, None))
            b = new.facts.get(name)
            if before != (b.value if b else None):
                out.append(FactChange(object=new.ref, fact=name, before=before,
                                      after=b.value if b else None,
                                      base_location=base_location,
                                      head_location=b.location if b else None))
    for identity, new in head.items():
        if identity not in paired:
            summary = "; ".join(f"{name} {new.facts[name].value}" for name
                                in [n for n in SUMMARY_FACTS if n in new.facts][:3])
            out.append(FactChange(object=new.ref, fact="object", before=None,
                                  after=f"{ADDED}: {summary}" if summary else ADDED,
                                  head_location=new.location))
    return out


def _fact_order(new: ObjectFacts, old: Iterable[str]) -> Callable[[str], int]:
    """Facts in the order the head object lists them, then those only base had."""
    order: dict[str, int] = {}
    for name in [*new.facts, *old]:
        order.setdefault(name, len(order))
    return order.__getitem__


def mark_directions(base: dict[str, AdviceFacts], head: dict[str, AdviceFacts],
                    objects: ObjectMap) -> None:
    """Set on each head object what the change did to its size: added, scaled up or down (replica
    floor, then accelerators per pod), or unchanged."""
    # nothing renamed: each base identity is its head's (re-keying every entry was most of this)
    before = {objects.head_identity(k): v for k, v in base.items()} if objects.renamed else base
    for identity, new in head.items():
        if new.change is not None:  # marked already: a judged base's `unchanged_advice`
            continue
        old = before.get(identity)
        if old is None:
            new.change = "added"
            continue
        moved = [(b, a) for b, a in ((old.replicas, new.replicas), (old.gpus or 0, new.gpus or 0))
                 if b is not None and a is not None and a != b]
        new.change = "unchanged" if not moved else \
            "scaled-up" if moved[0][1] > moved[0][0] else "scaled-down"


def unchanged_advice(advice: Mapping[str, AdviceFacts]) -> dict[str, AdviceFacts]:
    """Copies of a judged base's advice facts, marked as `mark_directions` marks an object's
    that reads the same on both sides (the base's facts of an unmoved head workload,
    `known_advice`): made once per base, instead of a copy per workload for every push, each
    marked again. Shared: never changed by a caller."""
    return {subject: updated(facts, change="unchanged") for subject, facts in advice.items()}
