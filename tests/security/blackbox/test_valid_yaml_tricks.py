"""Valid YAML the cluster applies but a strict or differently-configured parser may not read.

Each case writes a privileged, single-replica GPU Deployment on ``:latest`` in one YAML
construct that ``kubectl``/the API server accept (flow sequences holding colons, anchors and
merge keys, block scalars, explicit tags, BOM, CRLF, YAML 1.1 booleans, a ``%YAML`` directive,
a one-line flow object). PyYAML (YAML 1.1, like the go-yaml reader Kubernetes uses) is the
oracle that the file really means that Deployment. Aria must see it: its findings are present,
the file is not called unreadable, ``audit --fail-on warning`` exits 1, and a PR that turns a
safe Deployment into this one fails the ``--fail-on error`` gate instead of being approved.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from ._harness import (
    RISKY_RULES,
    assert_survived,
    ingest_findings_for,
    risky_gpu_deployment,
    rule_ids_for_object,
    run_aria,
)


@dataclass(frozen=True)
class Trick:
    case: str
    render: Callable[[str], bytes]  # Deployment name -> file bytes


def _block(name: str, **lines: str) -> str:
    return risky_gpu_deployment(name, args_line=lines.pop("args_line", 'args: ["--model", "m"]'),
                                **lines)


def _flow_colon_host(name: str) -> bytes:
    return _block(name, args_line="args: [--host=0.0.0.0:8000, --port=8000]").encode()


def _flow_colon_gpu_list(name: str) -> bytes:
    return _block(name, args_line="args: [ A100:4, L4:4 ]").encode()


def _flow_colon_urls(name: str) -> bytes:
    return _block(
        name,
        args_line="args: [--weights=s3://bucket:9000/llama, --peer=http://router:8080/v1]",
    ).encode()


def _flow_env_mapping(name: str) -> bytes:
    return _block(
        name,
        args_line="env: [{name: STORE, value: http://minio:9000}, {name: TP, value: 2:4}]",
    ).encode()


def _anchors_and_merge_keys(name: str) -> bytes:
    return textwrap.dedent(f"""\
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: {name}
          namespace: serving
          labels: &labels
            app: {name}
        spec:
          replicas: 1
          selector:
            matchLabels: *labels
          template:
            metadata:
              labels: *labels
            spec:
              containers:
                - name: server
                  image: &img vllm/vllm-openai:latest
                  securityContext: &priv
                    privileged: true
                  resources: &gpu
                    limits:
                      nvidia.com/gpu: 1
                - name: sidecar
                  image: *img
                  securityContext:
                    <<: *priv
                    runAsUser: 0
                  resources:
                    <<: *gpu
        """).encode()


def _block_scalars(name: str) -> bytes:
    return _block(
        name,
        image="image: >-\n            vllm/vllm-openai:latest",
        args_line=("args:\n            - |\n              --host=0.0.0.0:8000\n"
                   "              --tensor-parallel-size=1\n            - >\n"
                   "              folded\n              text"),
    ).encode()


def _explicit_tags(name: str) -> bytes:
    return _block(
        name,
        replicas='replicas: !!int "1"',
        image="image: !!str vllm/vllm-openai:latest",
        security='securityContext:\n            privileged: !!bool "true"',
    ).encode()


def _utf8_bom(name: str) -> bytes:
    return b"\xef\xbb\xbf" + _block(name).encode()


def _crlf(name: str) -> bytes:
    return _block(name).replace("\n", "\r\n").encode()


def _bom_crlf_multidoc(name: str) -> bytes:
    text = ("# leading comment\n---\n# an empty document\n---\n" + _block(name)
            + "...\n---\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: after\n")
    return b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode()


def _yaml11_yes(name: str) -> bytes:
    # Kubernetes reads YAML 1.1: `yes` and `on` are booleans, so this container is privileged.
    return _block(name, security="securityContext:\n            privileged: yes").encode()


def _yaml11_on(name: str) -> bytes:
    return _block(name, security="securityContext:\n            privileged: On").encode()


def _yaml_directive(name: str) -> bytes:
    return ("%YAML 1.1\n---\n" + _block(name)).encode()


def _one_flow_object(name: str) -> bytes:
    return (
        "{apiVersion: apps/v1, kind: Deployment, metadata: {name: " + name
        + ", namespace: serving}, spec: {replicas: 1, selector: {matchLabels: {app: " + name
        + "}}, template: {metadata: {labels: {app: " + name + "}}, spec: {containers: [{name: "
        "server, image: vllm/vllm-openai:latest, args: [--host=0.0.0.0:8000], "
        "securityContext: {privileged: true}, resources: {limits: {nvidia.com/gpu: 1}}}]}}}}\n"
    ).encode()


TRICKS = [
    Trick("flow-seq-host-port", _flow_colon_host),
    Trick("flow-seq-gpu-colon-list", _flow_colon_gpu_list),
    Trick("flow-seq-urls-with-ports", _flow_colon_urls),
    Trick("flow-map-values-with-colons", _flow_env_mapping),
    Trick("anchors-aliases-merge-keys", _anchors_and_merge_keys),
    Trick("block-scalars", _block_scalars),
    Trick("explicit-tags", _explicit_tags),
    Trick("utf8-bom", _utf8_bom),
    Trick("crlf", _crlf),
    Trick("bom-crlf-multidoc", _bom_crlf_multidoc),
    Trick("yaml11-yes-boolean", _yaml11_yes),
    Trick("yaml11-On-boolean", _yaml11_on),
    Trick("yaml-1.1-directive", _yaml_directive),
    Trick("whole-object-in-flow-style", _one_flow_object),
]


def _oracle(data: bytes, name: str) -> None:
    """PyYAML (YAML 1.1) must read the file as the risky Deployment: the input is valid."""
    documents = [d for d in yaml.safe_load_all(data.decode("utf-8-sig")) if d]
    found = [d for d in documents if d.get("kind") == "Deployment"
             and d["metadata"]["name"] == name]
    assert len(found) == 1, "test input is not the Deployment it claims to be"
    spec = found[0]["spec"]
    container = spec["template"]["spec"]["containers"][0]
    assert spec["replicas"] == 1
    assert container["securityContext"]["privileged"] is True
    assert container["image"] == "vllm/vllm-openai:latest"


def _safe_version(name: str) -> str:
    return _block(name, replicas="replicas: 3",
                  image="image: vllm/vllm-openai:v0.6.3",
                  security="securityContext:\n            privileged: false")


@pytest.mark.parametrize("trick", TRICKS, ids=[t.case for t in TRICKS])
def test_audit_sees_risky_object_in_valid_yaml(tmp_path: Path, trick: Trick) -> None:
    """Attack: hide a privileged single-replica GPU Deployment in YAML that Kubernetes applies
    but a strict parser rejects or reads differently, so the reviewer skips or misreads it.
    ``aria audit --fail-on warning`` must report the object and exit 1."""
    name = f"tricky-{trick.case}".lower().replace(".", "-")
    data = trick.render(name)
    _oracle(data, name)
    rel = "apps/deployment.yaml"
    (tmp_path / "repo" / "apps").mkdir(parents=True)
    (tmp_path / "repo" / rel).write_bytes(data)
    run = run_aria(["audit", str(tmp_path / "repo"), "-f", "json", "--fail-on", "warning"],
                   cwd=tmp_path)
    assert_survived(run)
    report = run.json()
    assert not ingest_findings_for(report, rel), f"valid YAML called unreadable: {trick.case}"
    seen = rule_ids_for_object(report, name)
    assert seen >= RISKY_RULES, f"missing {sorted(RISKY_RULES - seen)}; saw {sorted(seen)}"
    assert run.returncode == 1, f"--fail-on warning passed a privileged object: {run.describe()}"


@pytest.mark.parametrize("trick", TRICKS, ids=[t.case for t in TRICKS])
def test_pr_making_deployment_risky_is_not_approved(tmp_path: Path, trick: Trick) -> None:
    """Attack: a PR rewrites a safe Deployment (3 replicas, pinned image, unprivileged) into
    the privileged single-replica one using a YAML construct the reviewer misreads, hoping for
    an approval. ``aria review BASE HEAD --fail-on error`` must exit 1 with the new findings."""
    name = f"pr-{trick.case}".lower().replace(".", "-")
    base, head = tmp_path / "base" / "apps", tmp_path / "head" / "apps"
    base.mkdir(parents=True)
    head.mkdir(parents=True)
    (base / "deployment.yaml").write_text(_safe_version(name), encoding="utf-8")
    data = trick.render(name)
    _oracle(data, name)
    (head / "deployment.yaml").write_bytes(data)
    run = run_aria(["review", str(base.parent), str(head.parent), "-f", "json",
                    "--fail-on", "error"], cwd=tmp_path)
    assert_survived(run)
    seen = rule_ids_for_object(run.json(), name, statuses=frozenset({"new"}))
    assert {"SEC001", "SPOF001"} <= seen, f"new risks not reported; new: {sorted(seen)}"
    assert run.returncode == 1, f"PR approved: {run.describe()}"
