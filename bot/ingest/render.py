"""Renderers for templated trees: `kubectl kustomize` (never Helm plugins or exec functions)."""

from __future__ import annotations

import os
import posixpath
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bot.ingest.documents import Document, ParseProblem
from bot.ingest.files import KUSTOMIZATION_NAMES
from bot.ingest.kubernetes import parse_yaml_file
from bot.ingest.loader import Inventory
from bot.ingest.source import Source
from bot.ingest.yamlload import plain

RENDER_TIMEOUT_S = 30


def _roots(inventory: Inventory) -> list[str]:
    """Kustomizations that no other kustomization in the tree includes (the overlays)."""
    dirs = {}
    for doc in inventory.documents:
        if doc.kind == "Kustomization" and posixpath.basename(doc.path) in KUSTOMIZATION_NAMES:
            dirs[posixpath.dirname(doc.path)] = doc
    included: set[str] = set()
    for directory, doc in dirs.items():
        for key in ("resources", "bases", "components"):
            for entry in doc.body.get(key) or []:
                if isinstance(entry, str) and "://" not in entry:
                    included.add(posixpath.normpath(posixpath.join(directory, entry)))
    return sorted(d for d in dirs if d not in included)


def render_kustomizations(source: Source, inventory: Inventory) -> None:
    """Add the rendered objects of each overlay that differ from what the files already hold."""
    roots = _roots(inventory)
    if not roots:
        return
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        inventory.notes.append("Kustomize overlays were not rendered (`kubectl` not found); "
                               "their files were checked as written.")
        return
    known = {_shape(d) for d in inventory.documents}
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
                reason = (proc.stderr.strip().splitlines() or ["kustomize failed"])[-1]
                inventory.problems.append(ParseProblem(path, f"kustomize render failed: "
                                                             f"{reason[:300]}"))
                continue
            rendered = parse_yaml_file(path, proc.stdout)
            for doc in rendered.documents:
                if _shape(doc) in known:
                    continue
                doc.origin = f"kustomize:{directory or '.'}"
                doc.line, doc.end_line = 1, 1  # rendered output has no lines in the tree
                doc.body = plain(doc.body)
                inventory.documents.append(doc)


def _shape(doc: Document) -> tuple[str, str, str]:
    """Identity without metadata: kustomize adds namespaces, labels and annotations."""
    body = doc.body if isinstance(doc.body, dict) else {}
    rest = {k: v for k, v in body.items() if k != "metadata"}
    return doc.kind, doc.name, repr(rest)
