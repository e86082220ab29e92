"""The decision on a probe's measurements: SLO verdict, replicas, cost, options, next steps.

Every figure in the report is measured, read from a config, or computed from those (and then
labelled an estimate). `bot.render.probe` turns the report into the review's 📊 section.
"""

from __future__ import annotations

from typing import Any

from bot.config import ProbeModelSettings
from bot.measurements import (
    ABResult,
    CapacityEstimate,
    ChartSeries,
    LevelResult,
    ProbeReport,
    ProbeRun,
)
from bot.probes import capacity
from bot.probes.settings import PriceTable, ProbeTarget, parse_host_port
from bot.probes.synth import BATCH_SIZE
from bot.render.templating import number
from bot.text import quote
from bot.tradeoffs import Option


def _slo_value(level: LevelResult | None, pct: int) -> float | None:
    return capacity.slo_latency(level, pct) if level else None


def _slo_verdict(
    run: ProbeRun | None, est: CapacityEstimate | None, settings: ProbeModelSettings, model: str
) -> str | None:
    if run is None:
        return None
    if est is None:
        return (
            f"no SLO set: add `slo_ms` under `probes.models.{model}` in `.aria.yml` to get a "
            "verdict and a replica count"
        )
    pct = settings.slo_percentile
    if est.meets_slo:
        return (
            f"✅ meets the p{pct} SLO of **{number(est.slo_ms)} ms** up to concurrency "
            f"**{est.concurrency}** (p{pct} **{number(est.latency_at_slo_ms, 2)} ms**, "
            f"**{number(est.throughput_per_replica)} inferences/s** per replica, measured)"
        )
    lowest = min(
        (lv for lv in run.levels if lv.latency_ms),
        key=lambda lv: _slo_value(lv, pct) or float("inf"),
        default=None,
    )
    where = (
        f"; the best was p{pct} **{number(_slo_value(lowest, pct), 2)} ms** "
        f"at C={lowest.concurrency}"
        if lowest
        else ""
    )
    return f"⚠️ misses the p{pct} SLO of **{number(est.slo_ms)} ms** at every measured level{where}"


def _assumptions(
    target: ProbeTarget,
    settings: ProbeModelSettings,
    run: ProbeRun | None,
    ab: ABResult | None,
    price: PriceTable | None,
    model: str,
) -> list[str]:
    out = [
        f"Measured on the operator's Triton server at `{target.url}` ({target.protocol}); "
        "production replicas are assumed to have the same hardware, software and model files.",
    ]
    host, _ = parse_host_port(target.url)
    if host in ("localhost", "::1") or host.startswith("127."):
        out.append(
            "Load generator and server shared one machine, so absolute figures describe that "
            "machine only; compare base and head, not these numbers with production."
        )
    if run is not None:
        shapes = ", ".join(f"`{k}` {v}" for k, v in run.inputs.items())
        out.append(
            f"Requests carry batch size {BATCH_SIZE} and synthetic seeded-random data "
            f"({shapes}); real payloads with other shapes or data-dependent compute differ."
        )
        m = run.method
        out.append(
            f"Closed-loop load at concurrency {', '.join(str(lv.concurrency) for lv in run.levels)}"
            f" after {m.warmup_s:g} s warm-up, {m.window_s:g} s windows; latency is measured at "
            "the client, from send to response."
        )
    if ab is not None:
        out.append(
            f"Base and head ran on one server, interleaved A B A B over {ab.settings.rounds} rounds"
            f" of {ab.settings.windows} window(s); each difference has a studentized-bootstrap "
            f"interval over windows at {ab.interval_confidence:.2%} (Bonferroni split of "
            f"{ab.settings.confidence:.0%} across all metrics and levels)."
        )
    if settings.slo_ms is not None:
        out.append(
            f"SLO p{settings.slo_percentile} ≤ {settings.slo_ms:g} ms"
            + (f", peak {settings.peak_rps:g} req/s" if settings.peak_rps else "")
            + f" and headroom {settings.headroom:.0%} come from `.aria.yml` "
            f"(`probes.models.{model}`)."
        )
        out.append(
            "Replicas are an estimate: throughput scales linearly across replicas behind a load "
            "balancer with no shared bottleneck, at the highest measured concurrency that met "
            "the SLO with no failed request."
        )
    if price is not None:
        out.append(
            f"Cost uses {price.replica_hour_usd:g} USD per replica-hour from the {price.source}, "
            "with the fleet sized for the peak serving the peak around the clock."
        )
    return out


