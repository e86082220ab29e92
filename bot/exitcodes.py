"""Exit codes shared by every command, and the `--fail-on` gate."""

from __future__ import annotations

from bot.decision.model import Decision
from bot.findings import Severity

OK = 0
FINDINGS = 1  # the gate failed: findings at or above --fail-on
USAGE = 2  # bad arguments or configuration
INTERNAL = 3  # Aria itself failed (I/O, a renderer, an unexpected error)

_THRESHOLD = {"error": Severity.error.rank, "warning": Severity.warning.rank,
              "note": Severity.note.rank}


def should_fail(decision: Decision, fail_on: str) -> bool:
    """Whether the gating findings (new ones in a review) reach the `--fail-on` level."""
    if fail_on == "never":
        return False
    threshold = _THRESHOLD[fail_on]
    return any(f.severity.rank >= threshold for f in decision.gating)
