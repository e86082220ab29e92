"""Readings: one query each, and every way it can fail turned into a note on the figure.

Once Prometheus stops answering (down, timing out at the client, budget or deadline spent), no
further query is sent and every later figure says why it is missing.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

from bot.promql import duration_seconds
from bot.telemetry.errors import BudgetExhausted, PrometheusUnavailable, QueryFailed
from bot.telemetry.queries import Stats
from bot.telemetry_report import Reading

if TYPE_CHECKING:  # the client is imported where a meter is opened (bot.telemetry.session)
    from bot.telemetry.client import PrometheusClient, Sample

NO_SERIES = "no series: Prometheus holds no data for it in the window"


def settle(reading: Reading, values: list[float] | None, combine: Callable[[list[float]], float],
           failed: str = "not read") -> Reading:
    """Give ``reading`` the combined value, or the note saying why there is none."""
    if values is None:
        reading.note = failed
    elif not values:
        reading.note = NO_SERIES
    elif not all(math.isfinite(v) for v in values):
        bad = next(v for v in values if not math.isfinite(v))
        reading.note = (f"Prometheus returned {bad} (the series hold NaN or infinite samples), "
                        "so there is no figure")
    else:
        reading.value = combine(values)
    return reading


def _single(values: list[float]) -> float:
    return values[0]


class Meter:
    def __init__(self, client: PrometheusClient, stats: Stats) -> None:
        self.client = client
        self.stats = stats
        self.stopped: str | None = None
        self.notes: list[str] = []  # report-level: why telemetry stopped, batched failures

    @property
    def source(self) -> str:
        return self.client.target.source

    @property
    def steps(self) -> int:
        return int(duration_seconds(self.stats.window) // duration_seconds(self.stats.step))

    def blank(self, label: str, promql: str, unit: str, window: str, stat: str) -> Reading:
        return Reading(label=label, unit=unit, promql=promql, window=window, stat=stat,
                       source=self.source)

    def _halt(self, exc: Exception) -> str:
        """Stop querying; the note every later figure carries."""
        self.stopped = str(exc)
        self.notes.append(f"Telemetry stopped: {exc}. Figures not read by then are missing, and "
                          "the repository's assumptions stand for them.")
        return f"not read: {exc}"

    def _ask(self, promql: str) -> tuple[list[Sample] | None, str]:
        """Samples (None on failure) and the note that explains a failure or a partial answer."""
        if self.stopped:
            return None, f"not read: {self.stopped}"
        try:
            answer = self.client.query(promql)
        except (PrometheusUnavailable, BudgetExhausted) as exc:
            return None, self._halt(exc)
        except QueryFailed as exc:
            return None, f"Prometheus rejected the query: {exc}"
        partial = "partial answer: " + "; ".join(answer.warnings) if answer.warnings else ""
        return answer.samples, partial

    def read(self, label: str, promql: str, unit: str, window: str, stat: str) -> Reading:
        reading = self.blank(label, promql, unit, window, stat)
        samples, note = self._ask(promql)
        if samples is not None and len(samples) > 1:
            reading.note = (f"{len(samples)} series where one was expected; the selector is "
                            "ambiguous")
            return reading
        settle(reading, [s.value for s in samples] if samples is not None else None, _single,
               note)
        if reading.ok and note:
            reading.note = note
        return reading

    def rows(self, promql: str) -> list[Sample] | None:
        """A query grouped by labels (one for many workloads); None when it failed."""
        samples, note = self._ask(promql)
        if note and not note.startswith("not read"):
            self.notes.append(f"{promql}: {note}")
        return samples

    def peak(self, label: str, inner: str, unit: str, coverage: bool = False) -> Reading:
        """The window's peak (the configured percentile of its values).

        With ``coverage``, also how much of the window has values, and no figure at all when
        some of them are NaN or infinite.
        """
        reading = self.read(label, self.stats.peak(inner), unit, self.stats.window,
                            self.stats.stat)
        if coverage and reading.ok:
            counts = {s.labels.get("points"): s.value
                      for s in self.rows(self.stats.quality(inner)) or []}
            if counts.get("nonfinite"):
                reading.value = None
                reading.note = (f"Prometheus holds {counts['nonfinite']:.0f} NaN or infinite "
                                "values for it in the window, so there is no figure")
            if counts.get("all") is not None:
                reading.coverage = min(1.0, counts["all"] / self.steps)
        return reading

    def maximum(self, label: str, inner: str, unit: str) -> Reading:
        return self.read(label, self.stats.maximum(inner), unit, self.stats.window,
                         f"max of {self.stats.step} values")

    def now(self, label: str, promql: str, unit: str) -> Reading:
        return self.read(label, promql, unit, "now", "last value")

    def names(self, match: str) -> set[str] | None:
        """Metric names among the series ``match`` selects in the window (None: unknown)."""
        if self.stopped:
            return None
        start = self.client.at - duration_seconds(self.stats.window)
        try:
            return set(self.client.label_values("__name__", match, start))
        except (PrometheusUnavailable, BudgetExhausted) as exc:
            self._halt(exc)
        except QueryFailed as exc:
            self.notes.append(f"Prometheus rejected a series lookup ({match}): {exc}")
        return None
