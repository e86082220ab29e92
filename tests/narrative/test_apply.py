"""`apply_narrative` through a local OpenAI-compatible endpoint: off by default, cached, within
budgets, bounded in time, and never changing what Aria decided."""

from __future__ import annotations

import time

from bot.narrative import NarrativeSettings
from bot.narrative.apply import apply_narrative
from bot.narrative.usage import UsageLedger, UsageRecord
from bot.render import render
from bot.render.adr import render_adr
from tests.narrative.conftest import HONEST_CONTEXT, HONEST_SPOF, answer, honest_answer
from tests.narrative.endpoint import Reply

EXCLUDED = {"explanations", "machine_written", "notes"}


def _ledger(settings: NarrativeSettings) -> UsageLedger:
    return UsageLedger(settings.state_dir / "narrative-usage.sqlite3")


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


def test_explanations_are_added_beside_the_decision_which_stays_arias(decision, settings,
                                                                      endpoint):
    endpoint.answer(honest_answer())
    out = apply_narrative(decision, settings=settings)
    assert out.model_dump(exclude=EXCLUDED) == decision.model_dump(exclude=EXCLUDED)
    assert out.machine_written == ["context", "decision SPOF001"]
    assert [[p.text for p in e.points] for e in out.explanations] == [
        [t for t, _ in HONEST_CONTEXT], [t for t, _ in HONEST_SPOF]]
    assert out.notes == decision.notes


def test_the_review_marks_model_prose_and_keeps_it_out_of_the_decision(decision, settings,
                                                                       endpoint):
    endpoint.answer(honest_answer())
    out = apply_narrative(decision, settings=settings)
    text = render(out, "markdown")
    head, rest = text.split("### Context", 1)
    assert head == render(decision, "markdown").split("### Context", 1)[0]  # verdict untouched
    spof = rest.split("(`SPOF001`)", 1)[1].split("### Decision 3", 1)[0]
    table_end = spof.rindex("| High — every disruption is an outage |")
    marker = spof.index("> 🤖 _Written by a language model to explain, not part of the decision")
    assert table_end < marker < spof.index(HONEST_SPOF[0][0])
    assert "🤖 explanations of context, decision SPOF001 written by a language model" in text
    adr = render_adr(out)
    assert adr.index("## Context and Problem Statement") < adr.index(HONEST_CONTEXT[0][0]) \
        < adr.index("## Decision Drivers")
    assert adr.index("## More Information") < adr.index(HONEST_SPOF[0][0])


def test_a_rejected_point_is_left_out_with_a_note_and_the_others_are_kept(decision, settings,
                                                                         endpoint):
    planted = ("There are no real problems in this change.", ["V"])
    leaning = ("However, it survives a node drain and a rolling update.", ["V", "O2.1"])
    endpoint.answer(answer(("context", [HONEST_CONTEXT[0], planted, leaning, *HONEST_CONTEXT[1:]]),
                           ("decision SPOF001", HONEST_SPOF)))
    out = apply_narrative(decision, settings=settings)
    assert out.machine_written == ["context", "decision SPOF001"]
    assert [p.text for p in out.explanations[0].points] == [t for t, _ in HONEST_CONTEXT]
    shown = render(out, "markdown") + render_adr(out)
    assert "no real problems" not in shown and "However, it survives" not in shown
    assert out.notes[-1] == ("2 of the 5 points the language model wrote to explain context "
                             "did not pass the evidence check and were left out.")


def test_identical_decisions_reuse_the_cached_narrative(decision, settings, endpoint):
    endpoint.answer(honest_answer())
    first = apply_narrative(decision, settings=settings)
    again = apply_narrative(decision.model_copy(), settings=settings)
    assert again == first and len(endpoint.requests) == 1
    rows = _ledger(settings).rows()
    assert [r.outcome for r in rows] == ["written", "cached"]
    assert rows[0].tokens_in > 0 and rows[0].tokens_out > 0 and rows[1].tokens_in == 0
    assert rows[0].model == "local-llm@" + endpoint.base_url


def test_the_budget_per_review_is_enforced_with_a_note(decision, settings, endpoint):
    small = settings.model_copy(update={"max_tokens_per_review": 500})
    out = apply_narrative(decision, settings=small)
    assert endpoint.requests == [] and out.machine_written == []
    assert "budget of 500 per review" in out.notes[-1]


def test_the_daily_budget_per_installation_is_enforced_with_a_note(decision, settings,
                                                                   endpoint):
    ledger = _ledger(settings)
    ledger.record(UsageRecord(installation="local", model="m", review="r", tokens_in=490_000,
                              tokens_out=9_000, outcome="written"))
    out = apply_narrative(decision, settings=settings)
    assert endpoint.requests == [] and "today's budget of 500000 tokens" in out.notes[-1]
    endpoint.answer(honest_answer())
    other = settings.model_copy(update={"installation": "other"})
    assert apply_narrative(decision, settings=other).machine_written  # its own budget is intact


def test_a_slow_endpoint_is_given_up_within_the_timeout(decision, settings, endpoint):
    endpoint.answer(Reply(honest_answer(), delay_s=3))
    started = time.monotonic()
    out = apply_narrative(decision, settings=settings.model_copy(update={"timeout_s": 0.5}))
    assert time.monotonic() - started < 2
    assert out.explanations == [] and "did not answer within 0.5 s" in out.notes[-1]
    (row,) = _ledger(settings).rows()
    assert row.outcome == "timeout" and row.tokens_in > 0


def test_an_endpoint_error_leaves_arias_text(decision, settings, endpoint):
    endpoint.answer(Reply(status=500), Reply(status=500))  # the client retries once
    out = apply_narrative(decision, settings=settings)
    assert out.explanations == [] and out.notes[-1].startswith("The language model failed (")
    assert len(endpoint.requests) == 2


def test_an_answer_that_is_not_a_narrative_is_unparsable(decision, settings, endpoint):
    endpoint.answer(Reply(raw="I'd rather not."))
    out = apply_narrative(decision, settings=settings)
    assert out.explanations == [] and "could not be read" in out.notes[-1]


def test_a_model_that_cannot_be_started_leaves_the_deterministic_text(decision, settings):
    broken = settings.model_copy(update={"model": "no-such-provider:some-model",
                                         "base_url": None})
    out = apply_narrative(decision, settings=broken)
    assert out.machine_written == [] and "could not be started" in out.notes[-1]
