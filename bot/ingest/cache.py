"""A content-addressed cache of what ingest computes from files: parsed files, rendered overlays.

Keys name the content (a git blob SHA, or a hash of the bytes), never a branch or a PR: the
second push to a pull request finds every file it did not change already parsed, by the App's
reviews, `aria audit` or an organisation audit alike. Every key also carries `FINGERPRINT`:
Aria's version, the interpreter, the parser libraries and the bytes of Aria's own ingest code,
so a new parser never reads an old parse.

Entries live on the operator's disk (`ARIA_PARSE_CACHE_DIR`), never in the tree under review,
and are written by Aria alone: a PR can choose the content that gets parsed, not what an entry
holds. Entries are pickles, so the folder must be the operator's own (owned by this user, not
writable by others) or the cache stays off. Writes go to a temporary file renamed into place,
so concurrent workers never see half an entry; the folder is held under its size bound by
evicting the least recently used entries (a hit refreshes an entry's modification time).
See adr/0018-parse-cache-and-proportional-review.md.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import logging
import os
import pickle
import stat
import sys
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

from pydantic import Field

from bot import __version__
from bot.resources import data_dir
from bot.settings import AriaSettings, default_cache_dir

log = logging.getLogger(__name__)

_PARSER_PACKAGES = ("ruamel.yaml", "python-hcl2", "lark", "tree-sitter", "tree-sitter-hcl",
                    "protobuf", "tritonclient")
_MEMORY_ENTRIES = 20_000  # parsed files this process keeps without touching the disk


def default_parse_cache_dir() -> Path:
    return default_cache_dir() / "parse"


class CacheSettings(AriaSettings):
    parse_cache_dir: Path = Field(
        default_factory=default_parse_cache_dir,
        description="folder of the content-addressed cache of parsed files, rendered overlays "
                    "and judged review bases (the operator's own; a PR never writes it)")
    parse_cache_max_mb: int = Field(
        512, ge=0, description="size bound of the parse cache in MiB; 0 turns it off")


@cache  # each digest names them, and a lookup scans site-packages (~1 ms each)
def _package_version(name: str) -> str:
    """The installed version of `name`, or "-". Read from the `Version:` line of its metadata's
    header: `importlib.metadata.version` parses the whole file, long description included, with
    the email parser, which cost a review 1.3 % of its instructions for eight packages."""
    try:
        dist = importlib.metadata.distribution(name)
    except importlib.metadata.PackageNotFoundError:
        return "-"
    header = (dist.read_text("METADATA") or dist.read_text("PKG-INFO") or "").split("\n\n")[0]
    return next((value.strip() for key, _, value in
                 (line.partition(":") for line in header.splitlines())
                 if key.strip().lower() == "version"), "-")


def code_digest(files: Iterable[Path], *extra: str) -> str:
    """A digest of Aria's version, the interpreter, the parser libraries, `extra` and the bytes
    of `files`: code that made a cached result, with no version number to forget to bump."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(f"{__version__}\0{sys.version}\0".encode())
    for name in _PARSER_PACKAGES:
        digest.update(f"{name}={_package_version(name)}\0".encode())
    for text in extra:
        digest.update(text.encode() + b"\0")
    for path in sorted(files):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


@cache
def aria_digest() -> str:
    """Every module of Aria, its rule packs and their data (catalogue, advice), and pydantic,
    whose models the entries pickle: what judged a cached review base, or validated a cached
    rule catalog."""
    return code_digest([*Path(__file__).parents[1].rglob("*.py"),
                        *data_dir("rules").rglob("*.yaml")],
                       f"pydantic={_package_version('pydantic')}")


@cache
def fingerprint() -> str:
    """What a cached parse or render was made by: change any of it and every entry is a miss."""
    return code_digest(Path(__file__).parent.glob("*.py"))


