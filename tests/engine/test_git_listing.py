"""A git revision's listing derived from the last one listed (`GitRevisionSource.tree`: that
listing with what `git diff-tree` names listed again) is the revision's whole listing, and so
are its files as the loader sees them, for any change between two revisions: files added,
deleted, renamed or turned into folders (and back), links into and out of the tree, to folders,
to nothing or to other links, submodules (gitlinks), and files below folders a walk skips."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.ingest import source as source_module
from bot.ingest.source import GitRevisionSource

# path -> (mode, content: a file's text, a link's target, a gitlink's commit)
Tree = dict[str, tuple[str, str]]

_PATHS = ["a/x.yaml", "a/y.yaml", "a", "c", "c/d.yaml", "c/e/f.yaml", "node_modules/m.yaml",
          "a/node_modules/k.yaml", "a/.terraform/t.tf", "l1", "a/l2", "sub", "a/sub2",
          "with space.yaml", "ü.yaml", "-dash.yaml", "*.yaml"]
_TARGETS = ["a/x.yaml", "x.yaml", "../out", "a", ".", "nope", "l1", "a/l2", "/etc/passwd",
            "../a/x.yaml", "c/d.yaml"]
BASE: Tree = {"a/x.yaml": ("100644", "x"), "a/y.yaml": ("100644", "y"),
              "c": ("100644", "c"), "node_modules/m.yaml": ("100644", "m"),
              "l1": ("120000", "a/x.yaml"), "a/l2": ("120000", "../c"),
              "sub": ("160000", "1" * 40), "ü.yaml": ("100755", "u")}

_OP = st.one_of(
    st.tuples(st.just("100644"), st.sampled_from(_PATHS), st.sampled_from(["x", "y", "z"])),
    st.tuples(st.just("120000"), st.sampled_from(_PATHS), st.sampled_from(_TARGETS)),
    st.tuples(st.just("160000"), st.sampled_from(_PATHS), st.sampled_from(["1" * 40, "2" * 40])),
    st.tuples(st.just("delete"), st.sampled_from(_PATHS), st.just("")),
)


def _apply(tree: Tree, ops: list[tuple[str, str, str]]) -> Tree:
    """`tree` with each op: a path written (whatever lay at its folders or below it goes, as
    git allows no file where a folder is) or deleted with what lies below it."""
    out = dict(tree)
    for mode, path, content in ops:
        parents = {"/".join(path.split("/")[:i]) for i in range(1, path.count("/") + 1)}
        for old in [p for p in out if p in parents or p == path or p.startswith(path + "/")]:
            del out[old]
        if mode != "delete":
            out[path] = (mode, content)
    return out


class _Repo:
    def __init__(self, root: Path) -> None:
        root.mkdir(exist_ok=True)
        self.root = root
        self._blobs: dict[str, str] = {}
        self._commits: dict[tuple[tuple[str, tuple[str, str]], ...], str] = {}
        self._env = {**os.environ, "GIT_INDEX_FILE": str(root / "scratch-index"),
                     "GIT_AUTHOR_NAME": "gen", "GIT_AUTHOR_EMAIL": "gen@example.com",
                     "GIT_COMMITTER_NAME": "gen", "GIT_COMMITTER_EMAIL": "gen@example.com"}
        self._git("init", "-q", "-b", "main")

    def _git(self, *args: str, stdin: str = "") -> str:
        return subprocess.run(["git", "-C", str(self.root), *args], input=stdin.encode(),
                              env=self._env, capture_output=True, check=True).stdout.decode()

    def _blob(self, content: str) -> str:
        if content not in self._blobs:
            self._blobs[content] = self._git("hash-object", "-w", "--stdin",
                                             stdin=content).strip()
        return self._blobs[content]

    def commit(self, tree: Tree) -> str:
        """A commit holding exactly `tree` (written through a scratch index)."""
        key = tuple(sorted(tree.items()))
        if key not in self._commits:
            self._git("read-tree", "--empty")
            self._git("update-index", "--add", "-z", "--index-info", stdin="".join(
                f"{mode} {content if mode == '160000' else self._blob(content)}\t{path}\0"
                for path, (mode, content) in tree.items()))
            written = self._git("write-tree").strip()
            self._commits[key] = self._git("commit-tree", written, "-m", "gen").strip()
        return self._commits[key]


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> _Repo:
    return _Repo(tmp_path_factory.mktemp("listing"))


def _seen(source: GitRevisionSource) -> list[tuple[object, ...]]:
    """The files as the loader and the renderer see them, with the bytes of each."""
    return [(f.path, f.size, f.problem, f.is_dir, f.blob,
             f.read() if f.problem is None else None) for f in source.files()]


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=st.lists(_OP, max_size=4), then=st.lists(_OP, min_size=1, max_size=4))
def test_a_listing_derived_from_the_last_one_is_the_whole_listing(
        repo: _Repo, first: list[tuple[str, str, str]],
        then: list[tuple[str, str, str]]) -> None:
    older = _apply(BASE, first)
    commits = [repo.commit(BASE), repo.commit(older), repo.commit(_apply(older, then))]
    source_module._LISTINGS.clear()
    derived = [GitRevisionSource(repo.root, c) for c in commits]
    for one in derived:  # each derived from the one before
        one.tree()
    assert source_module._LISTINGS[os.path.realpath(repo.root)][0] == commits[-1]
    for commit, one in zip(commits, derived, strict=True):
        source_module._LISTINGS.clear()
        whole = GitRevisionSource(repo.root, commit)
        assert one.tree() == whole.tree()
        assert _seen(one) == _seen(whole)
        assert [one.read(p) for p in _PATHS] == [whole.read(p) for p in _PATHS]


@pytest.mark.parametrize("last", ["gone", "too-far"])
def test_a_listing_git_cannot_derive_is_listed_whole(
        repo: _Repo, last: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The last listing's commit gone (a gc), or a change whose names are longer than a
    command line holds."""
    commit = repo.commit(_apply(BASE, [("100644", "c/d.yaml", "z")]))
    source_module._LISTINGS.clear()
    whole = GitRevisionSource(repo.root, commit).tree()
    if last == "gone":
        source_module._LISTINGS[os.path.realpath(repo.root)] = ("f" * 40, {})
    else:
        GitRevisionSource(repo.root, repo.commit(BASE)).tree()
        monkeypatch.setattr(source_module, "_MAX_DERIVED_BYTES", 1)
    assert GitRevisionSource(repo.root, commit).tree() == whole


def test_only_the_repositories_listed_last_keep_their_listing(
        repo: _Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A long-lived process reviewing many repositories holds a listing for a few only."""
    monkeypatch.setattr(source_module, "_MAX_LISTED_REPOS", 1)
    other = _Repo(tmp_path / "other")
    source_module._LISTINGS.clear()
    GitRevisionSource(repo.root, repo.commit(BASE)).tree()
    GitRevisionSource(other.root, other.commit(BASE)).tree()
    assert list(source_module._LISTINGS) == [os.path.realpath(other.root)]
