"""The grounding guard, driven through `apply_narrative` by scripted LangChain chat models."""

from __future__ import annotations

import pytest

from bot.decision.model import Decision, Figure
from bot.narrative import apply_narrative
from bot.narrative.grounding import Grounding, tokens
from tests.narrative.conftest import honest, scripted, tool_answer, with_changes

WRITTEN = ["recommendation", "context", "consequences", "options of SPOF001"]


def narrate(decision: Decision, narrative, settings) -> Decision:
    return apply_narrative(decision, model=scripted(tool_answer(narrative)), settings=settings)


def test_an_honest_answer_passes_through_unchanged(decision, settings):
    answer = honest(decision)
    out = narrate(decision, answer, settings)
    assert out.machine_written == WRITTEN
    assert out.recommendation == answer.recommendation
    assert out.context == answer.context
    assert out.consequences == answer.consequences
    spof = next(p for p in out.decision_points if p.rule_id == "SPOF001")
    assert [o.summary for o in spof.options] == [o.summary for o in
                                                 answer.decision_points[0].options]
    assert out.notes == decision.notes


FABRICATIONS = {
    "p99": "Under peak load the p99 latency is **143 ms**, over the SLO.",
    "price": "At **$3.20** per GPU-hour the second replica adds **$2,300** a month.",
    "replica count": "The autoscaler should run **37** replicas of `Deployment/llm-server`.",
    "replica count in words": "The pool needs seventeen replicas to hold the peak.",
    "resource name": "The change also exposes `Service/payments-api` to the cluster.",
    "bare resource name": "Traffic reaches llm-server through the payments-gateway.",
    "model name": "The pool serves Llama-3-70B with the 25% headroom policy.",
    "proper noun": "The workload serves Mixtral from the inference namespace.",
    "measurement claim": "Load tests showed the single replica saturating during scale-out.",
    "approval": "Approve this change once the grant is narrowed.",
    "markup": "See [the runbook](https://example.com/runbook) and ping @platform-team.",
}


@pytest.mark.parametrize("part", ["context", "consequences"])
@pytest.mark.parametrize("kind", sorted(FABRICATIONS))
def test_a_fabricated_span_is_dropped_and_the_deterministic_text_used(
        decision, settings, part, kind):
    answer = honest(decision)
    text = FABRICATIONS[kind]
    value = [*answer.consequences, text] if part == "consequences" else f"{answer.context} {text}"
    out = narrate(decision, with_changes(answer, **{part: value}), settings)
    assert getattr(out, part) == getattr(decision, part)
    assert out.machine_written == [p for p in WRITTEN if p != part]
    assert out.recommendation == answer.recommendation  # the honest parts still pass
    assert any(part in n and "evidence check" in n for n in out.notes)


@pytest.mark.parametrize("recommendation", [
    "**Approve.** The change is ready; ✅ List the verbs and resources the workload actually uses.",
    "The change adds **2** error-level findings. **Request changes.** ✅ List the verbs and "
    "resources the workload actually uses.",
    "**Request changes.** The change adds **2** error-level findings; fix them first.",
    "**Request changes.** ✅ Bind a built-in aggregated role (`view`, `edit`) in one namespace.",
])
def test_a_recommendation_that_changes_the_verdict_or_the_choice_is_dropped(
        decision, settings, recommendation):
    answer = with_changes(honest(decision), recommendation=recommendation)
    out = narrate(decision, answer, settings)
    assert out.recommendation == decision.recommendation
    assert "recommendation" not in out.machine_written


def _spof_prose(decision: Decision, **change) -> dict:
    spof = next(p for p in decision.decision_points if p.rule_id == "SPOF001")
    options = [{"title": o.title, "recommended": o.recommended, "summary": f"Risk: {o.risk}."}
               for o in spof.options]
    return {"rule_id": "SPOF001", "options": change.get("options", lambda o: o)(options)}


def _flip(options: list[dict]) -> list[dict]:
    return [{**o, "recommended": not o["recommended"]} for o in options]


@pytest.mark.parametrize("change", [
    _flip,  # the writer recommends another option
    lambda o: [*o, {"title": "Rewrite it in Rust", "recommended": False, "summary": "Low."}],
    lambda o: [{**o[0], "summary": "Not recommended: it costs one more GPU."}, *o[1:]],
    lambda o: [o[0], {**o[1], "summary": "The recommended option: cheapest, no extra pod."}],
])
def test_options_are_checked_against_the_model_not_the_answer(decision, settings, change):
    answer = with_changes(honest(decision),
                          decision_points=[_spof_prose(decision, options=change)])
    out = narrate(decision, answer, settings)
    assert out.decision_points == decision.decision_points
    assert "options of SPOF001" not in out.machine_written


def test_an_answer_that_drops_options_and_risks_cannot_remove_them(decision, settings):
    prose = _spof_prose(decision, options=lambda o: o[:1])
    out = narrate(decision, with_changes(honest(decision), decision_points=[prose]), settings)
    spof = next(p for p in out.decision_points if p.rule_id == "SPOF001")
    original = next(p for p in decision.decision_points if p.rule_id == "SPOF001")
    assert [(o.title, o.recommended) for o in spof.options] == [
        (o.title, o.recommended) for o in original.options]
    assert spof.options[0].summary == prose["options"][0]["summary"]
    assert spof.options[1:] == original.options[1:]
    assert out.risks == decision.risks and out.findings == decision.findings


@pytest.mark.parametrize(("text", "values"), [
    ("1,000 requests", [1000]), ("1k requests", [1000]), ("2.5M tokens", [2_500_000]),
    ("0.98 of memory", [0.98]), ("98% of memory", [98]), ("2 ms", [2]), ("2ms", [2]),
    ("$3.20 an hour", [3.2]), ("€0.50", [0.5]), ("80GiB", [80]), ("20–40% headroom", [20, 40]),
    ("~7 replicas", [7]), ("seven replicas", [7]), ("twice the GPUs", [2]),
])
def test_numbers_are_read_in_every_common_form(text, values):
    assert [t.value for t in tokens(text) if t.kind == "number"] == values


@pytest.mark.parametrize("text", ["`RBAC001`", "p99", "gpt-4o", "k8s/serving/llm.yaml:82",
                                  "ClusterRole", "vLLM", "H100"])
def test_identifiers_are_names_not_numbers(text):
    assert [t.kind for t in tokens(text.strip("`"))] == ["name"]


def test_percent_and_fraction_ground_each_other(decision):
    with_fraction = decision.model_copy(update={"figures": [
        Figure(label="GPU memory share", value=0.98, source="k8s/vllm.yaml:12")]})
    grounding = Grounding.of(with_fraction)
    assert all(grounding.knows_number(t) for t in tokens("98% and 0.98 and 25% and 0.25"))
    assert not any(grounding.knows_number(t) for t in tokens("97% and 0.97"))


def test_a_line_number_alone_grounds_nothing(decision):
    grounding = Grounding.of(decision)
    assert grounding.knows_name("k8s/serving/llm.yaml:82")
    assert not grounding.knows_number(next(tokens("82")))
