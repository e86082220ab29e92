"""A rule declared `reads: neighbours` (ADR 0021, flatrules) is asked, in a review, only about
the workloads whose neighbourhood the change touched (their own documents, autoscalers,
budgets, services, their namespace's ServiceAccounts and bindings), on each side; the base's
findings stand for every other workload, and the decision is a whole-tree review's."""

from __future__ import annotations

from pathlib import Path

import pytest

import bot.checks.rbac
from tests.engine.second_push import assert_as_whole_tree, second_push
from tests.kustomize_repos import git, rendered_repo

APP = "apps/app-00002"
ROLE_BINDING = """apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: default-view, namespace: team-3-prod}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects:
  - {kind: ServiceAccount, name: default, namespace: team-3-prod}
"""


@pytest.mark.parametrize(("change", "asked"), [
    # the prod overlay's patch: its render (Deployment, Service, budget...) is new; the
    # Service selects app-2's pods in both overlays (by label, over-approximated)
    ("overlay", {"Deployment/team-2-prod/prod-app-2", "Deployment/team-2-staging/staging-app-2"}),
    # a binding to the default ServiceAccount reaches the workloads of its namespace
    ("binding", {"Deployment/team-3-prod/prod-app-3"}),
])
def test_a_neighbours_rule_is_asked_only_about_touched_workloads(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: str, asked: set[str]) -> None:
    repo = rendered_repo(tmp_path, "pr")
    if change == "overlay":
        patch = repo / APP / "overlays/prod/replicas.yaml"
        patch.write_text(patch.read_text() + "  template:\n    spec:\n      hostNetwork: true\n")
    else:
        (repo / "cluster/default-view.yaml").write_text(ROLE_BINDING)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", change)
    scoped, seen = second_push(repo, "pr", tmp_path, monkeypatch, bot.checks.rbac,
                               "_takes_requests", lambda graph, w: w.subject)
    assert set(seen) == asked  # RBAC007 (`default_sa_token`), asked on base and head
    assert any(f.rule_id == "RBAC007" for f in scoped.findings)
    assert_as_whole_tree(scoped, repo, "pr", tmp_path)
