"""A review's head findings settled from its judged base's (`bot.checks.evaluate.settle` with
`before`, ADR 0021) are exactly what settling them from scratch gives: the same findings, once
each, in the same order, with the same suppression marks. Property-tested over bases and heads
that share, drop, add and remake findings (equal values as other objects, twins at one place),
whose inline suppressions change and whose objects' lines move."""

from __future__ import annotations

import dataclasses
import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.checks.evaluate import Settled, settle
from bot.checks.scope import change_scope
from bot.config import AriaConfig, Ignore
from bot.findings import Finding, Severity, Suppression, at
from bot.graph.platform import build_graph
from bot.ingest.documents import Document
from bot.ingest.loader import Inventory

PATHS = ("a.yaml", "b.yaml", "c.yaml")
NAMES = ("x", "y")
RULES = {"SEC001": Severity.error, "SEC002": Severity.warning, "OBS001": Severity.note}
TODAY = dt.date.today()

# a finding's value: rule, file, line, object, detail, message
values = st.tuples(st.sampled_from(sorted(RULES)), st.sampled_from(PATHS),
                   st.sampled_from([None, 1, 2, 4, 7]), st.sampled_from(NAMES),
                   st.sampled_from(["", "c"]), st.sampled_from(["m1", "m2"]))
# a document: file, name, first line, lines
documents = st.tuples(st.sampled_from(PATHS), st.sampled_from(NAMES), st.integers(1, 6),
                      st.integers(0, 3))
suppression_lists = st.lists(
    st.tuples(st.integers(1, 8), st.sampled_from([*RULES, "*", "SEC", "OBS"]), st.just("why")),
    max_size=2)
suppressions = st.dictionaries(st.sampled_from(PATHS), suppression_lists, max_size=3)


def made(value: tuple) -> Finding:
    rule, path, line, name, detail, message = value
    return Finding(rule_id=rule, family=rule[:3].lower(), severity=RULES[rule], title=rule,
                   message=message, subject=f"ConfigMap/-/{name}", detail=detail,
                   location=at(path, line))


def written(value: tuple[str, str, int, int]) -> Document:
    path, name, line, more = value
    return Document(format="k8s", kind="ConfigMap", name=name, path=path, line=line,
                    end_line=line + more, body={"metadata": {"name": name}})


def head_of(base: list, keep: list[bool], remade: list[bool], new: list) -> list:
    """The base's objects kept (twice where `remade` says), or where `remade` says an equal copy
    instead, and new ones."""
    out = []
    for f, kept, again in zip(base, keep, remade, strict=False):
        if kept:
            out += [f, f] if again else [f]
        elif again:
            out.append(f.model_copy() if isinstance(f, Finding) else dataclasses.replace(f))
    return out + new


@settings(max_examples=300, deadline=None)
@given(base_values=st.lists(values, max_size=14), new_values=st.lists(values, max_size=5),
       keep=st.lists(st.booleans(), min_size=14, max_size=14),
       remade=st.lists(st.booleans(), min_size=14, max_size=14),
       base_docs=st.lists(documents, max_size=5), new_docs=st.lists(documents, max_size=2),
       keep_docs=st.lists(st.booleans(), min_size=5, max_size=5),
       remade_docs=st.lists(st.booleans(), min_size=5, max_size=5),
       base_notes=suppressions, head_notes=suppressions, same_notes=st.booleans(),
       ignore=st.lists(st.tuples(st.sampled_from([*RULES, "*"]), st.sampled_from(PATHS),
                                 st.booleans()), max_size=2))
def test_a_head_settled_from_its_base_is_settled_as_from_scratch(
        base_values, new_values, keep, remade, base_docs, new_docs, keep_docs, remade_docs,
        base_notes, head_notes, same_notes, ignore):
    config = AriaConfig(ignore=[
        Ignore(rule=rule, path=path, reason="accepted",
               expires=TODAY - dt.timedelta(days=1) if lapsed else None)
        for rule, path, lapsed in ignore])
    base_documents = [written(d) for d in base_docs]
    head_documents = head_of(base_documents, keep_docs, remade_docs,
                             [written(d) for d in new_docs])
    base_inventory = Inventory(documents=base_documents, suppressions=base_notes)
    head_inventory = Inventory(documents=head_documents,
                               suppressions=dict(base_notes) if same_notes else head_notes)
    base_graph, head_graph = build_graph(base_documents), build_graph(head_documents)
    base_came = [made(v) for v in base_values]
    base_settled, base_findings = settle(base_came, base_inventory, base_graph, config)
    came = head_of(base_came, keep, remade, [made(v) for v in new_values])
    scope = change_scope(base_graph, base_inventory, {}, {}, base_settled, base_findings,
                         head_inventory, config)

    settled, findings = settle(came, head_inventory, head_graph, config, scope.before)
    whole_settled, whole = settle(came, head_inventory, head_graph, config)

    assert [f.model_dump() for f in findings] == [f.model_dump() for f in whole]
    assert [f.model_dump() for f in settled.once] == [f.model_dump() for f in whole_settled.once]
    # kept as a base in turn, it settles a next push as the whole computation does
    again, _ = settle(came, head_inventory, head_graph, config,
                      dataclasses.replace(scope.before, settled=settled, findings=findings))
    assert [f.model_dump() for f in again.once] == [f.model_dump() for f in settled.once]


def test_a_base_settled_on_another_day_has_its_suppressions_worked_out_again():
    """An `.aria.yml` entry that lapsed since the base was judged no longer suppresses."""
    config = AriaConfig(ignore=[Ignore(rule="*", path="*", reason="accepted",
                                       expires=TODAY - dt.timedelta(days=1))])
    came = [made(("SEC001", "a.yaml", 1, "x", "", "m1"))]
    inventory = Inventory()
    graph = build_graph([])
    settled, findings = settle(came, inventory, graph, config)
    lapsed = dataclasses.replace(settled, day=TODAY - dt.timedelta(days=2))
    marked = [came[0].model_copy(update={"suppressed": Suppression(  # as it was then
        source=".aria.yml", reason="accepted")})]
    scope = change_scope(graph, inventory, {}, {}, lapsed, marked, inventory, config)

    _, now = settle(came, inventory, graph, config, scope.before)

    assert isinstance(lapsed, Settled) and now == findings and now[0].suppressed is None
