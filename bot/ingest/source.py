"""Where files come from: a directory, a git revision, or bytes held in memory.

Every source yields relative POSIX paths and raw bytes; nothing is executed. Renderers that
need a real directory (kustomize) ask for `materialize()`, naming the folders they need.
"""

from __future__ import annotations

import errno
import hashlib
import os
import posixpath
import stat
import subprocess
import tempfile
import threading
from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from bot.ingest.cache import content_id

SKIP_DIRS = frozenset({".git", ".hg", ".svn", "node_modules", ".venv", "venv", "__pycache__",
                       ".terraform", ".tox", ".mypy_cache", ".ruff_cache", ".pytest_cache"})


@dataclass(frozen=True, slots=True)
class SourceFile:
    path: str  # relative, POSIX separators
    size: int
    _read: Callable[[int], bytes] | None  # (at most n bytes, -1 for all) -> bytes
    problem: str | None = None  # why this entry is not read: a link out of the tree, a FIFO
    is_dir: bool = False  # a directory whose files were not read (a problem names it)
    blob: str | None = None  # the git blob SHA of its content, when git named it (cache key)

    def read(self, limit: int = -1) -> bytes:
        """The file's bytes (at most `limit` of them); OSError when it cannot be read."""
        if self._read is None:
            raise OSError(self.problem or "not readable")
        return self._read(limit)


class Source:
    """A tree of files under review."""

    label: str = ""

    def files(self) -> Iterator[SourceFile]:
        raise NotImplementedError

    def read(self, path: str, limit: int = -1) -> bytes | None:
        """A regular file of the tree (at most `limit` bytes), or None."""
        raise NotImplementedError

    def content_key(self) -> str | None:
        """A name for exactly this tree's content, or None when it can change under us (a
        directory): what results of the whole tree may be cached under."""
        return None

    @contextmanager
    def materialize(self, under: Collection[str] | None = None) -> Iterator[Path]:
        """A directory holding this tree (at least the files below the folders `under`, "" for
        the root), for renderers that need one."""
        raise NotImplementedError


_FILE_TYPES = {stat.S_IFIFO: "a named pipe (FIFO)", stat.S_IFSOCK: "a socket",
               stat.S_IFCHR: "a character device", stat.S_IFBLK: "a block device",
               stat.S_IFDIR: "a directory"}


def _not_regular(mode: int) -> str:
    return f"it is {_FILE_TYPES.get(stat.S_IFMT(mode), 'not a regular file')}, not a regular file"


def read_regular(full: str, limit: int = -1) -> bytes:
    """Read a regular file without blocking on a FIFO or device put in its place."""
    fd = os.open(full, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
    with os.fdopen(fd, "rb") as fh:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise OSError(errno.EINVAL, _not_regular(mode))
        return fh.read(limit)


class DirectorySource(Source):
    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).resolve()
        if not self.root.is_dir():
            raise FileNotFoundError(f"not a directory: {root}")
        self.label = str(root)

    def files(self) -> Iterator[SourceFile]:
        unreadable: list[OSError] = []
        top = str(self.root)
        for dirpath, dirnames, filenames in os.walk(top, onerror=unreadable.append):
            yield from map(self._unreadable_dir, unreadable)
            unreadable.clear()
            # os.walk joins every folder onto `top`: its path below it is what follows (a
            # relpath per file was a tenth of listing a tree)
            here = dirpath[len(top):].lstrip(os.sep).replace(os.sep, "/")
            prefix = f"{here}/" if here else ""
            kept = []
            for name in sorted(d for d in dirnames if d not in SKIP_DIRS):
                full = os.path.join(dirpath, name)
                if not os.path.islink(full):
                    kept.append(name)
                elif not Path(os.path.realpath(full)).is_relative_to(self.root):
                    yield SourceFile(self._rel(full), 0, None, "it is a symbolic link to a "
                                     "directory outside the tree under review, not followed",
                                     is_dir=True)
                # a link to a directory inside the tree is not walked (kubectl -R does not
                # follow one either): its files are reviewed where they are
            dirnames[:] = kept
            for name in sorted(filenames):
                yield self._entry(prefix + name, os.path.join(dirpath, name))
        yield from map(self._unreadable_dir, unreadable)

    def _rel(self, full: str) -> str:
        return os.path.relpath(full, self.root).replace(os.sep, "/")

    def _unreadable_dir(self, error: OSError) -> SourceFile:
        return SourceFile(self._rel(str(error.filename)), 0, None,
                          f"this directory could not be read ({error.strerror or error}); "
                          "nothing in it was reviewed", is_dir=True)

    def _entry(self, rel: str, full: str) -> SourceFile:
        """A regular file, a link to one inside the tree (kubectl reads through it), or a
        problem: a link out of the tree or to nothing, a FIFO, a socket, a device."""
        try:
            info = os.lstat(full)
            if stat.S_ISLNK(info.st_mode):
                target = Path(os.path.realpath(full))
                if not target.is_relative_to(self.root):
                    return SourceFile(rel, 0, None, "it is a symbolic link to a path outside the "
                                                    "tree under review, not followed")
                full, info = str(target), os.stat(target)
        except OSError as exc:
            return SourceFile(rel, 0, None, f"it could not be read ({exc.strerror or exc})")
        if not stat.S_ISREG(info.st_mode):
            return SourceFile(rel, 0, None, _not_regular(info.st_mode))
        return SourceFile(rel, info.st_size, partial(read_regular, full))

    def read(self, path: str, limit: int = -1) -> bytes | None:
        full = (self.root / path).resolve()
        if not full.is_relative_to(self.root):
            return None
        try:
            return read_regular(str(full), limit)
        except OSError:
            return None

    @contextmanager
    def materialize(self, under: Collection[str] | None = None) -> Iterator[Path]:
        yield self.root


