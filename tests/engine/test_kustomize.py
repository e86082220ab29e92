"""Kustomize overlays rendered with the real `kubectl kustomize`; nothing remote is fetched."""

import shutil
from pathlib import Path

from bot.engine import audit
from bot.ingest.source import DirectorySource
from tests.prerequisites import need

need(shutil.which("kubectl") is not None, "kubectl not installed", module=True)

BASE = """apiVersion: apps/v1
kind: Deployment
metadata: {name: llm}
spec:
  replicas: 2
  selector: {matchLabels: {app: llm}}
  template:
    metadata: {labels: {app: llm}}
    spec:
      containers:
        - name: vllm
          image: vllm/vllm-openai:v0.6.3
          resources: {limits: {nvidia.com/gpu: 1}}
"""


def _write(root: Path, files: dict[str, str]) -> None:
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)


def test_overlay_patch_is_reviewed_as_rendered(tmp_path: Path):
    _write(tmp_path, {
        "base/deploy.yaml": BASE,
        "base/kustomization.yaml": "resources: [deploy.yaml]\n",
        "overlays/prod/kustomization.yaml":
            "resources: [../../base]\nnamespace: prod\npatches:\n"
            "  - target: {kind: Deployment, name: llm}\n"
            "    patch: |\n      - op: replace\n        path: /spec/replicas\n        value: 1\n",
    })
    decision = audit(DirectorySource(tmp_path))
    spof = [f for f in decision.findings if f.rule_id == "SPOF001"]
    assert [f.subject for f in spof] == ["Deployment/prod/llm@kustomize:overlays/prod"]
    assert spof[0].location.path == "overlays/prod/kustomization.yaml"


def test_remote_bases_are_never_fetched(tmp_path: Path):
    _write(tmp_path, {
        "app/kustomization.yaml":
            "resources:\n  - https://github.com/example/manifests//base?ref=v1\n"
            "  - deploy.yaml\n",
        "app/deploy.yaml": BASE,
    })
    decision = audit(DirectorySource(tmp_path))
    assert any("remote bases" in n and "`app`" in n for n in decision.notes)
    assert not any("kustomize render failed" in f.message for f in decision.findings)


def test_a_component_is_rendered_only_by_the_overlay_that_includes_it(tmp_path: Path):
    """`kind: Component` patches the kustomization that includes it; built alone it fails
    (no resource matches its patch), which is not a problem of the file."""
    _write(tmp_path, {
        "base/deploy.yaml": BASE,
        "base/kustomization.yaml": "resources: [deploy.yaml]\n",
        "components/one-replica/kustomization.yaml":
            "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\npatches:\n"
            "  - target: {kind: Deployment, name: llm}\n"
            "    patch: |\n      - op: replace\n        path: /spec/replicas\n        value: 1\n",
        "components/unused/kustomization.yaml":
            "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\npatches:\n"
            "  - path: patch.yaml\n",
        "components/unused/patch.yaml":
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: frontend}\n"
            "spec: {replicas: 3}\n",
        "overlays/dev/kustomization.yaml":
            "resources: [../../base]\nnamespace: dev\ncomponents: [../../components/one-replica]\n",
    })
    decision = audit(DirectorySource(tmp_path))
    assert [f.location.path for f in decision.findings if f.rule_id == "INGEST001"] == []
    spof = [f.subject for f in decision.findings if f.rule_id == "SPOF001"]
    assert spof == ["Deployment/dev/llm@kustomize:overlays/dev"]


def test_a_render_failure_is_one_line_with_paths_inside_the_tree(tmp_path: Path):
    _write(tmp_path, {
        "overlays/dev/kustomization.yaml":
            "resources: [../../base]\npatches:\n  - path: missing-patch.yaml\n",
        "base/kustomization.yaml": "resources: [deploy.yaml]\n",
        "base/deploy.yaml": BASE,
    })
    decision = audit(DirectorySource(tmp_path))
    [failure] = [f for f in decision.findings if f.rule_id == "INGEST001"]
    assert failure.location.path == "overlays/dev/kustomization.yaml"
    message = failure.message + " ".join(str(e.value) for e in failure.evidence)
    assert str(tmp_path) not in message and "run.go" not in message
    assert "\n" not in message
    assert "missing-patch.yaml" in message and "no such file or directory" in message
