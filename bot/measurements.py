"""What a latency measurement is: how it was taken and what it found, typed end to end.

`aria probe` builds these (`bot.probes`), a review stores them on the inventory its checks read
and on the decision its renderers read, and the state database keeps their history. Every figure
is measured or read from a config; capacity figures are labelled estimates.
"""

# Annotations are evaluated as the module runs (no `from __future__ import annotations`): as
# strings, pydantic compiles each one again when the models are built (ADR 0020, startup2).

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from bot.tradeoffs import Option

Protocol = Literal["http", "grpc"]
Verdict = Literal["regression", "improvement", "no measurable difference"]


class MethodSettings(BaseModel):
    """How to measure: perf_analyzer's method (warm-up, time windows, stability) with a cap."""

    model_config = ConfigDict(extra="forbid")

    warmup_s: float = Field(2.0, ge=0)
    window_s: float = Field(2.0, gt=0)
    # Stable when the last `stable_windows` windows lie within this % (max/min) on throughput
    # and on the stability latency metric — perf_analyzer's `-s` with its default 10 %.
    stability_pct: float = Field(10.0, gt=0)
    stability_metric: Literal["avg", "p50", "p90", "p95", "p99"] = "p99"
    stable_windows: int = Field(3, ge=2)
    max_windows: int = Field(10, ge=1)
    # Bounds on everything that waits, so a dead or hung server never hangs the probe.
    request_timeout_s: float = Field(10.0, gt=0)
    control_timeout_s: float = Field(120.0, gt=0)
    level_timeout_s: float = Field(60.0, gt=0)

    @model_validator(mode="after")
    def _enough_windows(self) -> "MethodSettings":
        if self.max_windows < self.stable_windows:
            raise ValueError("max_windows must be at least stable_windows")
        return self


class ABSettings(BaseModel):
    """How the interleaved A/B runs and when a difference counts."""

    model_config = ConfigDict(extra="forbid")

    rounds: int = Field(4, ge=1)
    windows: int = Field(2, ge=1, description="windows per level in each phase of a round")
    confidence: float = Field(0.95, gt=0.5, lt=1.0)
    bootstrap_samples: int = Field(4000, ge=200)

    @model_validator(mode="after")
    def _enough_windows(self) -> "ABSettings":
        if self.rounds * self.windows < 3:
            raise ValueError("an A/B needs at least 3 windows per arm (rounds × windows)")
        return self

    seed: int = 0


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


class ConfigMeasurement(ProbeReport):
    """A probe report on a Triton config a review saw change, with the config's path."""

    path: str