def content_id(data: bytes) -> str:
    """The git blob SHA of `data`: the same key whether a file is read from git or a disk."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def entry_key(namespace: str, *parts: object) -> str:
    """A cache key for `parts` under `namespace` ("parse", "render"), with the fingerprint."""
    text = "\x1f".join([namespace, fingerprint(), *map(str, parts)])
    return hashlib.blake2b(text.encode(), digest_size=20).hexdigest()


class ContentCache:
    """A bounded folder of pickled entries, with a bounded in-memory front for this process."""

    def __init__(self, folder: Path | None, max_bytes: int) -> None:
        self.folder = folder if folder is not None and max_bytes > 0 else None
        self.max_bytes = max_bytes
        self._memory: OrderedDict[str, Any] = OrderedDict()
        self._lock = threading.Lock()
        self._written = 0  # bytes written since the last trim
        self._folders: set[Path] = set()  # entry folders this process made or found
        if self.folder is not None and not _own_folder(self.folder):
            self.folder = None

    def get(self, key: str) -> Any | None:
        with self._lock:
            if key in self._memory:
                self._memory.move_to_end(key)
                return self._memory[key]
        if self.folder is None:
            return None
        path = self._path(key)
        try:
            with open(path, "rb") as fh:
                value = pickle.load(fh)  # noqa: S301 - written by Aria only, in an owned folder
            os.utime(path)  # recently used: evicted last
        except FileNotFoundError:
            return None
        except Exception as exc:  # a damaged or foreign entry is a miss, and goes
            log.warning("parse cache entry %s unreadable (%s); discarded", key[:12], exc)
            path.unlink(missing_ok=True)
            return None
        self._remember(key, value)
        return value

    def put(self, key: str, value: Any, pickled: bytes | None = None) -> None:
        """Keep `value`; `pickled` is its pickle where one was already made (a parser
        worker's message), written as is."""
        self._remember(key, value)
        if self.folder is None:
            return
        path = self._path(key)
        try:
            if path.parent not in self._folders:  # one mkdir per folder, not per entry
                path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
                self._folders.add(path.parent)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            with os.fdopen(fd, "wb") as fh:
                if pickled is None:
                    pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
                else:
                    fh.write(pickled)
                size = fh.tell()
            os.replace(tmp, path)  # atomic: a reader sees the whole entry or none
        except OSError as exc:  # a full or read-only disk costs speed, never a review
            log.warning("parse cache write failed (%s)", exc)
            self._folders.discard(path.parent)  # removed meanwhile? made again next time
            return
        except (pickle.PicklingError, RecursionError, TypeError) as exc:
            log.warning("parse cache cannot hold %s (%s)", key[:12], exc)
            Path(tmp).unlink(missing_ok=True)
            return
        with self._lock:
            self._written += size
            due = self._written > self.max_bytes // 10
            if due:
                self._written = 0
        if due:
            self.trim()

    def prime(self, entries: dict[str, Any]) -> None:
        """Hold `entries` in memory (read together with something that holds them)."""
        for key, value in entries.items():
            self._remember(key, value)

    def trim(self) -> None:
        """Evict least recently used entries until the folder is within its bound."""
        if self.folder is None:
            return
        entries = []
        for path in self.folder.glob("*/*"):
            try:
                info = path.stat()
            except FileNotFoundError:  # evicted by another worker meanwhile
                continue
            entries.append((info.st_mtime, info.st_size, path))
        total = sum(size for _, size, _ in entries)
        for _, size, path in sorted(entries):
            if total <= self.max_bytes:
                break
            path.unlink(missing_ok=True)
            total -= size

    def _remember(self, key: str, value: Any) -> None:
        with self._lock:
            self._memory[key] = value
            self._memory.move_to_end(key)
            while len(self._memory) > _MEMORY_ENTRIES:
                self._memory.popitem(last=False)

    def _path(self, key: str) -> Path:
        assert self.folder is not None
        return self.folder / key[:2] / key


def _own_folder(folder: Path) -> bool:
    """Whether `folder` is this user's and no one else can write it (entries are pickles)."""
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = folder.stat()
    except OSError as exc:
        log.warning("parse cache off: %s cannot be used (%s)", folder, exc)
        return False
    if info.st_uid != os.getuid() or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        log.warning("parse cache off: %s is not this user's own folder", folder)
        return False
    return True


_shared: ContentCache | None = None


def shared_cache() -> ContentCache:
    """This process's cache, as the settings in its environment configure it."""
    global _shared
    if _shared is None:
        settings = CacheSettings()
        _shared = ContentCache(settings.parse_cache_dir, settings.parse_cache_max_mb << 20)
    return _shared


def use_cache(cache: ContentCache | None) -> None:
    """Replace this process's cache (None: read the settings again on next use)."""
    global _shared
    _shared = cache


_Kept = TypeVar("_Kept")


def kept(kind: type[_Kept], load: Callable[[], _Kept], namespace: str, *parts: object) -> _Kept:
    """What `load` makes, kept in the shared cache under `namespace` and `parts` (the key of
    what it was made from): Aria's own data (rule packs, advice, the instance catalogue) under
    `aria_digest`, a repository's `.aria.yml` under its content. Reading and validating them
    costs a small review more than all its rules do (and PyYAML's import). A cached value was
    valid when it was stored; an error is raised each time, never kept."""
    cache = shared_cache()
    key = entry_key(namespace, *parts)
    value = cache.get(key)
    if not isinstance(value, kind):
        value = load()
        cache.put(key, value)
    return value
