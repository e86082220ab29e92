"""A rule declared `reads: neighbours` (ADR 0021, flatrules) is asked, in a review, only about
the workloads whose neighbourhood the change touched (their own documents, autoscalers,
budgets, services, their namespace's ServiceAccounts and bindings), on each side; the base's
findings stand for every other workload, and the decision is a whole-tree review's."""

from __future__ import annotations

from pathlib import Path

import pytest

import bot.checks.observability
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


POD_MONITOR = """apiVersion: monitoring.coreos.com/v1
kind: PodMonitor
metadata: {name: app-0, namespace: monitoring}
spec:
  namespaceSelector: {any: true}
  selector: {matchLabels: {app: app-0}}
  podMetricsEndpoints: [{port: metrics}]
"""
APP_0 = {"Deployment/team-0-prod/prod-app-0", "Deployment/team-0-staging/staging-app-0"}


@pytest.mark.parametrize(("change", "whole"), [
    # a scrape annotation on app-0's Service, a neighbour of its two workloads: asked only
    # about them, once on each side, and their OBS003 findings are fixed
    ("annotation", False),
    # a PodMonitor reaches workloads by its own selector, from anywhere in the tree: the
    # rule runs over the whole head (its check's `anywhere` kinds), asking about every serving
    # workload there once (app-0's are this tree's only ones)
    ("monitor", True),
])
def test_obs003_is_asked_about_the_workloads_a_scrape_change_reaches(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: str, whole: bool) -> None:
    repo = rendered_repo(tmp_path, "pr")
    if change == "annotation":
        service = repo / "apps/app-00000/base/service.yaml"
        service.write_text(service.read_text().replace(
            "  name: app-0\n", "  name: app-0\n  annotations: {prometheus.io/scrape: 'true'}\n"))
    else:
        (repo / "cluster/app-0-monitor.yaml").write_text(POD_MONITOR)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", change)
    scoped, seen = second_push(repo, "pr", tmp_path, monkeypatch, bot.checks.observability,
                               "_scraped", lambda graph, keys, w, *monitors: w.subject)
    assert sorted(seen) == sorted([*APP_0] * (1 if whole else 2))
    assert {f.subject for f in scoped.findings if f.rule_id == "OBS003"
            and f.status == "fixed"} == APP_0
    assert_as_whole_tree(scoped, repo, "pr", tmp_path)
