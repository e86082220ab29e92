"""From measured latency to replicas and cost — an estimate, with every input named.

replicas = ceil(peak / (throughput at the highest concurrency meeting the SLO × (1 − headroom)))
cost per million inferences = replicas × price per replica-hour / (peak × 3600) × 1e6, i.e. the
fleet sized for the peak, serving the peak. Prices come only from the operator.
"""

from __future__ import annotations

import math

from bot.config import ProbeModelSettings
from bot.measurements import CapacityEstimate, LevelResult, ProbeRun
from bot.probes.settings import PriceTable


def slo_latency(level: LevelResult, percentile: int) -> float | None:
    if level.latency_ms is None:
        return None
    return level.latency_ms.p95 if percentile == 95 else level.latency_ms.p99


def best_level(run: ProbeRun, settings: ProbeModelSettings) -> LevelResult | None:
    """The highest measured concurrency whose SLO-percentile latency is within the SLO."""
    if settings.slo_ms is None:
        return None
    meeting = [
        lv
        for lv in run.levels
        if lv.errors == 0
        and (lat := slo_latency(lv, settings.slo_percentile)) is not None
        and lat <= settings.slo_ms
    ]
    return max(meeting, key=lambda lv: lv.concurrency, default=None)


def estimate(
    run: ProbeRun, settings: ProbeModelSettings, price: PriceTable | None = None
) -> CapacityEstimate | None:
    """`None` when `.aria.yml` sets no SLO for the model: there is nothing to hold."""
    if settings.slo_ms is None:
        return None
    best = best_level(run, settings)
    replicas = None
    if best is not None and settings.peak_rps is not None and best.throughput > 0:
        usable = best.throughput * (1 - settings.headroom)
        replicas = math.ceil(settings.peak_rps / usable)
    cost = None
    if replicas is not None and price is not None and settings.peak_rps is not None:
        cost = replicas * price.replica_hour_usd / (settings.peak_rps * 3600) * 1e6
    return CapacityEstimate(
        slo_ms=settings.slo_ms,
        slo_percentile=settings.slo_percentile,
        peak_rps=settings.peak_rps,
        headroom=settings.headroom,
        concurrency=best.concurrency if best else None,
        latency_at_slo_ms=slo_latency(best, settings.slo_percentile) if best else None,
        throughput_per_replica=best.throughput if best else None,
        meets_slo=best is not None,
        replicas=replicas,
        replica_hour_usd=price.replica_hour_usd if price else None,
        price_source=price.source if price else None,
        cost_per_million_usd=cost,
    )