class MemorySource(Source):
    """Files fetched from an API (GitHub contents), held as bytes."""

    def __init__(self, files: dict[str, bytes], label: str = "memory") -> None:
        self._files = dict(files)
        self.label = label

    def files(self) -> Iterator[SourceFile]:
        for path in sorted(self._files):
            data = self._files[path]
            yield SourceFile(path, len(data), partial(_head, data))

    def read(self, path: str, limit: int = -1) -> bytes | None:
        data = self._files.get(path)
        return None if data is None else _head(data, limit)

    def content_key(self) -> str | None:
        digest = hashlib.blake2b(digest_size=20)
        for path in sorted(self._files):
            digest.update(f"{path}\0{content_id(self._files[path])}\0".encode())
        return f"files:{digest.hexdigest()}"

    @contextmanager
    def materialize(self, under: Collection[str] | None = None) -> Iterator[Path]:
        with _written({p: partial(_head, d) for p, d in self._files.items()
                       if under is None or below(p, under)}) as base:
            yield base


def _head(data: bytes, limit: int = -1) -> bytes:
    return data if limit < 0 else data[:limit]


@contextmanager
def _written(files: Mapping[str, Callable[[], bytes]]) -> Iterator[Path]:
    """A temporary directory holding `files` (path -> its bytes), removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="aria-src-") as tmp:
        base = Path(tmp).resolve()
        for path, read in files.items():
            target = (base / path).resolve()
            if not target.is_relative_to(base):
                continue  # refuse "../" escapes in hostile path names
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(read())
        yield base


def below(path: str, folders: Collection[str]) -> bool:
    """Whether `path` lies in one of `folders` ("" is the root, holding everything)."""
    return any(not f or path.startswith(f + "/") for f in folders)


_LINK_OUT = "it is a symbolic link to a path outside the tree under review, not followed"
_GITLINK = ("it is a git submodule (gitlink): its files are not in this repository and were "
            "not reviewed")
_MAX_LINK_HOPS = 40  # as the kernel's ELOOP limit


@dataclass(frozen=True, slots=True)
class _TreeEntry:
    mode: str
    sha: str
    size: int


_FOLDER = _TreeEntry("040000", "", 0)  # what a path names when it is a folder
# The last revision listed per repository (its real path; of the few listed last): a
# revision's listing never changes, so the next one is derived from it (`tree`).
_LISTINGS: dict[str, tuple[str, dict[str, _TreeEntry]]] = {}
_LISTINGS_LOCK = threading.Lock()
_MAX_LISTED_REPOS = 8
# A change whose paths' names are longer is listed whole: they are one command line, which the
# kernel bounds (128 KiB an argument, ARG_MAX in all), and a hostile change may name anything.
_MAX_DERIVED_BYTES = 64 * 1024


def _entries(listing: bytes) -> Iterator[tuple[str, _TreeEntry]]:
    """The entries of a `git ls-tree -z -l` listing, but those below folders a walk skips."""
    for record in listing.split(b"\0"):
        if not record:
            continue
        meta, _, name = record.partition(b"\t")
        mode, _kind, sha, size = meta.split()
        path = name.decode("utf-8", "surrogateescape")
        if not SKIP_DIRS.intersection(path.split("/")[:-1]):
            yield path, _TreeEntry(mode.decode(), sha.decode(), int(size) if size != b"-" else 0)


class GitRevisionSource(Source):
    """One revision of a git repository, read from git's objects: `git ls-tree` lists it and
    `git cat-file --batch` reads the blobs asked for. Nothing is checked out, no hook runs and
    no tree is extracted; a renderer gets only the folders it names (`materialize`).

    What a checkout would show is what is reviewed: a link to a file inside the tree is read
    through (kubectl does), a link out of the tree or to nothing, and a submodule, are each a
    problem naming the path, and the folders a directory walk skips are skipped.
    """

    def __init__(self, repo: str | os.PathLike[str], rev: str) -> None:
        self.repo = Path(repo)
        self.rev = rev
        self.label = rev
        self._tree: dict[str, _TreeEntry] | None = None
        self._files: list[SourceFile] | None = None
        self._folders: set[str] | None = None  # of the listed tree, when a link asks
        self._entries: dict[str, _TreeEntry | None] = {}  # `_one_entry`'s answers
        self._blobs: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()
        # resolved by the process that will read its blobs: one git process, not two
        commit = None if "\n" in rev else self._object(f"{rev}^{{commit}}")
        if commit is None:
            raise ValueError(f"not a git revision in {repo}: {rev}")
        self.commit = commit[0]

    def tree(self) -> dict[str, _TreeEntry]:
        """Path -> entry for every blob, link and submodule of the revision: the last listing
        of the same repository in this process, with what `git diff-tree` says differs, where
        there is one and the change is small (listing and parsing a whole tree was most of a
        second push's ingest at 10,000 files); else the whole listing."""
        if self._tree is None:
            repo = os.path.realpath(self.repo)
            with _LISTINGS_LOCK:
                last = _LISTINGS.get(repo)
            tree = self._derived(*last) if last is not None else None
            self._tree = tree if tree is not None else dict(_entries(self._git(
                "ls-tree", "-r", "-z", "-l", "--full-tree", self.commit)))
            with _LISTINGS_LOCK:
                _LISTINGS.pop(repo, None)
                _LISTINGS[repo] = (self.commit, self._tree)
                while len(_LISTINGS) > _MAX_LISTED_REPOS:  # the least recently listed goes
                    del _LISTINGS[next(iter(_LISTINGS))]
        return self._tree

    def _derived(self, commit: str, tree: dict[str, _TreeEntry]) -> dict[str, _TreeEntry] | None:
        """This revision's listing from another revision's (`tree`, of `commit`): its entries
        but those `git diff-tree` names, listed again (None where git cannot tell, or the
        change's names are too long for a command line)."""
        if commit == self.commit:
            return dict(tree)
        try:
            # every submodule's commit compared, whatever the repository's configuration says
            changed = self._git("diff-tree", "-r", "-z", "--no-renames", "--no-commit-id",
                                "--ignore-submodules=none", "--name-only", commit, self.commit)
        except subprocess.CalledProcessError:  # the other commit is gone (a gc)
            return None
        if len(changed) > _MAX_DERIVED_BYTES:
            return None
        paths = [p.decode("utf-8", "surrogateescape") for p in changed.split(b"\0") if p]
        derived = dict(tree)
        for path in paths:
            derived.pop(path, None)
        if paths:
            # not recursive: a path that is now a folder lists as one, its files are named
            derived.update((path, entry) for path, entry in _entries(self._git(
                "--literal-pathspecs", "ls-tree", "-z", "-l", "--full-tree", self.commit,
                "--", *paths)) if entry.mode != _FOLDER.mode)
        return derived

    def _git(self, *args: str) -> bytes:
        return subprocess.run(["git", "-C", str(self.repo), *args], capture_output=True,
                              timeout=120, check=True).stdout

    def content_key(self) -> str | None:
        return f"git:{self.commit}"

    def _blob(self, sha: str) -> bytes:
        found = self._object(sha)
        if found is None:
            raise OSError(f"git cat-file could not read {sha}")
        return found[1]

    def _object(self, name: str) -> tuple[str, bytes] | None:
        """The SHA and content of the object `name` (a SHA, or `rev^{commit}`) from
        `git cat-file --batch`; None when git has no such object (or no such repository)."""
        with self._lock:
            if self._blobs is None:
                self._blobs = subprocess.Popen(
                    ["git", "-C", str(self.repo), "cat-file", "--batch"],
                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
            assert self._blobs.stdin is not None and self._blobs.stdout is not None
            try:
                self._blobs.stdin.write(name.encode("utf-8", "surrogateescape") + b"\n")
                self._blobs.stdin.flush()
            except BrokenPipeError:  # git ended: not a repository
                return None
            header = self._blobs.stdout.readline().split()
            if len(header) != 3:  # `NAME missing`, `NAME ambiguous`, or git ended
                return None
            data = self._blobs.stdout.read(int(header[2]) + 1)[:-1]
        return header[0].decode(), data

    def _resolve(self, path: str, entry_of: Callable[[str], _TreeEntry | None] | None = None,
                 ) -> tuple[str, _TreeEntry] | str | None:
        """The file a path names, through links inside the tree; a problem; or None for a link
        to a directory (a walk does not follow one: its files are reviewed where they are).
        `entry_of` finds a path's entry (a folder's is `_FOLDER`); by default in the listed
        tree."""
        entry_of = entry_of or self._listed
        for _ in range(_MAX_LINK_HOPS):
            entry = entry_of(path)
            if entry is None:
                return "it could not be read (No such file or directory)"
            if entry.mode == _FOLDER.mode:
                return None
            if entry.mode == "160000":
                return _GITLINK
            if entry.mode != "120000":
                return path, entry
            target = self._blob(entry.sha).decode("utf-8", "surrogateescape")
            joined = posixpath.normpath(posixpath.join(posixpath.dirname(path), target))
            if target.startswith("/") or joined == ".." or joined.startswith("../"):
                return _LINK_OUT
            if joined == ".":
                return None  # the root itself
            path = joined
        return "it could not be read (Too many levels of symbolic links)"

    def _listed(self, path: str) -> _TreeEntry | None:
        entry = self.tree().get(path)
        return _FOLDER if entry is None and path in self._folder_set() else entry

    def _folder_set(self) -> set[str]:
        """The listed tree's folders, worked out when a path is not a file of it (a link's
        target, a read): the listing of a tree with no link was a fifth slower for them."""
        if self._folders is None:
            folders: set[str] = set()
            for path in self.tree():
                parts = path.split("/")[:-1]
                folders.update("/".join(parts[:i]) for i in range(1, len(parts) + 1))
            self._folders = folders
        return self._folders

    def _one_entry(self, path: str) -> _TreeEntry | None:
        """A path's entry as the listed tree has it, from `git ls-tree` of that path alone:
        listing a large tree to read one file was a tenth of a second per 10,000 files. Each
        path is listed once: a review reads the base's `.aria.yml` for the command, then again
        for the engine."""
        if path in ("", ".", "..") or path.startswith(("/", "../")) \
                or SKIP_DIRS.intersection(path.split("/")[:-1]):
            return None  # not a path inside the tree, or one a walk skips
        if path not in self._entries:
            self._entries[path] = self._ls_one(path)
        return self._entries[path]

    def _ls_one(self, path: str) -> _TreeEntry | None:
        listing = self._git("--literal-pathspecs", "ls-tree", "-z", "-l", "--full-tree",
                            self.commit, "--", path)
        return next((entry for name, entry in _entries(listing) if name == path), None)

    def files(self) -> Iterator[SourceFile]:
        # a revision does not change: listed once, for the loader, the renderer's inputs and
        # each folder it writes out (a tenth of a second per pass at 10,000 files)
        if self._files is None:
            self._files = list(self._listed_files())
        return iter(self._files)

    def _listed_files(self) -> Iterator[SourceFile]:
        tree = self.tree()
        for path in sorted(tree):
            entry = tree[path]
            if entry.mode in ("120000", "160000"):
                found = self._resolve(path)
                if found is None:
                    continue
                if isinstance(found, str):
                    yield SourceFile(path, 0, None, found)
                    continue
                entry = found[1]
            yield SourceFile(path, entry.size, partial(self._read_blob, entry.sha),
                             blob=entry.sha)

    def _read_blob(self, sha: str, limit: int = -1) -> bytes:
        return _head(self._blob(sha), limit)

    def read(self, path: str, limit: int = -1) -> bytes | None:
        # one file (the base's `.aria.yml`) before the tree is listed: no listing for it
        found = self._resolve(posixpath.normpath(path),
                              self._one_entry if self._tree is None else None)
        if not isinstance(found, tuple):
            return None
        return self._read_blob(found[1].sha, limit)

    @contextmanager
    def materialize(self, under: Collection[str] | None = None) -> Iterator[Path]:
        wanted = {f.path: partial(self._read_blob, f.blob) for f in self.files()
                  if f.blob is not None and (under is None or below(f.path, under))}
        with _written(wanted) as base:
            yield base

    def close(self) -> None:
        with self._lock:
            if self._blobs is not None:
                # Forked parser workers may hold its stdin open, so it is ended, not awaited.
                self._blobs.kill()
                self._blobs.communicate()
                self._blobs = None

    def __del__(self) -> None:
        self.close()


def open_source(spec: str, repo: str | os.PathLike[str] = ".") -> Source:
    """A directory path if one exists, otherwise a git revision of `repo`."""
    if Path(spec).is_dir():
        return DirectorySource(spec)
    return GitRevisionSource(repo, spec)

