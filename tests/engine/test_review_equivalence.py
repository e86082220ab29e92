"""A review read from git objects through the content-addressed cache — the second push of a
pull request, base judged once and shared, only changed files parsed and only reached overlays
rendered — decides exactly what a whole-tree review with nothing cached decides: on every
acceptance scenario and on generated Kustomize repositories, the same findings (new, unchanged,
fixed, superseded, with their locations and evidence) and the same fact changes."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.decision.model import Decision
from bot.engine import review
from bot.ingest.cache import ContentCache, use_cache
from bot.ingest.source import DirectorySource, GitRevisionSource
from tests.conftest import REPO_ROOT
from tests.kustomize_repos import CHANGES, build_repo, change_one, git

SCENARIOS = sorted(p for p in (REPO_ROOT / "tests" / "scenarios").iterdir()
                   if (p / "base").is_dir() and (p / "head").is_dir())


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


def test_there_are_scenarios_to_compare():
    assert len(SCENARIOS) >= 60


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda p: p.name[:2])
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
        change, generated, tmp_path, disk_cache):
    change_one(generated, "replicas", app=1, branch="push-1")  # an earlier push: cache warm
    review(GitRevisionSource(generated, "main"), GitRevisionSource(generated, "push-1"))
    fresh_process(disk_cache)
    change_one(generated, change, app=0)  # serves on a GPU, has a PDB, not privileged
    cached = review(GitRevisionSource(generated, "main"), GitRevisionSource(generated, "pr"))
    expected = whole_tree(checkout(generated, "main", tmp_path / "base"),
                          checkout(generated, "pr", tmp_path / "head"))
    assert outcome(cached) == outcome(expected)
    moved = {(f.rule_id, f.status.value) for f in cached.findings
             if f.status.value != "unchanged"}
    if change != "replicas":  # the overlays patch the base's replica count away
        assert moved, f"the {change} change must move some finding, or nothing is compared"
