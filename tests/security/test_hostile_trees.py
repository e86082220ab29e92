"""Trees a PR or a checkout can hold that are not plain files (issue 10, items 1, 5, 6, 7).

A FIFO named like a manifest, a socket, links out of the tree, a file that vanishes or cannot be
read, a YAML file that used to crash the process, an oversized `.aria.yml`: each becomes a
result for that path, and the rest of the tree is reviewed. The CLI runs as a real process, so
a hang or a crash would show as a timeout or an exit code.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

from bot.ingest.loader import load_inventory
from bot.ingest.source import DirectorySource
from tests.security.privilege import mode_bits_bind

CLI_TIMEOUT_S = 120
DEEP = "a: " + "[" * 30_000 + "]" * 30_000 + "\n"


def deploy(name: str, privileged: bool = False) -> str:
    """A Deployment; a privileged one draws SEC001, which shows that it was read."""
    return f"""apiVersion: apps/v1
kind: Deployment
metadata: {{name: {name}, namespace: serving}}
spec:
  replicas: 2
  template:
    spec:
      containers:
        - name: app
          image: nginx:1.27
          securityContext: {{privileged: {str(privileged).lower()}}}
"""
def aria(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], capture_output=True,
                          text=True, timeout=CLI_TIMEOUT_S, cwd=cwd)


def _ingest_findings(report: str) -> dict[str, str]:
    return {f["location"]["path"]: f["message"] for f in json.loads(report)["findings"]
            if f["rule_id"] == "INGEST001"}


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), "-c", "user.email=t@example.com",
                    "-c", "user.name=t", *args], check=True, capture_output=True)


def test_audit_of_a_tree_with_special_files_names_each_and_reviews_the_rest(tmp_path):
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "app.yaml").write_text(deploy("app", privileged=True))
    (tree / "deep.yaml").write_text(DEEP)
    os.mkfifo(tree / "pipe.yaml")
    (tree / "out.yaml").symlink_to("/etc/hostname")
    (tree / "loop.yaml").symlink_to("loop.yaml")
    (tree / "also-app.yaml").symlink_to("app.yaml")  # inside the tree: read, as kubectl does
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "hidden.yaml").write_text(deploy("hidden", privileged=True))
    (tree / "linked-dir").symlink_to(tmp_path / "elsewhere")
    (tree / "same-dir").symlink_to(".")  # a loop back into the tree: nothing is lost
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(tree / "sock.yaml"))
    try:
        proc = aria("audit", str(tree), "-f", "json", "--fail-on", "never")
    finally:
        listener.close()
    assert proc.returncode == 0, proc.stderr
    bad = _ingest_findings(proc.stdout)
    assert set(bad) == {"deep.yaml", "pipe.yaml", "out.yaml", "sock.yaml", "loop.yaml",
                        "linked-dir"}
    assert "nesting deeper than 200 levels" in bad["deep.yaml"]
    assert "directory outside the tree" in bad["linked-dir"]
    assert "Too many levels of symbolic links" in bad["loop.yaml"]
    assert "named pipe (FIFO)" in bad["pipe.yaml"].replace("\\", "")
    assert "outside the tree" in bad["out.yaml"]
    assert "socket" in bad["sock.yaml"]
    paths = {f["location"]["path"] for f in json.loads(proc.stdout)["findings"]
             if f["rule_id"] == "SEC001"}
    assert paths == {"app.yaml", "also-app.yaml"}


def test_review_of_git_revisions_holding_links_out_of_the_tree(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "app.yaml").write_text(deploy("app"))
    (repo / "passwd.yaml").symlink_to("/etc/passwd")
    (repo / "up.yaml").symlink_to("../../outside.yaml")
    (repo / "same.yaml").symlink_to("app.yaml")
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "base")
    commit = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True,
                            text=True, check=True).stdout.strip()
    _git(repo, "update-index", "--add", "--cacheinfo", f"160000,{commit},sub.yaml")
    (repo / "app.yaml").write_text(deploy("app", privileged=True))
    _git(repo, "add", "app.yaml")
    _git(repo, "commit", "-qm", "privileged, and a submodule named like a manifest")
    proc = aria("review", "HEAD~1", "HEAD", "--repo", str(repo), "-f", "json",
                "--fail-on", "never")
    assert proc.returncode == 0, proc.stderr
    bad = _ingest_findings(proc.stdout)
    assert set(bad) == {"passwd.yaml", "up.yaml", "sub.yaml"}
    assert "outside the tree" in bad["passwd.yaml"] and "outside the tree" in bad["up.yaml"]
    assert "git submodule" in bad["sub.yaml"]
    new = {(f["rule_id"], f["location"]["path"]) for f in json.loads(proc.stdout)["findings"]
           if f["status"] == "new"}
    assert ("SEC001", "app.yaml") in new and ("SEC001", "same.yaml") in new


class _ChangesAfterListing(DirectorySource):
    """A tree that changes between listing and reading, as a live checkout can."""

    def __init__(self, root: Path, change) -> None:
        super().__init__(root)
        self.change = change

    def files(self):
        listed = list(super().files())
        self.change()
        return iter(listed)


def test_a_file_that_vanishes_or_turns_into_a_fifo_is_one_problem(tmp_path):
    for name in ("app", "gone", "fifo"):
        (tmp_path / f"{name}.yaml").write_text(deploy(name))

    def change() -> None:
        (tmp_path / "gone.yaml").unlink()
        (tmp_path / "fifo.yaml").unlink()
        os.mkfifo(tmp_path / "fifo.yaml")  # reading it must not wait for a writer

    inventory = load_inventory(_ChangesAfterListing(tmp_path, change))
    reasons = {p.path: p.reason for p in inventory.problems}
    assert reasons == {"gone.yaml": "it could not be read (No such file or directory)",
                       "fifo.yaml": "it could not be read (it is a named pipe (FIFO), "
                                    "not a regular file)"}
    assert [d.name for d in inventory.documents] == ["app"]


READ_AS_ANOTHER_USER = """
import json, sys
from bot.ingest.loader import load_inventory
from bot.ingest.source import DirectorySource
inventory = load_inventory(DirectorySource(sys.argv[1]))
print(json.dumps({"problems": [[p.path, p.reason] for p in inventory.problems],
                  "documents": [d.name for d in inventory.documents]}))
