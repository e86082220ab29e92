"""A review read from git objects through the content-addressed cache — the second push of a
pull request, base judged once and shared, only changed files parsed and only reached overlays
rendered, rules that read only their object run on the documents the change touched (ADR 0021)
— decides exactly what a whole-tree review with nothing cached decides: on every acceptance
scenario, every review fixture and on generated Kustomize repositories (five kinds of change,
and random one-file edits), the same findings (new, unchanged, fixed, superseded, with their
locations and evidence) and the same fact changes."""

from __future__ import annotations

import random
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

import bot.engine
from bot.checks.scope import Scope
from bot.decision.model import Decision
from bot.engine import review
from bot.ingest.cache import ContentCache, use_cache
from bot.ingest.source import DirectorySource, GitRevisionSource
from tests.conftest import FIXTURES, REPO_ROOT
from tests.kustomize_repos import CHANGES, build_repo, change_one, git

SCENARIOS = sorted(p for root in (REPO_ROOT / "tests" / "scenarios", FIXTURES / "reviews")
                   for p in root.iterdir() if (p / "base").is_dir() and (p / "head").is_dir())


def outcome(decision: Decision) -> tuple[list[dict], list[dict], int]:
    findings = sorted((f.model_dump(mode="json") for f in decision.findings),
                      key=lambda f: (f["rule_id"], f["subject"], f["status"],
                                     str(f["location"]), str(f["detail"])))
    changes = [c.model_dump(mode="json") for c in decision.changes]
    return findings, changes, decision.files_reviewed


def whole_tree(base: Path, head: Path) -> Decision:
    """Today's review: both trees read whole from disk, nothing cached between reviews."""
    use_cache(ContentCache(None, 0))
    try:
        return review(DirectorySource(base), DirectorySource(head))
    finally:
        use_cache(None)


@pytest.fixture
def disk_cache(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "cache"
    use_cache(ContentCache(folder, 256 << 20))
    yield folder
    use_cache(None)


def fresh_process(folder: Path) -> None:
    """What the next review's process sees: the disk cache, nothing held in memory."""
    use_cache(ContentCache(folder, 256 << 20))


def checkout(repo: Path, rev: str, into: Path) -> Path:
    into.mkdir()
    subprocess.run(f"git -C {repo} archive {rev} | tar -x -C {into}", shell=True, check=True)
    return into


@pytest.fixture
def scopes(monkeypatch: pytest.MonkeyPatch) -> list[Scope]:
    """The scope of each review that follows: which documents its object rules ran on."""
    seen: list[Scope] = []
    real = bot.engine.change_scope

    def recorded(*args, **kwargs) -> Scope:  # type: ignore[no-untyped-def]
        seen.append(real(*args, **kwargs))
        return seen[-1]

    monkeypatch.setattr(bot.engine, "change_scope", recorded)
    return seen


def test_there_are_scenarios_to_compare():
    assert len(SCENARIOS) >= 80


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda p: p.name[:24])
def test_scenario_reviews_from_the_cache_equal_whole_tree_reviews(scenario, tmp_path,
                                                                  disk_cache):
    repo = tmp_path / "repo"
    shutil.copytree(scenario / "base", repo)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "base", "--allow-empty")
    for item in repo.iterdir():
        if item.name != ".git":
            shutil.rmtree(item) if item.is_dir() else item.unlink()
    shutil.copytree(scenario / "head", repo, dirs_exist_ok=True)
    git(repo, "rm", "-rq", "--cached", "--ignore-unmatch", ".")  # copies keep their mtimes
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "head", "--allow-empty")
    expected = outcome(whole_tree(scenario / "base", scenario / "head"))
    first = outcome(review(GitRevisionSource(repo, "HEAD~1"), GitRevisionSource(repo, "HEAD")))
    fresh_process(disk_cache)
    second = outcome(review(GitRevisionSource(repo, "HEAD~1"), GitRevisionSource(repo, "HEAD")))
    assert first == expected
    assert second == expected


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    repo = tmp_path_factory.mktemp("generated")
    build_repo(repo, 60)
    return repo


@pytest.mark.parametrize("change", CHANGES)
def test_generated_kustomize_reviews_from_the_cache_equal_whole_tree_reviews(
        change, generated, tmp_path, disk_cache, scopes):
    change_one(generated, "replicas", app=1, branch="push-1")  # an earlier push: cache warm
    review(GitRevisionSource(generated, "main"), GitRevisionSource(generated, "push-1"))
    fresh_process(disk_cache)
    change_one(generated, change, app=0)  # serves on a GPU, has a PDB, not privileged
    cached = review(GitRevisionSource(generated, "main"), GitRevisionSource(generated, "pr"))
    touched = len(scopes[-1].added.part.documents) + len(scopes[-1].removed.part.documents)
    assert 0 < touched <= 20, "object rules ran on one app's documents, not the tree's"
    expected = whole_tree(checkout(generated, "main", tmp_path / "base"),
                          checkout(generated, "pr", tmp_path / "head"))
    assert outcome(cached) == outcome(expected)
    moved = {(f.rule_id, f.status.value) for f in cached.findings
             if f.status.value != "unchanged"}
    if change != "replicas":  # the overlays patch the base's replica count away
        assert moved, f"the {change} change must move some finding, or nothing is compared"


def random_edit(repo: Path, rng: random.Random) -> str:
    """Edit one file of `repo` at random (a line dropped, doubled or changed); its path."""
    paths = [p for p in git(repo, "ls-files").split() if p.endswith((".yaml", ".tf"))]
    path = rng.choice(paths)
    lines = (repo / path).read_text().split("\n")
    at = rng.randrange(len(lines))
    edit = rng.choice(["drop", "double", "digit", "privileged", "flip"])
    if edit == "drop":
        del lines[at]
    elif edit == "double":
        lines.insert(at, lines[at])
    elif edit == "digit":
        digits = [i for i, ch in enumerate(lines[at]) if ch.isdigit()] or [len(lines[at])]
        i = rng.choice(digits)
        lines[at] = lines[at][:i] + str(rng.randrange(10)) + lines[at][i + 1:]
    elif edit == "privileged":
        lines = [ln.replace("{runAsNonRoot: true, allowPrivilegeEscalation: false}",
                            "{privileged: true}") for ln in lines]
    else:
        lines = [ln.replace("minAvailable: 1", "maxUnavailable: 0") for ln in lines]
    (repo / path).write_text("\n".join(lines))
    return path


@pytest.mark.parametrize("seed", range(12))
def test_random_one_file_edits_review_as_the_whole_head_graph_does(seed, generated, disk_cache,
                                                                   scopes):
    """A scoped review and one running every rule over the whole head decide the same."""
    branch = f"edit-{seed}"
    git(generated, "checkout", "-q", "-B", branch, "main")
    random_edit(generated, random.Random(seed))
    git(generated, "commit", "-qam", "edit", "--allow-empty")
    git(generated, "checkout", "-q", "main")
    base, head = GitRevisionSource(generated, "main"), GitRevisionSource(generated, branch)
    scoped = review(base, head)
    fresh_process(disk_cache)
    whole = review(base, head, scoped=False)
    assert outcome(scoped) == outcome(whole)
    assert len(scopes) == 1 and len(scopes[0].added.part.documents) <= 20
