"""``.aria.yml`` → ``telemetry:`` — what to read from production, never where from.

The repository (its base side) may say how far back to look, which percentile counts as the
peak, and which series belong to a workload when the defaults (namespace + pod-name pattern)
do not fit. The server and its credentials are the operator's (:mod:`bot.telemetry.settings`).
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from bot.telemetry.promql import Duration, Selector

ExporterName = Literal["triton", "vllm", "tgi", "http", "otel-http"]
_KEY_RE = re.compile(r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?/[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")


class WorkloadSeries(BaseModel):
    """``telemetry.workloads.<namespace>/<name>``: where one workload's series are."""

    model_config = ConfigDict(extra="forbid")

    selector: Selector = Field(description='label matchers of its pods\' series, e.g. '
                                           'namespace="prod", pod=~"llm-.*"')
    exporter: ExporterName | None = Field(
        default=None, description="whose request metrics to read; default: found from the series")
    model: str | None = Field(default=None,
                              description="Triton `model` label to narrow requests to")


class TelemetryConfig(BaseModel):
    """The ``telemetry:`` block of ``.aria.yml`` (embedded by the main config)."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = Field(default=True, description="read production telemetry when the "
                                                    "operator configured a Prometheus")
    window: Duration = Field(default="14d", description="how far back peaks are measured")
    percentile: float = Field(default=99.0, gt=0, le=100,
                              description="percentile of the window's 5-minute values taken "
                                          "as the peak")
    resolution: Duration = Field(default="5m", description="rate window and step of the values")
    min_coverage: float = Field(default=0.9, gt=0, le=1,
                                description="share of the window a series must cover for a "
                                            "verdict that capacity suffices")
    workloads: dict[str, WorkloadSeries] = Field(
        default_factory=dict, description="series of workloads the defaults do not find, "
                                          "keyed `namespace/name`")

    @field_validator("workloads")
    @classmethod
    def _keys(cls, value: dict[str, WorkloadSeries]) -> dict[str, WorkloadSeries]:
        for key in value:
            if not _KEY_RE.match(key):
                raise ValueError(f"workload key {key!r} must be `namespace/name`")
        return value

    @property
    def quantile(self) -> float:
        return self.percentile / 100.0

    @property
    def stat(self) -> str:
        """How the peak is taken, in words."""
        pct = f"{self.percentile:g}"
        return f"p{pct} of {self.resolution} values"
