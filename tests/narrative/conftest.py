"""A local OpenAI-compatible endpoint, the settings an operator would give, and the decisions."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.decision.model import Decision
from bot.engine import review
from bot.ingest.source import DirectorySource
from bot.narrative import NarrativeSettings
from bot.narrative.evidence import Evidence, evidence_of
from tests.narrative.endpoint import ChatEndpoint

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "gpu-serving"
REVIEWS = ROOT / "tests" / "fixtures" / "reviews"
API_KEY = "sk-operator-key-not-for-prompts"


@pytest.fixture
def endpoint() -> Iterator[ChatEndpoint]:
    server = ChatEndpoint().start()
    yield server
    server.stop()


def operator_settings(endpoint: ChatEndpoint, state_dir: Path, **env: str) -> NarrativeSettings:
    """What `ARIA_LLM_MODEL` + `ARIA_LLM_BASE_URL` configure, pointed at the local endpoint."""
    return NarrativeSettings.from_env({
        "ARIA_LLM_MODEL": "local-llm", "ARIA_LLM_BASE_URL": endpoint.base_url,
        "ARIA_LLM_API_KEY": API_KEY, "ARIA_LLM_TIMEOUT": "10", "ARIA_STATE_DIR": str(state_dir),
        **env})


@pytest.fixture
def settings(endpoint: ChatEndpoint, tmp_path: Path) -> NarrativeSettings:
    return operator_settings(endpoint, tmp_path)


@pytest.fixture(scope="session")
def decision() -> Decision:
    return review(DirectorySource(EXAMPLES / "base"), DirectorySource(EXAMPLES / "head"))


@pytest.fixture(scope="session")
def evidence(decision: Decision) -> Evidence:
    return evidence_of(decision)


def answer(*parts: tuple[str, list[tuple[str, list[str]]]]) -> dict[str, Any]:
    """The writer's JSON: `answer(("context", [("A sentence.", ["F1"])]))`."""
    return {"parts": [{"part": name, "points": [{"text": t, "cites": c} for t, c in points]}
                      for name, points in parts]}


# Rewordings a careful architect could sign, each citing the items its words come from.
HONEST_CONTEXT = [
    ("`ClusterRole/model-loader` grants `*` on verbs and resources, and a compromised pod bound "
     "to a wildcard grant can take over the cluster.", ["F1", "W1"]),
    ("`Deployment/llm-server` can run with 1 replica, so one pod restart or node drain takes "
     "the model offline.", ["F2"]),
    ("Aria's verdict on this change is Request changes: it introduces 2 new error-level "
     "findings and 5 warnings.", ["V"]),
]
HONEST_SPOF = [
    ("Running at least two replicas, spread across nodes, survives a node drain and a rolling "
     "update.", ["O2.1"]),
    ("Its cost is one more pod's requests, including its GPUs.", ["O2.1"]),
    ("Keeping one replica costs the lowest, but every disruption is an outage.", ["O2.2"]),
]


def honest_answer() -> dict[str, Any]:
    return answer(("context", HONEST_CONTEXT), ("decision SPOF001", HONEST_SPOF))
