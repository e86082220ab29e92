"""`aria review` on real git repositories and directories: new, fixed, unchanged."""

import gc
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from bot.cli import main
from bot.engine import review
from bot.findings import Status
from bot.ingest.source import DirectorySource, GitRevisionSource
from tests.conftest import REPO_ROOT

EXAMPLE = REPO_ROOT / "examples" / "gpu-serving"


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True,
                          text=True).stdout.strip()


@pytest.fixture
def example_repo(tmp_path: Path) -> Path:
    """A real git repository whose main branch is the example base and `pr` branch the head."""
    repo = tmp_path / "platform"
    shutil.copytree(EXAMPLE / "base", repo)
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "-c", "user.email=t@example.com", "-c", "user.name=t", "add", "-A")
    _git(repo, "-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qm", "base")
    _git(repo, "checkout", "-q", "-b", "pr")
    for path in (EXAMPLE / "head").rglob("*"):
        if path.is_file():
            target = repo / path.relative_to(EXAMPLE / "head")
            target.write_bytes(path.read_bytes())
    _git(repo, "-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qam", "pr")
    return repo


def test_example_review_leads_with_what_the_change_introduces():
    decision = review(DirectorySource(EXAMPLE / "base"), DirectorySource(EXAMPLE / "head"))
    new = {f.rule_id for f in decision.findings if f.status is Status.new}
    assert {"SPOF001", "RBAC001", "HEAD001"} <= new
    assert decision.recommendation.startswith("**Request changes.**")
    assert 3 <= len(decision.next_steps) <= 5
    for point in decision.decision_points:
        assert len(point.options) >= 2
        assert sum(o.recommended for o in point.options) == 1
    assert not any(f.status is Status.new for f in decision.findings
                   if f.location.path.startswith("terraform/"))


def test_git_revisions_review_matches_directories(example_repo: Path):
    base = GitRevisionSource(example_repo, "main")
    head = GitRevisionSource(example_repo, "pr")
    by_rev = review(base, head)
    by_dir = review(DirectorySource(EXAMPLE / "base"), DirectorySource(EXAMPLE / "head"))
    key = sorted((f.rule_id, f.subject, f.status.value) for f in by_rev.findings)
    assert key == sorted((f.rule_id, f.subject, f.status.value) for f in by_dir.findings)


def test_edit_above_an_object_does_not_make_its_findings_new(tmp_path: Path):
    base = tmp_path / "base"
    head = tmp_path / "head"
    shutil.copytree(EXAMPLE / "head", base)
    shutil.copytree(EXAMPLE / "head", head)
    manifest = head / "k8s" / "serving" / "llm.yaml"
    manifest.write_text("# owned by the inference team\n\n\n" + manifest.read_text())
    decision = review(DirectorySource(base), DirectorySource(head))
    assert decision.counts.by_status.get("new", 0) == 0
    assert decision.counts.by_status.get("unchanged", 0) > 0


def test_fixing_a_finding_reports_it_fixed():
    decision = review(DirectorySource(EXAMPLE / "head"), DirectorySource(EXAMPLE / "base"))
    fixed = {f.rule_id for f in decision.findings if f.status is Status.fixed}
    assert {"SPOF001", "RBAC001"} <= fixed
    assert decision.recommendation.startswith("**Approve")


def test_config_comes_from_base_so_a_pr_cannot_disable_checks(tmp_path: Path):
    head = tmp_path / "head"
    shutil.copytree(EXAMPLE / "head", head)
    (head / ".aria.yml").write_text("rules:\n  RBAC001: {enabled: false}\n")
    decision = review(DirectorySource(EXAMPLE / "base"), DirectorySource(head))
    assert any(f.rule_id == "RBAC001" and f.status is Status.new for f in decision.findings)


def test_cli_exit_codes_and_formats(tmp_path: Path, capsys):
    base, head = str(EXAMPLE / "base"), str(EXAMPLE / "head")
    assert main(["review", base, head]) == 1
    out = capsys.readouterr().out
    assert out.startswith("<!-- aria:review -->") and "Next Steps" in out
    assert main(["review", base, head, "--fail-on", "never"]) == 0
    capsys.readouterr()
    target = tmp_path / "r.json"
    assert main(["review", base, base, "-f", "json", "-o", str(target)]) == 0
    assert json.loads(target.read_text())["mode"] == "review"
    assert main(["review", base, str(tmp_path / "missing")]) == 2
    assert main(["review", base, head, "--config", str(tmp_path / "nope.yml")]) == 2


def test_no_collector_pass_runs_during_a_review_unless_the_process_froze_objects_itself():
    """A review keeps what it makes to its end: no cyclic-collector pass runs meanwhile, and
    afterwards the collector is on with nothing left frozen. A process that froze objects
    itself (a pre-fork server) keeps its own arrangement: its passes run as usual."""
    passes: list[str] = []

    def seen(phase: str, info: dict) -> None:
        if phase == "start":
            passes.append(phase)

    base, head = DirectorySource(EXAMPLE / "base"), DirectorySource(EXAMPLE / "head")
    threshold = gc.get_threshold()
    gc.set_threshold(100)  # a pass every 100 allocations while the collector is on
    gc.callbacks.append(seen)
    try:
        review(base, head)
        held = len(passes)
        assert gc.isenabled() and gc.get_freeze_count() == 0
        gc.freeze()
        review(base, head)
        assert len(passes) > held and gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.callbacks.remove(seen)
        gc.set_threshold(*threshold)
    assert held <= 1  # at most the young pass as the block ends, over what the review dropped


