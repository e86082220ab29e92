"""The review's bookkeeping after the rules takes what it can from the judged base, worked out
once per base, and works out the rest for what the change moved: each shortcut gives what the
plain computation gives, on generated changes (the decision's tallies, the changed files, the
workloads a change's objects may find, the base's advice marked unchanged)."""

from __future__ import annotations

import pickle
from collections import Counter
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.checks.alike import Apart
from bot.checks.facts import _BaseWorkloads, advice_facts
from bot.config import AriaConfig
from bot.decision.build import count
from bot.decision.changes import unchanged_advice
from bot.decision.diff import JudgedFindings
from bot.decision.model import Counts
from bot.engine import _changed_paths, _Written, _written, ingest
from bot.findings import Finding, Location, Severity, Status, Suppression
from bot.graph.platform import build_graph
from bot.ingest.documents import ParseProblem
from bot.ingest.loader import Inventory
from bot.ingest.source import DirectorySource

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "gpu-serving" / "head"
GRAPH = build_graph(ingest(DirectorySource(EXAMPLE), AriaConfig()).documents)


def plain_count(findings: list[Finding]) -> Counts:
    """The tallies one finding at a time (what `count` did before)."""
    sev: Counter[str] = Counter()
    fam: Counter[str] = Counter()
    status: Counter[str] = Counter()
    total = suppressed = 0
    for f in findings:
        if not f.status.in_head:
            continue
        status[f.status.value] += 1
        if f.suppressed:
            suppressed += 1
            continue
        total += 1
        sev[f.severity.value] += 1
        fam[f.family] += 1
    tallies = {k: v for k, v in (("total", total), ("suppressed", suppressed)) if v}
    return Counts(**tallies, by_severity=dict(sev), by_family=dict(fam), by_status=dict(status))


def a_finding(status: Status, severity: Severity, family: str, suppressed: bool) -> Finding:
    return Finding(rule_id="SPOF001", family=family, severity=severity, title="t", message="m",
                   subject="Deployment/ml/a", location=Location(path="a.yaml", line=1),
                   status=status, suppressed=Suppression(source="inline", reason="r")
                   if suppressed else None)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.builds(a_finding, st.sampled_from(list(Status)),
                          st.sampled_from(list(Severity)), st.sampled_from(["spof", "cost"]),
                          st.booleans()), max_size=30))
def test_tallies_are_counted_as_one_finding_at_a_time(findings: list[Finding]) -> None:
    counted, plain = count(findings), plain_count(findings)
    assert counted.model_dump_json() == plain.model_dump_json()  # the keys' order included
    assert counted.model_fields_set == plain.model_fields_set


PATHS = ["a.yaml", "b.yaml", "c.yaml", "d.yaml"]
problems_st = st.builds(ParseProblem, st.sampled_from(PATHS), st.sampled_from(["x", "y"]),
                        st.integers(1, 3))


@st.composite
def inventories(draw: st.DrawFn) -> tuple[Inventory, Inventory]:
    """A base and a head of written objects (parse problems: each path's objects compare as
    documents do), the head keeping base objects as they are, dropping, writing again (a new
    object, maybe the same text), adding, swapping two, listing one twice."""
    base = draw(st.lists(problems_st, max_size=12))
    head: list[ParseProblem] = []
    for item in base:
        fate = draw(st.sampled_from(["kept", "kept", "kept", "dropped", "again", "twice"]))
        if fate == "again":
            head.append(ParseProblem(item.path, draw(st.sampled_from(["x", "y"])), item.line))
        elif fate != "dropped":
            head += [item] * (2 if fate == "twice" else 1)
    for _ in range(draw(st.integers(0, 3))):
        head.insert(draw(st.integers(0, len(head))), draw(problems_st))
    if len(head) > 1 and draw(st.booleans()):
        i, j = draw(st.integers(0, len(head) - 1)), draw(st.integers(0, len(head) - 1))
        head[i], head[j] = head[j], head[i]
    return Inventory(problems=base), Inventory(problems=head)


@settings(max_examples=400, deadline=None)
@given(inventories())
def test_changed_paths_are_the_paths_written_differently(
        trees: tuple[Inventory, Inventory]) -> None:
    base, head = trees

    def written(inventory: Inventory, path: str) -> list[tuple[int, str]]:
        return [(p.line or 0, p.reason) for p in inventory.problems if p.path == path]

    assert _changed_paths(_Written.of(_written(base)), head) == \
        {p for p in PATHS if written(base, p) != written(head, p)}


LABELS = sorted({pair for w in GRAPH.workloads for pair in w.labels.items()})
TARGETS = sorted({(w.kind, w.doc.name) for w in GRAPH.workloads})


@settings(max_examples=200, deadline=None)
@given(st.frozensets(st.sampled_from([*TARGETS, ("Deployment", "elsewhere")])),
       st.frozensets(st.sampled_from([*LABELS, ("app", "elsewhere")])), st.booleans())
def test_the_workloads_apart_may_find_are_those_it_finds(
        targets: frozenset[tuple[str, str]], pairs: frozenset[tuple[str, str]],
        unkeyed: bool) -> None:
    apart = Apart(targets, pairs, unkeyed)
    found = _BaseWorkloads.of(GRAPH).found(apart)
    if unkeyed:
        assert found is None
    else:
        assert found == {id(w) for w in GRAPH.workloads if apart.may_find(w)}
    assert _BaseWorkloads.of(GRAPH).found(None) is None


def test_unchanged_advice_is_the_base_facts_marked_unchanged_as_copies() -> None:
    """As a model copy of each, its change then set as `mark_directions` sets it; the base's
    facts are left as they are."""
    advice = advice_facts(GRAPH)
    marked = unchanged_advice(advice)
    assert list(marked) == list(advice)
    for subject, facts in advice.items():
        plain = facts.model_copy()
        plain.change = "unchanged"
        assert marked[subject].model_dump() == plain.model_dump()
        assert marked[subject].model_fields_set == plain.model_fields_set
        assert facts.change is None and "change" not in facts.model_fields_set


def test_what_is_kept_by_id_is_made_again_where_a_pickle_is_loaded() -> None:
    """A judged base is pickled for later pushes: its `id`s do not survive, so what is kept by
    `id` is made again from the loaded objects, not loaded stale."""
    findings = [a_finding(Status.present, Severity.error, "spof", False) for _ in range(3)]
    loaded = pickle.loads(pickle.dumps(JudgedFindings.of(findings)))
    assert loaded.key_of == {id(f): f.key for f in loaded.findings}
    written = pickle.loads(pickle.dumps(_Written.of([ParseProblem("a.yaml", "x")])))
    assert written.place == {id(written.items[0]): 0}
    workloads = pickle.loads(pickle.dumps(_BaseWorkloads.of(GRAPH)))
    assert workloads.subject == {id(w): w.subject for w in workloads.workloads}
    assert workloads.by_doc == {(id(w.doc), w.group): w for w in workloads.workloads}
