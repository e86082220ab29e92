"""Server-side split from statistics-extension snapshots (perf_analyzer's method).

The extension's counters are cumulative per loaded model version, so the split of a span is the
difference of a snapshot at its start and one at its end: average = Δns / Δcount. Spans from
different loads of a model (the phases of an A/B) are summed pair by pair, never differenced
across a reload, which may reset the counters.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from bot.measurements import ServerSplit

_TIMED = ("success", "queue", "compute_input", "compute_infer", "compute_output")


def _totals(snapshot: dict[str, Any]) -> Counter[str]:
    totals: Counter[str] = Counter(
        inferences=int(snapshot.get("inference_count", 0)),
        executions=int(snapshot.get("execution_count", 0)),
    )
    stats = snapshot.get("inference_stats", {})
    for key in _TIMED:
        totals[f"{key}.count"] = int(stats.get(key, {}).get("count", 0))
        totals[f"{key}.ns"] = int(stats.get(key, {}).get("ns", 0))
    return totals


def split(spans: Iterable[tuple[dict[str, Any], dict[str, Any]]]) -> ServerSplit | None:
    """The split over `(before, after)` snapshot pairs; `None` if any pair straddles a
    reload (version changed or counters went backwards) or there is no pair."""
    total: Counter[str] = Counter()
    seen = False
    for before, after in spans:
        if before.get("version") != after.get("version"):
            return None
        a, b = _totals(after), _totals(before)
        diff = {k: a[k] - b[k] for k in a}
        if any(v < 0 for v in diff.values()):
            return None
        total.update(diff)
        seen = True
    if not seen:
        return None

    def avg_us(key: str) -> float | None:
        count = total[f"{key}.count"]
        return total[f"{key}.ns"] / count / 1e3 if count else None

    return ServerSplit(
        requests=total["success.count"],
        executions=total["executions"],
        avg_batch=total["inferences"] / total["executions"] if total["executions"] else None,
        queue_us=avg_us("queue"),
        compute_input_us=avg_us("compute_input"),
        compute_infer_us=avg_us("compute_infer"),
        compute_output_us=avg_us("compute_output"),
    )
