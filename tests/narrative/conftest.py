"""Scripted chat models (LangChain's own fakes) and the example decision they write about."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage

from bot.decision.model import Decision
from bot.engine import review
from bot.ingest.source import DirectorySource
from bot.narrative import NarrativeSettings
from bot.narrative.schema import Narrative

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "gpu-serving"


class ScriptedChatModel(GenericFakeChatModel):
    """LangChain's GenericFakeChatModel, able to stand behind `with_structured_output`.

    It replays the scripted AIMessages (tool calls included) and records the prompts it got.
    """

    prompts: list[list[Any]] = []

    def bind_tools(self, tools: Any, **kwargs: Any) -> ScriptedChatModel:
        return self  # the scripted answers already hold the tool call

    def _generate(self, messages: list[Any], *args: Any, **kwargs: Any) -> Any:
        self.prompts.append(messages)
        return super()._generate(messages, *args, **kwargs)


def tool_answer(narrative: Narrative | dict[str, Any], usage: tuple[int, int] = (900, 300)
                ) -> AIMessage:
    args = narrative.model_dump() if isinstance(narrative, Narrative) else narrative
    return AIMessage(content="", tool_calls=[{"name": "Narrative", "args": args, "id": "call-1"}],
                     usage_metadata={"input_tokens": usage[0], "output_tokens": usage[1],
                                     "total_tokens": sum(usage)})


def scripted(*answers: AIMessage | str) -> ScriptedChatModel:
    return ScriptedChatModel(messages=iter(answers), prompts=[])


@pytest.fixture(scope="session")
def decision() -> Decision:
    return review(DirectorySource(EXAMPLES / "base"), DirectorySource(EXAMPLES / "head"))


@pytest.fixture
def settings(tmp_path: Path) -> NarrativeSettings:
    return NarrativeSettings(model=None, state_dir=tmp_path, timeout_s=5)


def honest(decision: Decision) -> Narrative:
    """A rewrite a careful architect could sign: every figure and name from the decision."""
    points = decision.decision_points
    first = points[0]
    spof = next(p for p in points if p.rule_id == "SPOF001")
    return Narrative.model_validate({
        "recommendation": (
            f"**Request changes.** The change adds **2** error-level findings and **1** warning. "
            f"✅ First, {first.recommended.title}: the `*` grant in "
            f"`k8s/rbac/model-loader.yaml:9` lets a compromised pod take over the cluster."),
        "context": ("The change puts `Deployment/llm-server` behind an autoscaler that can drop "
                    "to **1** replica and scales on cpu at **90%** utilization, leaving **10%** "
                    "headroom where the policy asks for **25%**."),
        "consequences": [
            "Least privilege: a missing verb fails loudly in testing rather than in production.",
            "Two replicas cost one more GPU but survive a node drain and a rolling update.",
        ],
        "decision_points": [
            {"rule_id": spof.rule_id, "options": [
                {"title": o.title, "recommended": o.recommended,
                 "summary": f"Risk: {o.risk}. Cost: {o.cost}."} for o in spof.options]},
        ],
    })


def with_changes(narrative: Narrative, **changes: Any) -> Narrative:
    return Narrative.model_validate({**narrative.model_dump(), **changes})
