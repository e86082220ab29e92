"""The writer's chain end to end through LangChain Runnables: prompt in, `Narrative` out."""

from __future__ import annotations

import json
import time

from langchain_core.language_models.fake_chat_models import FakeListChatModel
from langchain_core.messages import HumanMessage, SystemMessage

from bot.narrative.prompt import facts_of, render_facts
from bot.narrative.writer import build_chain, write
from tests.narrative.conftest import ScriptedChatModel, honest, scripted, tool_answer


def test_the_chain_sends_rules_and_quoted_facts_and_parses_the_tool_call(decision):
    answer = honest(decision)
    model = scripted(tool_answer(answer))
    facts = render_facts(facts_of(decision))
    out = build_chain(model).invoke({"facts": facts})
    assert out["parsed"] == answer and out["parsing_error"] is None
    (system, human), = model.prompts
    assert isinstance(system, SystemMessage) and "Never change the verdict" in system.content
    assert isinstance(human, HumanMessage)
    quoted = human.content.split("<facts>\n", 1)[1].rsplit("\n</facts>", 1)[0]
    assert json.loads(quoted)["verdict"] == "Request changes."
    assert decision.title not in human.content  # the (PR author's) title is not sent


def test_a_model_without_tools_answers_in_json_text(decision):
    answer = honest(decision)
    model = FakeListChatModel(responses=[f"```json\n{answer.model_dump_json()}\n```"])
    result = write(model, render_facts(facts_of(decision)), timeout_s=5)
    assert result.narrative == answer and result.error is None
    assert result.tokens_in > 0 and result.tokens_out > 0  # estimated: the fake reports none


def test_usage_comes_from_the_provider_when_it_reports_it(decision):
    result = write(scripted(tool_answer(honest(decision), usage=(1234, 567))), "{}", timeout_s=5)
    assert (result.tokens_in, result.tokens_out) == (1234, 567)


def test_an_answer_that_is_not_a_narrative_is_unparsable():
    result = write(FakeListChatModel(responses=["I'd rather not."]), "{}", timeout_s=5)
    assert result.narrative is None and result.error == "unparsable"
    bad = scripted(tool_answer({"recommendation": 3}))
    assert write(bad, "{}", timeout_s=5).error == "unparsable"


class _Hanging(ScriptedChatModel):
    def _generate(self, *args, **kwargs):
        time.sleep(3)
        return super()._generate(*args, **kwargs)


class _Failing(ScriptedChatModel):
    def _generate(self, *args, **kwargs):
        raise ConnectionError("provider down")


def test_a_hanging_provider_is_given_up_within_the_timeout(decision):
    started = time.monotonic()
    result = write(_Hanging(messages=iter([tool_answer(honest(decision))])), "{}", timeout_s=0.3)
    assert result.error == "timeout" and result.narrative is None
    assert time.monotonic() - started < 1.5


def test_a_provider_error_is_reported_not_raised():
    result = write(_Failing(messages=iter([])), "{}", timeout_s=5)
    assert result.error == "ConnectionError" and result.narrative is None

