"""Closed-loop concurrent load: N coroutines, each keeping one request in flight.

This is perf_analyzer's concurrency mode: a new request leaves as soon as the previous one of
the same worker returns, so exactly N requests are outstanding. The load runs continuously
across measurement windows; a window is the requests that *completed* between two boundaries.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

import numpy as np

from bot.probes.client import error_message

# A failing request returns at once when the server is gone; pausing keeps a worker from
# spinning the CPU the server (sharing this box) needs, while still detecting recovery.
_ERROR_PAUSE_S = 0.05


@dataclass
class Window:
    """Requests that completed in one measurement window, with stats snapshots at its edges."""

    start: float
    end: float
    latencies_s: np.ndarray
    errors: int
    error_samples: list[str]
    stats_before: dict[str, Any] | None = None
    stats_after: dict[str, Any] | None = None

    @property
    def duration(self) -> float:
        return self.end - self.start

    @property
    def throughput(self) -> float:
        return len(self.latencies_s) / self.duration if self.duration > 0 else 0.0

    def latency(self, metric: str) -> float:
        """Latency in ms by metric name (`avg`, `p50` …); NaN when nothing completed."""
        if not len(self.latencies_s):
            return float("nan")
        if metric == "avg":
            return float(np.mean(self.latencies_s)) * 1e3
        return float(np.percentile(self.latencies_s, float(metric[1:]))) * 1e3


@dataclass
class ClosedLoop:
    """Runs `concurrency` workers calling `infer` until `stop`."""

    infer: Callable[[], Awaitable[Any]]
    concurrency: int
    stop_timeout_s: float = 15.0
    _latencies: list[float] = field(default_factory=list)
    _errors: list[str] = field(default_factory=list)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)
    _running: bool = False

    async def __aenter__(self) -> ClosedLoop:
        self._running = True
        self._tasks = [asyncio.create_task(self._worker()) for _ in range(self.concurrency)]
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    async def _worker(self) -> None:
        infer, latencies, clock = self.infer, self._latencies, time.perf_counter
        while self._running:
            t0 = clock()
            try:
                await infer()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # any failure counts as an error of this window
                self._errors.append(error_message(exc))
                await asyncio.sleep(_ERROR_PAUSE_S)
                continue
            latencies.append(clock() - t0)

    def mark(self) -> tuple[float, int, int]:
        """A window boundary: (time, completed so far, errors so far)."""
        return time.perf_counter(), len(self._latencies), len(self._errors)

    def window(self, start: tuple[float, int, int], end: tuple[float, int, int]) -> Window:
        errors = self._errors[start[2] : end[2]]
        return Window(
            start=start[0],
            end=end[0],
            latencies_s=np.asarray(self._latencies[start[1] : end[1]], dtype=np.float64),
            errors=len(errors),
            error_samples=list(dict.fromkeys(errors))[:3],
        )

    async def stop(self) -> None:
        """Stop the workers; in-flight requests get `stop_timeout_s` before being cancelled."""
        self._running = False
        if not self._tasks:
            return
        _, pending = await asyncio.wait(self._tasks, timeout=self.stop_timeout_s)
        for task in pending:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
