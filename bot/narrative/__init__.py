"""Optional prose by a language model (`aria[llm]`), held to the decision model's evidence."""

from __future__ import annotations

from bot.decision.model import Decision
from bot.narrative.apply import apply_narrative
from bot.narrative.settings import NarrativeSettings

__all__ = ["NarrativeSettings", "apply_narrative", "narrate"]


def narrate(decision: Decision, installation: str | None = None) -> Decision:
    """The one on-switch: prose by the operator's language model when one is configured
    (`ARIA_LLM_MODEL`), charged to `installation`'s daily budget; else the decision as it is."""
    settings = NarrativeSettings()
    if not settings.configured:
        return decision
    if installation is not None:
        settings = settings.model_copy(update={"installation": installation})
    return apply_narrative(decision, settings=settings)
