"""A review takes a graph rule's finding from the judged base where the hit that makes it has
the signature of a base hit and every place it names is cited through the same rendered
objects (`bot.checks.scope.Scope.made`): a finding of an unchanged workload is the base's, and
one whose overlay now writes the same line from another file is made again."""

from __future__ import annotations

from pathlib import Path

import pytest

import bot.checks.evaluate
import bot.checks.scope
from bot.checks.contract import Hit, ev
from bot.checks.evaluate import signature
from tests.engine.second_push import assert_as_whole_tree, second_push
from tests.kustomize_repos import git, rendered_repo


def test_a_signature_tells_values_of_other_types_apart_and_refuses_others():
    def hit(**fields: object) -> Hit:
        return Hit("Deployment/-/a", "a.yaml", 3, dict(fields), [ev("replicas", 1, "a.yaml", 3)])

    assert signature(hit(n=1)) == signature(hit(n=1))
    assert len({signature(hit(n=1)), signature(hit(n=True)), signature(hit(n=1.0)),
                signature(hit(n="1"))}) == 4
    assert signature(hit(n=[1])) is None


def test_a_finding_is_made_again_only_where_a_changed_render_cites_its_places(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = rendered_repo(tmp_path, "moved")
    overlay = repo / "apps" / "app-00002" / "overlays" / "prod"
    (overlay / "replicas.yaml").rename(overlay / "scale.yaml")  # the same patch, another file
    kustomization = overlay / "kustomization.yaml"
    kustomization.write_text(kustomization.read_text().replace("replicas.yaml", "scale.yaml"))
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "moved")
    # a neighbours rule's findings about the touched workloads are made in bot.checks.scope
    monkeypatch.setattr(bot.checks.scope, "finding",
                        lambda *args: bot.checks.evaluate.finding(*args))
    scoped, made = second_push(repo, "moved", tmp_path, monkeypatch, bot.checks.evaluate,
                               "finding", lambda rule, severity, hit, inventory: hit.path)
    moved = "apps/app-00002/overlays/prod/kustomization.yaml#build"
    # every other finding is the base's: app 2's staging render is asked about too (the prod
    # Service, rendered again, selects its pods by the app's label)
    assert moved in made and set(made) <= {
        moved, "apps/app-00002/overlays/staging/kustomization.yaml#build"}
    again = [f for f in scoped.findings if f.rule_id == "HEAD008"
             and f.subject == "Deployment/team-2-prod/prod-app-2"]
    assert [e.location.path for e in again[0].evidence if e.location] == [
        "apps/app-00002/overlays/prod/scale.yaml", "apps/app-00002/base/hpa.yaml"]
    assert_as_whole_tree(scoped, repo, "moved", tmp_path)
