"""A review's head ingested with its base's ledger (`bot/ingest/ledger.py`: the files of the
same blob taken as the base read them, the render keys of overlays no changed path reaches)
is the inventory a whole ingest of the head makes, on a Kustomize repository, for each kind of
change that moves what a file or an overlay is: a base kustomization both overlays read, a
patch file, an added, a deleted and a renamed file, a new chart and the `.aria.yml`."""

from __future__ import annotations

import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.config import config_of
from bot.engine import ingest
from bot.ingest.cache import ContentCache, use_cache
from bot.ingest.ledger import Ledger
from bot.ingest.loader import Inventory
from bot.ingest.source import GitRevisionSource, below
from bot.judged_pickle import dumps
from tests.engine.test_judged_pickle import same_tree
from tests.kustomize_repos import git, rendered_repo

APP = "apps/app-00000"


def _edit(path: str, old: str, new: str) -> Callable[[Path], None]:
    def edit(repo: Path) -> None:
        (repo / path).write_text((repo / path).read_text().replace(old, new))
    return edit


def _add(path: str, text: str) -> Callable[[Path], None]:
    def add(repo: Path) -> None:
        (repo / path).parent.mkdir(parents=True, exist_ok=True)
        (repo / path).write_text(text)
    return add


def _git(*args: str) -> Callable[[Path], None]:
    def run(repo: Path) -> None:
        git(repo, *args)
    return run


CHANGES: dict[str, list[Callable[[Path], None]]] = {
    # both overlays render the base: neither may keep its key
    "base-kustomization": [_edit(f"{APP}/base/kustomization.yaml", "  - pdb.yaml\n", "")],
    "base-manifest": [_edit(f"{APP}/base/deployment.yaml", "replicas: 2", "replicas: 1")],
    "patch": [_edit(f"{APP}/overlays/prod/replicas.yaml", "replicas: 3", "replicas: 5")],
    # a file no parser reads, below an overlay's base: still what the render may read
    "added-other": [_add(f"{APP}/base/notes.txt", "read by a configMapGenerator\n")],
    "added": [_add("apps/extra/deployment.yaml", "apiVersion: v1\nkind: ConfigMap\n"
                   "metadata: {name: extra}\n")],
    "deleted": [_git("rm", "-q", f"{APP}/base/configmap.yaml")],
    "renamed": [_git("mv", f"{APP}/base/service.yaml", f"{APP}/base/svc.yaml"),
                _edit(f"{APP}/base/kustomization.yaml", "service.yaml", "svc.yaml")],
    "renamed-manifest": [_git("mv", "cluster/rbac.yaml", "cluster/access.yaml")],
    # a chart makes the manifests below its `templates/` templates, unparsed: the same blobs
    "chart": [_add("charts/web/Chart.yaml", "apiVersion: v2\nname: web\nversion: 1.0.0\n")],
    "config": [_add(".aria.yml", "version: 1\nfail_on: error\n")],
}


def _shape(inventory: Inventory) -> dict[str, Any]:
    """Everything an inventory holds, comparable (documents in order)."""
    return {
        "documents": inventory.documents, "sources": inventory.sources,
        "rendered": inventory.rendered, "problems": inventory.problems,
        "suppressions": inventory.suppressions, "notes": inventory.notes,
        "files_read": inventory.files_read, "config_text": inventory.config_text,
        "model_imports": inventory.model_imports, "parts": sorted(inventory.parts),
        "ledger": inventory.ledger,
    }


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    repo = rendered_repo(tmp_path_factory.mktemp("head-ingest"))
    _add("charts/web/templates/web.yaml", "apiVersion: v1\nkind: ConfigMap\n"
         "metadata: {name: web}\n")(repo)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "a manifest in a folder named templates")
    return repo


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_a_head_ingested_with_its_bases_ledger_is_the_whole_ingest_of_it(
        change: str, repo: Path, tmp_path: Path) -> None:
    git(repo, "checkout", "-q", "-B", change, "main")
    for step in CHANGES[change]:
        step(repo)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", change)
    git(repo, "checkout", "-q", "main")
    base, head = GitRevisionSource(repo, "main"), GitRevisionSource(repo, change)
    config, _ = config_of(base)
    try:
        use_cache(ContentCache(tmp_path / "cache", 64 << 20))
        # the base as a second push loads it: pickled with the judged base, from disk
        prior = pickle.loads(dumps(ingest(base, config)) or b"")  # noqa: S301 - made here
        use_cache(ContentCache(tmp_path / "cache", 64 << 20))
        fast = ingest(GitRevisionSource(repo, change), config, prior=prior)
        use_cache(ContentCache(tmp_path / "cache", 64 << 20))
        whole = ingest(head, config)
    finally:
        use_cache(None)
    assert fast.rendered and fast.ledger.renders
    assert _shape(fast) == _shape(whole)
    for old, new in zip([*whole.documents, *whole.sources], [*fast.documents, *fast.sources],
                        strict=True):
        same_tree(old.body, new.body)
        assert (new.source_map, new.text_lines) == (old.source_map, old.text_lines)
    reused = [p for p, seen in fast.ledger.files.items() if prior.ledger.files.get(p) == seen]
    assert len(reused) > len(fast.ledger.files) // 2  # the fast path was taken


_SEGMENT = st.sampled_from(["apps", "base", "overlays", "prod", "a", "a.b", ".hidden", "x-y"])
_PATH = st.lists(_SEGMENT, min_size=1, max_size=4).map("/".join)


@given(paths=st.sets(_PATH, max_size=6),
       folders=st.lists(st.one_of(st.just(""), _PATH), min_size=1, max_size=3).map(tuple))
def test_an_overlay_keeps_its_key_exactly_when_no_changed_path_lies_below_its_folders(
        paths: set[str], folders: tuple[str, ...]) -> None:
    """The ledger answers from the changed paths' parent folders (a lookup per folder); that
    must be `below` over every changed path, for any paths and folders."""
    base = Ledger(files={p: ("1" * 40, "key") for p in paths},
                  renders={"apps/prod": (folders, "render-key")})
    head = Ledger(files={p: ("2" * 40, "key") for p in paths})
    kept = base.render_key("apps/prod", folders, head.changed_since(base))
    assert (kept is None) == any(below(p, folders) for p in paths)
