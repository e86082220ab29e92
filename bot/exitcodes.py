"""Exit codes shared by every command, and the `--fail-on` gate they answer to."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:  # `import bot.cli` stays free of the finding model (pydantic)
    from bot.findings import Severity

OK = 0
FINDINGS = 1  # the gate failed: findings at or above --fail-on
USAGE = 2  # bad arguments or configuration
INTERNAL = 3  # Aria itself failed (I/O, a renderer, a probe's server, an unexpected error)

FailOn = Literal["error", "warning", "note", "never"]
FAIL_ON_LEVELS: tuple[FailOn, ...] = ("error", "warning", "note", "never")


def fails(severities: Iterable[Severity], fail_on: FailOn) -> bool:
    """Whether any of these severities reaches the `--fail-on` level (`never` never fails)."""
    if fail_on == "never":
        return False
    from bot.findings import Severity
    threshold = Severity(fail_on).rank
    return any(severity.rank >= threshold for severity in severities)
