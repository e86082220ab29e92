"""Where files come from: a directory, a git revision, or bytes held in memory.

Every source yields relative POSIX paths and raw bytes; nothing is executed. Renderers that
need a real directory (kustomize) ask for `materialize()`.
"""

from __future__ import annotations

import errno
import os
import stat
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path

SKIP_DIRS = frozenset({".git", ".hg", ".svn", "node_modules", ".venv", "venv", "__pycache__",
                       ".terraform", ".tox", ".mypy_cache", ".ruff_cache", ".pytest_cache"})


@dataclass(frozen=True, slots=True)
class SourceFile:
    path: str  # relative, POSIX separators
    size: int
    _read: Callable[[int], bytes] | None  # (at most n bytes, -1 for all) -> bytes
    problem: str | None = None  # why this entry is not read: a link out of the tree, a FIFO
    is_dir: bool = False  # a directory whose files were not read (a problem names it)

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

    @contextmanager
    def materialize(self) -> Iterator[Path]:
        """A directory holding this tree, for renderers that need one."""
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
        for dirpath, dirnames, filenames in os.walk(self.root, onerror=unreadable.append):
            yield from map(self._unreadable_dir, unreadable)
            unreadable.clear()
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
                full = os.path.join(dirpath, name)
                yield self._entry(self._rel(full), full)
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
    def materialize(self) -> Iterator[Path]:
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

    @contextmanager
    def materialize(self) -> Iterator[Path]:
        with tempfile.TemporaryDirectory(prefix="aria-src-") as tmp:
            base = Path(tmp).resolve()
            for path, data in self._files.items():
                target = (base / path).resolve()
                if not target.is_relative_to(base):
                    continue  # refuse "../" escapes in hostile path names
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
            yield base


def _head(data: bytes, limit: int = -1) -> bytes:
    return data if limit < 0 else data[:limit]


class GitRevisionSource(Source):
    """One revision of a git repository, read with `git archive` (no checkout, no hooks)."""

    def __init__(self, repo: str | os.PathLike[str], rev: str) -> None:
        self.repo = Path(repo)
        self.rev = rev
        self.label = rev
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self._dir: DirectorySource | None = None
        self._refused: list[SourceFile] = []  # entries the archive holds but we do not write
        commit = subprocess.run(
            ["git", "-C", str(self.repo), "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"],
            capture_output=True, text=True, timeout=30,
        )
        if commit.returncode != 0:
            raise ValueError(f"not a git revision in {repo}: {rev}")
        self.commit = commit.stdout.strip()

    def _export(self) -> DirectorySource:
        if self._dir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="aria-rev-")
            proc = subprocess.Popen(
                ["git", "-C", str(self.repo), "archive", "--format=tar", self.commit],
                stdout=subprocess.PIPE,
            )
            assert proc.stdout is not None
            with tarfile.open(fileobj=proc.stdout, mode="r|") as tar:
                for member in tar:
                    try:
                        tar.extract(member, self._tmp.name, filter="data")
                    except tarfile.FilterError as exc:  # a link out of the tree, for one
                        self._refused.append(SourceFile(member.name, 0, None, _refusal(exc)))
            if proc.wait(timeout=120) != 0:
                raise RuntimeError(f"git archive failed for {self.rev}")
            self._refused += self._gitlinks()
            self._dir = DirectorySource(self._tmp.name)
        return self._dir

    def _gitlinks(self) -> list[SourceFile]:
        """Submodule entries: `git archive` leaves an empty directory where their files are."""
        listing = subprocess.run(
            ["git", "-C", str(self.repo), "ls-tree", "-r", "-z", "--full-tree", self.commit],
            capture_output=True, text=True, timeout=120, check=True).stdout
        return [SourceFile(entry.split("\t", 1)[1], 0, None, "it is a git submodule (gitlink): "
                           "its files are not in this repository and were not reviewed")
                for entry in listing.split("\0") if entry.startswith("160000 ")]

    def files(self) -> Iterator[SourceFile]:
        exported = self._export()
        return iter(sorted([*exported.files(), *self._refused], key=lambda f: f.path))

    def read(self, path: str, limit: int = -1) -> bytes | None:
        return self._export().read(path, limit)

    @contextmanager
    def materialize(self) -> Iterator[Path]:
        yield self._export().root

    def close(self) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None
            self._dir = None

    def __del__(self) -> None:
        self.close()


def _refusal(exc: tarfile.FilterError) -> str:
    if isinstance(exc, tarfile.AbsoluteLinkError | tarfile.LinkOutsideDestinationError):
        return "it is a symbolic link to a path outside the tree under review, not followed"
    return f"it was not extracted from the revision ({exc})"


def open_source(spec: str, repo: str | os.PathLike[str] = ".") -> Source:
    """A directory path if one exists, otherwise a git revision of `repo`."""
    if Path(spec).is_dir():
        return DirectorySource(spec)
    return GitRevisionSource(repo, spec)

