"""`aria review` and `aria adr new --from` call the writer only when the operator configures one."""

from __future__ import annotations

import json

import pytest

import bot.narrative.apply
from bot.cli import main
from tests.narrative.conftest import EXAMPLES, HONEST_SPOF, honest_answer

REVIEW = ["review", str(EXAMPLES / "base"), str(EXAMPLES / "head"), "--fail-on", "never"]


def _review(capsys, *extra: str) -> str:
    assert main([*REVIEW, *extra]) == 0
    return capsys.readouterr().out


def test_without_a_model_the_review_is_the_deterministic_one(capsys, monkeypatch, tmp_path):
    monkeypatch.delenv("ARIA_LLM_MODEL", raising=False)
    monkeypatch.setenv("ARIA_STATE_DIR", str(tmp_path))
    decision = json.loads(_review(capsys, "--format", "json"))
    assert decision["machine_written"] == []
    assert not any("language model" in n for n in decision["notes"])
    assert "language model" not in _review(capsys)
    assert list(tmp_path.iterdir()) == []


@pytest.fixture
def unavailable_model(monkeypatch, tmp_path):
    """A configured model whose provider is not installed: the wiring shows in a note."""
    monkeypatch.setenv("ARIA_LLM_MODEL", "no-such-provider:model")
    monkeypatch.setenv("ARIA_STATE_DIR", str(tmp_path))


def test_a_configured_model_is_used_by_aria_review(capsys, unavailable_model):
    decision = json.loads(_review(capsys, "--format", "json"))
    assert any("could not be started" in n for n in decision["notes"])
    assert decision["recommendation"].startswith("**Request changes.**")


def test_a_configured_model_is_used_by_aria_adr_new_from(capsys, unavailable_model, tmp_path,
                                                         monkeypatch):
    calls = []

    def spy(decision, model=None, settings=None):
        calls.append(decision.mode)
        return decision

    monkeypatch.setattr(bot.narrative.apply, "apply_narrative", spy)
    assert main(["adr", "new", "GPU serving", "--from", str(EXAMPLES / "head"),
                 "--dir", str(tmp_path / "adr")]) == 0
    assert calls == ["adr"]


def test_aria_review_writes_explanations_through_the_operators_endpoint(
        capsys, monkeypatch, tmp_path, endpoint):
    monkeypatch.setenv("ARIA_LLM_MODEL", "local-llm")
    monkeypatch.setenv("ARIA_LLM_BASE_URL", endpoint.base_url)
    monkeypatch.setenv("ARIA_STATE_DIR", str(tmp_path))
    endpoint.answer(honest_answer())
    text = _review(capsys)
    assert HONEST_SPOF[0][0] in text and "🤖 explanations of context, decision SPOF001" in text
    assert text.startswith(_review_without_model(capsys, monkeypatch).split("### Context")[0])


def _review_without_model(capsys, monkeypatch) -> str:
    monkeypatch.delenv("ARIA_LLM_MODEL")
    return _review(capsys)
