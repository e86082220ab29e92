"""Kustomize must never reach the network or read outside the tree.

A kustomization in a PR can name a URL, a git remote or an absolute path in every field that
names a file or a base. If Aria renders it with ``kubectl kustomize``, the reviewer's machine
fetches attacker-chosen URLs (SSRF into the operator's network) and the fetched text can reach
the public review. Each test writes one overlay per field, points every one of them at a local
HTTP listener (or a canary outside the tree), audits the tree, and requires: the listener saw no
connection, the canary text appears in no output, and every such overlay is reported as not
rendered.
"""

from __future__ import annotations

import http.server
import os
import shutil
import subprocess
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from ._harness import (
    Run,
    assert_risky_seen,
    assert_survived,
    mentioned_anywhere,
    risky_gpu_deployment,
    run_aria,
)


def _generator(kind: str, entry: str) -> Callable[[str], str]:
    """A config-map or secret generator whose ``entry`` (with ``{r}``) names the reference."""
    return lambda r: f"{kind}:\n  - name: generated\n    {entry.format(r=r)}\n"


def _listed(key: str) -> Callable[[str], str]:
    return lambda r: f"{key}:\n  - {r}\n"


# Every overlay lists a local, valid Deployment; then each field that names a file, a directory
# or a remote gets the reference R (field name -> kustomization text after the local resource).
LOCAL_RESOURCE = "resources:\n  - deployment.yaml\n"
FIELDS: dict[str, Callable[[str], str]] = {
    "resources": lambda r: f"  - {r}\n",  # a second item of the local resources list
    "bases": _listed("bases"),
    "components": _listed("components"),
    "cm-files": _generator("configMapGenerator", "files:\n      - {r}"),
    "cm-files-keyed": _generator("configMapGenerator", "files:\n      - key.txt={r}"),
    "cm-envs": _generator("configMapGenerator", "envs:\n      - {r}"),
    "cm-env-legacy": _generator("configMapGenerator", "env: {r}"),
    "secret-files": _generator("secretGenerator", "files:\n      - {r}"),
    "secret-envs": _generator("secretGenerator", "envs:\n      - {r}"),
    "patches": lambda r: f"patches:\n  - path: {r}\n",
    "patches-targeted": lambda r: f"patches:\n  - path: {r}\n    target:\n      kind: Deployment\n",
    "patchesStrategicMerge": _listed("patchesStrategicMerge"),
    "patchesJson6902": lambda r: (
        "patchesJson6902:\n  - target:\n      group: apps\n      version: v1\n"
        f"      kind: Deployment\n      name: overlay-app\n    path: {r}\n"),
    "crds": _listed("crds"),
    "openapi": lambda r: f"openapi:\n  path: {r}\n",
    "replacements": lambda r: f"replacements:\n  - path: {r}\n",
    "helmCharts": lambda r: (
        f"helmCharts:\n  - name: gpu\n    repo: {r}\n    version: 1.0.0\n    releaseName: gpu\n"),
    "helmChartInflationGenerator": lambda r: (
        f"helmChartInflationGenerator:\n  - chartName: gpu\n    chartRepoUrl: {r}\n"),
    "generators": _listed("generators"),
    "transformers": _listed("transformers"),
    "validators": _listed("validators"),
    "configurations": _listed("configurations"),
}


class Listener:
    """An HTTP server on 127.0.0.1 that records every connection and serves a canary."""

    def __init__(self) -> None:
        self.token = uuid.uuid4().hex  # in every response; searched for in any letter case
        self.canary = f"ARIA-SSRF-CANARY-{self.token}"
        self.connections: list[str] = []
        self.requests: list[str] = []
        listener = self
        body = (f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {self.canary.lower()}\n"
                f"data:\n  fetched: {self.canary}\n").encode()

        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self) -> None:
                listener.requests.append(f"{self.command} {self.path}")
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            do_GET = do_POST = do_HEAD = do_PUT = _answer

            def log_message(self, *args: object) -> None:
                pass

        class Server(http.server.ThreadingHTTPServer):
            daemon_threads = True

            def verify_request(self, request: object, client_address: object) -> bool:
                # Counted before any HTTP parsing: a TLS handshake or git probe counts too.
                listener.connections.append(str(client_address))
                return True

        self.server = Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    server = Listener()
    yield server
    server.close()


