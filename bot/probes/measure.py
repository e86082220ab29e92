"""The probe: warm-up, then measurement windows per concurrency level until stable.

Per level: start `C` closed-loop workers, warm up, then measure fixed-length windows until the
last `stable_windows` agree (see `bot.probes.stability`) or `max_windows` / the level's
time cap is reached; report the merged stable windows and the server-side split over exactly
that span. Like perf_analyzer, the load keeps running across window boundaries.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np

from bot.measurements import Latency, LevelResult, MethodSettings, ProbeRun
from bot.probes import stats
from bot.probes.client import TritonClient
from bot.probes.configs import on_server
from bot.probes.errors import ProbeError, ProbeServerError
from bot.probes.load import ClosedLoop, Window
from bot.probes.settings import ProbeTarget
from bot.probes.stability import is_stable
from bot.probes.synth import synthesize

T = TypeVar("T")


@dataclass
class LevelMeasurement:
    """The raw windows of one level (kept for A/B bootstrapping; not part of the report)."""

    concurrency: int
    windows: list[Window]
    stable: bool


def latency_summary(latencies_s: np.ndarray) -> Latency | None:
    if not len(latencies_s):
        return None
    p50, p90, p95, p99 = np.percentile(latencies_s, [50, 90, 95, 99]) * 1e3
    return Latency(avg=float(np.mean(latencies_s) * 1e3), p50=p50, p90=p90, p95=p95, p99=p99)


def summarise(concurrency: int, windows: list[Window], measured: int, stable: bool) -> LevelResult:
    """Merge `windows` into one level result (latencies pooled, throughput over their span)."""
    latencies = np.concatenate([w.latencies_s for w in windows])
    duration = sum(w.duration for w in windows)
    server = stats.split(
        (w.stats_before, w.stats_after) for w in windows if w.stats_before and w.stats_after
    )
    samples = [s for w in windows for s in w.error_samples]
    return LevelResult(
        concurrency=concurrency,
        latency_ms=latency_summary(latencies),
        throughput=len(latencies) / duration if duration > 0 else 0.0,
        requests=len(latencies),
        errors=sum(w.errors for w in windows),
        error_samples=list(dict.fromkeys(samples))[:3],
        windows_measured=measured,
        windows_merged=len(windows),
        stable=stable,
        server=server,
    )


async def prepare_inputs(
    client: TritonClient, model: str, shapes: dict[str, list[int]] | None
) -> dict[str, np.ndarray]:
    """Check the model is served, then synthesise a request from its metadata and config."""
    await client.check_model(model)
    metadata, config = await client.metadata(model), await client.config(model)
    return synthesize(model, metadata, config, shapes)


async def measure_level(
    client: TritonClient,
    model: str,
    infer: Callable[[], Awaitable[Any]],
    concurrency: int,
    method: MethodSettings,
    *,
    fixed_windows: int | None = None,
) -> LevelMeasurement:
    """Warm up and measure one level: until stable, or exactly `fixed_windows` windows."""
    deadline = time.monotonic() + method.warmup_s + method.level_timeout_s
    windows: list[Window] = []
    target = fixed_windows or method.max_windows
    async with ClosedLoop(infer, concurrency, stop_timeout_s=method.request_timeout_s + 1) as loop:
        await asyncio.sleep(method.warmup_s)
        edge = loop.mark()
        snapshot = await client.stats(model)
        while len(windows) < target and time.monotonic() < deadline:
            await asyncio.sleep(max(0.0, edge[0] + method.window_s - time.perf_counter()))
            end = loop.mark()
            after = await client.stats(model)
            window = loop.window(edge, end)
            window.stats_before, window.stats_after = snapshot, after
            _raise_if_dead(client, model, window)
            windows.append(window)
            edge, snapshot = end, after
            if fixed_windows is None and windows_stable(windows, method):
                return LevelMeasurement(concurrency, windows, stable=True)
    if not windows:
        raise ProbeServerError(
            f"no measurement window of model '{model}' at concurrency {concurrency} finished "
            f"within the level's cap of {method.level_timeout_s:g} s"
        )
    return LevelMeasurement(concurrency, windows, stable=windows_stable(windows, method))


def windows_stable(windows: list[Window], method: MethodSettings) -> bool:
    return is_stable(
        [w.throughput for w in windows],
        [w.latency(method.stability_metric) for w in windows],
        method.stable_windows,
        method.stability_pct,
    )


def _raise_if_dead(client: TritonClient, model: str, window: Window) -> None:
    """A window in which every request failed means the server or model is gone."""
    if len(window.latencies_s) == 0 and window.errors:
        raise ProbeServerError(
            f"model '{model}' on Triton at {client.target.url} stopped answering: every request "
            f"in a {window.duration:.1f} s window failed ({'; '.join(window.error_samples)})"
        )


def level_result(measurement: LevelMeasurement, method: MethodSettings) -> LevelResult:
    merged = measurement.windows[-method.stable_windows :]
    return summarise(measurement.concurrency, merged, len(measurement.windows), measurement.stable)


def run_budget_s(method: MethodSettings, levels: int) -> float:
    """An upper bound on a probe's wall time, used as the outer timeout."""
    per_level = method.warmup_s + method.level_timeout_s + 2 * method.request_timeout_s
    return 4 * method.control_timeout_s + levels * per_level


