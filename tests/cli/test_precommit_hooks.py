"""`.pre-commit-hooks.yaml` as pre-commit runs it: the manifest read and validated by pre-commit
itself, the staged files it would pass chosen by its own classifier, and the hook's command line
(`entry` + `args` + files) run in a real git repository. The last test runs the real
`pre-commit try-repo`, which installs Aria into a fresh environment from the package index."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from pre_commit.clientlib import load_manifest
from pre_commit.commands.run import Classifier
from pre_commit.hook import Hook
from pre_commit.prefix import Prefix

from bot.ingest.files import is_relevant
from tests.conftest import FIXTURES, REPO_ROOT
from tests.prerequisites import need

HOOKS = REPO_ROOT / ".pre-commit-hooks.yaml"
BIN = Path(sys.executable).parent  # where this environment's `aria` is


def hooks() -> dict[str, Hook]:
    return {h["id"]: Hook.create("aria", Prefix(str(REPO_ROOT)), h)
            for h in load_manifest(str(HOOKS))}


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True,
                          text=True).stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A team's repository with the fixture platform committed, and a README."""
    root = tmp_path / "platform"
    shutil.copytree(FIXTURES / "repos" / "llm-serving", root)
    (root / "README.md").write_text("# platform\n")
    git(root, "init", "-q", "-b", "main")
    git(root, "-c", "user.email=t@example.com", "-c", "user.name=t", "add", "-A")
    git(root, "-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qm", "base")
    return root


def run_hook(hook: Hook, repo: Path) -> subprocess.CompletedProcess[str] | None:
    """What `pre-commit run` does for one hook on the staged files: None when it skips it."""
    staged = git(repo, "diff", "--cached", "--name-only", "-z").split("\0")
    cwd = Path.cwd()
    os.chdir(repo)  # the classifier checks that each file exists, relative to the repo
    try:
        files = list(Classifier.from_config([f for f in staged if f], "", "^$")
                     .filenames_for_hook(hook))
    finally:
        os.chdir(cwd)
    if not files and not hook.always_run:
        return None
    cmd = [*shlex.split(hook.entry), *hook.args, *(files if hook.pass_filenames else [])]
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    return subprocess.run(cmd, cwd=repo, capture_output=True, text=True, env=env, timeout=120)


def test_the_manifest_is_valid_and_selects_the_files_aria_reads() -> None:
    found = hooks()
    assert set(found) == {"aria-audit", "aria-review"}
    names = ["k8s/vllm.yaml", "k8s/x.YML", "kustomization.yaml", "base/Kustomization",
             "terraform/gke.tf", "models/resnet/config.pbtxt", ".aria.yml", "README.md",
             "main.py", "terraform/vars.tfvars", "notes.yaml.txt", "docs/Kustomization.md"]
    for hook in found.values():
        chosen = {n for n in names if re.search(hook.files, n)}
        assert chosen == {n for n in names if is_relevant(n)}, hook.id
        assert hook.require_serial  # one run per commit: each reads the whole tree once


def stage(repo: Path, path: str, text: str) -> None:
    (repo / path).write_text(text)
    git(repo, "add", path)


def test_aria_audit_hook_fails_on_an_error_in_a_staged_file(repo: Path) -> None:
    hook = hooks()["aria-audit"]
    vllm = (repo / "k8s" / "vllm.yaml").read_text()
    stage(repo, "k8s/vllm.yaml", vllm + "\n# a comment\n")
    passed = run_hook(hook, repo)
    assert passed is not None and passed.returncode == 0, passed.stdout + passed.stderr
    assert "k8s/vllm.yaml:" in passed.stdout and "Aria audit" in passed.stdout
    assert "gke.tf" not in passed.stdout  # findings of files not staged are not reported
    assert str(repo) not in passed.stdout  # the tree as typed (`.`), not the machine's path
    stage(repo, "k8s/rbac.yaml", "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\n"
          "metadata: {name: ops}\nrules:\n  - apiGroups: ['*']\n    resources: ['*']\n"
          "    verbs: ['*']\n")
    failed = run_hook(hook, repo)
    assert failed is not None and failed.returncode == 1
    assert "RBAC001" in failed.stdout and "k8s/rbac.yaml:" in failed.stdout


def test_hooks_skip_a_commit_without_infrastructure_files(repo: Path) -> None:
    stage(repo, "README.md", "# platform\n\nmore\n")
    assert all(run_hook(h, repo) is None for h in hooks().values())


def test_aria_review_hook_fails_only_on_what_the_commit_introduces(repo: Path) -> None:
    hook = hooks()["aria-review"]
    autoscaling = (repo / "k8s" / "autoscaling.yaml").read_text()
    assert "minReplicas: 2" in autoscaling
    stage(repo, "k8s/autoscaling.yaml", autoscaling.replace("minReplicas: 2", "minReplicas: 3"))
    kept = run_hook(hook, repo)
    assert kept is not None and kept.returncode == 0, kept.stdout + kept.stderr
    stage(repo, "k8s/autoscaling.yaml", autoscaling.replace("minReplicas: 2", "minReplicas: 1"))
    broke = run_hook(hook, repo)
    assert broke is not None and broke.returncode == 1
    assert "SPOF001" in broke.stdout and "1 new" in " ".join(broke.stdout.split())


@pytest.mark.slow
def test_pre_commit_try_repo_installs_and_runs_the_hook(repo: Path, tmp_path: Path) -> None:
    """The real thing: pre-commit builds the hook's environment (`pip install` of this
    repository, so it needs the package index) and runs aria-audit on the staged files."""
    stage(repo, "k8s/rbac.yaml", "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\n"
          "metadata: {name: ops, namespace: ml}\nrules:\n  - apiGroups: ['']\n"
          "    resources: ['*']\n    verbs: ['*']\n")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
           "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    run = subprocess.run([str(BIN / "pre-commit"), "try-repo", str(REPO_ROOT), "aria-audit"],
                         cwd=repo, capture_output=True, text=True, env=env, timeout=900)
    installing_failed = "An unexpected error has occurred" in run.stdout + run.stderr
    need(not installing_failed, "pre-commit could not install the hook's environment "
         f"(package index unreachable?): {(run.stdout + run.stderr)[-400:]}")
    assert run.returncode == 1, run.stdout + run.stderr
    assert "aria audit" in run.stdout and "Failed" in run.stdout
    assert "RBAC001" in run.stdout and "k8s/rbac.yaml:" in run.stdout
