"""Renderers for templated trees: `kubectl kustomize` (never Helm plugins or exec functions)."""

from __future__ import annotations

import os
import posixpath
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bot.ingest.documents import Document, ParseProblem
from bot.ingest.files import KUSTOMIZATION_NAMES
from bot.ingest.loader import Inventory
from bot.ingest.rendered import add_rendered
from bot.ingest.source import Source

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
        graph, fetching = _references(inventory), set(remote)
        roots = [r for r in roots if not _reaches(r, fetching, graph)]
    if not roots:
        return
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        inventory.notes.append("Kustomize overlays were not rendered (`kubectl` not found); "
                               "their files were checked as written.")
        return
    env = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/tmp")}

    def run(target: Path) -> subprocess.CompletedProcess[str] | None:
        try:
            # Plugins and exec functions stay off (kustomize's defaults); loads stay in root.
            return subprocess.run([kubectl, "kustomize", str(target)], capture_output=True,
                                  text=True, timeout=RENDER_TIMEOUT_S, env=env)
        except subprocess.TimeoutExpired:
            return None

    with source.materialize() as root, ThreadPoolExecutor(os.cpu_count() or 1) as pool:
        outputs = pool.map(run, [root / d if d else root for d in roots])
        for directory, proc in zip(roots, outputs, strict=True):
            if proc is None:
                inventory.problems.append(ParseProblem(
                    posixpath.join(directory, "kustomization.yaml"),
                    f"kustomize render timed out after {RENDER_TIMEOUT_S}s"))
                continue
            path = posixpath.join(directory, "kustomization.yaml") if directory \
                else "kustomization.yaml"
            if proc.returncode != 0:
                inventory.problems.append(ParseProblem(
                    path, f"kustomize render failed: {render_failure(proc.stderr, root)}"))
                continue
            add_rendered(inventory, directory, path, proc.stdout)


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


def _references(inventory: Inventory) -> dict[str, list[str]]:
    """Each kustomization directory → the local directories it includes (built once: an audit
    of a large tree asks for every overlay)."""
    graph: dict[str, list[str]] = {}
    for doc in inventory.documents:
        if doc.kind == "Kustomization" and posixpath.basename(doc.path) in KUSTOMIZATION_NAMES:
            here = posixpath.dirname(doc.path)
            graph[here] = [posixpath.normpath(posixpath.join(here, e))
                           for key in _REFERENCE_KEYS for e in doc.body.get(key) or []
                           if isinstance(e, str) and not _is_remote(e)]
    return graph


def _reaches(root: str, remote: set[str], graph: dict[str, list[str]]) -> bool:
    """Whether rendering `root` would pull in a kustomization that fetches remotely."""
    seen, stack = set(), [root]
    while stack:
        node = stack.pop()
        if node in remote:
            return True
        if node not in seen:
            seen.add(node)
            stack.extend(graph.get(node, []))
    return False
