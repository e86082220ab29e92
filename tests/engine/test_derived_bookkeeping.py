"""A kustomization's refusal and local bases are worked out once per document
(`Document.derived`): an unchanged kustomization is the judged base's own object, so a review
works them out only for the kustomizations its change touched, and still refuses a changed
one that names a remote base."""

from __future__ import annotations

from pathlib import Path

import pytest

import bot.ingest.kustomize
from tests.engine.second_push import assert_as_whole_tree, second_push
from tests.kustomize_repos import git, rendered_repo

PROD = "apps/app-00002/overlays/prod"
REMOTE = "  - https://github.com/example/manifests//base?ref=v1\n"


@pytest.mark.parametrize(("changed", "asked"), [
    (f"{PROD}/kustomization.yaml", [PROD]),  # a changed kustomization: worked out again
    (f"{PROD}/replicas.yaml", []),  # a changed patch: no kustomization is
])
def test_only_changed_kustomizations_are_worked_out_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, changed: str, asked: list[str]) -> None:
    repo = rendered_repo(tmp_path, "pr")
    path = repo / changed
    text = path.read_text()
    path.write_text(text.replace("resources:\n", "resources:\n" + REMOTE)
                    if changed.endswith("kustomization.yaml") else text.replace("3", "4"))
    git(repo, "commit", "-qam", "change")
    scoped, seen = second_push(repo, "pr", tmp_path, monkeypatch, bot.ingest.kustomize,
                               "refusal", lambda directory, body: directory)
    assert seen == asked
    assert any(f"`{PROD}` (resources)" in note for note in scoped.notes) == bool(asked)
    assert_as_whole_tree(scoped, repo, "pr", tmp_path)
