"""The ADR model. Every output (Markdown, JSON, SARIF, JUnit, MADR file) renders this."""

# Annotations are evaluated as the module runs (no `from __future__ import annotations`): as
# strings, pydantic compiles each one again when the models are built (ADR 0020, startup2).

import datetime as _dt
from typing import Literal

from pydantic import BaseModel, Field

from bot.decision.changes import FactChange
from bot.exitcodes import FailOn, fails
from bot.findings import Finding, Location, Severity, Status
from bot.measurements import ConfigMeasurement
from bot.telemetry_report import TelemetryReport
from bot.tradeoffs import AdviceFacts, Option


class Assumption(BaseModel):
    text: str
    source: Literal["config", "default", "measurement", "estimate", "repository"]
    where: str = Field(default="", description="where the value comes from, in words: the "
                                               "`.aria.yml` line that set it, or Aria's default")


NOT_IN_FILES = "default, not written in the files"  # a figure's source when no file sets it


class Figure(BaseModel):
    """A number shown in the review, always with where it came from."""

    label: str
    value: str | int | float
    unit: str | None = None
    source: str  # "path:line", ".aria.yml", "measurement: …", or `NOT_IN_FILES`
    estimate: bool = False


class DecisionPoint(BaseModel):
    """One decision the change forces, with its options compared."""

    rule_id: str
    title: str
    severity: Severity
    question: str
    finding_fingerprints: list[str]
    locations: list[Location]
    options: list[Option] = Field(min_length=2)
    why: str
    facts: AdviceFacts | None = Field(
        default=None, description="the facts of the (first) object the options are fitted to")

    @property
    def recommended(self) -> Option:
        return next((o for o in self.options if o.recommended), self.options[0])


class Risk(BaseModel):
    kind: Literal["spof", "lock-in", "cost-cliff", "security", "capacity"]
    text: str
    location: Location | None = None


class ExplainedPoint(BaseModel):
    """One sentence a language model wrote, and the evidence ids it passed the check against."""

    text: str
    cites: list[str]


class Explanation(BaseModel):
    """Points a language model wrote to explain one part of a decision; it never decides.

    Each point passed the evidence check on its own, against the items it cites; points that
    failed are left out whole, and the rest keep their order. The verdict, options, findings
    and figures stay Aria's own.
    """

    part: str = Field(description="`context`, or `decision <rule id>`")
    points: list[ExplainedPoint]


class Counts(BaseModel):
    total: int = 0
    by_severity: dict[str, int] = Field(default_factory=dict)
    by_family: dict[str, int] = Field(default_factory=dict)
    by_status: dict[str, int] = Field(default_factory=dict)
    suppressed: int = 0


class Decision(BaseModel):
    """An Architecture Decision Record for a change, an audit, or an on-demand decision."""

    mode: Literal["review", "audit", "adr"]
    title: str
    status: Literal["proposed", "accepted", "rejected", "deprecated", "superseded"] = "proposed"
    date: _dt.date = Field(default_factory=_dt.date.today)
    base: str | None = None
    head: str | None = None
    recommendation: str
    context: str
    assumptions: list[Assumption] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)
    decision_points: list[DecisionPoint] = Field(default_factory=list)
    risks: list[Risk] = Field(default_factory=list)
    figures: list[Figure] = Field(default_factory=list)
    next_steps: list[str] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    counts: Counts = Field(default_factory=Counts)
    files_reviewed: int = 0
    changes: list[FactChange] = Field(
        default_factory=list,
        description="what the change does: per object, each fact that moved, base → head")
    measurements: list[ConfigMeasurement] = Field(
        default_factory=list, description="latency-probe reports (see `aria probe`)")
    telemetry: TelemetryReport | None = Field(
        None, description="production telemetry: measured peaks and projections (📊)")
    consequences: list[str] = Field(default_factory=list)
    explanations: list[Explanation] = Field(
        default_factory=list, description="explanations a language model wrote (marked as such)")
    machine_written: list[str] = Field(
        default_factory=list, description="parts whose prose a language model wrote")

    def active(self, *statuses: Status) -> list[Finding]:
        """Unsuppressed findings, optionally with the given statuses."""
        return [f for f in self.findings if f.suppressed is None and
                (not statuses or f.status in statuses)]

    @property
    def gating(self) -> list[Finding]:
        """Findings a gate counts: new ones in a review, all present ones in an audit."""
        if self.mode == "review":
            return self.active(Status.new)
        return self.active(Status.present, Status.new, Status.unchanged)

    def fails(self, fail_on: FailOn) -> bool:
        """Whether the gating findings reach the `--fail-on` level."""
        return fails((f.severity for f in self.gating), fail_on)
