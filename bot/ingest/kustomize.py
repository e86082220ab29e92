"""Renderers for templated trees: `kubectl kustomize` (never Helm plugins or exec functions)."""

from __future__ import annotations

import os
import posixpath
import re
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from bot.ingest.documents import Document, ParseProblem
from bot.ingest.files import KUSTOMIZATION_NAMES
from bot.ingest.kustomize_refs import is_remote, refusal
from bot.ingest.loader import Inventory
from bot.ingest.rendered import add_rendered
from bot.ingest.source import Source

RENDER_TIMEOUT_S = 30


_REFERENCE_KEYS = ("resources", "bases", "components")


def _roots(inventory: Inventory) -> tuple[list[str], dict[str, str]]:
    """Kustomizations no other one includes (the overlays), and those that must not be rendered
    (directory -> the field that names a URL, a path outside the tree, a chart or a plugin)."""
    dirs = {}
    for doc in inventory.documents:
        if doc.kind == "Kustomization" and posixpath.basename(doc.path) in KUSTOMIZATION_NAMES:
            dirs[posixpath.dirname(doc.path)] = doc
    # A Component only patches the kustomization that includes it: it cannot be built alone.
    components = {d for d, doc in dirs.items() if is_component(doc)}
    included: set[str] = set()
    refused: dict[str, str] = {}
    for directory, doc in dirs.items():
        if not isinstance(doc.body, dict):
            continue
        field = refusal(directory, doc.body)
        if field is not None:
            refused[directory] = field
        included.update(_local_bases(directory, doc))
    roots = sorted(d for d in dirs if d not in included and d not in components)
    return roots, dict(sorted(refused.items()))


def _local_bases(directory: str, doc: Document) -> list[str]:
    return [posixpath.normpath(posixpath.join(directory, entry))
            for key in _REFERENCE_KEYS for entry in doc.body.get(key) or []
            if isinstance(entry, str) and not is_remote(entry)]


def render_kustomizations(source: Source, inventory: Inventory) -> None:
    """Judge each overlay's rendered objects in place of the files it reaches (`rendered`)."""
    roots, refused = _roots(inventory)
    if refused:
        # Every one is named (a silent skip would hide what the change renders to).
        inventory.notes.append(
            "Kustomizations naming remote bases, URLs, paths outside the tree, Helm charts or "
            "plugins were not rendered (Aria never fetches, reads outside the tree or executes "
            "from a change): " + ", ".join(f"`{d or '.'}` ({field})"
                                           for d, field in refused.items()))
        graph = _references(inventory)
        roots = [r for r in roots if not _reaches(r, set(refused), graph)]
    if not roots:
        return
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        inventory.notes.append("Kustomize overlays were not rendered (`kubectl` not found); "
                               "their files were checked as written.")
        return

    def run(target: Path) -> subprocess.CompletedProcess[str] | None:
        try:
            # Plugins and exec functions stay off (kustomize's defaults); loads stay in root.
            return subprocess.run([kubectl, "kustomize", str(target)], capture_output=True,
                                  text=True, timeout=RENDER_TIMEOUT_S, env=env)
        except subprocess.TimeoutExpired:
            return None

    with source.materialize() as root, sealed_environment() as env, \
            ThreadPoolExecutor(os.cpu_count() or 1) as pool:
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


@contextmanager
def sealed_environment(proxy_port: int | None = None) -> Iterator[dict[str, str]]:
    """An environment in which any fetch by kubectl or git fails: the wall behind `refusal`.

    Every proxy variable names a local port that is bound but never listens (a connection is
    refused at once; `proxy_port` replaces it, for tests), `NO_PROXY` is empty, HOME is an empty
    directory, git reads no user or system configuration, allows no transport protocol, runs
    no ssh and never prompts. Only PATH is kept from Aria's own environment, so no credential
    (tokens, SSH agent, kubeconfig) reaches the renderer. Go sends requests for loopback
    addresses around any proxy: those only `refusal` stops.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as closed, \
            tempfile.TemporaryDirectory(prefix="aria-render-home-") as home:
        closed.bind(("127.0.0.1", 0))
        proxy = f"http://127.0.0.1:{proxy_port or closed.getsockname()[1]}"
        env = {"PATH": os.environ.get("PATH", ""), "HOME": home, "XDG_CONFIG_HOME": home,
               "KUBECONFIG": os.path.join(home, "kubeconfig"),
               "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull,
               "GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "false", "SSH_ASKPASS": "false",
               "GIT_SSH_COMMAND": "false", "GIT_ALLOW_PROTOCOL": "none",
               "GIT_PROTOCOL_FROM_USER": "0", "NO_PROXY": "", "no_proxy": ""}
        for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "FTP_PROXY"):
            env[name] = env[name.lower()] = proxy
        yield env


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
            graph[here] = _local_bases(here, doc)
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
