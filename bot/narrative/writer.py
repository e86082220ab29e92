"""The LangChain writer: evidence in, a `Narrative` out, within a bounded time.

The chain is an ordinary Runnable (prompt | model with structured output), so any chat model
works: a JSON-schema `response_format` where the model takes one (OpenAI and the servers that
speak its API: vLLM, Ollama), tool calling where it has that, and a JSON answer parsed from the
text where it has neither.
"""

from __future__ import annotations

import inspect
import json
import threading
from typing import Any, cast

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import Runnable, RunnableLambda, RunnableParallel
from pydantic import BaseModel, ConfigDict, ValidationError

from bot.narrative.prompt import HUMAN, SYSTEM
from bot.narrative.schema import Narrative

PROMPT = ChatPromptTemplate.from_messages([("system", SYSTEM), ("human", HUMAN)])


class WriterResult(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    narrative: Narrative | None = None
    tokens_in: int = 0
    tokens_out: int = 0
    error: str | None = None  # "timeout", "unparsable" or the provider's exception type


def build_chain(model: BaseChatModel) -> Runnable[dict[str, Any], dict[str, Any]]:
    """`{"evidence": str}` -> `{"raw": AIMessage, "parsed": Narrative | None, …}`."""
    options: dict[str, Any] = {"include_raw": True}
    if "method" in inspect.signature(model.with_structured_output).parameters:
        options["method"] = "json_schema"  # a schema-constrained answer, not a tool call
    try:
        structured = cast(Runnable[Any, dict[str, Any]],
                          model.with_structured_output(Narrative, **options))
    except NotImplementedError:  # no structured output: the prompt also asks for plain JSON
        structured = RunnableParallel(raw=model) | RunnableLambda(_parse_text)
    return PROMPT | structured


def _parse_text(answer: dict[str, Any]) -> dict[str, Any]:
    text = _text(answer["raw"])
    start, end = text.find("{"), text.rfind("}")
    try:
        parsed = Narrative.model_validate(json.loads(text[start:end + 1]))
    except (ValueError, ValidationError) as exc:
        return {**answer, "parsed": None, "parsing_error": exc}
    return {**answer, "parsed": parsed, "parsing_error": None}


def estimate_tokens(text: str) -> int:
    """About four characters a token: enough to keep a call inside a budget before it is made."""
    return len(text) // 4 + 1


def write(model: BaseChatModel, evidence: str, timeout_s: float) -> WriterResult:
    """One call of the chain, given up after `timeout_s` whatever the provider does.

    The call runs in a daemon thread: a provider that hangs past its own timeout cannot hold the
    review (or the process's exit) hostage.
    """
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["answer"] = build_chain(model).invoke({"evidence": evidence})
        except Exception as exc:  # any provider failure means the deterministic text
            box["error"] = exc

    thread = threading.Thread(target=run, name="aria-narrative", daemon=True)
    thread.start()
    thread.join(timeout_s)
    if thread.is_alive():
        return WriterResult(error="timeout", tokens_in=estimate_tokens(SYSTEM + evidence))
    if "error" in box:
        # a client that validates the JSON itself (OpenAI's `parse`) raises on a bad answer;
        # pydantic's ValidationError and JSON's errors are ValueErrors
        unreadable = isinstance(box["error"], ValueError)
        return WriterResult(error="unparsable" if unreadable else type(box["error"]).__name__,
                            tokens_in=estimate_tokens(SYSTEM + evidence))
    answer = box["answer"]
    raw = answer.get("raw")
    tokens_in, tokens_out = _usage(raw, SYSTEM + evidence)
    parsed = answer.get("parsed")
    return WriterResult(narrative=parsed if isinstance(parsed, Narrative) else None,
                        tokens_in=tokens_in, tokens_out=tokens_out,
                        error=None if isinstance(parsed, Narrative) else "unparsable")


def _usage(raw: object, prompt: str) -> tuple[int, int]:
    """Tokens the provider reports; an estimate where it reports none (local servers, fakes)."""
    if isinstance(raw, AIMessage) and raw.usage_metadata:
        return raw.usage_metadata["input_tokens"], raw.usage_metadata["output_tokens"]
    out = ""
    if isinstance(raw, AIMessage):
        out = _text(raw) + "".join(json.dumps(c["args"]) for c in raw.tool_calls)
    return estimate_tokens(prompt), estimate_tokens(out)


def _text(message: object) -> str:
    if not isinstance(message, BaseMessage):
        return str(message)
    if isinstance(message.content, str):
        return message.content
    return "".join(p if isinstance(p, str) else str(p.get("text", "")) for p in message.content)
