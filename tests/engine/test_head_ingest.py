"""A review's head ingested with its base's ledger (`bot/ingest/ledger.py`: the files of the
same blob taken as the base read them, the render keys of overlays no changed path reaches)
is the inventory a whole ingest of the head makes, on a Kustomize repository, for each kind of
change that moves what a file or an overlay is: a base kustomization both overlays read, a
patch file, an added, a deleted and a renamed file, a new chart and the `.aria.yml`, a new
overlay, an overlay made another's base, a refused one, links, submodules and skipped folders;
and for several of them together. A change that leaves every kustomization the very same
document takes the base's layout (`rendered.Layout`); the others work theirs out."""

from __future__ import annotations

import pickle
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.config import config_of
from bot.engine import ingest
from bot.ingest import source as source_module
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


def _link(path: str, target: str) -> Callable[[Path], None]:
    def link(repo: Path) -> None:
        (repo / path).symlink_to(target)
    return link


def _gitlink(path: str) -> Callable[[Path], None]:
    """A submodule entry (its commit need not exist here), staged without a checkout."""
    return _git("update-index", "--add", "--cacheinfo", f"160000,{'1' * 40},{path}")


_OVERLAY = ("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
            "resources:\n  - {}\n")


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
    # what the kustomizations decide changes: a new overlay, an overlay made another's base,
    # one that names a remote base (refused), a base no longer included
    "new-root": [_add(f"{APP}/overlays/canary/kustomization.yaml", _OVERLAY.format("../../base"))],
    "made-a-base": [_add("clusters/all/kustomization.yaml",
                         _OVERLAY.format(f"../../{APP}/overlays/prod"))],
    "refused": [_edit(f"{APP}/overlays/prod/kustomization.yaml", "resources:\n",
                      "resources:\n  - https://github.com/example/repo//base?ref=v1\n")],
    "base-dropped": [_edit(f"{APP}/overlays/staging/kustomization.yaml", "../../base",
                           "../../../app-00001/base")],
    # links into the tree (read through), out of it and to nothing; a submodule; files below
    # folders a walk skips
    "links": [_link(f"{APP}/base/linked.yaml", "service.yaml"),
              _link(f"{APP}/base/out.yaml", "../../../../etc/passwd"),
              _link("apps/dangling.yaml", "nowhere.yaml"),
              _edit(f"{APP}/base/kustomization.yaml", "  - pdb.yaml\n",
                    "  - pdb.yaml\n  - linked.yaml\n")],
    "gitlink": [],  # staged below: `git add -A` drops a submodule with no checkout
    "skipped": [_add("node_modules/pkg/deployment.yaml", "kind: ConfigMap\n"),
                _add(f"{APP}/base/.terraform/main.tf", "resource x y {}\n")],
}

# staged after the change's files (`git add -A`)
STAGED = {"gitlink": [_gitlink(f"{APP}/base/vendor"), _gitlink("vendor/lib")]}

# the changes that leave every kustomization the very same document: the head takes the
# base's layout (`rendered.Layout`)
LAYOUT_KEPT = {"base-manifest", "patch", "added-other", "added", "deleted", "renamed-manifest",
               "config", "skipped", "gitlink"}


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


def _ingested(repo: Path, changes: list[str], cache: Path) -> tuple[Inventory, ...]:
    """The base's inventory, and the head's (`changes` committed on a branch) ingested with it
    and from scratch, each with a cache of its own."""
    branch = "+".join(changes)
    git(repo, "checkout", "-q", "-B", branch, "main")
    for step in [s for change in changes for s in CHANGES[change]]:
        step(repo)
    git(repo, "add", "-A")
    for step in [s for change in changes for s in STAGED.get(change, [])]:
        step(repo)
    git(repo, "commit", "-qm", branch)
    git(repo, "checkout", "-q", "main")
    base = GitRevisionSource(repo, "main")
    config, _ = config_of(base)
    try:
        use_cache(ContentCache(cache / "base", 64 << 20))
        # the base as a second push loads it: pickled with the judged base, from disk
        prior = pickle.loads(dumps(ingest(base, config)) or b"")  # noqa: S301 - made here
        use_cache(ContentCache(cache / "base", 64 << 20))
        fast = ingest(GitRevisionSource(repo, branch), config, prior=prior)
        use_cache(ContentCache(cache / "whole", 64 << 20))
        source_module._LISTINGS.clear()  # listed whole, not from the base's listing
        whole = ingest(GitRevisionSource(repo, branch), config)
    finally:
        use_cache(None)
    assert _shape(fast) == _shape(whole)
    for old, new in zip([*whole.documents, *whole.sources], [*fast.documents, *fast.sources],
                        strict=True):
        same_tree(old.body, new.body)
        assert (new.source_map, new.text_lines) == (old.source_map, old.text_lines)
    return prior, fast, whole


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_a_head_ingested_with_its_bases_ledger_is_the_whole_ingest_of_it(
        change: str, repo: Path, tmp_path: Path) -> None:
    prior, fast, _ = _ingested(repo, [change], tmp_path)
    assert fast.rendered and fast.ledger.renders
    assert fast.ledger.layout is not None and prior.ledger.layout is not None
    assert (fast.ledger.layout.roots is prior.ledger.layout.roots) == (change in LAYOUT_KEPT)
    reused = [p for p, seen in fast.ledger.files.items() if prior.ledger.files.get(p) == seen]
    assert len(reused) > len(fast.ledger.files) // 2  # the fast path was taken


@settings(max_examples=8, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=st.lists(st.sampled_from(sorted(CHANGES)), min_size=2, max_size=3, unique=True))
def test_a_head_ingested_with_its_bases_ledger_is_the_whole_ingest_of_it_for_any_changes(
        changes: list[str], repo: Path) -> None:
    """Changes together: an overlay made a base while another names a remote one, a link
    into a base a renamed file left, ..."""
    with tempfile.TemporaryDirectory() as cache:
        _ingested(repo, changes, Path(cache))


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
