"""What production telemetry found: typed end to end, and every number with its query.

`bot.telemetry` reads these from the operator's Prometheus; a review or audit stores the report
on the inventory its checks read and on the decision its renderers read. A `Reading` is one
figure read from Prometheus — its PromQL, window, statistic and source travel with it, and a
figure Prometheus could not give has `value = None` and a `note` saying why. Projections are
computed only from readings and from the repository's own numbers.
"""

# Annotations are evaluated as the module runs (no `from __future__ import annotations`): as
# strings, pydantic compiles each one again when the models are built (ADR 0020, startup2).

import datetime as _dt
import math
from typing import Literal

from pydantic import BaseModel, Field

from bot.quantity import format_bytes

Basis = Literal["probe", "gpu", "cpu"]
Verdict = Literal["fits", "room", "tight", "over"]


def num(value: float) -> str:
    """A figure as shown: at most three significant digits, no trailing zeros."""
    if value == 0 or not math.isfinite(value):
        return f"{value:g}"
    digits = max(0, 2 - int(math.floor(math.log10(abs(value)))))
    text = f"{round(value, digits):,.{digits}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def percent(fraction: float) -> str:
    return f"{fraction * 100:.0f}%"


class Reading(BaseModel):
    """One figure read from Prometheus."""

    label: str
    value: float | None = None
    unit: str = ""
    promql: str
    window: str = Field(description="the range the statistic covers, e.g. `14d`, or `now`")
    stat: str = Field(description="how the value was taken, e.g. `p99 of 5m values`")
    source: str
    coverage: float | None = Field(default=None, description="share of the window with data")
    note: str | None = Field(default=None, description="why there is no value, or what limits it")

    @property
    def ok(self) -> bool:
        return self.value is not None

    @property
    def shown(self) -> str:
        """The value with its unit, as the 📊 section prints it ("—" when there is none)."""
        if self.value is None:
            return "—"
        if self.unit == "bytes":
            return format_bytes(self.value)
        return f"{num(self.value)}{'' if self.unit in ('', '%') else ' '}{self.unit}"

    @property
    def cite(self) -> str:
        """How a finding's evidence names where this figure came from."""
        return f"telemetry: {self.promql} ({self.stat}, {self.window}, {self.source})"


class Capacity(BaseModel):
    """One side's capacity for the projection's load, in the basis' unit."""

    replicas: int
    replicas_from: str = Field(description="`spec.replicas`, `HPA maxReplicas` or a default")
    per_replica: float
    per_replica_from: str
    total: float
    text: str


class Projection(BaseModel):
    """Measured peak load against capacity today and after the change."""

    basis: Basis
    unit: str
    peak: Reading = Field(description="measured peak load of the whole workload")
    today: Reading | None = Field(default=None, description="measured peak utilisation today")
    before: Capacity | None = Field(description="None when a probe measured only the head")
    after: Capacity
    utilisation_before: float | None
    utilisation_after: float | None = Field(description="None when the head keeps no capacity")
    headroom_after: float | None
    replicas_needed: int | None = Field(
        default=None, description="replicas that keep the policy's minimum headroom at the peak")
    verdict: Verdict
    partial: bool = Field(default=False,
                          description="the peak covers less of the window than required")


class Cut(BaseModel):
    """The change cuts a capacity below a measured peak."""

    kind: Literal["capacity", "hpa-max", "memory", "node-pool"]
    path: str
    line: int | None = None
    text: str
    measured: Reading
    before: float | None
    after: float
    unit: str


class Drift(BaseModel):
    """The repository's replica count disagrees with what runs."""

    repository: str
    running: str
    readings: list[Reading]
    path: str
    line: int | None = None


class Located(BaseModel):
    """What a finding names and points at: the object's identity and where it is written."""

    subject: str = Field(description="identity as findings name it: Kind/namespace/name")
    path: str
    line: int | None = None


class WorkloadTelemetry(Located):
    """One workload whose capacity the change touches, or whose replicas drift (audit)."""

    ref: str
    changes: list[str] = Field(default_factory=list, description="capacity changes, in words")
    exporter: str | None = None
    selector: str | None = None
    probe_model: str | None = None
    readings: list[Reading] = Field(default_factory=list)
    projection: Projection | None = None
    cuts: list[Cut] = Field(default_factory=list)
    drift: Drift | None = None
    notes: list[str] = Field(default_factory=list)


class PoolTelemetry(Located):
    """A node pool whose size or GPU class the change touches."""

    changes: list[str]
    gpus_before: int | None
    gpus_after: int | None
    peak_gpus: float | None = Field(default=None, description="sum of measured peak GPUs in use")
    workloads: list[str] = Field(default_factory=list)
    readings: list[Reading] = Field(default_factory=list)
    cut: Cut | None = None
    notes: list[str] = Field(default_factory=list)


class GpuUsage(Located):
    """An audited GPU workload: its peak utilisation and the GPU-hours it held."""

    ref: str
    gpus_per_pod: int
    peak_utilisation: Reading
    gpu_hours: Reading
    coverage: float | None
    floor_percent: float = Field(description="policy's lowest peak utilisation (1 − max headroom)")


class Replacement(BaseModel):
    """An assumption telemetry replaced for one workload (or model), or could not replace."""

    subject: str
    text: str = Field(description="Aria's words and measured numbers; no repository text")
    promql: str | None = None


class TelemetryReport(BaseModel):
    """The 📊 production-telemetry section of a review or audit."""

    mode: Literal["review", "audit"]
    source: str
    window: str
    stat: str
    evaluated_at: _dt.datetime
    min_coverage: float
    headroom_min: float
    headroom_max: float
    queries: int = 0
    max_queries: int
    elapsed_s: float = 0.0
    workloads: list[WorkloadTelemetry] = Field(default_factory=list)
    pools: list[PoolTelemetry] = Field(default_factory=list)
    gpu: list[GpuUsage] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    replaced: list[Replacement] = Field(
        default_factory=list, description="assumptions measurements replaced, and by what")
    kept: list[Replacement] = Field(
        default_factory=list, description="assumptions that stand because telemetry is missing")

    def restate(self, assumption: str) -> tuple[str, bool]:
        """The repository's replica assumption, restated where telemetry replaced it.

        Returns the text and whether it now rests on measurement. Names stay out of it (they
        are the repository's text); the 📊 section lists each replacement.
        """
        kept = (f" Telemetry could not replace it for {len(self.kept)} workload(s); the 📊 "
                "section says why." if self.kept else "")
        if self.replaced:
            return (f"~~{assumption}~~ Replaced by production telemetry ({self.source}) for "
                    f"{len(self.replaced)} figure(s) listed in the 📊 section.{kept}", True)
        return assumption + kept, False