def test_git_read_of_one_file_matches_the_listed_tree(tmp_path: Path):
    """`read` before the tree is listed (`.aria.yml` of a cached base) finds what it finds
    after: files, links inside the tree followed, links out, loops, folders and skipped
    folders refused alike."""
    repo = tmp_path / "repo"
    (repo / "apps" / "node_modules").mkdir(parents=True)
    (repo / "apps" / "a.yaml").write_text("a: 1\n")
    (repo / "apps" / "node_modules" / "m.yaml").write_text("m: 1\n")
    (repo / ".aria.yml").symlink_to("apps/a.yaml")
    (repo / "apps" / "twice.yaml").symlink_to("../.aria.yml")
    (repo / "apps" / "out.yaml").symlink_to("/etc/hostname")
    (repo / "apps" / "climb.yaml").symlink_to("../../x.yaml")
    (repo / "apps" / "loop.yaml").symlink_to("loop.yaml")
    (repo / "apps" / "up").symlink_to("..")
    (repo / "apps" / "star*.yaml").write_text("s: 1\n")
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", "-A")
    _git(repo, "-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qm", "t")
    paths = [".aria.yml", "apps/a.yaml", "apps/twice.yaml", "apps/out.yaml", "apps/climb.yaml",
             "apps/loop.yaml", "apps/up", "apps/up/apps/a.yaml", "apps", "apps/node_modules/m.yaml",
             "apps/star*.yaml", "apps/*.yaml", "missing.yaml", "../x.yaml", ".", "./apps/a.yaml"]
    listed = GitRevisionSource(repo, "main")
    listed.tree()
    for path in paths:
        assert GitRevisionSource(repo, "main").read(path) == listed.read(path), path
    assert GitRevisionSource(repo, "main").read(".aria.yml") == b"a: 1\n"


def test_git_read_of_one_file_lists_each_path_once(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch):
    """A review reads the base's `.aria.yml` twice (the command, then the engine): the second
    read asks git nothing new; another path, or a missing one, is listed once too."""
    repo = tmp_path / "repo"
    (repo / "apps").mkdir(parents=True)
    (repo / ".aria.yml").write_text("a: 1\n")
    (repo / "apps" / "a.yaml").write_text("b: 2\n")
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", "-A")
    _git(repo, "-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qm", "t")
    source = GitRevisionSource(repo, "main")
    listings: list[str] = []
    run = subprocess.run

    def counted(cmd: list[str], **kwargs: object) -> subprocess.CompletedProcess[bytes]:
        if "ls-tree" in cmd:
            listings.append(cmd[-1])
        return run(cmd, **kwargs)  # type: ignore[call-overload, no-any-return]

    monkeypatch.setattr(subprocess, "run", counted)
    assert [source.read(".aria.yml") for _ in range(2)] == [b"a: 1\n"] * 2
    assert [source.read(".aria.yaml") for _ in range(2)] == [None] * 2
    assert source.read("apps/a.yaml") == b"b: 2\n"
    assert listings == [".aria.yml", ".aria.yaml", "apps/a.yaml"]


def test_a_git_revision_resolves_to_the_commit_rev_parse_names_and_nothing_else_does(
        tmp_path: Path):
    """Branches, ancestry, annotated tags, full and short SHAs name the commit `git rev-parse`
    names; a missing name, a tree or a blob, a name with a line break, and a folder that is
    not a repository are refused as revisions."""
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "a.yaml").write_text("a: 1\n")
    _git(repo, "init", "-q", "-b", "main")
    for message in ("one", "two"):
        (repo / "a.yaml").write_text(f"a: {message}\n")
        _git(repo, "add", "-A")
        _git(repo, "-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qm",
             message)
    _git(repo, "-c", "user.email=t@example.com", "-c", "user.name=t", "tag", "-a", "v1", "-m",
         "v1", "HEAD~1")
    head = _git(repo, "rev-parse", "HEAD")
    for rev in ("main", "HEAD~1", "v1", head, head[:10]):
        assert GitRevisionSource(repo, rev).commit == _git(repo, "rev-parse", f"{rev}^{{commit}}")
    tree, blob = _git(repo, "rev-parse", "HEAD^{tree}"), _git(repo, "rev-parse", "HEAD:a.yaml")
    for rev in ("nope", tree, blob, "main\nHEAD"):
        with pytest.raises(ValueError, match="not a git revision"):
            GitRevisionSource(repo, rev)
    with pytest.raises(ValueError, match="not a git revision"):
        GitRevisionSource(tmp_path, "main")
