"""Optional prose by a language model (`aria[llm]`), held to the decision model's evidence."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.narrative.settings import NarrativeSettings

if TYPE_CHECKING:
    from bot.decision.model import Decision

__all__ = ["NarrativeSettings", "narrate"]


def narrate(decision: Decision, installation: str | None = None) -> Decision:
    """The one on-switch: prose by the operator's language model when one is configured
    (`ARIA_LLM_MODEL`), charged to `installation`'s daily budget; else the decision as it is."""
    settings = NarrativeSettings()
    if not settings.configured:
        return decision
    if installation is not None:
        settings = settings.model_copy(update={"installation": installation})
    # The guard and the writer are imported only when a model is configured (start-up time).
    from bot.narrative import apply
    return apply.apply_narrative(decision, settings=settings)
