"""Interleaved A/B of two configs of one model on one explicit-mode server.

Each round loads the base config and measures a few windows per concurrency level, then loads
the head config and does the same (A B A B …), so slow drift on a shared machine hits both arms
alike. The window is the unit of noise: each metric is taken per window, and the difference of
the arms' means (head − base) gets a studentized-bootstrap interval over windows. Intervals are
Bonferroni-split so the whole family of metrics × levels holds the stated confidence — a bot
that comments on every PR must not cry wolf. A difference is called a regression or an
improvement only when its interval excludes zero.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np

from bot.measurements import ABResult, ABSettings, MethodSettings, MetricDiff, ProbeRun, Verdict
from bot.probes.client import TritonClient
from bot.probes.configs import on_server
from bot.probes.errors import ConfigRejectedError, ProbeServerError
from bot.probes.load import Window
from bot.probes.measure import (
    config_restored,
    measure_level,
    run_bounded,
    run_budget_s,
    summarise,
    windows_stable,
)
from bot.probes.settings import ProbeTarget
from bot.probes.synth import synthesize

METRICS = ("p50_ms", "p95_ms", "p99_ms", "throughput")


def _window_values(windows: list[Window]) -> dict[str, np.ndarray]:
    """Each metric per window: the window is the unit that carries machine noise."""
    return {
        "p50_ms": np.array([w.latency("p50") for w in windows]),
        "p95_ms": np.array([w.latency("p95") for w in windows]),
        "p99_ms": np.array([w.latency("p99") for w in windows]),
        "throughput": np.array([w.throughput for w in windows]),
    }


def bootstrap_t_interval(
    base: np.ndarray, head: np.ndarray, confidence: float, samples: int, rng: np.random.Generator
) -> tuple[float, float, float]:
    """(difference of means, low, high) of head − base by the studentized bootstrap.

    Resamples windows within each arm and studentizes each replicate by its own standard
    error, so the interval widens as few windows warrant (a plain percentile bootstrap is
    too narrow with a handful of windows and would call noise a regression).
    """
    diff = float(head.mean() - base.mean())
    se = float(np.sqrt(base.var(ddof=1) / len(base) + head.var(ddof=1) / len(head)))
    if se == 0:
        return diff, diff, diff
    b = base[rng.integers(0, len(base), (samples, len(base)))]
    h = head[rng.integers(0, len(head), (samples, len(head)))]
    se_star = np.sqrt(b.var(axis=1, ddof=1) / len(base) + h.var(axis=1, ddof=1) / len(head))
    keep = se_star > 0  # a replicate drawing one window n times has no spread to studentize
    t_star = ((h.mean(axis=1) - b.mean(axis=1))[keep] - diff) / se_star[keep]
    t_low, t_high = np.quantile(t_star, [(1 - confidence) / 2, (1 + confidence) / 2])
    return diff, diff - float(t_high) * se, diff - float(t_low) * se


def _verdict(metric: str, low: float, high: float) -> Verdict:
    if low <= 0 <= high:
        return "no measurable difference"
    worse = low > 0 if metric != "throughput" else high < 0  # latency up / throughput down
    return "regression" if worse else "improvement"


def compare_level(
    concurrency: int,
    base: list[Window],
    head: list[Window],
    settings: ABSettings,
    interval_confidence: float,
    rng: np.random.Generator,
) -> list[MetricDiff]:
    """Head − base for every metric at one level, each with its bootstrap interval."""
    for name, windows in (("base", base), ("head", head)):
        if len(windows) < 2 or any(len(w.latencies_s) == 0 for w in windows):
            raise ProbeServerError(
                f"the {name} config did not complete requests in every A/B window at "
                f"C={concurrency}; lengthen the window"
            )
    values_b, values_h = _window_values(base), _window_values(head)
    diffs = []
    for metric in METRICS:
        b, h = values_b[metric], values_h[metric]
        diff, low, high = bootstrap_t_interval(
            b, h, interval_confidence, settings.bootstrap_samples, rng
        )
        base_v = float(b.mean())
        diffs.append(
            MetricDiff(
                metric=metric,
                concurrency=concurrency,
                base=base_v,
                head=float(h.mean()),
                diff=diff,
                ci_low=low,
                ci_high=high,
                relative=diff / base_v if base_v else None,
                verdict=_verdict(metric, low, high),
            )
        )
    return diffs


async def _load(client: TritonClient, model: str, arm: str, config: dict[str, Any]) -> None:
    try:
        await client.load(model, config)
    except ConfigRejectedError as exc:
        exc.arm = arm
        raise


async def _ab(
    target: ProbeTarget,
    model: str,
    configs: dict[str, dict[str, Any]],
    concurrency: list[int],
    method: MethodSettings,
    settings: ABSettings,
    shapes: dict[str, list[int]] | None,
) -> ABResult:
    windows: dict[str, dict[int, list[Window]]] = {arm: defaultdict(list) for arm in configs}
    inputs: dict[str, dict[str, list[int]]] = {}
    async with (
        TritonClient(target, method) as client,
        config_restored(client, model) as server,
    ):
        loaded = {arm: on_server(server, config) for arm, config in configs.items()}
        # Head first: a config Triton refuses is the finding, before any time is spent.
        await _load(client, model, "head", loaded["head"])
        for _ in range(settings.rounds):
            for arm in ("base", "head"):
                await _load(client, model, arm, loaded[arm])
                # Synthesised per arm: the change may alter batching.
                metadata = await client.metadata(model)
                arrays = synthesize(model, metadata, loaded[arm], shapes)
                inputs[arm] = {k: list(a.shape) for k, a in arrays.items()}
                infer = client.infer_fn(model, arrays)
                for c in concurrency:
                    m = await measure_level(
                        client, model, infer, c, method, fixed_windows=settings.windows
                    )
                    windows[arm][c].extend(m.windows)

    per_interval = 1 - (1 - settings.confidence) / (len(METRICS) * len(concurrency))
    rng = np.random.default_rng(settings.seed)
    diffs = [
        d
        for c in concurrency
        for d in compare_level(
            c, windows["base"][c], windows["head"][c], settings, per_interval, rng
        )
    ]
    runs = {
        arm: ProbeRun(
            model=model,
            url=target.url,
            protocol=target.protocol,
            label=arm,
            method=method,
            inputs=inputs[arm],
            levels=[
                summarise(
                    c,
                    windows[arm][c],
                    len(windows[arm][c]),
                    windows_stable(windows[arm][c], method),
                )
                for c in concurrency
            ],
        )
        for arm in configs
    }
    return ABResult(
        settings=settings,
        interval_confidence=per_interval,
        base=runs["base"],
        head=runs["head"],
        diffs=diffs,
    )


def run_ab(
    target: ProbeTarget,
    model: str,
    base_config: dict[str, Any],
    head_config: dict[str, Any],
    concurrency: list[int],
    method: MethodSettings,
    settings: ABSettings,
    shapes: dict[str, list[int]] | None = None,
) -> ABResult:
    """Run the interleaved A/B; raises ConfigRejectedError when Triton refuses a config."""
    configs = {"base": base_config, "head": head_config}
    return run_bounded(_ab(target, model, configs, concurrency, method, settings, shapes),
                       settings.rounds * 2 * run_budget_s(method, len(concurrency)),
                       f"the A/B of '{model}'")
