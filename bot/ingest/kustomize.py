"""Renderers for templated trees: `kubectl kustomize` (never Helm plugins or exec functions).

A render is the slow step of a Kustomize-heavy review (a process per overlay), so its output is
kept in the content-addressed cache under the content of everything it can read — every file
below the folders of its kustomization chain — and the kubectl that made it. A change renders
only the overlays whose inputs it changed; only their folders are written out to render.
"""

from __future__ import annotations

import bisect
import os
import posixpath
import re
import shutil
import subprocess
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from bot.ingest.cache import content_id, entry_key, shared_cache
from bot.ingest.documents import Document, ParseProblem
from bot.ingest.files import KUSTOMIZATION_NAMES
from bot.ingest.loader import Inventory
from bot.ingest.rendered import Overlays, add_rendered
from bot.ingest.source import Source, SourceFile

RENDER_TIMEOUT_S = 30


_REFERENCE_KEYS = ("resources", "bases", "components")


def _is_remote(entry: str) -> bool:
    """A kustomize reference that would make kustomize fetch from a network host."""
    return "://" in entry or entry.startswith(("github.com/", "gitlab.com/", "bitbucket.org/",
                                               "git@", "ssh:")) or "?ref=" in entry


def _roots(inventory: Inventory) -> tuple[list[str], list[str]]:
    """Kustomizations no other one includes (the overlays), and those that fetch remotely."""
    dirs = {}
    for doc in inventory.documents:
        if doc.kind == "Kustomization" and posixpath.basename(doc.path) in KUSTOMIZATION_NAMES:
            dirs[posixpath.dirname(doc.path)] = doc
    # A Component only patches the kustomization that includes it: it cannot be built alone.
    components = {d for d, doc in dirs.items() if is_component(doc)}
    included: set[str] = set()
    remote: set[str] = set()
    for directory, doc in dirs.items():
        for key in _REFERENCE_KEYS:
            for entry in doc.body.get(key) or []:
                if not isinstance(entry, str):
                    continue
                if _is_remote(entry):
                    remote.add(directory)
                else:
                    included.add(posixpath.normpath(posixpath.join(directory, entry)))
        if doc.body.get("helmCharts") or doc.body.get("generators") or \
                doc.body.get("transformers") or doc.body.get("validators"):
            remote.add(directory)  # charts are downloaded, plugins are executed
    # An overlay over a base that fetches remotely would fetch too.
    roots = sorted(d for d in dirs if d not in included and d not in components)
    return roots, sorted(remote)


def render_kustomizations(source: Source, inventory: Inventory) -> None:
    """Judge each overlay's rendered objects in place of the files it reaches (`rendered`)."""
    roots, remote = _roots(inventory)
    if remote:
        inventory.notes.append(
            "Kustomizations that reference remote bases, Helm charts or plugins were not "
            "rendered (Aria never fetches or executes from a change): "
            + ", ".join(f"`{d or '.'}`" for d in remote[:5]) + ("…" if len(remote) > 5 else ""))
        roots = [r for r in roots if not _reaches(r, remote, inventory)]
    if not roots:
        return
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        inventory.notes.append("Kustomize overlays were not rendered (`kubectl` not found); "
                               "their files were checked as written.")
        return
    inputs = _Inputs(source.files())
    overlays = Overlays(inventory)
    cache = shared_cache()
    dirs = {root: overlays.folders(root) for root in roots}
    keys = {root: entry_key("render", _kubectl_identity(kubectl), root,
                            inputs.digest(dirs[root])) for root in roots}
    outcomes: dict[str, Rendering | None] = {root: cache.get(keys[root]) for root in roots}
    missing = [root for root in roots if outcomes[root] is None]
    if missing:
        with source.materialize({d for root in missing for d in dirs[root]}) as tree:
            for root, output in zip(missing, _render(kubectl, tree, missing), strict=True):
                if output is None:  # a timeout may pass on a quieter machine: not kept
                    continue
                failed, text = output
                outcome = Rendering([], text) if failed else \
                    Rendering(overlays.objects(root, _file(root), text))
                outcomes[root] = outcome
                cache.put(keys[root], outcome)
    inventory.parts.update((keys[root], done) for root, done in outcomes.items()
                           if done is not None)
    rendered: dict[str, list[Document]] = {}
    reached: set[str] = set()
    for root in roots:
        done = outcomes[root]
        if done is None:
            inventory.problems.append(ParseProblem(
                _file(root), f"kustomize render timed out after {RENDER_TIMEOUT_S}s"))
        elif done.failure is not None:
            inventory.problems.append(ParseProblem(
                _file(root), f"kustomize render failed: {done.failure}"))
        else:
            rendered[f"{_file(root)}#build"] = done.objects
            reached |= overlays.reached(root)
    add_rendered(inventory, rendered, reached)


