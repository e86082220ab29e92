"""A second push's diff pairs only the keys its change touched (`JudgedFindings`, `_touched`):
every other head finding is the judged base's own finding and is marked unchanged without
pairing. That must give the very findings `diff_findings` gives pairing the whole pool, on
any change: findings kept (the base's objects), dropped, read again (new objects, the measure
moved or not), added, reordered, and keys several findings share (their order decides their
pairs, so a base finding listed again is not simply itself)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.catalog import load_catalog
from bot.decision.diff import JudgedFindings, diff_findings
from bot.decision.identity import ObjectMap
from bot.findings import Evidence, Finding, Status, at

CATALOG = load_catalog()
# rules with a regression measure, one superseding two others, and a plain one
RULES = ["SPOF001", "SPOF002", "SPOF004", "SRV004", "SRV005", "COST002"]
SUBJECTS = ["Deployment/ml/a", "Deployment/ml/b", "Deployment/ml/b#1", "Service/ml/c"]


def finding(rule_id: str, subject: str, detail: str, path: str, value: int) -> Finding:
    rule = CATALOG.get(rule_id)
    assert rule is not None
    label = rule.regression.evidence if rule.regression is not None else "replicas"
    return Finding(rule_id=rule_id, family=rule.family, severity=rule.severity,
                   title=rule.title, message=f"{subject} {value}", subject=subject,
                   detail=detail, location=at(path, 1),
                   evidence=[Evidence(label=label, value=value, location=at(path, value))])


def shown(findings: list[Finding]) -> list[tuple[str, set[str]]]:
    """What a decision writes of each finding (its fields set included), in order."""
    return [(f.model_dump_json(), f.model_fields_set) for f in findings]


findings_st = st.builds(finding, st.sampled_from(RULES), st.sampled_from(SUBJECTS),
                        st.sampled_from(["", "server"]), st.sampled_from(["a.yaml", "b.yaml"]),
                        st.integers(1, 3))
# what becomes of each base finding in head: kept (the same object), dropped, or read again
fates_st = st.sampled_from(["kept", "kept", "kept", "dropped", "again", "moved"])


@st.composite
def changes(draw: st.DrawFn) -> tuple[list[Finding], list[Finding]]:
    base = draw(st.lists(findings_st, max_size=14))
    head: list[Finding] = []
    for f in base:
        fate = draw(fates_st)
        if fate == "kept":
            head.append(f)
        elif fate == "again":  # the same finding, a new object (its document changed)
            head.append(f.model_copy())
        elif fate == "moved":  # its measure moved
            value = draw(st.integers(1, 3))
            head.append(f.model_copy(update={"evidence": [
                Evidence(label=f.evidence[0].label, value=value, location=f.location)]}))
    for _ in range(draw(st.integers(0, 4))):  # new findings, anywhere
        head.insert(draw(st.integers(0, len(head))), draw(findings_st))
    for _ in range(draw(st.integers(0, 2))):  # two findings swap places
        if len(head) > 1:
            i, j = draw(st.integers(0, len(head) - 1)), draw(st.integers(0, len(head) - 1))
            head[i], head[j] = head[j], head[i]
    return base, head


@settings(max_examples=400, deadline=None)
@given(changes(), changes())
def test_pairing_touched_keys_gives_the_whole_diff(
        first: tuple[list[Finding], list[Finding]],
        second: tuple[list[Finding], list[Finding]]) -> None:
    base, head = first
    judged = JudgedFindings.of(base)
    assert shown(diff_findings(base, head, CATALOG, judged=judged)) == \
        shown(diff_findings(base, head, CATALOG))
    # a later push against the same judged base (its unchanged copies already made)
    later = [f for f in second[1] if f not in base] + head[::2]
    assert shown(diff_findings(base, later, CATALOG, judged=judged)) == \
        shown(diff_findings(base, later, CATALOG))


def test_base_findings_of_one_key_listed_again_in_another_order_pair_as_before() -> None:
    """Two base findings of one key and path: head lists the very same objects swapped, so
    each pairs with the other, and the replica floor that fell (3 -> 1) is a regression. A
    shortcut taking each base finding for itself would call both unchanged."""
    low, high = (finding("SPOF002", "Deployment/ml/a", "", "a.yaml", v) for v in (1, 3))
    base = [high, low]
    out = diff_findings(base, [low, high], CATALOG, judged=JudgedFindings.of(base))
    assert shown(out) == shown(diff_findings(base, [low, high], CATALOG))
    assert [(f.status, f.regression is not None) for f in out] == \
        [(Status.new, True), (Status.unchanged, False)]


def test_a_base_finding_gone_from_head_is_fixed_or_superseded() -> None:
    """Only the dropped finding's key is paired; a superseding head finding on its object (kept,
    not paired) still makes it superseded, not fixed."""
    single = finding("SPOF001", "Deployment/ml/a", "", "a.yaml", 1)
    spread = finding("SPOF002", "Deployment/ml/a", "", "a.yaml", 2)
    other = finding("SRV005", "Deployment/ml/b", "", "b.yaml", 1)
    base = [single, spread, other]
    out = diff_findings(base, [single], CATALOG, judged=JudgedFindings.of(base))
    assert shown(out) == shown(diff_findings(base, [single], CATALOG))
    assert [f.status for f in out] == [Status.unchanged, Status.superseded, Status.fixed]
    assert out[1].superseded_by == single.fingerprint


def test_a_renamed_object_pairs_the_whole_pool() -> None:
    """Renames map base keys to head keys: every key is paired, as without the index."""
    old = finding("SPOF002", "Deployment/ml/a", "", "a.yaml", 2)
    new = finding("SPOF002", "Deployment/ml/z", "", "a.yaml", 1)
    objects = ObjectMap(head={"Deployment/ml/z"},
                        renamed={"Deployment/ml/a": "Deployment/ml/z"})
    out = diff_findings([old], [new], CATALOG, objects, JudgedFindings.of([old]))
    assert shown(out) == shown(diff_findings([old], [new], CATALOG, objects))
    assert out[0].status is Status.new and out[0].regression is not None
