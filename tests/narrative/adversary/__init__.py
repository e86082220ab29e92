"""An adversarial stand-in for the narrative writer, written without reading the guard.

``attack(brief, seed)`` returns, for every prose part of a review brief, honest rewordings of
the evidence mixed with planted claims of the kinds described in
:mod:`tests.narrative.adversary.kinds`. Planted claims borrow the brief's own names and
figures and cite plausible evidence ids, so only their content gives them away. Pure Python,
stdlib only, deterministic for a given brief and seed.

``python -m tests.narrative.adversary BRIEF.json [--seed N]`` prints a corpus summary.
"""

from tests.narrative.adversary.attack import attack, summarise
from tests.narrative.adversary.kinds import KIND_NAMES, template_counts

__all__ = ["KIND_NAMES", "attack", "summarise", "template_counts"]