@dataclass(frozen=True, slots=True)
class Rendering:
    """An overlay's outcome: its rendered objects, or why kustomize failed."""

    objects: list[Document]
    failure: str | None = None


def _file(root: str) -> str:
    return posixpath.join(root, "kustomization.yaml") if root else "kustomization.yaml"


def _render(kubectl: str, tree: Path, roots: list[str]) -> Iterable[tuple[bool, str] | None]:
    """(False, kustomize's output) or (True, why it failed) per root; None where it timed
    out."""
    env = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/tmp")}

    def run(root: str) -> tuple[bool, str] | None:
        try:
            # Plugins and exec functions stay off (kustomize's defaults); loads stay in root.
            proc = subprocess.run([kubectl, "kustomize", str(tree / root if root else tree)],
                                  capture_output=True, text=True, timeout=RENDER_TIMEOUT_S,
                                  env=env)
        except subprocess.TimeoutExpired:
            return None
        if proc.returncode != 0:
            return True, render_failure(proc.stderr, tree)
        return False, proc.stdout

    with ThreadPoolExecutor(os.cpu_count() or 1) as pool:
        return list(pool.map(run, roots))


def renderer_identity() -> str:
    """The kubectl that renders overlays here ("none" without one): results of a tree that
    was rendered depend on it."""
    kubectl = shutil.which("kubectl")
    return "none" if kubectl is None else _kubectl_identity(kubectl)


@cache
def _kubectl_identity(kubectl: str) -> str:
    """Which kubectl renders: another binary may render otherwise."""
    real = os.path.realpath(kubectl)
    info = os.stat(real)
    return f"{real}:{info.st_size}:{info.st_mtime_ns}"


class _Inputs:
    """The tree's files by path, for the content of what lies below given folders."""

    def __init__(self, files: Iterable[SourceFile]) -> None:
        self._files = {f.path: f for f in files}
        self._paths = sorted(self._files)
        self._ids: dict[str, str] = {}

    def digest(self, folders: list[str]) -> str:
        """(path, content) of every file below `folders`, as one text."""
        seen: set[str] = set()
        for folder in folders:
            if not folder:
                seen.update(self._paths)
                break
            start = bisect.bisect_left(self._paths, folder + "/")
            end = bisect.bisect_left(self._paths, folder + "0")  # "0" follows "/"
            seen.update(self._paths[start:end])
        return "\n".join(f"{p}:{self._id(p)}" for p in sorted(seen))

    def _id(self, path: str) -> str:
        if path not in self._ids:
            item = self._files[path]
            read: Callable[[], bytes] = item.read
            try:
                self._ids[path] = item.blob or content_id(read())
            except OSError as exc:  # unreadable to us: to kustomize too, so it is its input
                self._ids[path] = f"unreadable:{exc}"
        return self._ids[path]


def is_component(doc: Document) -> bool:
    """A kustomization file that declares `kind: Component` (ingest reads every
    kustomization file as a `Kustomization`)."""
    return isinstance(doc.body, dict) and doc.body.get("kind") == "Component"


_KLOG = re.compile(r"^[EWIF]\d{4} [\d:.]+\s+\d+ [\w.-]+:\d+\] ")
_FAILED = re.compile(r'^"command failed" err=(?:"(.*)"|<(.*)>)$', re.DOTALL)
MAX_REASON = 300


def render_failure(stderr: str, root: Path) -> str:
    """kustomize's error as one line: no log prefix or warnings, paths relative to the tree."""
    lines = [_KLOG.sub("", line) for line in stderr.strip().splitlines()
             if not line.startswith("# Warning:")]
    text = "\n".join(lines).strip()
    failed = _FAILED.match(text)
    if failed:
        text = (failed.group(1) or failed.group(2) or "").replace('\\"', '"')
    for prefix in (f"{root}/", str(root)):
        text = text.replace(prefix, "")
    text = " ".join(text.split()) or "kustomize exited with an error and no message"
    if len(text) > MAX_REASON:  # the outer context and the innermost cause
        text = f"{text[:100]} … {text[-(MAX_REASON - 103):]}"
    return text


def _reaches(root: str, remote: list[str], inventory: Inventory) -> bool:
    """Whether rendering `root` would pull in a kustomization that fetches remotely."""
    graph: dict[str, list[str]] = {}
    for doc in inventory.documents:
        if doc.kind == "Kustomization" and posixpath.basename(doc.path) in KUSTOMIZATION_NAMES:
            here = posixpath.dirname(doc.path)
            graph[here] = [posixpath.normpath(posixpath.join(here, e))
                           for key in _REFERENCE_KEYS for e in doc.body.get(key) or []
                           if isinstance(e, str) and not _is_remote(e)]
    seen, stack = set(), [root]
    while stack:
        node = stack.pop()
        if node in remote:
            return True
        if node not in seen:
            seen.add(node)
            stack.extend(graph.get(node, []))
    return False
