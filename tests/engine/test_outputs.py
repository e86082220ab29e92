"""SARIF 2.1.0 (validated against the official schema), JUnit XML, MADR records."""

import json
from pathlib import Path
from xml.etree import ElementTree as ET

import jsonschema
import pytest

from bot.cli import main
from bot.engine import review
from bot.ingest.source import DirectorySource
from bot.render import render
from tests.conftest import FIXTURES, REPO_ROOT

EXAMPLE = REPO_ROOT / "examples" / "gpu-serving"
# The official OASIS schema, vendored from Microsoft's jest-sarif package (see its SOURCES.md).
SARIF_SCHEMA = FIXTURES / "sarif" / "sarif-2.1.0-rtm.5.json"


@pytest.fixture(scope="module")
def sarif_schema() -> dict:
    return json.loads(SARIF_SCHEMA.read_text(encoding="utf-8-sig"))


@pytest.fixture(scope="module")
def decision():
    return review(DirectorySource(EXAMPLE / "base"), DirectorySource(EXAMPLE / "head"))


def test_sarif_validates_and_carries_baseline_state(sarif_schema, decision):
    log = json.loads(render(decision, "sarif"))
    jsonschema.validate(log, sarif_schema)
    run = log["runs"][0]
    tags = {t for rule in run["tool"]["driver"]["rules"] for t in rule["properties"]["tags"]}
    assert {"spof", "rbac", "headroom"} <= tags
    states = {r["ruleId"]: r["baselineState"] for r in run["results"]}
    assert states["SPOF001"] == "new"
    for result in run["results"]:
        loc = result["locations"][0]["physicalLocation"]
        assert not loc["artifactLocation"]["uri"].startswith("/")
        assert result["partialFingerprints"]["ariaFindingKey/v1"]


def test_sarif_marks_suppressed_findings(sarif_schema, tmp_path: Path):
    (tmp_path / "r.yaml").write_text(
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: ops}\n"
        "rules:\n  # aria: ignore[RBAC001] break-glass\n"
        "  - {apiGroups: ['*'], resources: ['*'], verbs: ['*']}\n")
    out = tmp_path / "a.sarif"
    assert main(["audit", str(tmp_path), "-f", "sarif", "-o", str(out)]) == 0
    log = json.loads(out.read_text())
    jsonschema.validate(log, sarif_schema)
    (result,) = [r for r in log["runs"][0]["results"] if r["ruleId"] == "RBAC001"]
    assert result["suppressions"][0]["justification"] == "break-glass"


def test_junit_fails_the_rules_with_new_findings(decision):
    suite = ET.fromstring(render(decision, "junit"))
    failed = {c.get("name") for c in suite if c.find("failure") is not None}
    assert {"SPOF001", "RBAC001", "HEAD001"} <= failed
    assert int(suite.get("tests")) == len(list(suite))


def test_adr_new_numbers_indexes_and_supersedes(tmp_path: Path, capsys):
    folder = tmp_path / "adr"
    assert main(["adr", "new", "Use KServe for model serving", "--dir", str(folder)]) == 0
    assert main(["adr", "new", "Serve LLMs with vLLM on L4 GPUs", "--dir", str(folder),
                 "--supersedes", "1", "--from", str(EXAMPLE / "head")]) == 0
    first = folder / "0001-use-kserve-for-model-serving.md"
    second = folder / "0002-serve-llms-with-vllm-on-l4-gpus.md"
    assert "status: superseded by 0002" in first.read_text()
    text = second.read_text()
    for heading in ("## Context and Problem Statement", "## Decision Drivers",
                    "## Considered Options", "## Decision Outcome", "### Consequences",
                    "## Pros and Cons of the Options"):
        assert heading in text
    # the title names serving on GPUs: the decision is the GPU-memory finding's
    assert "supersedes: 0001" in text and "`HEAD005`" in text
    index = (folder / "README.md").read_text()
    assert "0002-serve-llms-with-vllm-on-l4-gpus.md" in index and "superseded" in index
    assert main(["adr", "new", "x", "--dir", str(folder), "--supersedes", "9"]) == 2


def test_rules_command_lists_and_explains(capsys):
    assert main(["rules"]) == 0
    listing = capsys.readouterr().out
    assert "SPOF001" in listing and "RBAC001" in listing
    assert main(["rules", "spof001"]) == 0
    text = capsys.readouterr().out
    assert "## Why it matters" in text and "| Option | Cost | Latency | Complexity | Risk |" in text
    assert main(["rules", "NOPE999"]) == 2
