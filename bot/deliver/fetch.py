"""What a review reads from GitHub: the changed files, then base and head contents of the
relevant ones. Contents are data: nothing is checked out or executed.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field

from github.ContentFile import ContentFile
from github.GithubException import UnknownObjectException
from github.PullRequest import PullRequest
from github.Repository import Repository

from bot.config import CONFIG_FILES
from bot.ingest.files import CONFIG_NAMES, is_relevant

GITHUB_FILE_LIST_CAP = 3000  # GitHub lists at most this many files of a pull request


@dataclass(frozen=True, slots=True)
class ChangedFile:
    path: str
    status: str  # added, removed, modified, renamed, copied, changed, unchanged
    previous_path: str | None
    patch: str | None

    @property
    def base_path(self) -> str | None:
        return None if self.status == "added" else (self.previous_path or self.path)

    @property
    def head_path(self) -> str | None:
        return None if self.status == "removed" else self.path


@dataclass(frozen=True, slots=True)
class Skipped:
    path: str
    reason: str


@dataclass
class ReviewInputs:
    changed: list[ChangedFile]
    base: dict[str, bytes] = field(default_factory=dict)
    head: dict[str, bytes] = field(default_factory=dict)
    skipped: list[Skipped] = field(default_factory=list)
    config: bytes | None = None  # the base branch's .aria.yml
    config_name: str = ".aria.yml"


def changed_files(pr: PullRequest) -> list[ChangedFile]:
    """All files GitHub lists for the pull request (100 a page, up to its 3,000 cap)."""
    return [ChangedFile(f.filename, f.status, f.previous_filename, f.patch)
            for f in pr.get_files()]


def relevant(files: list[ChangedFile]) -> list[ChangedFile]:
    return [f for f in files
            if is_relevant(f.path) or (f.previous_path and is_relevant(f.previous_path))]


def read_file(repo: Repository, path: str, ref: str, max_bytes: int) -> bytes | Skipped | None:
    """The file's bytes at `ref`; None when absent; Skipped when Aria will not read it."""
    try:
        found = repo.get_contents(path, ref=ref)
    except UnknownObjectException:
        return None
    if isinstance(found, list):
        return Skipped(path, "a directory at this path")
    return _content(found, path, max_bytes)


def _content(found: ContentFile, path: str, max_bytes: int) -> bytes | Skipped:
    if found.type != "file":
        return Skipped(path, f"a {found.type}, not a regular file")
    if found.size > max_bytes:
        return Skipped(path, f"{found.size:,} bytes, over the {max_bytes:,}-byte limit")
    if found.encoding != "base64":  # GitHub leaves `content` empty above 1 MB
        return Skipped(path, "content not provided by the contents API")
    return found.decoded_content


def base_config(repo: Repository, base_sha: str, max_bytes: int) -> tuple[bytes | None, str]:
    """The `.aria.yml` governing the review: always the base side's, never the PR's."""
    for name in CONFIG_FILES:
        data = read_file(repo, name, base_sha, max_bytes)
        if isinstance(data, bytes):
            return data, name
    return None, ".aria.yml"


def review_inputs(repo: Repository, files: list[ChangedFile], base_sha: str, head_sha: str,
                  *, max_files: int, max_bytes: int) -> ReviewInputs:
    wanted = sorted(relevant(files), key=lambda f: f.path)
    inputs = ReviewInputs(changed=wanted[:max_files])
    inputs.skipped += [Skipped(f.path, f"over the {max_files}-file limit")
                       for f in wanted[max_files:]]
    if len(files) >= GITHUB_FILE_LIST_CAP:
        inputs.skipped.append(Skipped("…", f"GitHub lists only the first "
                                           f"{GITHUB_FILE_LIST_CAP:,} changed files"))
    inputs.config, inputs.config_name = base_config(repo, base_sha, max_bytes)
    if inputs.config is not None:
        inputs.base[inputs.config_name] = inputs.config
        if not any(f.path == inputs.config_name for f in inputs.changed):
            # Unchanged by the PR: the same file on both sides, so it is no difference.
            inputs.head[inputs.config_name] = inputs.config
    for f in inputs.changed:
        for side, path, ref in ((inputs.base, f.base_path, base_sha),
                                (inputs.head, f.head_path, head_sha)):
            if path is None or path in side:
                continue
            data = read_file(repo, path, ref, max_bytes)
            if isinstance(data, Skipped):
                inputs.skipped.append(data)
            elif data is not None:
                side[path] = data
    _add_context(repo, inputs, base_sha, max_files=max_files, max_bytes=max_bytes)
    return inputs


def _add_context(repo: Repository, inputs: ReviewInputs, base_sha: str, *, max_files: int,
                 max_bytes: int) -> None:
    """Unchanged relevant files beside the changed ones, read once for both sides.

    A Deployment's HPA, PDB or Service usually sits in the same folder; without them a review
    would call a budget "missing" that the PR never touched.
    """
    touched = {p for f in inputs.changed for p in (f.base_path, f.head_path) if p}
    folders = {posixpath.dirname(p) for p in touched}
    budget = max_files - len(inputs.changed)
    if not folders or budget <= 0:
        return
    tree = repo.get_git_tree(base_sha, recursive=True)
    siblings = sorted(e.path for e in tree.tree
                      if e.type == "blob" and e.path not in touched and is_relevant(e.path)
                      and posixpath.dirname(e.path) in folders
                      and posixpath.basename(e.path) not in CONFIG_NAMES)
    for path in siblings[:budget]:
        data = read_file(repo, path, base_sha, max_bytes)
        if isinstance(data, bytes):
            inputs.base[path] = inputs.head[path] = data
