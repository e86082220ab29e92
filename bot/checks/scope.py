"""A review's rules in proportion to its change (ADR 0021).

A rule that reads only the document a finding is about (`reads: object` in its pack) finds on a
tree exactly the union of what it finds on each document alone. So in a review its head findings
are the judged base's, less what it finds on the base documents the change removed or rewrote,
plus what it finds on the head documents the change added or rewrote. Unchanged documents are
the base's own objects (one parse or render, shared through the content cache); anything parsed
or rendered again counts as changed. A rule that finds by workload, from the workload and its
neighbours (`reads: neighbours`, `bot.graph.neighbours`), is treated the same way with each
side's whole graph asked only about the workloads whose neighbourhood the change touched.
Either kind runs over the whole head where the change touched a document its check reads
anywhere in the tree (`Check.anywhere`: OBS003's monitors, the lock-in rules' kustomize
Components). Every other rule runs over the whole head graph.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.catalog import RuleSpec
from bot.checks.alike import recited
from bot.checks.contract import Hit
from bot.checks.evaluate import Before, Settled, Signature, bind, finding, hits
from bot.config import AriaConfig
from bot.findings import Finding, Severity
from bot.graph.neighbours import about, near
from bot.graph.nodepools import PriorPool
from bot.graph.platform import PlatformGraph, build_graph
from bot.graph.workloads import PriorRole
from bot.ingest.documents import Document
from bot.ingest.loader import Inventory

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Side:
    """One side's documents that the change touched, as a graph of their own."""

    part: PlatformGraph
    inventory: Inventory

    def findings(self, rule: RuleSpec, severity: Severity, config: AriaConfig,
                 tree: PlatformGraph) -> list[Finding]:
        """The rule's findings on this side's part, reading what its check reads anywhere in
        the tree from `tree` (`CheckContext.tree`)."""
        return [finding(rule, severity, h, self.inventory)
                for h in hits(rule, self.part, config, self.inventory, tree)]


@dataclass(frozen=True)
class Scope:
    """What a review's change touched, with the base's findings by rule, and by rule and the
    signature of the hit that made each."""

    base_by_rule: Mapping[str, list[Finding]]
    base_signed: Mapping[str, Mapping[Signature, Finding]]
    removed: Side
    added: Side
    config: AriaConfig
    cited_apart: frozenset[str]  # rendered outputs cited otherwise in head (`alike.recited`)
    base_graph: PlatformGraph
    before: Before  # the base's findings on their way to its judgement, for the head's
    # the head graph and its sides for neighbours rules, worked out once (`_near`)
    asked: list[tuple[PlatformGraph, tuple[Side, Side] | None]] = field(default_factory=list)

    def made(self, rule: RuleSpec, severity: Severity, hit: Hit, key: Signature,
             ) -> Finding | None:
        """The base's finding of a hit with the same signature, where every place the hit
        names is cited through the same rendered objects in head as in base (a render that
        changed may cite the same output line from another file)."""
        found = self.base_signed.get(rule.id, {}).get(key)
        if found is None or found.severity is not severity:
            return None
        if hit.path in self.cited_apart or any(
                e.location.path in self.cited_apart for e in hit.evidence if e.location):
            return None
        return found

    def findings(self, rule: RuleSpec, severity: Severity, head: PlatformGraph,
                 ) -> list[Finding] | None:
        """The rule's head findings, or None where it must run over the whole head graph."""
        base = self.base_by_rule.get(rule.id)
        if rule.reads == "graph" or base is None:
            return None
        sides = (self.removed, self.added) if rule.reads == "object" else self._near(head)
        if sides is None or self._reads_anywhere(rule):
            return None
        removed, added = sides
        try:  # what the check reads anywhere is the same on both sides: the base's has it
            gone = removed.findings(rule, severity, self.config, self.base_graph)
            new = added.findings(rule, severity, self.config, self.base_graph)
        except Exception:  # the whole-graph run notes it, with the files it fails on
            return None
        kept = _without(base, gone)
        if kept is None:  # a finding of a removed document the base never had
            log.warning("rule %s reads more than its object; running it on the whole head",
                        rule.id)
            return None
        return [*kept, *new]

    def _reads_anywhere(self, rule: RuleSpec) -> bool:
        """Whether the change touched a document the rule's check reads wherever it is in the
        tree (`Check.anywhere`)."""
        check, params = bind(rule, self.config)
        return any(check.anywhere(params, d) for side in (self.removed, self.added)
                   for d in side.part.documents)

    def _near(self, head: PlatformGraph) -> tuple[Side, Side] | None:
        """Each side's graph with only the workloads to ask a neighbours rule about: those
        whose neighbourhood holds a document only one side has, on either side (by subject:
        a workload's base role reaches its head twin by subject). None: the change may reach
        any workload."""
        if not self.asked or self.asked[0][0] is not head:
            before = near(self.base_graph, self.removed.part.documents)
            now = near(head, self.added.part.documents)
            sides = None if before is None or now is None else (
                Side(about(self.base_graph, before + now), self.removed.inventory),
                Side(about(head, before + now), self.added.inventory))
            self.asked[:] = [(head, sides)]
        return self.asked[0][1]


def change_scope(base_graph: PlatformGraph, base_inventory: Inventory,
                 base_by_rule: Mapping[str, list[Finding]],
                 base_signed: Mapping[str, Mapping[Signature, Finding]], base_settled: Settled,
                 base_findings: list[Finding], head_inventory: Inventory, config: AriaConfig,
                 prior: Mapping[str, PriorRole] | None = None,
                 prior_pools: Mapping[str, PriorPool] | None = None) -> Scope:
    """The documents only one side holds (by object), each side's as a graph built as that
    side's whole graph is: the head's with the base roles of its workloads and pools; and the
    base's findings with the files where those documents are written."""
    in_base = {id(d) for d in base_graph.documents}
    in_head = {id(d) for d in head_inventory.documents}
    removed = [d for d in base_graph.documents if id(d) not in in_head]
    added = [d for d in head_inventory.documents if id(d) not in in_base]
    moved = frozenset(d.written_at[0] for d in (*removed, *added))
    return Scope(base_by_rule, base_signed, Side(_part(removed, base_graph), base_inventory),
                 Side(_part(added, base_graph, prior, prior_pools), head_inventory), config,
                 recited(base_inventory, head_inventory), base_graph,
                 Before(base_settled, base_findings, base_inventory.suppressions, moved))


def _part(docs: list[Document], like: PlatformGraph,
          prior: Mapping[str, PriorRole] | None = None,
          prior_pools: Mapping[str, PriorPool] | None = None) -> PlatformGraph:
    part = build_graph(docs, like.serving_images, like.hints, prior, prior_pools)
    part.prices = like.prices
    return part


def _without(findings: list[Finding], gone: list[Finding]) -> list[Finding] | None:
    """`findings` less one equal finding for each of `gone`; None when one of `gone` is not
    there (the rule's findings are not the union of its documents' own)."""
    left: dict[tuple[str, str, str, int | None], list[Finding]] = defaultdict(list)
    for f in gone:
        left[(f.subject, f.detail, f.location.path, f.location.line)].append(f)
    if not left:
        return findings
    out: list[Finding] = []
    for f in findings:
        twins = left.get((f.subject, f.detail, f.location.path, f.location.line))
        if twins and f in twins:
            twins.remove(f)
        else:
            out.append(f)
    return out if not any(left.values()) else None
