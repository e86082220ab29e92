"""`apply_narrative`: off by default, cached, within budgets, and bounded in time."""

from __future__ import annotations

import time

from bot.narrative import NarrativeSettings, apply_narrative
from bot.narrative.usage import UsageLedger, UsageRecord
from bot.render import render
from tests.narrative.conftest import ScriptedChatModel, honest, scripted, tool_answer


def test_without_a_configured_model_the_decision_is_returned_untouched(decision, tmp_path):
    settings = NarrativeSettings.from_env({"ARIA_STATE_DIR": str(tmp_path)})
    assert not settings.configured
    assert apply_narrative(decision, settings=settings) is decision
    assert list(tmp_path.iterdir()) == []  # no cache, no ledger, no tokens


def test_settings_come_from_the_operators_environment(tmp_path):
    settings = NarrativeSettings.from_env({
        "ARIA_LLM_MODEL": "llama3.1", "ARIA_LLM_BASE_URL": "http://vllm:8000/v1",
        "ARIA_LLM_MAX_TOKENS_PER_REVIEW": "9000", "ARIA_LLM_MAX_TOKENS_PER_DAY": "90000",
        "ARIA_LLM_TIMEOUT": "12.5", "ARIA_STATE_DIR": str(tmp_path)})
    assert settings.configured and settings.model_id == "llama3.1@http://vllm:8000/v1"
    assert (settings.max_tokens_per_review, settings.max_tokens_per_day) == (9000, 90000)
    assert settings.timeout_s == 12.5 and settings.state_dir == tmp_path


def test_identical_decisions_reuse_the_cached_narrative(decision, settings):
    first = apply_narrative(decision, scripted(tool_answer(honest(decision))), settings)
    silent = scripted()  # would fail if it were asked
    again = apply_narrative(decision.model_copy(), silent, settings)
    assert again == first and silent.prompts == []
    rows = UsageLedger(settings.state_dir / "narrative-usage.sqlite3").rows()
    assert [(r.tokens_in, r.tokens_out, r.outcome) for r in rows] == [
        (900, 300, "written"), (0, 0, "cached")]
    assert rows[0].model == "generic-fake-chat-model"


def test_the_budget_per_review_is_enforced_with_a_note(decision, settings):
    model = scripted(tool_answer(honest(decision)))
    small = settings.model_copy(update={"max_tokens_per_review": 500})
    out = apply_narrative(decision, model, small)
    assert model.prompts == [] and out.machine_written == []
    assert out.recommendation == decision.recommendation
    assert "budget of 500 per review" in out.notes[-1]


def test_the_daily_budget_per_installation_is_enforced_with_a_note(decision, settings):
    ledger = UsageLedger(settings.state_dir / "narrative-usage.sqlite3")
    ledger.record(UsageRecord(installation="local", model="m", review="r", tokens_in=490_000,
                              tokens_out=9_000, outcome="written"))
    ledger.record(UsageRecord(installation="other", model="m", review="r", tokens_in=1,
                              tokens_out=1, outcome="written"))
    model = scripted(tool_answer(honest(decision)))
    out = apply_narrative(decision, model, settings)
    assert model.prompts == [] and "today's budget of 500000 tokens" in out.notes[-1]
    other = settings.model_copy(update={"installation": "other"})
    assert apply_narrative(decision, model, other).machine_written  # its own budget is intact


class _Hanging(ScriptedChatModel):
    def _generate(self, *args, **kwargs):
        time.sleep(3)
        return super()._generate(*args, **kwargs)


def test_a_timeout_falls_back_to_the_deterministic_text_in_bounded_time(decision, settings):
    started = time.monotonic()
    out = apply_narrative(decision, _Hanging(messages=iter([tool_answer(honest(decision))])),
                          settings.model_copy(update={"timeout_s": 0.3}))
    assert time.monotonic() - started < 1.5
    assert out.recommendation == decision.recommendation and out.machine_written == []
    assert "did not answer within 0.3 s" in out.notes[-1]
    (row,) = UsageLedger(settings.state_dir / "narrative-usage.sqlite3").rows()
    assert row.outcome == "timeout" and row.tokens_in > 0


def test_a_model_that_cannot_be_started_leaves_the_deterministic_text(decision, settings):
    broken = settings.model_copy(update={"model": "no-such-provider:some-model"})
    out = apply_narrative(decision, settings=broken)
    assert out.machine_written == [] and "could not be started" in out.notes[-1]


def test_the_review_names_the_machine_written_parts(decision, settings):
    out = apply_narrative(decision, scripted(tool_answer(honest(decision))), settings)
    text = render(out, "markdown")
    assert ("prose in recommendation, context, consequences, options of SPOF001 written by a "
            "language model") in text
    assert honest(decision).recommendation in text
