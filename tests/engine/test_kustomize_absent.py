"""A render bound to fail on a file the tree lacks fails without starting kubectl; kubectl
would fail on it too, and anything that is only unusual still goes to kubectl (fixtures under
tests/fixtures/kustomize)."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.engine import audit, review
from bot.findings import Finding, Status
from bot.ingest import kustomize
from bot.ingest.cache import ContentCache, use_cache
from bot.ingest.source import DirectorySource, GitRevisionSource
from tests.conftest import FIXTURES
from tests.prerequisites import need

KUBECTL = shutil.which("kubectl")
need(KUBECTL is not None, "kubectl not installed", module=True)

TREES = FIXTURES / "kustomize"
# fixture -> (the overlay that fails, the path it lacks, the field that names it, where)
ABSENT = {
    "absent-base": ("overlays/prod", "base", "resources", "overlays/prod"),
    "absent-crd-files": ("config/default", "config/crd/bases/serving.acme.io_modelservers.yaml",
                         "resources", "config/crd"),
    "absent-component": ("overlays/staging", "components/service-monitor", "components",
                         "overlays/staging"),
    "absent-patch": ("overlays/dev", "overlays/dev/replicas-patch.yaml", "patches",
                     "overlays/dev"),
    "absent-env-file": ("app", "app/.env", "configMapGenerator", "app"),
}


@pytest.fixture
def renders(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The folders kubectl was started on, nothing cached between audits."""
    started: list[str] = []
    run = subprocess.run

    def spy(args: Any, *rest: Any, **kwargs: Any) -> Any:
        if isinstance(args, list) and args[1:2] == ["kustomize"]:
            started.append(args[2])
        return run(args, *rest, **kwargs)

    monkeypatch.setattr(kustomize.subprocess, "run", spy)
    use_cache(ContentCache(None, 0))
    yield started
    use_cache(None)


def _failures(findings: list[Finding]) -> list[tuple[str, str]]:
    return [(f.location.path, f.message) for f in findings if f.rule_id == "INGEST001"]


@pytest.mark.parametrize("fixture", sorted(ABSENT))
def test_a_missing_file_fails_the_render_without_kubectl(fixture: str,
                                                         renders: list[str]) -> None:
    overlay, absent, field, named_in = ABSENT[fixture]
    decision = audit(DirectorySource(TREES / fixture))
    [(path, message)] = _failures(decision.findings)
    assert path == f"{overlay}/kustomization.yaml"
    assert (f"kustomize render failed: `{absent}`, named under `{field}` in "
            f"`{named_in}/kustomization.yaml`, does not exist") in message
    assert renders == []


@pytest.mark.parametrize("fixture", sorted(ABSENT))
def test_kubectl_fails_on_each_of_them_too(fixture: str, tmp_path: Path) -> None:
    """What is reported without kubectl is what kubectl would have failed on."""
    tree = tmp_path / fixture
    shutil.copytree(TREES / fixture, tree)
    overlay, absent = ABSENT[fixture][:2]
    with kustomize.render_environment() as env:
        proc = subprocess.run([str(KUBECTL), "kustomize", str(tree / overlay)], env=env,
                              capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0
    assert "no such file or directory" in proc.stderr
    assert absent.rsplit("/", 1)[-1] in kustomize.render_failure(proc.stderr, tree)


def test_local_paths_that_look_remote_or_pass_through_a_missing_folder_go_to_kubectl(
        renders: list[str]) -> None:
    """`github.com-mirror/llm`, `manifests.git-archive/build/../router.yaml`: local folders
    named like remotes, and a path kustomize cleans before looking it up."""
    tree = TREES / "remote-looking-local"
    decision = audit(DirectorySource(tree))
    assert _failures(decision.findings) == []
    assert len(renders) == 1
    # judged as rendered: in the overlay's namespace
    assert {f.subject for f in decision.findings} == {"Deployment/llm/llm"}


def test_a_link_to_a_folder_counts_as_the_folder(tmp_path: Path, renders: list[str]) -> None:
    tree = tmp_path / "tree"
    shutil.copytree(TREES / "remote-looking-local", tree)
    (tree / "mirror").symlink_to(tree / "github.com-mirror", target_is_directory=True)
    text = (tree / "kustomization.yaml").read_text()
    (tree / "kustomization.yaml").write_text(text.replace("github.com-mirror/llm",
                                                          "mirror/llm"))
    decision = audit(DirectorySource(tree))
    assert _failures(decision.findings) == []
    # the folder behind the link is not walked through it, so it is an overlay of its own too
    assert sorted(renders) == [str(tree), str(tree / "github.com-mirror/llm")]


def _git_tree(root: Path, tree: Path) -> None:
    shutil.copytree(tree, root, dirs_exist_ok=True)
    for args in (["init", "-q", "-b", "main"], ["add", "-A"],
                 ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "x"]):
        subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True)


def test_a_review_that_drops_a_patch_file_reports_it_as_an_audit_does(
        tmp_path: Path, renders: list[str]) -> None:
    """The same render path, from git objects: the base commits the patch, the head lacks it."""
    repo = tmp_path / "repo"
    _git_tree(repo, TREES / "absent-patch")
    without = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], check=True,
                          capture_output=True, text=True).stdout.strip()
    patch = repo / "overlays/dev/replicas-patch.yaml"
    patch.write_text("- op: replace\n  path: /spec/replicas\n  value: 3\n")
    subprocess.run(["git", "-C", str(repo), "add", "-A"], check=True)
    subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t",
                    "commit", "-qm", "patch"], check=True)
    decision = review(GitRevisionSource(repo, "HEAD"), GitRevisionSource(repo, without))
    [failure] = [f for f in decision.findings if f.rule_id == "INGEST001"]
    assert failure.status == Status.new
    assert "`overlays/dev/replicas-patch.yaml`, named under `patches`" in failure.message
    assert len(renders) == 1  # the base's overlay rendered; the head's failed before kubectl
