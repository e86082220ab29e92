"""Review = difference: what the change introduces, makes worse, fixes, supersedes or leaves.

Findings are matched by (rule, object, detail), never by line, with base objects followed into
head across renames and moves (`identity`). Then:

- a head finding with no base match is **new**;
- a matched pair is **unchanged**, unless the rule's measure moved the worse way (replicas
  3 → 2 while the same warning stands): then it is **new**, with the regression recorded;
- a base finding with no head match is **fixed** when its object is gone from head or no head
  finding took over; when a head finding on the same object is of a rule that `supersedes` it
  (one replica now, so the rules about spreading replicas stop applying), it is **superseded**
  by that finding and is not a fix.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from operator import attrgetter

from bot.catalog import Catalog, RuleSpec
from bot.decision.identity import ObjectMap
from bot.findings import Evidence, Finding, Regression, Status


def _number(value: object) -> int | float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return value


def _regression(rule: RuleSpec | None, before: Finding, after: Finding) -> Regression | None:
    """How the rule's own measure moved from base to head, when it moved the worse way."""
    spec = rule.regression if rule is not None else None
    if spec is None:
        return None

    def measure(f: Finding) -> tuple[Evidence, int | float] | None:
        for e in f.evidence:
            value = _number(e.value)
            if value is not None and spec.matches(e.label):
                return e, value
        return None

    old, new = measure(before), measure(after)
    if old is None or new is None:
        return None
    worse = new[1] < old[1] if spec.worse == "lower" else new[1] > old[1]
    if not worse:
        return None
    return Regression(label=new[0].label, before=old[1], after=new[1],
                      base_location=old[0].location)


def diff_findings(base: list[Finding], head: list[Finding], catalog: Catalog,
                  objects: ObjectMap | None = None) -> list[Finding]:
    """Head findings marked new/unchanged, plus base findings marked fixed or superseded.

    Duplicated identities (the same object in two overlays) pair up by path first, then in
    order.
    """
    objects = objects or ObjectMap(head={f.subject.partition("#")[0] for f in head})

    def key(f: Finding) -> tuple[str, str, str]:
        subject = objects.head_subject(f.subject)
        return f.rule_id, subject, objects.head_detail(f.subject, f.detail)

    pool: dict[tuple[str, str, str], list[Finding]] = defaultdict(list)
    # Nothing renamed: a base finding's key is its own (each rename's lookups cost as much as
    # the rest of the pairing).
    keyed: Callable[[Finding], tuple[str, str, str]] = \
        key if objects.renamed or objects.names else attrgetter("key")
    for finding in base:
        pool[keyed(finding)].append(finding)
    # each rule looked up once, not once per finding
    rules = {r: catalog.get(r) for r in {f.rule_id for f in (*base, *head)}}
    out: list[Finding] = []
    unmatched: list[Finding] = []
    for finding in head:
        candidates = pool.get(finding.key, [])
        path = finding.location.path
        for match in candidates:  # a loop, not `next` over a generator: a finding's cost counts
            if match.location.path == path:
                candidates.remove(match)
                out.append(_paired(match, finding, rules[finding.rule_id]))
                break
        else:
            unmatched.append(finding)
    for finding in unmatched:
        left = pool.get(finding.key)
        if left:
            out.append(_paired(left.pop(0), finding, rules[finding.rule_id]))
        else:
            out.append(finding.marked(Status.new))
    # The placed findings of rules that supersede others, by subject, in `out`'s order (base
    # findings placed meanwhile included): what `_gone` looks through, not all of `out`.
    superseding: dict[str, list[Finding]] = defaultdict(list)
    superseders = {r for r, rule in rules.items() if rule is not None and rule.supersedes}
    for finding in out:
        if finding.rule_id in superseders:
            superseding[finding.subject].append(finding)
    for leftovers in pool.values():
        for finding in leftovers:
            out.append(gone := _gone(finding, superseding, rules, objects))
            if gone.rule_id in superseders:
                superseding[gone.subject].append(gone)
    return out


def _paired(before: Finding, after: Finding, rule: RuleSpec | None) -> Finding:
    worse = _regression(rule, before, after)
    if worse is not None:
        return after.marked(Status.new, regression=worse)
    return after.marked(Status.unchanged)


def _gone(finding: Finding, superseding: dict[str, list[Finding]],
          rules: dict[str, RuleSpec | None], objects: ObjectMap) -> Finding:
    """A base finding with no head match: superseded by a stricter head finding, or fixed.
    `superseding`: the findings placed so far by subject, of rules that supersede others."""
    if objects.in_head(finding.subject):
        for other in superseding.get(objects.head_subject(finding.subject), ()):
            rule = rules[other.rule_id]
            if rule is not None and finding.rule_id in rule.supersedes:
                return finding.marked(Status.superseded, superseded_by=other.fingerprint)
    return finding.marked(Status.fixed)
