"""Kustomize overlays rendered with the real `kubectl kustomize`; nothing remote is fetched."""

import shutil
from pathlib import Path

from bot.engine import audit, review
from bot.findings import Status
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
    assert [f.subject for f in spof] == ["Deployment/prod/llm"]
    # the replica count comes from the overlay's inline patch: cited at its `patches:` line
    assert str(spof[0].location) == "overlays/prod/kustomization.yaml:3"
    # what the base wrote is cited in the base, and the base is not judged a second time
    probes = [f for f in decision.findings if f.rule_id == "OBS001"]
    assert [(f.subject, str(f.location)) for f in probes] == [
        ("Deployment/prod/llm", "base/deploy.yaml:11")]


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


KUSTOMIZATION = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"


def server(tag: str) -> str:
    """The base Deployment with the embedder image, tagged as given."""
    return BASE.replace("vllm/vllm-openai:v0.6.3", f"ghcr.io/acme/embedder{tag}")


PATCH = """apiVersion: apps/v1
kind: Deployment
metadata: {name: llm}
spec:
  template:
    spec:
      containers:
        - name: vllm
          env:
            - {name: HF_HUB_OFFLINE, value: "1"}
          resources:
            requests: {cpu: 500m, memory: 1Gi}
"""


def test_a_base_is_judged_as_its_overlays_render_it(tmp_path: Path):
    """The base names the image without a tag and leaves requests to a patch file; the overlay
    pins the tag with `images:` and applies the patch. Neither file is judged as written."""
    _write(tmp_path, {
        "base/deploy.yaml": server(""),
        "base/kustomization.yaml": KUSTOMIZATION + "resources: [deploy.yaml]\n",
        "overlays/prod/kustomization.yaml": KUSTOMIZATION + (
            "namespace: prod\nresources: [../../base]\npatches:\n  - path: sizing.yaml\n"
            "images:\n  - {name: ghcr.io/acme/embedder, newTag: '1.4.2'}\n"),
        "overlays/prod/sizing.yaml": PATCH,
    })
    decision = audit(DirectorySource(tmp_path))
    rules = {f.rule_id for f in decision.findings}
    assert "SEC008" not in rules  # the overlay pins the tag
    assert "HEAD003" not in rules  # the patch sets the requests
    subjects = {f.subject for f in decision.findings if not f.rule_id.startswith("INGEST")}
    assert subjects == {"Deployment/prod/llm"}


def test_a_field_set_by_a_patch_file_is_cited_there(tmp_path: Path):
    """The base writes the container without resources; the patch writes them (no memory
    request). The missing request is cited in the patch, the missing probe in the base."""
    patch = PATCH.replace('requests: {cpu: 500m, memory: 1Gi}', 'requests: {cpu: 500m}')
    _write(tmp_path, {
        "base/deploy.yaml": BASE.replace("          resources: {limits: {nvidia.com/gpu: 1}}\n",
                                         ""),
        "base/kustomization.yaml": KUSTOMIZATION + "resources: [deploy.yaml]\n",
        "overlays/prod/kustomization.yaml": KUSTOMIZATION + (
            "resources: [../../base]\npatches:\n  - path: sizing.yaml\n"),
        "overlays/prod/sizing.yaml": patch,
    })
    found = {f.rule_id: str(f.location) for f in audit(DirectorySource(tmp_path)).findings}
    assert found["HEAD003"] == "overlays/prod/sizing.yaml:11"  # the patch's `resources:`
    assert found["OBS001"] == "base/deploy.yaml:11"  # the container, as the base writes it


def test_a_patch_file_is_never_judged_alone(tmp_path: Path):
    files = {
        "base/deploy.yaml": server(":1.4.2"),
        "base/kustomization.yaml": KUSTOMIZATION + "resources: [deploy.yaml]\n",
        "overlays/prod/kustomization.yaml": KUSTOMIZATION + (
            "resources: [../../base]\npatches:\n  - path: sizing.yaml\n"),
        "overlays/prod/sizing.yaml": PATCH,
    }
    _write(tmp_path, {**files, ".aria.yml": "version: 1\ningest: {kustomize: \"off\"}\n"})
    decision = audit(DirectorySource(tmp_path))  # not rendered: files judged as written
    assert not [f for f in decision.findings if f.location.path == "overlays/prod/sizing.yaml"]
    assert [f for f in decision.findings if f.location.path == "base/deploy.yaml"]


def test_moving_manifests_into_a_base_and_overlay_changes_nothing(tmp_path: Path):
    plain = server(":1.4.2").replace("metadata: {name: llm}",
                                                "metadata: {name: llm, namespace: prod}")
    _write(tmp_path / "before", {"apps/llm.yaml": plain})
    _write(tmp_path / "after", {
        "apps/base/deploy.yaml": server(""),
        "apps/base/kustomization.yaml": KUSTOMIZATION + "resources: [deploy.yaml]\n",
        "apps/prod/kustomization.yaml": KUSTOMIZATION + (
            "namespace: prod\nresources: [../base]\n"
            "images:\n  - {name: ghcr.io/acme/embedder, newTag: '1.4.2'}\n"),
    })
    decision = review(DirectorySource(tmp_path / "before"), DirectorySource(tmp_path / "after"))
    assert decision.findings
    assert {f.status for f in decision.findings} == {Status.unchanged}


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
    assert spof == ["Deployment/dev/llm"]


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


def test_two_overlays_of_one_base_report_its_problem_once(tmp_path: Path):
    """Both overlays keep the base's namespace and the base's image tag: the same line of the
    base is at fault once, however many overlays render it."""
    _write(tmp_path, {
        "base/deploy.yaml": BASE.replace("metadata: {name: llm}",
                                         "metadata: {name: llm, namespace: ml}")
                                .replace("vllm/vllm-openai:v0.6.3", "vllm/vllm-openai:latest"),
        "base/kustomization.yaml": "resources: [deploy.yaml]\n",
        "overlays/a/kustomization.yaml": "resources: [../../base]\ncommonLabels: {tier: a}\n",
        "overlays/b/kustomization.yaml": "resources: [../../base]\ncommonLabels: {tier: b}\n",
    })
    decision = audit(DirectorySource(tmp_path))
    pinned = [(f.subject, str(f.location)) for f in decision.findings if f.rule_id == "SEC008"]
    assert pinned == [("Deployment/ml/llm", "base/deploy.yaml:11")]
