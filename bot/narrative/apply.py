"""`apply_narrative`: the decision, with explanations a language model wrote where they pass.

Off unless the operator configures a model. The model only adds explanations, kept apart from
the decision: the verdict, options, findings and figures are never taken from its answer. Any
failure on the way (budget, provider error, timeout, an answer that cannot be read) leaves the
review as Aria wrote it and says so in a note.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from bot.decision.model import Decision
from bot.narrative.cache import NarrativeCache, cache_key
from bot.narrative.evidence import evidence_of
from bot.narrative.guard import Guarded, guard
from bot.narrative.prompt import SYSTEM, render_evidence
from bot.narrative.settings import NarrativeSettings
from bot.narrative.usage import UsageLedger, UsageRecord

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

log = logging.getLogger(__name__)
OWN_TEXT = "the text is Aria's own."


def apply_narrative(decision: Decision, model: BaseChatModel | None = None,
                    settings: NarrativeSettings | None = None) -> Decision:
    """A copy of `decision` with guarded explanations and `machine_written` set, or `decision`.

    `model` overrides the configured one (tests, callers that hold a model already); budgets,
    cache and usage still follow `settings`.
    """
    settings = settings or NarrativeSettings.from_env()
    if (model is None and not settings.configured) or not decision.decision_points:
        return decision  # nothing configured, or no decision to write about: spend nothing
    from bot.narrative.writer import estimate_tokens, write  # LangChain only when used

    evidence = evidence_of(decision)
    shown = render_evidence(evidence)
    model_id = settings.model_id if model is None else _model_id(model)
    key = cache_key(model_id, shown)
    cache = NarrativeCache(settings.state_dir / "narratives")
    ledger = UsageLedger(settings.state_dir / "narrative-usage.sqlite3")

    def record(tokens_in: int, tokens_out: int, outcome: str) -> None:
        ledger.record(UsageRecord(installation=settings.installation, model=model_id,
                                  review=key, tokens_in=tokens_in, tokens_out=tokens_out,
                                  outcome=outcome))

    narrative = cache.get(key)
    if narrative is not None:
        record(0, 0, "cached")
    else:
        needed = estimate_tokens(SYSTEM + shown) + settings.max_output_tokens
        if needed > settings.max_tokens_per_review:
            return _noted(decision, f"The language model was not asked to write this review: it "
                                    f"needs about {needed} tokens, over the budget of "
                                    f"{settings.max_tokens_per_review} per review; {OWN_TEXT}")
        if ledger.spent_today(settings.installation) + needed > settings.max_tokens_per_day:
            return _noted(decision, f"The language model was not asked to write this review: "
                                    f"today's budget of {settings.max_tokens_per_day} tokens "
                                    f"for this installation is spent; {OWN_TEXT}")
        if model is None:
            try:
                model = settings.build_model()
            except Exception as exc:  # a missing provider package or a bad model name
                log.warning("language model %s unavailable: %s", model_id, exc)
                return _noted(decision, f"The language model could not be started "
                                        f"({type(exc).__name__}); {OWN_TEXT}")
        result = write(model, shown, settings.timeout_s)
        record(result.tokens_in, result.tokens_out, result.error or "written")
        if result.narrative is None:
            return _noted(decision, _failure(result.error, settings.timeout_s))
        narrative = result.narrative
        cache.put(key, narrative)
    return _merge(decision, guard(evidence, narrative))


def _model_id(model: BaseChatModel) -> str:
    name = getattr(model, "model_name", None) or getattr(model, "model", None)
    return f"{model._llm_type}:{name}" if isinstance(name, str) else model._llm_type


def _failure(error: str | None, timeout_s: float) -> str:
    if error == "timeout":
        return f"The language model did not answer within {timeout_s:g} s; {OWN_TEXT}"
    if error == "unparsable":
        return f"The language model's answer could not be read; {OWN_TEXT}"
    return f"The language model failed ({error}); {OWN_TEXT}"


def _noted(decision: Decision, note: str) -> Decision:
    return decision.model_copy(update={"notes": [*decision.notes, note]})


def _merge(decision: Decision, guarded: Guarded) -> Decision:
    """Only explanations move from the answer into the decision, beside Aria's own text."""
    notes = list(decision.notes)
    dropped: dict[str, int] = {}
    for r in guarded.rejections:
        log.info("narrative %s point %s rejected: %s", r.part, r.point, "; ".join(r.reasons))
        dropped[r.part] = dropped.get(r.part, 0) + 1
    for part, count in dropped.items():
        if part in guarded.offered:
            notes.append(f"{count} of the {guarded.offered[part]} points the language model "
                         f"wrote to explain {part} did not pass the evidence check and "
                         f"{'was' if count == 1 else 'were'} left out.")
        else:
            notes.append(f"The language model's explanation of {count} "
                         f"part{'' if count == 1 else 's'} the review does not have was left "
                         f"out.")
    return decision.model_copy(update={
        "explanations": [*decision.explanations, *guarded.accepted],
        "machine_written": [*decision.machine_written, *(e.part for e in guarded.accepted)],
        "notes": notes})