def _delay_us(config: dict[str, Any] | None) -> int | None:
    batching = (config or {}).get("dynamic_batching")
    if batching is None:
        return None
    return int(batching.get("max_queue_delay_microseconds", 0))


def _instances(config: dict[str, Any] | None) -> int | None:
    groups = (config or {}).get("instance_group") or []
    return sum(int(g.get("count", 1)) for g in groups) if groups else None


def _option_for(
    title: str,
    summary: str,
    run: ProbeRun | None,
    est: CapacityEstimate | None,
    pct: int,
    risk: str,
    complexity: str,
) -> Option:
    if est is not None and est.replicas is not None:
        cost = f"**{est.replicas} replicas** for {est.peak_rps:g} req/s (estimate)"
        if est.cost_per_million_usd is not None:
            cost += f", **{est.cost_per_million_usd:.2f} USD** per million inferences"
    else:
        cost = "not estimated (needs `slo_ms` and `peak_rps`, and a level meeting the SLO)"
    level = None
    if run is not None:
        level = run.level(est.concurrency) if est and est.concurrency else run.levels[-1]
    latency = (
        f"p{pct} **{number(_slo_value(level, pct), 2)} ms** at C={level.concurrency} (measured)"
        if level and level.latency_ms
        else "not measured"
    )
    return Option(
        title=title, summary=summary, cost=cost, latency=latency, complexity=complexity, risk=risk
    )


def _options(
    model: str,
    report: ProbeReport,
    pct: int,
    configs: dict[str, dict[str, Any]] | None,
) -> list[Option]:
    base_cfg, head_cfg = (configs or {}).get("base"), (configs or {}).get("head")
    regression = report.verdict in ("regression", "mixed")
    options: list[Option] = []
    if report.error:
        options.append(
            Option(
                title="Fix the config Triton refused",
                summary=f"Triton will not load the PR's config of {quote(model)}: {report.error}",
                cost="none until it loads",
                latency="not measurable: the config does not load",
                complexity="Low — correct the config",
                risk="⚠️ merged as is, the model fails to load on the next rollout",
                recommended=True,
            )
        )
    else:
        options.append(
            _option_for(
                "Adopt the PR's config",
                f"Serve {quote(model)} with the config as changed"
                + (f"; A/B verdict: **{report.verdict}**." if report.ab else "."),
                report.head,
                report.capacity_head,
                pct,
                "⚠️ measured regression (see the A/B table)" if regression else "Low",
                "Low — the config is written",
            )
        )
    if report.base is not None or report.error:
        options.append(
            _option_for(
                "Keep the base config",
                f"Leave {quote(model)} as it is served today.",
                report.base,
                report.capacity_base,
                pct,
                "Low — the current behaviour",
                "None",
            )
        )
    head_level = report.head.levels[-1] if report.head else None
    split = head_level.server if head_level else None
    if (
        head_level is not None
        and split is not None
        and split.queue_us is not None
        and split.compute_infer_us is not None
        and split.queue_us >= split.compute_infer_us
    ):
        count = _instances(head_cfg)
        options.append(
            Option(
                title="Raise the instance count" + (f" (now {count})" if count is not None else ""),
                summary=(
                    f"At C={head_level.concurrency} requests waited "
                    f"**{split.queue_us / 1e3:.2f} ms** in the queue against "
                    f"**{split.compute_infer_us / 1e3:.2f} ms** of compute (measured): more "
                    "`instance_group` instances would serve them in parallel."
                ),
                cost="more memory and CPU/GPU per replica (not measured)",
                latency="lower queue time expected — verify with `aria probe --ab`",
                complexity="Low — one config field",
                risk="instances share the replica's device; gains stop once it is saturated",
            )
        )
    base_delay, head_delay = _delay_us(base_cfg), _delay_us(head_cfg)
    if base_delay is not None and head_delay is not None and base_delay != head_delay:
        options.append(
            Option(
                title=f"Keep dynamic batching at {base_delay} µs queue delay",
                summary=(
                    f"Take the rest of the change but keep `max_queue_delay_microseconds` at the "
                    f"base's {base_delay} µs instead of {head_delay} µs."
                ),
                cost="as the base config (see above)",
                latency="as the base config at low load; measure with `aria probe --ab`",
                complexity="Low — one config field",
                risk="larger batches (and their throughput) form less often under light load",
            )
        )
    if len(options) < 2:
        options.append(
            Option(
                title="Hold the model back until it is sized",
                summary="Do not route traffic to the new model before an SLO and load are set.",
                cost="none",
                latency="not applicable",
                complexity="Low",
                risk="delays the feature",
            )
        )
    if not any(o.recommended for o in options):
        index = 1 if regression and report.base is not None else 0
        head_misses = report.capacity_head is not None and not report.capacity_head.meets_slo
        raise_idx = next((i for i, o in enumerate(options) if o.title.startswith("Raise")), None)
        if head_misses and raise_idx is not None and not regression:
            index = raise_idx
        options[index].recommended = True
    return options


