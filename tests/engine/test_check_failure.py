"""A check that raises on an input is an internal error named with its rule and file, never a
finding (issue 9: `RBAC003` on a templated subject name became "`{object}` grants `{role}`")."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator

import pytest

from bot.catalog import Catalog, load_catalog
from bot.checks import all as all_checks
from bot.checks.contract import CheckContext, Hit, check
from bot.checks.evaluate import run_rules
from bot.checks.rbac import PublicSubjects, _subject_hit
from bot.config import AriaConfig
from bot.engine import platform_graph
from bot.ingest.loader import load_inventory
from bot.ingest.source import MemorySource
from tests.conftest import findings_for

# A chart's binding rendered by hand: the subject name is still a template, which YAML reads as
# a mapping ({"{ .Values.oncall }": None}).
TEMPLATED = """
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: oncall-view}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects:
  - kind: User
    name: {{ .Values.oncall }}
"""

ANONYMOUS = """
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: metrics-for-all}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: model-metrics-reader}
subjects:
  - {kind: User, name: "system:anonymous"}
"""

FILES = {"rbac/oncall.yaml": TEMPLATED, "rbac/metrics.yaml": ANONYMOUS}


@check("public_subject_binding_before_the_fix", PublicSubjects)
def _unguarded(ctx: CheckContext[PublicSubjects]) -> Iterator[Hit]:
    """`public_subject_binding` as it was when issue 9 found it: `in` on a set raises
    `TypeError: unhashable type` when the subject's name is a mapping."""
    public = set(ctx.params.subjects)
    for b in ctx.graph.bindings:
        if b.role_name in set(ctx.params.allowed_roles):
            continue
        for index, subject in enumerate(b.subjects):
            if subject.get("name") in public and subject.get("kind") in ("User", "Group"):
                yield _subject_hit(b, index, subject)


@pytest.fixture
def unguarded_rbac003(monkeypatch: pytest.MonkeyPatch) -> Catalog:
    monkeypatch.setitem(all_checks.CHECKS, _unguarded.name, _unguarded)
    spec = load_catalog().get("RBAC003")
    assert spec is not None
    rule = spec.model_copy(update={"check": spec.check.model_copy(
        update={"name": _unguarded.name})})
    return Catalog([rule])


def test_a_failing_check_is_an_internal_error_with_rule_and_file(unguarded_rbac003: Catalog):
    files = {p: textwrap.dedent(t).encode() for p, t in FILES.items()}
    inventory = load_inventory(MemorySource(files))
    config = AriaConfig()
    found = run_rules(platform_graph(inventory, config), unguarded_rbac003, config,
                      inventory).findings
    # the file it did not fail on keeps its finding; no finding stands for the failure
    assert [(f.rule_id, f.location.path) for f in found] == [("RBAC003", "rbac/metrics.yaml")]
    assert all("{" not in f.message for f in found)
    errors = [n for n in inventory.notes if n.startswith("Internal error")]
    assert len(errors) == 1
    assert "`RBAC003`" in errors[0] and "`rbac/oncall.yaml`" in errors[0]
    assert "TypeError" in errors[0] and "rbac/metrics.yaml" not in errors[0]


def test_rbac003_reads_a_templated_subject_as_no_name():
    found = findings_for(FILES, rule="RBAC003")
    assert [(f.location.path, f.detail) for f in found] == [
        ("rbac/metrics.yaml", "User:/system:anonymous")]


def test_internal_errors_reach_the_audit_notes(unguarded_rbac003: Catalog,
                                               monkeypatch: pytest.MonkeyPatch):
    from bot import engine

    monkeypatch.setattr(engine, "load_catalog", lambda: unguarded_rbac003)
    files = {p: textwrap.dedent(t).encode() for p, t in FILES.items()}
    decision = engine.audit(MemorySource(files))
    assert any("Internal error" in n and "RBAC003" in n for n in decision.notes)
    assert [f.location.path for f in decision.findings] == ["rbac/metrics.yaml"]
