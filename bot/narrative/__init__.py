"""Optional prose by a language model (`aria[llm]`), held to the decision model's evidence."""

from bot.narrative.apply import apply_narrative
from bot.narrative.settings import NarrativeSettings

__all__ = ["NarrativeSettings", "apply_narrative"]