def _next_steps(
    model: str,
    report: ProbeReport,
    settings: ProbeModelSettings,
    price: PriceTable | None,
) -> list[str]:
    steps: list[str] = []
    if report.error:
        steps.append(f"Fix the config of {quote(model)} so Triton loads it, then re-run the "
                     "review.")
    if report.verdict in ("regression", "mixed"):
        steps.append(
            "Find the regression's cause in the server split (queue vs compute) of the base and "
            "head tables before merging."
        )
    steps.append(
        f"Re-run `aria probe --ab` against a server with production hardware (GPU nodes) "
        f"before trusting replica counts: these figures come from `{report.target}`."
    )
    if settings.slo_ms is None or settings.peak_rps is None:
        steps.append(
            f"Set `slo_ms`, `slo_percentile` and `peak_rps` under `probes.models.{model}` in "
            "`.aria.yml` so the review can size replicas."
        )
    elif price is None:
        steps.append("Give the bot an operator price table (`ARIA_PRICE_TABLE`) to cost replicas.")
    steps.append(
        "Watch `nv_inference_queue_duration_us` and `nv_inference_compute_infer_duration_us` "
        f"for {quote(model)} after the rollout, and alert on the SLO percentile."
    )
    steps.append("Load-test with production-shaped requests before scaling up.")
    return steps[:5]


def _chart(
    report: ProbeReport, settings: ProbeModelSettings
) -> tuple[list[int], list[ChartSeries]]:
    pct = settings.slo_percentile
    runs = [r for r in (report.base, report.head) if r is not None]
    if not runs:
        return [], []
    levels = [lv.concurrency for lv in runs[-1].levels]
    series = []
    for run in runs:
        values = [_slo_value(run.level(c), pct) for c in levels]
        if all(v is not None for v in values):
            series.append(ChartSeries(name=run.label or "head", values=values))
    if settings.slo_ms is not None and series:
        series.append(ChartSeries(name="SLO", values=[settings.slo_ms] * len(levels)))
    return levels, series


def build_report(
    model: str,
    target: ProbeTarget,
    settings: ProbeModelSettings,
    *,
    base: ProbeRun | None = None,
    head: ProbeRun | None = None,
    ab: ABResult | None = None,
    price: PriceTable | None = None,
    configs: dict[str, dict[str, Any]] | None = None,
    error: str | None = None,
) -> ProbeReport:
    """Decide on measurements: SLO verdict, replicas, cost, options, next steps."""
    if error:
        verdict = "refused"
    elif ab is not None:
        verdict = ab.verdict
    else:
        verdict = "measured"
    cap_base = capacity.estimate(base, settings, price) if base else None
    cap_head = capacity.estimate(head, settings, price) if head else None
    report = ProbeReport(
        model=model,
        target=target.url,
        protocol=target.protocol,
        verdict=verdict,
        base=base,
        head=head,
        ab=ab,
        slo_percentile=settings.slo_percentile if settings.slo_ms is not None else None,
        slo_ms=settings.slo_ms,
        capacity_base=cap_base,
        capacity_head=cap_head,
        slo_verdict=_slo_verdict(head, cap_head, settings, model),
        replicas_needed=cap_head.replicas if cap_head else None,
        cost_per_million_usd=cap_head.cost_per_million_usd if cap_head else None,
        error=error,
    )
    report.chart_levels, report.chart_series = _chart(report, settings)
    report.assumptions = _assumptions(target, settings, head or base, ab, price, model)
    report.options = _options(model, report, settings.slo_percentile, configs)
    report.next_steps = _next_steps(model, report, settings, price)
    return report