"""


def test_an_unreadable_file_or_directory_is_one_problem():
    """Read where mode bits bind (root without its override of them)."""
    unprivileged = mode_bits_bind()
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp)
        (tree / "app.yaml").write_text(deploy("app"))
        (tree / "secret.yaml").write_text(deploy("secret"))
        (tree / "secret.yaml").chmod(0)
        (tree / "locked").mkdir()
        (tree / "locked" / "inside.yaml").write_text(deploy("inside"))
        (tree / "locked").chmod(0)
        proc = subprocess.run([*unprivileged, sys.executable, "-c",
                               READ_AS_ANOTHER_USER, str(tree)], capture_output=True, text=True,
                              timeout=CLI_TIMEOUT_S, cwd=Path(__file__).parents[2])
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == {
        "problems": [["locked", "this directory could not be read (Permission denied); "
                                "nothing in it was reviewed"],
                     ["secret.yaml", "it could not be read (Permission denied)"]],
        "documents": ["app"]}


def test_an_oversized_aria_yml_is_a_configuration_error_not_a_parse(tmp_path):
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "app.yaml").write_text(deploy("app"))
    (tree / ".aria.yml").write_text("ignore:\n" + "  - {rule: X, reason: padding}\n" * 40_000)
    checked = aria("config", "check", str(tree / ".aria.yml"))
    audited = aria("audit", str(tree))
    for proc in (checked, audited):
        assert proc.returncode == 2, proc.stderr
        assert "over the 1,000,000-byte limit" in proc.stderr


def test_the_deep_flow_list_no_longer_kills_the_cli(tmp_path):
    """Issue 10 item 1: `aria audit DIR` on this tree exited 139."""
    shutil.copy(Path(__file__).parents[2] / "examples/gpu-serving/head/k8s/serving/llm.yaml",
                tmp_path / "llm.yaml")
    (tmp_path / "deep.yaml").write_text(DEEP)
    proc = aria("audit", str(tmp_path), "-f", "json", "--fail-on", "never")
    assert proc.returncode == 0, proc.stderr
    assert set(_ingest_findings(proc.stdout)) == {"deep.yaml"}
    assert len(json.loads(proc.stdout)["findings"]) > 1


def _head(markdown: str) -> str:
    """The review down to its first section: what a reader sees before any finding."""
    return markdown.split("\n### ", 1)[0]


def test_a_link_out_of_the_tree_heads_the_review_of_revisions(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "app.yaml").write_text(deploy("app"))
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "base")
    (repo / "passwd.yaml").symlink_to("/etc/passwd")
    (repo / "app.yaml").write_text(deploy("app", privileged=True))
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "a link out, and a privileged app")
    proc = aria("review", "HEAD~1", "HEAD", "--repo", str(repo), "-f", "markdown",
                "--fail-on", "error")
    assert proc.returncode == 1, proc.stderr  # reviewed (SEC001 fails it), not an error (3)
    head = _head(proc.stdout)
    assert "**⚠️ Not reviewed (1 file):**" in head
    assert "`passwd.yaml` was not reviewed: it is a symbolic link to a path outside the tree" \
        in head
    assert "root:x:0:0" not in proc.stdout
    assert "`SEC001`" in proc.stdout.split(head, 1)[1]


def test_a_review_without_problems_has_no_unreviewed_heading(tmp_path):
    base, head = tmp_path / "base", tmp_path / "head"
    for tree, privileged in ((base, False), (head, True)):
        tree.mkdir()
        (tree / "app.yaml").write_text(deploy("app", privileged=privileged))
    proc = aria("review", str(base), str(head), "-f", "markdown", "--fail-on", "never")
    assert proc.returncode == 0, proc.stderr
    assert "Not reviewed" not in proc.stdout and "`SEC001`" in proc.stdout


def test_an_unreadable_changed_file_heads_the_review_of_directories():
    """`aria review BASE HEAD` on two checkouts, run where mode bits bind: the changed file
    it cannot read heads the review, the rest is reviewed, the exit is the review's (not 3)."""
    unprivileged = mode_bits_bind()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for side in ("base", "head"):
            (root / side).mkdir()
            (root / side / "app.yaml").write_text(deploy("app", privileged=side == "head"))
            (root / side / "model.yaml").write_text(deploy("model"))
        (root / "head" / "model.yaml").write_text(deploy("model", privileged=True))
        (root / "head" / "model.yaml").chmod(0)
        proc = subprocess.run(
            [*unprivileged, sys.executable, "-m", "bot.cli",
             "review", str(root / "base"), str(root / "head"), "-f", "markdown",
             "--fail-on", "never"],
            capture_output=True, text=True, timeout=CLI_TIMEOUT_S,
            cwd=Path(__file__).parents[2], env={**os.environ, "HOME": tmp})
    assert proc.returncode == 0, proc.stderr
    head = _head(proc.stdout)
    assert "`model.yaml` was not reviewed: it could not be read" in head
    assert "Permission denied" in head
    assert "`SEC001`" in proc.stdout  # app.yaml, readable, was reviewed
