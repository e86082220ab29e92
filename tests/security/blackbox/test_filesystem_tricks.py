"""Filesystem tricks: FIFOs, symlinks out of the tree, unreadable files, odd git entries.

A checked-out PR is attacker-controlled: it can hold a FIFO under an ingested name, symlinks
to ``/etc/passwd``, ``/dev/zero`` or a directory outside the repository, symlink loops, and git
entries that are not files. Aria must not hang, must not read outside the tree, must say which
entries it did not review, and must still review everything else.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.security.privilege import mode_bits_bind

from ._harness import (
    Run,
    assert_ingest_names,
    assert_risky_seen,
    assert_survived,
    commit_all,
    git,
    init_repo,
    mentioned_anywhere,
    risky_gpu_deployment,
    run_aria,
    write_neighbour,
)

PASSWD_MARKER = "root:x:0:0"


def _outputs(run: Run) -> str:
    return run.stdout + run.stderr


# --- FIFOs -------------------------------------------------------------------------------------

FIFO_NAMES = ["apps/x.yaml", "overlay/kustomization.yaml", "models/m/config.pbtxt",
              "infra/main.tf"]


def test_fifos_with_ingested_names_do_not_hang(tmp_path: Path) -> None:
    """Attack: a PR checkout holds FIFOs named ``x.yaml``, ``kustomization.yaml``,
    ``config.pbtxt`` and ``main.tf``; opening one for reading blocks forever. The audit must
    finish on its own, name each FIFO as not reviewed, and review the neighbour."""
    tree = tmp_path / "repo"
    for rel in FIFO_NAMES:
        (tree / rel).parent.mkdir(parents=True, exist_ok=True)
        os.mkfifo(tree / rel)
    write_neighbour(tree, "fifo-neighbour")
    run = run_aria(["audit", str(tree), "-f", "json"], cwd=tmp_path, timeout_s=12)
    assert_survived(run, wall_limit_s=12)
    report = run.json()
    for rel in FIFO_NAMES:
        assert mentioned_anywhere(report, rel), f"FIFO {rel} skipped without a word"
    assert_risky_seen(report, "fifo-neighbour")


# --- symlinks in a working tree ------------------------------------------------------------------

class SymlinkTree:
    """A tree whose ``apps/`` holds symlinks to places a review must never read."""

    def __init__(self, root: Path) -> None:
        self.token = uuid.uuid4().hex[:10]
        self.tree = root / "repo"
        outside = root / "outside"
        (outside / "dir").mkdir(parents=True)
        self.canaries = [f"outside-file-{self.token}", f"outside-dir-{self.token}",
                         f"outside-rel-{self.token}"]
        (outside / "canary.yaml").write_text(risky_gpu_deployment(self.canaries[0]))
        (outside / "dir" / "canary.yaml").write_text(risky_gpu_deployment(self.canaries[1]))
        (root / "escape.yaml").write_text(risky_gpu_deployment(self.canaries[2]))
        apps = self.tree / "apps"
        apps.mkdir(parents=True)
        self.links = {
            "apps/passwd.yaml": "/etc/passwd",
            "apps/zero.yaml": "/dev/zero",
            "apps/urandom.yml": "/dev/urandom",
            "apps/outside.yaml": str(outside / "canary.yaml"),
            "apps/outside-dir": str(outside / "dir"),
            "apps/escape.yaml": "../../escape.yaml",
            "apps/dangling.yaml": "does-not-exist.yaml",
            "apps/loop.yaml": "loop.yaml",
            "apps/parent-loop": "..",
            "apps/self-loop": ".",
        }
        for rel, target in self.links.items():
            os.symlink(target, self.tree / rel)
        write_neighbour(self.tree, "symlink-neighbour")


@pytest.fixture(scope="module")
def symlink_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[SymlinkTree, Run, Run]:
    root = tmp_path_factory.mktemp("symlinks")
    tree = SymlinkTree(root)
    as_json = run_aria(["audit", str(tree.tree), "-f", "json"], cwd=root)
    as_markdown = run_aria(["audit", str(tree.tree)], cwd=root)
    return tree, as_json, as_markdown


def test_symlinks_out_of_the_tree_are_never_followed(
        symlink_runs: tuple[SymlinkTree, Run, Run]) -> None:
    """Attack: symlinks in a PR to ``/etc/passwd``, ``/dev/zero``, ``/dev/urandom``, a file and
    a directory outside the repository (each a privileged Deployment with a unique name), a
    relative ``../../`` escape, a dangling link, and loops (``loop.yaml -> loop.yaml``,
    ``dir -> ..``). The audit must finish within bounds, read nothing outside the tree (no
    canary object and no passwd line in any output), and still review the neighbour."""
    tree, as_json, as_markdown = symlink_runs
    for run in (as_json, as_markdown):
        assert_survived(run)
        text = _outputs(run)
        assert PASSWD_MARKER not in text, "content of /etc/passwd reached the output"
        for canary in tree.canaries:
            assert canary not in text, f"a file outside the tree was reviewed ({canary})"
    assert_risky_seen(as_json.json(), "symlink-neighbour")


# Links whose target is not a reviewable file of this tree (the directory loops are not listed:
# skipping a link back into the tree loses nothing).
UNREVIEWABLE_LINKS = ["apps/passwd.yaml", "apps/zero.yaml", "apps/urandom.yml",
                      "apps/outside.yaml", "apps/outside-dir", "apps/escape.yaml",
                      "apps/dangling.yaml", "apps/loop.yaml"]


@pytest.mark.parametrize("rel", UNREVIEWABLE_LINKS)
def test_skipped_symlinks_are_reported(symlink_runs: tuple[SymlinkTree, Run, Run],
                                       rel: str) -> None:
    """Attack: hide a file from the review by making it a symlink Aria skips. Whatever Aria
    does not review must be named (an INGEST finding or a note), never dropped silently."""
    _, as_json, _ = symlink_runs
    assert_survived(as_json)
    assert mentioned_anywhere(as_json.json(), rel), f"symlink {rel} skipped without a word"


# --- unreadable entries -------------------------------------------------------------------------

def _lock(path: Path) -> None:
    path.chmod(0)


@pytest.fixture
def unlock_after(tmp_path: Path) -> Iterator[None]:
    yield
    for path in tmp_path.rglob("*"):  # let pytest clean its temp directory
        if not path.is_symlink():
            path.chmod(0o755 if path.is_dir() else 0o644)


@pytest.mark.usefixtures("unlock_after")
@pytest.mark.parametrize("mode", ["audit", "review"])
def test_unreadable_file_and_directory(tmp_path: Path, mode: str) -> None:
    """Attack: a file (mode 000) and a directory (mode 000) the reviewer cannot read, aimed at
    aborting the whole review ("internal error", exit 3). The review must finish, name the
    unreadable file, and keep the findings of everything readable."""
    prefix = mode_bits_bind()
    base, head = tmp_path / "base", tmp_path / "head"
    write_neighbour(base, "unreadable-neighbour")
    write_neighbour(head, "unreadable-neighbour")
    (head / "apps" / "locked").mkdir(parents=True)
    (head / "apps" / "locked" / "inside.yaml").write_text(risky_gpu_deployment("inside"))
    (head / "apps" / "secret.yaml").write_text(risky_gpu_deployment("secret-server"))
    (head / "neighbour" / "fresh.yaml").write_text(risky_gpu_deployment("fresh-risky"))
    _lock(head / "apps" / "secret.yaml")
    _lock(head / "apps" / "locked")
    args = (["audit", str(head)] if mode == "audit" else ["review", str(base), str(head)])
    run = run_aria([*args, "-f", "json"], cwd=tmp_path, prefix=prefix)
    assert_survived(run)
    report = run.json()
    assert_ingest_names(report, "apps/secret.yaml")
    assert mentioned_anywhere(report, "apps/locked"), "unreadable directory skipped silently"
    assert_risky_seen(report, "fresh-risky")


# --- git revisions ------------------------------------------------------------------------------

@pytest.fixture
def repo_with_hostile_links(tmp_path: Path) -> tuple[Path, str, str]:
    repo = tmp_path / "repo"
    init_repo(repo)
    write_neighbour(repo, "git-neighbour")
    base = commit_all(repo, "base")
    apps = repo / "apps"
    apps.mkdir()
    os.symlink("/etc/passwd", apps / "passwd.yaml")
    os.symlink("/dev/zero", apps / "zero.yaml")
    os.symlink("../../../../../../../../etc/passwd", apps / "climb.yaml")
    os.symlink("loop.yaml", apps / "loop.yaml")
    os.symlink("..", apps / "up")
    (apps / "new.yaml").write_text(risky_gpu_deployment("git-new-risky"))
    head = commit_all(repo, "head: risky change plus hostile links")
    return repo, base, head


def test_review_of_revisions_with_committed_symlinks(
        tmp_path: Path, repo_with_hostile_links: tuple[Path, str, str]) -> None:
    """Attack: symlinks committed in the PR's head revision (to ``/etc/passwd``, ``/dev/zero``,
    a ``../`` climb, a self-loop, a parent-directory loop), reviewed with
    ``aria review BASE HEAD --repo DIR``. The review must finish (not exit 3), never read the
    link targets, name the links, and report the risky Deployment the same commit adds."""
    repo, base, head = repo_with_hostile_links
    run = run_aria(["review", base, head, "--repo", str(repo), "-f", "json"], cwd=tmp_path)
    assert_survived(run)
    assert PASSWD_MARKER not in _outputs(run)
    report = run.json()
    assert_risky_seen(report, "git-new-risky")
    for rel in ("apps/passwd.yaml", "apps/zero.yaml", "apps/climb.yaml"):
        assert mentioned_anywhere(report, rel), f"committed symlink {rel} not reported"


def test_audit_of_revision_with_committed_symlinks(
        tmp_path: Path, repo_with_hostile_links: tuple[Path, str, str]) -> None:
    """Attack: the same hostile revision audited as a whole (``aria audit REV --repo DIR``):
    it must finish, read nothing outside the repository, and report the risky Deployment."""
    repo, _, head = repo_with_hostile_links
    run = run_aria(["audit", head, "--repo", str(repo), "-f", "json"], cwd=tmp_path)
    assert_survived(run)
    assert PASSWD_MARKER not in _outputs(run)
    assert_risky_seen(run.json(), "git-new-risky")


def test_review_of_revision_with_a_gitlink_named_like_a_manifest(tmp_path: Path) -> None:
    """Attack: a gitlink (submodule entry, mode 160000) committed as ``apps/sub.yaml`` and
    ``apps/vendor``: the path has no blob to read. The review must finish, say the entry was not
    reviewed, and report the risky Deployment of the same commit."""
    repo = tmp_path / "repo"
    init_repo(repo)
    write_neighbour(repo, "gitlink-neighbour")
    base = commit_all(repo, "base")
    (repo / "apps").mkdir()
    (repo / "apps" / "new.yaml").write_text(risky_gpu_deployment("gitlink-new-risky"))
    git(repo, "add", "-A")
    for rel in ("apps/sub.yaml", "apps/vendor"):
        git(repo, "update-index", "--add", "--cacheinfo", f"160000,{base},{rel}")
    git(repo, "commit", "-q", "-m", "head with gitlinks")
    head = git(repo, "rev-parse", "HEAD")
    run = run_aria(["review", base, head, "--repo", str(repo), "-f", "json"], cwd=tmp_path)
    assert_survived(run)
    report = run.json()
    assert_risky_seen(report, "gitlink-new-risky")
    assert mentioned_anywhere(report, "apps/sub.yaml"), "gitlink apps/sub.yaml not reported"
