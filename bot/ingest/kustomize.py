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
import socket
import subprocess
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from bot.ingest.cache import content_id, entry_key, shared_cache
from bot.ingest.documents import Document, ParseProblem
from bot.ingest.kustomize_absent import absent_reference
from bot.ingest.kustomize_refs import refusal
from bot.ingest.ledger import Ledger
from bot.ingest.loader import Inventory
from bot.ingest.rendered import Overlays, add_rendered, included
from bot.ingest.source import Source, SourceFile

RENDER_TIMEOUT_S = 30
# What a render's start-up costs, set for a process that lives a tenth of a second:
# - Go's collector is off until the heap reaches the limit. kubectl's start-up heap (command
#   tree, API schemes, help texts) lives until it exits, so collecting it was a fifth of a
#   render's CPU for nothing; the limit bounds what a large overlay holds (a collection at that
#   heap is what kubectl would do anyway).
# - kubectl loads (and zips) the help-text catalogue of the messages locale at every start; the
#   default English one is its largest, the French one of its smallest: a third of a small
#   render's CPU. Kustomize's output and errors are not translated (kubectl translates only
#   help texts), so both stay byte for byte the same.
# - No PATH: kubectl lists its directories at start, and a render has no program to start
#   (plugins and exec functions are off, remote bases refused), so not even git can be found:
#   one more wall behind `refusal`.
RENDER_RUNTIME = {"GOGC": "off", "GOMEMLIMIT": "128MiB", "LC_MESSAGES": "fr_FR.UTF-8",
                  "PATH": os.devnull}


def _roots(dirs: dict[str, Document]) -> tuple[list[str], dict[str, str]]:
    """Of a tree's kustomizations (by directory), those no other one includes (the overlays),
    and those that must not be rendered (directory -> the field that names a URL, a path
    outside the tree, a chart or a plugin)."""
    # A Component only patches the kustomization that includes it: it cannot be built alone.
    components = {d for d, doc in dirs.items() if is_component(doc)}
    bases: set[str] = set()
    refused: dict[str, str] = {}
    for directory, doc in dirs.items():
        if not isinstance(doc.body, dict):
            continue
        field = doc.derived("refusal", _refusal)
        if field is not None:
            refused[directory] = field
        bases.update(included(doc))
    roots = sorted(d for d in dirs if d not in bases and d not in components)
    return roots, dict(sorted(refused.items()))


def _refusal(doc: Document) -> str | None:
    return refusal(posixpath.dirname(doc.path), doc.body)


def render_kustomizations(source: Source, inventory: Inventory,
                          prior: Inventory | None = None) -> None:
    """Judge each overlay's rendered objects in place of the files it reaches (`rendered`).
    `prior`: an inventory of another revision of the same tree (a review's base), whose
    render keys stand for the overlays that read the same folders, none of them changed."""
    # the tree's kustomizations, found once for the roots, the refusals and the chains
    overlays = Overlays(inventory, prior)
    if overlays.layout.roots is None:
        overlays.layout.roots = _roots(overlays.kustomizations)
    roots, refused = overlays.layout.roots
    if refused:
        # Every one is named (a silent skip would hide what the change renders to).
        inventory.notes.append(
            "Kustomizations naming remote bases, URLs, paths outside the tree, Helm charts or "
            "plugins were not rendered (Aria never fetches, reads outside the tree or executes "
            "from a change): " + ", ".join(f"`{d or '.'}` ({field})"
                                           for d, field in refused.items()))
        graph = _references(overlays.kustomizations)
        roots = [r for r in roots if not _reaches(r, set(refused), graph)]
    if not roots:
        return
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        inventory.notes.append("Kustomize overlays were not rendered (`kubectl` not found); "
                               "their files were checked as written.")
        return
    cache = shared_cache()
    dirs = {root: overlays.folders(root) for root in roots}
    keys = _keys(source, kubectl, dirs, inventory.ledger, prior)
    outcomes: dict[str, Rendering | None] = {root: cache.get(keys[root]) for root in roots}
    missing = [root for root in roots if outcomes[root] is None]
    if missing:
        with source.materialize({d for root in missing for d in dirs[root]}) as tree:
            for root, output in zip(missing, _render(kubectl, tree, missing, overlays),
                                    strict=True):
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


def _keys(source: Source, kubectl: str, dirs: dict[str, list[str]], ledger: Ledger,
          prior: Inventory | None) -> dict[str, str]:
    """Each overlay's render key (noted in `ledger`): the prior's where it stands, else from
    the content of every file below the overlay's folders."""
    changed = ledger.changed_since(prior.ledger) if prior is not None else frozenset()
    inputs: _Inputs | None = None
    keys = {}
    for root, folders in dirs.items():
        chain = tuple(folders)
        key = prior.ledger.render_key(root, chain, changed) if prior is not None else None
        if key is None:
            inputs = inputs or _Inputs(source.files())
            key = entry_key("render", _kubectl_identity(kubectl), root, inputs.digest(folders))
        keys[root] = key
        ledger.renders[root] = (chain, key)
    return keys


@dataclass(frozen=True, slots=True)
class Rendering:
    """An overlay's outcome: its rendered objects, or why kustomize failed."""

    objects: list[Document]
    failure: str | None = None


def _file(root: str) -> str:
    return posixpath.join(root, "kustomization.yaml") if root else "kustomization.yaml"


def _render(kubectl: str, tree: Path, roots: list[str],
            overlays: Overlays) -> Iterable[tuple[bool, str] | None]:
    """(False, kustomize's output) or (True, why it failed) per root; None where it timed
    out. A render bound to fail on a missing file fails without starting kubectl."""

    def run(root: str) -> tuple[bool, str] | None:
        absent = absent_reference(tree, overlays.chain(root))
        if absent is not None:
            return True, absent
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

    from concurrent.futures import ThreadPoolExecutor  # only when overlays are rendered

    with render_environment() as env, ThreadPoolExecutor(os.cpu_count() or 1) as pool:
        return list(pool.map(run, roots))


@contextmanager
def render_environment() -> Iterator[dict[str, str]]:
    """The sealed environment kubectl renders in, set up for a short run (`RENDER_RUNTIME`)."""
    with sealed_environment() as env:
        yield {**env, **RENDER_RUNTIME}


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


def _references(dirs: dict[str, Document]) -> dict[str, tuple[str, ...]]:
    """Each kustomization directory → the local directories it includes (built once: an audit
    of a large tree asks for every overlay)."""
    return {d: included(doc) for d, doc in dirs.items()}


def _reaches(root: str, remote: set[str], graph: dict[str, tuple[str, ...]]) -> bool:
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
