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
from dataclasses import dataclass, field
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


Key = tuple[str, str, str]  # a finding's (rule, object, detail): `Finding.key`


@dataclass(frozen=True)
class JudgedFindings:
    """A judged base's findings, indexed once for every review against it (a warm worker holds
    the base; each push keyed every base finding again): each finding's key by its `id`, the
    findings of each key in base order, each key's place in that order, and the keys more than
    one finding has."""

    findings: list[Finding]
    key_of: dict[int, Key]
    by_key: dict[Key, list[Finding]]
    rank: dict[Key, int]
    shared_keys: frozenset[Key]
    _unchanged: dict[int, Finding] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def of(cls, findings: list[Finding]) -> JudgedFindings:
        key_of = {id(f): f.key for f in findings}
        by_key: dict[Key, list[Finding]] = defaultdict(list)
        for finding in findings:
            by_key[key_of[id(finding)]].append(finding)
        return cls(findings, key_of, dict(by_key), {k: i for i, k in enumerate(by_key)},
                   frozenset(k for k, group in by_key.items() if len(group) > 1))

    def __reduce__(self) -> tuple[Callable[[list[Finding]], JudgedFindings], tuple[list[Finding]]]:
        # made again where it is loaded: `id`s do not survive a pickle
        return JudgedFindings.of, (self.findings,)

    def unchanged(self, finding: Finding) -> Finding:
        """`finding`, one of these, marked unchanged: made once, as every push against the base
        lists most of them so (the copies were most of a push's diff). Shared, like the base's
        own findings a head reuses: a finding is not changed once made."""
        made = self._unchanged.get(id(finding))
        if made is None:
            made = self._unchanged[id(finding)] = finding.marked(Status.unchanged)
        return made


class _Rules(dict[str, RuleSpec | None]):
    """Each rule looked up once, when a finding first needs it (not once per finding)."""

    def __init__(self, catalog: Catalog) -> None:
        super().__init__()
        self.catalog = catalog

    def __missing__(self, rule_id: str) -> RuleSpec | None:
        self[rule_id] = rule = self.catalog.get(rule_id)
        return rule


def diff_findings(base: list[Finding], head: list[Finding], catalog: Catalog,
                  objects: ObjectMap | None = None,
                  judged: JudgedFindings | None = None) -> list[Finding]:
    """Head findings marked new/unchanged, plus base findings marked fixed or superseded.

    Duplicated identities (the same object in two overlays) pair up by path first, then in
    order. `judged`: `base` indexed (`JudgedFindings.of`), for a review whose head reuses the
    base's own findings: only the keys the change touched are paired (`_touched`).
    """
    objects = objects or ObjectMap(head={f.subject.partition("#")[0] for f in head})
    touched = _touched(judged, head, objects) if judged is not None else None
    unsettled: set[int] = set()
    if touched is None:  # every head finding is paired
        judged, pool = None, _pool(base, objects)
    else:
        pool, unsettled = touched
    rules = _Rules(catalog)
    out: list[Finding] = []
    unmatched: list[Finding] = []
    for finding in head:
        if judged is not None and id(finding) not in unsettled:
            out.append(judged.unchanged(finding))  # the base's own finding, paired with itself
            continue
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
    if not any(pool.values()):
        return out
    # The placed findings of rules that supersede others, by subject, in `out`'s order (base
    # findings placed meanwhile included): what `_gone` looks through, not all of `out`.
    superseding: dict[str, list[Finding]] = defaultdict(list)
    superseders = {rule.id for rule in catalog if rule.supersedes}
    for finding in out:
        if finding.rule_id in superseders:
            superseding[finding.subject].append(finding)
    for leftovers in pool.values():
        for finding in leftovers:
            out.append(gone := _gone(finding, superseding, rules, objects))
            if gone.rule_id in superseders:
                superseding[gone.subject].append(gone)
    return out


def _pool(base: list[Finding], objects: ObjectMap) -> dict[Key, list[Finding]]:
    """Base findings by the key their head finding would have, in base order."""
    def key(f: Finding) -> Key:
        subject = objects.head_subject(f.subject)
        return f.rule_id, subject, objects.head_detail(f.subject, f.detail)

    pool: dict[Key, list[Finding]] = defaultdict(list)
    # Nothing renamed: a base finding's key is its own (each rename's lookups cost as much as
    # the rest of the pairing).
    keyed: Callable[[Finding], Key] = \
        key if objects.renamed or objects.names else attrgetter("key")
    for finding in base:
        pool[keyed(finding)].append(finding)
    return pool


def _touched(judged: JudgedFindings, head: list[Finding], objects: ObjectMap,
             ) -> tuple[dict[Key, list[Finding]], set[int]] | None:
    """The base findings of the keys the change touched (`diff_findings`' pool, less the other
    keys), and the `id`s of the head findings of those keys: every other head finding is the
    base's very finding of its key, the only one of it on either side, so it pairs with itself
    (unchanged: its measure did not move). A key is touched where a head finding is not a base
    finding, a base finding is not in head, or more than one base finding has it (their order
    decides their pairs). None where a base key is not the head's (a rename) or head lists a
    finding twice (it pairs with itself once): the whole pool is paired."""
    if objects.renamed or objects.names:
        return None
    key_of = judged.key_of
    ids = {id(f) for f in head}
    if len(ids) < len(head):
        return None
    fresh = [f for f in head if id(f) not in key_of]
    keys = set(judged.shared_keys)
    keys.update(f.key for f in fresh)
    if len(head) - len(fresh) < len(judged.findings):  # some base findings are gone
        keys.update(key_of[id(f)] for f in judged.findings if id(f) not in ids)
    pool = {k: list(judged.by_key[k])
            for k in sorted(keys & judged.rank.keys(), key=judged.rank.__getitem__)}
    unsettled = {id(f) for f in fresh}
    unsettled.update(id(f) for group in pool.values() for f in group if id(f) in ids)
    return pool, unsettled


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
