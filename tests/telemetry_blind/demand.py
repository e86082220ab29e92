"""Request demand over two weeks: a daily cycle, a weekly one, day-to-day drift, bursts, noise.

The shape is relative (about 1.0 at a weekday's afternoon peak); a workload scales it so the
p99 of its 5-minute request rates is the figure it is meant to carry.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

DAY = 86_400
HOUR = 3_600


@dataclass(frozen=True)
class Burst:
    start: int      # epoch seconds
    seconds: int
    factor: float


def day_of_week(t: np.ndarray) -> np.ndarray:
    """0 = Monday (1970-01-01 was a Thursday)."""
    return ((t // DAY).astype(np.int64) + 3) % 7


def demand_shape(t: np.ndarray, rng: np.random.Generator, bursts: list[Burst]) -> np.ndarray:
    hours = (t % DAY) / HOUR
    afternoon = 0.90 * np.exp(-0.5 * ((hours - 14.5) / 3.0) ** 2)
    evening = 0.20 * np.exp(-0.5 * ((hours - 20.5) / 1.2) ** 2)
    daily = 0.10 + afternoon + evening
    weekly = np.where(day_of_week(t) >= 5, 0.55, 1.0)
    days = (t // DAY).astype(np.int64)
    first = days.min()
    level = rng.uniform(0.90, 1.0, size=days.max() - first + 1)[days - first]
    noise = rng.lognormal(0.0, 0.03, size=t.shape)
    shape = daily * weekly * level * noise
    for b in bursts:
        shape = np.where((t >= b.start) & (t < b.start + b.seconds), shape * b.factor, shape)
    return shape


def weekday_bursts(now: int, rng: np.random.Generator, count: int = 3) -> list[Burst]:
    """Short spikes (12-20 min, x1.4-1.7) on random weekdays in working hours."""
    bursts: list[Burst] = []
    while len(bursts) < count:
        day = now - int(rng.integers(1, 14)) * DAY
        midnight = day - day % DAY
        if day_of_week(np.array([midnight]))[0] >= 5:
            continue
        start = midnight + int(rng.integers(9 * HOUR, 18 * HOUR))
        bursts.append(Burst(start, int(rng.integers(12, 21)) * 60, float(rng.uniform(1.4, 1.7))))
    return bursts


def p99_of_5m(values_per_minute: np.ndarray, t: np.ndarray, in_window: np.ndarray,
              q: float = 99.0) -> float:
    """Percentile of 5-minute means of per-minute values, over full 5-minute buckets in window.

    Minutes with NaN (no valid data) are left out; a bucket needs all five valid minutes.
    """
    ok = in_window & np.isfinite(values_per_minute)
    bucket = (t[ok] // 300).astype(np.int64)
    base = bucket.min()
    sums = np.bincount(bucket - base, weights=values_per_minute[ok])
    counts = np.bincount(bucket - base)
    full = counts == 5
    return float(np.percentile(sums[full] / 5.0, q))


def p99_at_steps(values_per_minute: np.ndarray, t: np.ndarray, in_window: np.ndarray,
                 q: float = 99.0) -> float:
    """Percentile of what an evaluation every 5 minutes sees of a gauge: the sample of the
    minute just before each step (NaN minutes left out)."""
    at_step = in_window & (t % 300 == 240) & np.isfinite(values_per_minute)
    return float(np.percentile(values_per_minute[at_step], q))
