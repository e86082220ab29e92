"""When a run of measurement windows counts as stable (perf_analyzer's criterion).

Stable when, over the last `n` windows, max/min of throughput and of the chosen latency metric
are both within `1 + pct/100` — perf_analyzer's `-s` check, with the latency metric chosen
by the caller (perf_analyzer uses the average unless `--percentile` is set).
"""

from __future__ import annotations

from collections.abc import Sequence


def within(values: Sequence[float], pct: float) -> bool:
    low, high = min(values), max(values)
    if low <= 0:
        return high <= 0
    return high / low <= 1 + pct / 100


def is_stable(throughputs: Sequence[float], latencies: Sequence[float], n: int, pct: float) -> bool:
    """True when the last `n` windows agree within `pct` % on both series."""
    if len(throughputs) < n or len(latencies) < n:
        return False
    return within(throughputs[-n:], pct) and within(latencies[-n:], pct)
