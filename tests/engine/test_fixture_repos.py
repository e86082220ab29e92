"""The fixture repositories the organisation-audit and scale tests are built from: each audits
without a crash and shows the mistakes its README says it holds, so those tests compare real
findings, not empty reports."""

from __future__ import annotations

import pytest

from bot.engine import audit
from bot.ingest.source import DirectorySource
from tests.conftest import FIXTURES

REPOS = FIXTURES / "repos"
EXPECTED = {
    "chat-assistant": {"SRV011", "SEC009", "SEC008", "SEC005", "SPOF003"},
    "gpu-infra-aks": {"SEC010", "COST004"},
    "gpu-infra-eks": {"SEC012", "LOCK006", "COST001"},
    "gpu-operations": {"SEC001", "SEC003", "SEC005", "LOCK002", "LOCK003"},
    "kserve-models": {"SRV013", "SPOF001", "SRV014"},
    "llm-serving": {"HEAD001", "HEAD008", "SRV010"},
    "platform-rbac": {"RBAC001", "RBAC002", "RBAC006"},
    "triton-inference": {"SPOF001", "SEC010", "SRV002", "INGEST001"},
}


def test_every_fixture_repository_is_listed() -> None:
    assert sorted(p.name for p in REPOS.iterdir() if p.is_dir()) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_repository_shows_its_mistakes(name: str) -> None:
    decision = audit(DirectorySource(REPOS / name))
    found = {f.rule_id for f in decision.findings}
    assert EXPECTED[name] <= found
    assert not [n for n in decision.notes if n.startswith("Internal error")]
    ingest = [f.location.path for f in decision.findings if f.rule_id == "INGEST001"]
    assert ingest == (["models/llama-trtllm/config.pbtxt"] if name == "triton-inference" else [])