def _git_home(root: Path, port: int) -> dict[str, str]:
    """An environment whose git rewrites github.com to the listener, so a clone is visible."""
    home = root / "home"
    home.mkdir()
    local = f"http://127.0.0.1:{port}/github/"
    (home / ".gitconfig").write_text(
        f'[url "{local}"]\n'
        "\tinsteadOf = https://github.com/\n"
        "\tinsteadOf = http://github.com/\n"
        "\tinsteadOf = ssh://git@github.com/\n"
        "\tinsteadOf = git@github.com:\n"
        "\tinsteadOf = git://github.com/\n")
    return {**os.environ, "HOME": str(home), "GIT_CONFIG_GLOBAL": str(home / ".gitconfig"),
            "GIT_TERMINAL_PROMPT": "0"}


def _write_overlays(tree: Path, reference: Callable[[str], str], prefix: str = "ov") -> list[str]:
    """One overlay directory per field; returns their paths relative to the tree."""
    overlays = []
    for field, fragment in FIELDS.items():
        rel = f"{prefix}-{field}"
        directory = tree / rel
        directory.mkdir(parents=True)
        (directory / "deployment.yaml").write_text(risky_gpu_deployment("overlay-app"))
        (directory / "kustomization.yaml").write_text(
            "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
            + LOCAL_RESOURCE + fragment(reference(field)))
        overlays.append(rel)
    return overlays


def _audit(tree: Path, cwd: Path, env: dict[str, str] | None,
           formats: tuple[str, ...] = ("json", "markdown")) -> list[Run]:
    runs = [run_aria(["audit", str(tree), "-f", fmt], cwd=cwd, env=env) for fmt in formats]
    for run in runs:
        assert_survived(run)
    return runs


STYLES: dict[str, Callable[[int], Callable[[str], str]]] = {
    "http": lambda port: lambda field: f"http://127.0.0.1:{port}/{field}/res.yaml",
    "https": lambda port: lambda field: f"https://127.0.0.1:{port}/{field}/res.yaml",
    "git-over-http": lambda port: lambda field: (
        f"git::http://127.0.0.1:{port}/{field}/repo.git//base?ref=main"),
    "github-shorthand": lambda port: lambda field: f"github.com/aria-canary/{field}//base?ref=v1",
    "github-https": lambda port: lambda field: (
        f"https://github.com/aria-canary/{field}.git//base?ref=v1"),
    "github-ssh": lambda port: lambda field: f"git@github.com:aria-canary/{field}.git//base",
}
# Overlay folder prefix per style; none is a substring of another, so a mention is unambiguous.
PREFIXES = {"http": "web", "https": "tls", "git-over-http": "gitremote",
            "github-shorthand": "ghshort", "github-https": "ghclone", "github-ssh": "ghssh"}
# Styles audited together in one tree (one overlay set per style), to keep the suite short.
STYLE_GROUPS = {"http": ["http"], "https": ["https"],
                "git-remotes": ["git-over-http", "github-shorthand", "github-https",
                                "github-ssh"]}


@pytest.mark.parametrize("group", list(STYLE_GROUPS))
def test_no_kustomize_field_reaches_the_network(tmp_path: Path, listener: Listener,
                                                group: str) -> None:
    """Attack (SSRF): a PR adds kustomizations that name a URL or git remote in every field
    that takes a path (resources, bases, components, config-map and secret generator
    files/envs, patches, patchesStrategicMerge, patchesJson6902, crds, openapi, replacements,
    helmCharts, generators, transformers, validators, configurations). Rendering must fetch
    nothing (the local listener, which also receives github.com clones through a git
    ``insteadOf`` rewrite, sees no connection) and no fetched text may reach any output."""
    tree = tmp_path / "repo"
    for style in STYLE_GROUPS[group]:
        _write_overlays(tree, STYLES[style](listener.port), prefix=PREFIXES[style])
    # Fetched text leaks through render errors: check the Markdown too where fetches happened.
    formats = ("json", "markdown") if group == "http" else ("json",)
    runs = _audit(tree, tmp_path, _git_home(tmp_path, listener.port), formats=formats)
    assert not listener.connections, (
        f"Aria's renderer connected to the listener {len(listener.connections)} time(s): "
        f"{listener.requests}")
    for run in runs:
        text = (run.stdout + run.stderr).lower()
        assert listener.token not in text, "fetched text reached the output"
    assert_risky_seen(runs[0].json(), "overlay-app")


def test_remote_kustomizations_are_reported_as_not_rendered(tmp_path: Path,
                                                            listener: Listener) -> None:
    """Attack: a remote reference in a less-watched field (patches, generators, openapi, …)
    makes the overlay render differently from what the PR shows. Every overlay with a URL or
    git remote in any field must be named as not rendered (a note or an INGEST finding)."""
    tree = tmp_path / "repo"
    overlays = []
    for style in ("http", "git-over-http"):
        overlays += _write_overlays(tree, STYLES[style](listener.port), prefix=PREFIXES[style])
    run = run_aria(["audit", str(tree), "-f", "json"], cwd=tmp_path,
                   env=_git_home(tmp_path, listener.port))
    assert_survived(run)
    report = run.json()
    silent = [rel for rel in overlays if not mentioned_anywhere(report, rel)]
    assert not silent, f"overlays with remote references not reported: {silent}"


