"""`aria audit FILE...` (as pre-commit calls it): findings in the named files, with the rest of
the tree read for context, so a rule that relates objects across files sees all of them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from bot.cli import main
from tests.conftest import FIXTURES

REPO = FIXTURES / "repos" / "llm-serving"  # vLLM Deployment, its HPA and PDB in another file


def audited(capsys: pytest.CaptureFixture[str], *args: str) -> list[tuple[str, str]]:
    assert main(["audit", *args, "-f", "json", "--fail-on", "never"]) == 0
    found = json.loads(capsys.readouterr().out)["findings"]
    return sorted((f["rule_id"], f["location"]["path"]) for f in found)


def test_named_files_get_the_findings_a_whole_audit_places_in_them(
        capsys: pytest.CaptureFixture[str]) -> None:
    whole = audited(capsys, str(REPO))
    named = ["k8s/vllm.yaml", "terraform/gke.tf"]
    assert audited(capsys, *(str(REPO / n) for n in named), "--repo", str(REPO)) == \
        [f for f in whole if f[1] in named]
    assert {p for _, p in whole} - set(named), "the tree has findings elsewhere, left out"


def test_the_rest_of_the_tree_is_read_for_context(capsys: pytest.CaptureFixture[str],
                                                   tmp_path: Path) -> None:
    with_context = audited(capsys, str(REPO / "k8s" / "vllm.yaml"), "--repo", str(REPO))
    # `replicas` beside an HPA: known only from the HPA in k8s/autoscaling.yaml.
    assert ("HEAD008", "k8s/vllm.yaml") in with_context
    alone = tmp_path / "k8s"
    alone.mkdir()
    shutil.copy(REPO / "k8s" / "vllm.yaml", alone)
    without = audited(capsys, str(alone / "vllm.yaml"), "--repo", str(tmp_path))
    assert ("HEAD008", "k8s/vllm.yaml") not in without
    assert ("SPOF002", "k8s/vllm.yaml") in without  # its PDB is in the file left behind


def test_files_outside_the_tree_or_missing_are_usage_errors(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "x.yaml").write_text("kind: ConfigMap\n")
    assert main(["audit", str(tmp_path / "x.yaml"), "--repo", str(REPO)]) == 2
    assert "outside" in capsys.readouterr().err
    assert main(["audit", str(REPO / "k8s" / "vllm.yaml"), str(REPO / "k8s" / "gone.yaml"),
                 "--repo", str(REPO)]) == 2
    assert "not a file" in capsys.readouterr().err