@contextlib.asynccontextmanager
async def config_restored(client: TritonClient, model: str) -> AsyncIterator[dict[str, Any]]:
    """The model's current config (the base of every config the probe loads), reloaded on exit
    so the server serves what it served before.

    An override persists until replaced (a plain `load_model` keeps it), so the probe puts
    back the exact config it found. When the body failed, that error is the story: a failing
    restore (the server died, say) must not replace it.
    """
    await client.check_model(model)
    original = await client.config(model)
    try:
        yield original
    except BaseException:
        with contextlib.suppress(ProbeError):
            await client.load(model, original)
        raise
    await client.load(model, original)


async def probe(
    target: ProbeTarget,
    model: str,
    concurrency: list[int],
    method: MethodSettings,
    shapes: dict[str, list[int]] | None = None,
    label: str = "",
    config: dict[str, Any] | None = None,
) -> ProbeRun:
    """Measure the model at each concurrency level: as loaded now, or with the performance
    fields of `config` loaded for the probe (and the previous config restored afterwards)."""
    async with (
        TritonClient(target, method) as client,
        contextlib.AsyncExitStack() as stack,
    ):
        if config is not None:
            server = await stack.enter_async_context(config_restored(client, model))
            await client.load(model, on_server(server, config))
        arrays = await prepare_inputs(client, model, shapes)
        infer = client.infer_fn(model, arrays)
        levels = []
        for c in concurrency:
            measurement = await measure_level(client, model, infer, c, method)
            levels.append(level_result(measurement, method))
    return ProbeRun(
        model=model,
        url=target.url,
        protocol=target.protocol,
        label=label,
        method=method,
        inputs={name: list(a.shape) for name, a in arrays.items()},
        levels=levels,
    )


def run_probe(
    target: ProbeTarget,
    model: str,
    concurrency: list[int],
    method: MethodSettings,
    shapes: dict[str, list[int]] | None = None,
    config: dict[str, Any] | None = None,
) -> ProbeRun:
    """Synchronous entry point, bounded as a whole so nothing can hang it."""
    label = "head" if config is not None else ""
    return run_bounded(probe(target, model, concurrency, method, shapes, label, config),
                       run_budget_s(method, len(concurrency)), f"the probe of '{model}'")


def run_bounded(work: Coroutine[Any, Any, T], budget_s: float, what: str) -> T:
    """Run `work` to its end on a new event loop, given up after `budget_s` seconds."""
    try:
        return asyncio.run(asyncio.wait_for(work, budget_s))
    except TimeoutError as exc:
        raise ProbeServerError(f"{what} exceeded its {budget_s:.0f} s cap") from exc
