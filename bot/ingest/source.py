"""Where files come from: a directory, a git revision, or bytes held in memory.

Every source yields relative POSIX paths and raw bytes; nothing is executed. Renderers that
need a real directory (kustomize) ask for `materialize()`.
"""

from __future__ import annotations

import os
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

SKIP_DIRS = frozenset({".git", ".hg", ".svn", "node_modules", ".venv", "venv", "__pycache__",
                       ".terraform", ".tox", ".mypy_cache", ".ruff_cache", ".pytest_cache"})


@dataclass(frozen=True, slots=True)
class SourceFile:
    path: str  # relative, POSIX separators
    size: int
    _read: object  # () -> bytes

    def read(self) -> bytes:
        return self._read()  # type: ignore[operator]


class Source:
    """A tree of files under review."""

    label: str = ""

    def files(self) -> Iterator[SourceFile]:
        raise NotImplementedError

    def read(self, path: str) -> bytes | None:
        raise NotImplementedError

    @contextmanager
    def materialize(self) -> Iterator[Path]:
        """A directory holding this tree, for renderers that need one."""
        raise NotImplementedError


class DirectorySource(Source):
    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).resolve()
        if not self.root.is_dir():
            raise FileNotFoundError(f"not a directory: {root}")
        self.label = str(root)

    def files(self) -> Iterator[SourceFile]:
        root = self.root
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
            for name in sorted(filenames):
                full = os.path.join(dirpath, name)
                if os.path.islink(full):
                    continue  # a link may point outside the tree under review
                try:
                    size = os.path.getsize(full)
                except OSError:
                    continue
                rel = os.path.relpath(full, root).replace(os.sep, "/")
                yield SourceFile(rel, size, _file_reader(full))

    def read(self, path: str) -> bytes | None:
        full = (self.root / path).resolve()
        if not full.is_relative_to(self.root) or not full.is_file():
            return None
        return full.read_bytes()

    @contextmanager
    def materialize(self) -> Iterator[Path]:
        yield self.root


def _file_reader(full: str):
    def read() -> bytes:
        with open(full, "rb") as fh:
            return fh.read()
    return read


class MemorySource(Source):
    """Files fetched from an API (GitHub contents), held as bytes."""

    def __init__(self, files: dict[str, bytes], label: str = "memory") -> None:
        self._files = dict(files)
        self.label = label

    def files(self) -> Iterator[SourceFile]:
        for path in sorted(self._files):
            data = self._files[path]
            yield SourceFile(path, len(data), (lambda d=data: d))

    def read(self, path: str) -> bytes | None:
        return self._files.get(path)

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


class GitRevisionSource(Source):
    """One revision of a git repository, read with `git archive` (no checkout, no hooks)."""

    def __init__(self, repo: str | os.PathLike[str], rev: str) -> None:
        self.repo = Path(repo)
        self.rev = rev
        self.label = rev
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self._dir: DirectorySource | None = None
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
                tar.extractall(self._tmp.name, filter="data")
            if proc.wait(timeout=120) != 0:
                raise RuntimeError(f"git archive failed for {self.rev}")
            self._dir = DirectorySource(self._tmp.name)
        return self._dir

    def files(self) -> Iterator[SourceFile]:
        return self._export().files()

    def read(self, path: str) -> bytes | None:
        return self._export().read(path)

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


def open_source(spec: str, repo: str | os.PathLike[str] = ".") -> Source:
    """A directory path if one exists, otherwise a git revision of `repo`."""
    if Path(spec).is_dir():
        return DirectorySource(spec)
    return GitRevisionSource(repo, spec)

