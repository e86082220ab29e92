"""Result models of a probe: JSON-serialisable, every figure measured or taken from config."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from bot.decision.model import Option  # the same option row every ADR table uses
from bot.probes.settings import ABSettings, MethodSettings, Protocol

Verdict = Literal["regression", "improvement", "no measurable difference"]


class Latency(BaseModel):
    """Client-side request latency in milliseconds (send to response, like perf_analyzer)."""

    avg: float
    p50: float
    p90: float
    p95: float
    p99: float


class ServerSplit(BaseModel):
    """Per-request averages from two statistics-extension snapshots, in microseconds."""

    requests: int
    executions: int
    avg_batch: float | None
    queue_us: float | None
    compute_input_us: float | None
    compute_infer_us: float | None
    compute_output_us: float | None


class LevelResult(BaseModel):
    """One concurrency level, merged over its last (stable) windows."""

    concurrency: int
    latency_ms: Latency | None
    throughput: float = Field(description="successful inferences per second (batch 1)")
    requests: int
    errors: int
    error_samples: list[str] = Field(default_factory=list)
    windows_measured: int
    windows_merged: int
    stable: bool
    server: ServerSplit | None = None


class ProbeRun(BaseModel):
    """One config measured at several concurrency levels."""

    model: str
    url: str
    protocol: Protocol
    label: str = ""
    method: MethodSettings
    inputs: dict[str, list[int]] = Field(description="request shape per input, batch included")
    levels: list[LevelResult]

    def level(self, concurrency: int) -> LevelResult | None:
        return next((lv for lv in self.levels if lv.concurrency == concurrency), None)


class MetricDiff(BaseModel):
    """Head minus base for one metric at one concurrency, with a bootstrap interval."""

    metric: Literal["p50_ms", "p95_ms", "p99_ms", "throughput"]
    concurrency: int
    base: float = Field(description="mean of the base arm's per-window values")
    head: float = Field(description="mean of the head arm's per-window values")
    diff: float
    ci_low: float
    ci_high: float
    relative: float | None = Field(description="diff / base")
    verdict: Verdict


class ABResult(BaseModel):
    """An interleaved A/B of two configs on one server."""

    settings: ABSettings
    interval_confidence: float = Field(
        description="per-interval confidence after the Bonferroni split of settings.confidence"
    )
    base: ProbeRun
    head: ProbeRun
    diffs: list[MetricDiff]

    @property
    def verdict(self) -> Literal["regression", "improvement", "mixed", "no measurable difference"]:
        verdicts = {d.verdict for d in self.diffs} - {"no measurable difference"}
        if not verdicts:
            return "no measurable difference"
        if verdicts == {"regression"}:
            return "regression"
        return "improvement" if verdicts == {"improvement"} else "mixed"


class CapacityEstimate(BaseModel):
    """Replicas (and cost) needed for the peak load under the SLO — an estimate."""

    slo_ms: float
    slo_percentile: Literal[95, 99]
    peak_rps: float | None
    headroom: float
    concurrency: int | None = Field(description="highest measured level meeting the SLO")
    latency_at_slo_ms: float | None
    throughput_per_replica: float | None
    meets_slo: bool
    replicas: int | None
    replica_hour_usd: float | None = None
    price_source: str | None = None
    cost_per_million_usd: float | None = Field(
        None, description="fleet cost per million inferences while serving the peak load"
    )


class ChartSeries(BaseModel):
    name: str
    values: list[float]


class ProbeReport(BaseModel):
    """What the review's 📊 section shows for one changed Triton model config."""

    model: str
    target: str
    protocol: Protocol
    verdict: Literal[
        "regression", "improvement", "mixed", "no measurable difference", "measured", "refused"
    ]
    base: ProbeRun | None = None
    head: ProbeRun | None = None
    ab: ABResult | None = None
    slo_percentile: Literal[95, 99] | None = None
    slo_ms: float | None = None
    capacity_base: CapacityEstimate | None = None
    capacity_head: CapacityEstimate | None = None
    slo_verdict: str | None = None
    replicas_needed: int | None = None
    cost_per_million_usd: float | None = None
    chart_levels: list[int] = Field(default_factory=list)
    chart_series: list[ChartSeries] = Field(default_factory=list)
    assumptions: list[str] = Field(default_factory=list)
    options: list[Option] = Field(default_factory=list)
    next_steps: list[str] = Field(default_factory=list)
    error: str | None = None