class FifoTripwire:
    """A FIFO outside the tree: opening it for reading wakes a writer, so any read is seen."""

    def __init__(self, path: Path, canary: str) -> None:
        self.path = path
        self.canary = canary.encode()
        self.opened = threading.Event()
        self._closing = False
        os.mkfifo(path)
        self._thread = threading.Thread(target=self._wait_for_reader, daemon=True)
        self._thread.start()

    def _wait_for_reader(self) -> None:
        descriptor = os.open(self.path, os.O_WRONLY)  # blocks until someone opens for reading
        try:
            if not self._closing:
                self.opened.set()
                os.write(descriptor, self.canary)
        except OSError:
            pass
        finally:
            os.close(descriptor)

    def close(self) -> None:
        self._closing = True
        reader = os.open(self.path, os.O_RDONLY | os.O_NONBLOCK)  # releases our own writer
        self._thread.join(timeout=5)
        os.close(reader)


def test_absolute_paths_in_kustomize_fields_are_never_read(tmp_path: Path) -> None:
    """Attack (local file disclosure): every kustomization field names an absolute path
    outside the tree: ``/etc/passwd``, a canary file and a canary base directory in a temp
    directory, and a FIFO tripwire. Nothing there may be read: no canary object or text and no
    passwd line in any output, and the FIFO is never opened."""
    token = uuid.uuid4().hex
    outside = tmp_path / "outside"
    (outside / "base").mkdir(parents=True)
    canary_doc = (f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: abs-canary-{token}\n"
                  f"data:\n  secret: ABS-CANARY-{token}\n")
    (outside / "file.yaml").write_text(canary_doc)
    (outside / "base" / "cm.yaml").write_text(canary_doc)
    (outside / "base" / "kustomization.yaml").write_text("resources: [cm.yaml]\n")
    (outside / "file.env").write_text(f"LEAK=ABS-CANARY-{token}\n")
    tripwire = FifoTripwire(outside / "tripwire.yaml", f"FIFO-CANARY-{token}")
    try:
        tree = tmp_path / "repo"
        per_field = {
            "resources": str(outside / "base"), "bases": str(outside / "base"),
            "components": str(outside / "base"), "cm-envs": str(outside / "file.env"),
            "cm-env-legacy": str(outside / "file.env"), "secret-envs": str(outside / "file.env"),
            "cm-files": "/etc/passwd", "secret-files": "/etc/passwd",
            "cm-files-keyed": "/etc/passwd",
        }
        _write_overlays(tree, lambda field: per_field.get(field, str(outside / "file.yaml")))
        fifo_tree = tmp_path / "fifo-repo"
        _write_overlays(fifo_tree, lambda field: str(tripwire.path))
        runs = _audit(tree, tmp_path, None)
        runs += _audit(fifo_tree, tmp_path, None, formats=("json",))
    finally:
        tripwire.close()
    assert not tripwire.opened.is_set(), "an absolute path in a kustomization was opened"
    for run in runs:
        text = (run.stdout + run.stderr).lower()
        assert token not in text, "a file outside the tree reached the output"
        assert "root:x:0:0" not in text, "/etc/passwd reached the output"


def test_listener_and_rewrite_catch_a_real_fetch(tmp_path: Path, listener: Listener) -> None:
    """Control (shows the tests above can fail): ``kubectl kustomize`` itself, run directly on
    one of these overlays, does reach the listener, and git's rewrite sends a github.com clone
    there too."""
    kubectl = shutil.which("kubectl")
    git = shutil.which("git")
    if not kubectl or not git:
        pytest.skip("kubectl or git is not installed: no renderer to compare against")
    tree = tmp_path / "repo"
    _write_overlays(tree, STYLES["http"](listener.port), prefix=PREFIXES["http"])
    env = _git_home(tmp_path, listener.port)
    subprocess.run([kubectl, "kustomize", str(tree / f"{PREFIXES['http']}-resources")], env=env,
                   capture_output=True, timeout=60)
    subprocess.run([git, "ls-remote", "https://github.com/aria-canary/control.git"], env=env,
                   capture_output=True, timeout=60)
    paths = " ".join(listener.requests)
    assert "/resources/res.yaml" in paths, f"kubectl did not fetch: {listener.requests}"
    assert "/github/aria-canary/control.git" in paths, f"git was not rewritten: {paths}"
