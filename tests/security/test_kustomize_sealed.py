"""Kustomize never reaches the network: which fields refuse a render, and the sealed environment
behind them, tried with the real `kubectl kustomize` and `git` against a listener on 127.0.0.1.

The black-box suite (`blackbox/test_kustomize_no_network.py`) drives the whole CLI; these tests
hold each wall on its own, so that one wall failing is seen even while the other holds.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.ingest.kustomize import render_environment, render_failure, sealed_environment
from bot.ingest.kustomize_refs import refusal
from bot.ingest.yamlload import load_documents, plain
from tests.prerequisites import need
from tests.security.blackbox.test_kustomize_no_network import Listener, _git_home

KUBECTL = shutil.which("kubectl")


@pytest.fixture
def listener() -> Iterator[Listener]:
    server = Listener()
    yield server
    server.close()


# One kustomization per field that names a file or a base, with `{r}` where the reference goes.
FIELDS = {
    "resources": "resources: [deploy.yaml, '{r}']",
    "bases": "bases: ['{r}']",
    "components": "components: ['{r}']",
    "crds": "crds: ['{r}']",
    "configurations": "configurations: ['{r}']",
    "patchesStrategicMerge": "patchesStrategicMerge: ['{r}']",
    "patches": "patches: [{{path: '{r}'}}]",
    "patchesJson6902": "patchesJson6902: [{{path: '{r}', target: {{kind: Deployment}}}}]",
    "replacements": "replacements: [{{path: '{r}'}}]",
    "configMapGenerator": "configMapGenerator: [{{name: c, files: ['key={r}']}}]",
    "secretGenerator": "secretGenerator: [{{name: s, envs: ['{r}']}}]",
    "openapi": "openapi: {{path: '{r}'}}",
}
REMOTE = ["https://example.com/x.yaml", "http://127.0.0.1:8080/x", "git::https://h/r.git//b",
          "git@github.com:org/repo.git//base", "github.com/org/repo//base?ref=v1",
          "gh:org/repo", "ssh://git@h/r", "internal.example/org/repo.git"]
OUTSIDE = ["/etc/passwd", "~/.kube/config", "../../../etc", "C:\\Windows\\win.ini"]


def _body(field: str, reference: str) -> dict[str, Any]:
    """The kustomization as ingest reads it (the one YAML loader)."""
    [(body, _, _)] = load_documents(FIELDS[field].format(r=reference))
    return dict(plain(body))


@pytest.mark.parametrize("field", list(FIELDS))
@pytest.mark.parametrize("reference", REMOTE + OUTSIDE)
def test_every_path_field_with_a_url_or_outside_path_refuses_the_render(field: str,
                                                                         reference: str) -> None:
    assert refusal("overlays/prod", _body(field, reference)) == field


@pytest.mark.parametrize("field", list(FIELDS))
@pytest.mark.parametrize("reference", ["deploy.yaml", "../../base", "patches/gpu.yaml",
                                       ".github-like/file.yaml"])
def test_a_local_path_inside_the_tree_is_rendered(field: str, reference: str) -> None:
    assert refusal("overlays/prod", _body(field, reference)) is None


def test_urls_outside_path_fields_and_inline_patches_do_not_refuse() -> None:
    body = {"commonAnnotations": {"docs": "https://example.com/runbook"},
            "images": [{"name": "vllm", "newName": "registry.example.com/vllm"}],
            "patchesStrategicMerge": ["apiVersion: apps/v1\nkind: Deployment\n"],
            "patches": [{"patch": "- op: remove\n  path: /spec/replicas\n"}]}
    assert refusal("app", body) is None


@pytest.mark.parametrize("field", ["helmCharts", "helmGlobals", "generators", "transformers",
                                   "validators", "helmChartInflationGenerator"])
def test_charts_and_plugins_refuse_the_render_whatever_they_name(field: str) -> None:
    assert refusal("app", {"resources": ["deploy.yaml"], field: [{"name": "local"}]}) == field


def test_a_path_climbing_out_of_the_tree_only_from_its_own_depth() -> None:
    assert refusal("a/b", {"resources": ["../../base"]}) is None
    assert refusal("a/b", {"resources": ["../../../base"]}) == "resources"


# --- the second wall: the environment kubectl and git run in -----------------------------------

def _overlay(tmp_path: Path, resource: str) -> Path:
    overlay = tmp_path / "overlay"
    overlay.mkdir()
    (overlay / "kustomization.yaml").write_text(f"resources:\n  - {resource}\n")
    return overlay


def _kustomize(target: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    assert KUBECTL is not None
    return subprocess.run([KUBECTL, "kustomize", str(target)], env=env, capture_output=True,
                          text=True, timeout=60)


def test_sealed_environment_sends_every_http_fetch_to_a_closed_port(tmp_path: Path,
                                                                    listener: Listener) -> None:
    """A host that is not loopback (Go never proxies loopback): with the proxy variables
    pointed at the listener kubectl's fetch arrives there, which shows kubectl obeys them;
    sealed, they point at a closed port and the render fails without a request."""
    need(KUBECTL is not None, "kubectl not installed")
    overlay = _overlay(tmp_path, "http://aria-canary.example/x.yaml")
    with sealed_environment(proxy_port=listener.port) as routed:
        _kustomize(overlay, routed)
    assert any("aria-canary.example" in request for request in listener.requests), \
        listener.requests
    listener.connections.clear()
    with sealed_environment() as env:
        proc = _kustomize(overlay, env)
    assert proc.returncode != 0
    assert not listener.connections
    assert "connection refused" in proc.stderr.lower()


@pytest.mark.parametrize("remote", [
    "https://github.com/aria-canary/base.git//base?ref=v1",  # rewritten by the user's gitconfig
    "git::http://127.0.0.1:{port}/repo.git//base?ref=main",  # straight to the listener
])
def test_sealed_environment_lets_git_clone_nothing(tmp_path: Path, listener: Listener,
                                                  remote: str,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """The user running Aria has a git config that would send a github.com clone to the
    listener; with Aria's own environment the clone reaches it (the control), sealed it
    reaches nothing: no user config, no transport protocol allowed."""
    need(KUBECTL is not None and shutil.which("git") is not None, "kubectl or git missing")
    hostile = _git_home(tmp_path, listener.port)
    for name in ("HOME", "GIT_CONFIG_GLOBAL", "GIT_TERMINAL_PROMPT"):
        monkeypatch.setenv(name, hostile[name])
    overlay = _overlay(tmp_path, remote.format(port=listener.port))
    _kustomize(overlay, hostile)
    assert listener.connections, "control: git did not reach the listener"
    listener.connections.clear()
    with sealed_environment() as env:
        proc = _kustomize(overlay, env)
    assert proc.returncode != 0
    assert not listener.connections, listener.requests


def test_kubectl_renders_in_the_sealed_environment(tmp_path: Path, listener: Listener) -> None:
    """The settings of a render add to the wall and take nothing from it."""
    need(KUBECTL is not None, "kubectl not installed")
    with sealed_environment() as sealed, render_environment() as env:
        assert set(sealed) < set(env) and env["HOME"] != os.environ.get("HOME")
        proc = _kustomize(_overlay(tmp_path, "http://aria-canary.example/x.yaml"), env)
    assert proc.returncode != 0 and "connection refused" in proc.stderr.lower()
    assert not listener.connections


def test_a_render_can_start_no_program(tmp_path: Path, listener: Listener) -> None:
    """Were a git remote ever to get past `refusal`, kubectl could not start git: the render
    has no PATH (plain sealed, git starts and is refused every transport)."""
    need(KUBECTL is not None and shutil.which("git") is not None, "kubectl or git missing")
    overlay = _overlay(tmp_path, f"git::http://127.0.0.1:{listener.port}/repo.git//base?ref=a")
    with sealed_environment() as sealed:
        control = _kustomize(overlay, sealed)
    assert control.returncode != 0 and "no 'git' program" not in control.stderr
    with render_environment() as env:
        proc = _kustomize(overlay, env)
    assert proc.returncode != 0 and "no 'git' program on path" in proc.stderr
    assert not listener.connections


def test_a_render_collects_no_garbage_below_its_memory_limit(tmp_path: Path) -> None:
    """kubectl's start-up heap lives until it exits: a small render never runs the collector
    (Go's trace of collections stays empty), which is a fifth of its CPU."""
    need(KUBECTL is not None, "kubectl not installed")
    overlay = _overlay(tmp_path, "deploy.yaml")
    (overlay / "deploy.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n")
    with sealed_environment() as sealed:
        control = _kustomize(overlay, {**sealed, "GODEBUG": "gctrace=1"})
    assert control.returncode == 0 and "gc 1 @" in control.stderr  # kubectl's default collects
    with render_environment() as env:
        proc = _kustomize(overlay, {**env, "GODEBUG": "gctrace=1"})
    assert proc.returncode == 0 and "name: c" in proc.stdout
    assert "gc 1 @" not in proc.stderr, proc.stderr


@pytest.mark.parametrize("kustomization", [
    "namespace: prod\nresources: [deploy.yaml]\nimages: [{name: vllm, newTag: v2}]\n",
    "bases: [.]\n",  # kustomize warns on stderr (a deprecated field) and fails (a cycle)
    "resources: [deploy.yaml]\npatches: [{path: missing-patch.yaml}]\n",
])
def test_the_render_settings_change_no_byte_of_kubectls_output(tmp_path: Path,
                                                               kustomization: str) -> None:
    """Output, exit status and the failure as Aria reports it are those of kubectl run with
    nothing but the sealed environment: the settings change what start-up costs, nothing else."""
    need(KUBECTL is not None, "kubectl not installed")
    (tmp_path / "kustomization.yaml").write_text(kustomization)
    (tmp_path / "deploy.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: llm}\nspec:\n  template:\n"
        "    spec:\n      containers: [{name: vllm, image: 'vllm:v1', args: [--port, '80']}]\n")
    seen = []
    for environment in (sealed_environment, render_environment):
        with environment() as env:
            proc = _kustomize(tmp_path, env)
        seen.append((proc.returncode, proc.stdout,
                     render_failure(proc.stderr, tmp_path) if proc.returncode else ""))
    assert seen[0] == seen[1]
    assert seen[0][1] or seen[0][2]
