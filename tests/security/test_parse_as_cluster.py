"""Aria reads YAML as the cluster does: the objects kubectl would send, nothing else.

A reader that disagrees with the API server's is an attack surface: whatever the cluster
applies, Aria must see. Each file goes through Aria's loader and through the reading
Kubernetes uses — `kubectl` itself where it is installed, and a go-yaml-like reading by PyYAML's
pure-Python loader (`k8s_reading`) everywhere — and must give the same objects.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml

from bot.ingest.files import screen
from bot.ingest.yamlload import YamlError, load_documents, plain
from tests.conftest import findings_for
from tests.security.k8s_reading import (
    Rejected,
    first_difference,
    kubectl_objects,
    kubernetes_documents,
    same,
)
from tests.security.tricky_yaml import tricky_files

TRICKY = tricky_files()
_TOP_API_VERSION = re.compile(r"^apiVersion:[^\n]*", re.MULTILINE)
KUBECTL_BATCH = 40  # files per kubectl run: one Go start-up for many files


def aria_documents(data: bytes) -> list:
    """The non-empty documents Aria's YAML ingest reads from a file's bytes."""
    text, problem = screen(data)
    assert problem is None, problem
    return [plain(value) for value, _, _ in load_documents(text) if value is not None]


def assert_same_objects(ours: list, theirs: list, who: str) -> None:
    assert len(ours) == len(theirs), f"Aria read {len(ours)} objects, {who} {len(theirs)}"
    for index, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        assert same(a, b), f"document {index}: {first_difference(a, b)} (Aria != {who})"


@pytest.mark.parametrize("name", sorted(TRICKY))
def test_tricky_valid_yaml_reads_as_the_go_yaml_reading(name):
    text, _ = screen(TRICKY[name])
    assert_same_objects(aria_documents(TRICKY[name]), kubernetes_documents(text),
                        "the go-yaml reading")


def test_tricky_valid_yaml_reads_as_kubectl_reads_it(kubectl, tmp_path):
    if kubectl is None:
        pytest.skip("kubectl not installed: the go-yaml reading above stands in for it")
    paths = []
    for name, data in sorted(TRICKY.items()):
        paths.append(tmp_path / name)
        paths[-1].write_bytes(data)
    objects = kubectl_objects(kubectl, paths)
    ours = [doc for path in paths for doc in aria_documents(path.read_bytes())]
    assert_same_objects(ours, objects, "kubectl")


def test_what_the_cluster_reads_differently_from_yaml_1_2():
    """Figures from `kubectl patch --local -o json` on these lines (kubectl v1.32)."""
    (doc,) = aria_documents(b"a: yes\nb: 'on'\nc: 08\nd: 1e3\ne: 0o17\nf: 1:20\ny: 1\n"
                            b"mode: 0400\nm: {q: 9, <<: {q: 2, p: 1}}\nr: 3.0\n"
                            b"k: {2.5: a, 1e6: b, 0.00001: c, 1234567.0: d}\nt: 2024-01-02\n")
    assert doc == {"a": True, "b": "on", "c": 8, "d": 1000, "e": 15, "f": "1:20", "true": 1,
                   "mode": 256, "m": {"q": 2, "p": 1}, "r": 3,
                   "k": {"2.5": "a", "1e+06": "b", "1e-05": "c", "1.234567e+06": "d"},
                   "t": "2024-01-02"}
    assert type(doc["r"]) is int and type(doc["a"]) is bool


def test_flow_sequence_with_colons_is_reviewed_not_skipped():
    """Issue 10 item 7: this file was a parse warning and its Deployment was approved."""
    found = findings_for({"deploy.yaml": """\
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: llm, namespace: serving}
        spec:
          replicas: 1
          selector: {matchLabels: {app: llm}}
          template:
            metadata: {labels: {app: llm}}
            spec:
              nodeSelector: {gpu: a100}
              tolerations: [{key: gpu, operator: Exists}]
              containers:
                - name: vllm
                  image: vllm/vllm-openai:v0.6.3
                  args: [--host=0.0.0.0:8000, --served-model-name=llm]
                  env: [{name: GPUS, value: "A100:4"}]
                  securityContext: {privileged: true}
                  resources: {limits: {nvidia.com/gpu: 4}, requests: {"nvidia.com/gpu": 4}}
                  extra: [ A100:4, L4:4 ]
        """})
    rules = {f.rule_id for f in found}
    assert "INGEST001" not in rules
    assert {"SEC001", "SPOF001"} <= rules, rules


def _reference_or_none(text: str) -> list | None:
    """The go-yaml reading, or None for a document that has no JSON form (the cluster
    refuses it, and Aria may read it as it likes)."""
    try:
        return kubernetes_documents(text)
    except Rejected:
        return None


@pytest.mark.corpus
def test_every_corpus_yaml_file_reads_as_kubernetes_reads_it(corpus_dir, kubectl, tmp_path):
    compared, invalid = 0, []
    for path in sorted(corpus_dir.rglob("*.y*ml")):
        text, problem = screen(path.read_bytes())
        assert problem is None, f"{path}: {problem}"
        try:
            theirs = _reference_or_none(text)
        except yaml.YAMLError:
            invalid.append(path)
            with pytest.raises(YamlError):  # invalid for the cluster: Aria must say so too
                aria_documents(path.read_bytes())
            continue
        if theirs is not None:
            assert_same_objects(aria_documents(path.read_bytes()), theirs,
                                f"the go-yaml reading of {path}")
            compared += 1
    assert compared > 1000, compared
    if kubectl is not None:
        _compare_with_kubectl(corpus_dir, kubectl, tmp_path, set(invalid))


def _compare_with_kubectl(corpus_dir: Path, kubectl: str, tmp_path: Path,
                          invalid: set[Path]) -> None:
    """Each file whose documents are all objects, under an API group no cluster knows so that
    kubectl keeps them untyped (both readers get the same rewritten bytes)."""
    candidates: list[tuple[Path, list]] = []
    for index, path in enumerate(sorted(corpus_dir.rglob("*.y*ml"))):
        if path in invalid:
            continue
        text = _TOP_API_VERSION.sub("apiVersion: aria.test/v1", screen(path.read_bytes())[0])
        ours = aria_documents(text.encode())
        if ours and all(isinstance(d, dict) and d.get("apiVersion") == "aria.test/v1"
                        and isinstance(d.get("kind"), str) and not d["kind"].endswith("List")
                        for d in ours):
            copy = tmp_path / f"{index}.yaml"
            copy.write_text(text)
            candidates.append((copy, ours))
    unread = []
    for start in range(0, len(candidates), KUBECTL_BATCH):
        batch = candidates[start:start + KUBECTL_BATCH]
        for (copy, ours), objects in zip(batch, _kubectl_per_file(kubectl, batch), strict=True):
            if objects is None:
                unread.append(copy)
            else:
                assert_same_objects(ours, objects, f"kubectl on {copy}")
    # kubectl refuses an object whose metadata is not what ObjectMeta holds; those are few
    assert len(unread) < len(candidates) // 20 and len(candidates) > 500, \
        (len(unread), len(candidates))


def _kubectl_per_file(kubectl: str, batch: list[tuple[Path, list]]) -> list[list | None]:
    """kubectl's objects per file of `batch`: one run for the batch, one per file when a file
    of it cannot be read (None for that file)."""
    try:
        objects = kubectl_objects(kubectl, [copy for copy, _ in batch])
    except subprocess.CalledProcessError:
        objects = None
    if objects is not None and len(objects) == sum(len(ours) for _, ours in batch):
        out, at = [], 0
        for _, ours in batch:
            out.append(objects[at:at + len(ours)])
            at += len(ours)
        return out
    singles: list[list | None] = []
    for copy, _ in batch:
        try:
            singles.append(kubectl_objects(kubectl, [copy]))
        except subprocess.CalledProcessError:
            singles.append(None)
    return singles
