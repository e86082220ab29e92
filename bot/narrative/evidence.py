"""The evidence a writer is shown: Aria's own statements about one decision, each with an id.

Items are small on purpose (one finding, one option, one figure), because a written sentence may
only use the words of the items it cites. Each item is Aria's text: names and values read from a
pull request appear only inside `code` spans, so PR text can be quoted but never becomes prose.
Ids are stable for a decision: `V` the verdict, `C` the context, `R1` the recommended option of
decision 1, `W1` why decision 1 matters, `O1.2` its second option, `F3` a finding, `G2` a
figure, `A1` an assumption, `M1` a measurement (a latency probe's, then production telemetry's,
one workload, node pool or GPU workload each).

`makes` lists the claims Aria marks an item as making, beyond what its wording shows: only the
verdict item judges the change, only a recommendation item (and the recommended option) may be
restated as an instruction, options propose, and only measurement items report a measurement.
An option's text does not say whether it is recommended, so its words cannot be recombined into a
recommendation.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from typing import Literal

from pydantic import BaseModel, Field

from bot.decision.model import NOT_IN_FILES, Decision, DecisionPoint, Figure
from bot.findings import Finding, Status
from bot.measurements import ConfigMeasurement
from bot.quantity import format_bytes
from bot.telemetry_report import (
    Cut,
    GpuUsage,
    PoolTelemetry,
    Reading,
    TelemetryReport,
    WorkloadTelemetry,
    num,
    percent,
)

MAX_FINDINGS = 40
MAX_MEASUREMENTS = 5
MAX_TELEMETRY = 10
CONTEXT_PART = "context"

ItemKind = Literal["verdict", "context", "recommendation", "rationale", "option", "finding",
                   "figure", "assumption", "measurement"]


class EvidenceItem(BaseModel):
    id: str
    kind: ItemKind
    text: str
    makes: list[str] = Field(default_factory=list, description="claims Aria marks it as making")
    whole: str = Field("", description="words a restatement of its claim must carry whole: the "
                                       "verdict's name (`Approve with follow-ups` is not "
                                       "`approved`)")


class Part(BaseModel):
    """A slot of explanatory prose the writer may fill; it never replaces Aria's text."""

    name: str
    about: str
    subject: list[str] = Field(
        default_factory=list, description="the items about the part's own subject (the change, "
        "or the decision's rule): what a pronoun opening its first point stands for")


class Evidence(BaseModel):
    items: list[EvidenceItem]
    parts: list[Part]

    def item(self, item_id: str) -> EvidenceItem | None:
        return next((i for i in self.items if i.id == item_id), None)


def decision_part(point: DecisionPoint) -> str:
    return f"decision {point.rule_id}"


def verdict_of(recommendation: str) -> str | None:
    """The bold lead of a recommendation (`Request changes.`), the structural part of it."""
    match = re.match(r"^\*\*(.+?)\*\*", recommendation.strip())
    return match.group(1) if match else None


def relevant_findings(decision: Decision) -> list[Finding]:
    """The findings the decision is about: new ones in a review, present ones otherwise."""
    active = [f for f in decision.findings if f.suppressed is None]
    if decision.mode == "review":
        return [f for f in active if f.status is Status.new]
    return [f for f in active if f.status.in_head]


def _plain(text: str) -> str:
    """Aria's stored text (plain, `bot.text`) as statements: no bold, `finding(s)` as
    `findings`."""
    return " ".join(text.replace("**", "").replace("(s)", "s").split())


def _verdict_text(decision: Decision) -> str:
    """The recommendation up to its ✅ lead: the verdict and the counts it rests on."""
    head = decision.recommendation.split(" ✅", 1)[0]
    return f"Aria's verdict on this {_subject(decision)}: {_plain(head)}"


def _verdict_name(decision: Decision) -> str:
    """`Approve with follow-ups` from `**Approve with follow-ups.** …`."""
    parts = decision.recommendation.split("**")
    return _plain(parts[1]).rstrip(".") if len(parts) > 2 else ""


def _subject(decision: Decision) -> str:
    return {"review": "change", "audit": "tree", "adr": "decision"}[decision.mode]


def _option_text(point: DecisionPoint, index: int) -> str:
    """No number: `option 2` would make `2` a value any sentence citing it could use."""
    o = point.options[index - 1]
    return _plain(f"An option for {point.rule_id}: “{o.title}”. Summary: "
                  f"{o.summary.rstrip('.')}. Cost: {o.cost}. Latency: {o.latency}. "
                  f"Complexity: {o.complexity}. Risk: {o.risk}.")


def _finding_text(f: Finding) -> str:
    values = "; ".join(f"`{e.label}` = `{e.value}`{' ' + e.unit if e.unit else ''}"
                       for e in f.evidence if not isinstance(e.value, int | float))
    severity = f.severity.value
    return _plain(f"{severity.capitalize()}-level finding {f.rule_id} ({f.title}), severity "
                  f"{severity}, status {f.status.value}, at `{f.location}`: {f.message}"
                  + (f" Read: {values}." if values else ""))


def _measurement_text(report: ConfigMeasurement) -> str:
    lines = [f"Measured by Aria's latency probe for model `{report.model}` on "
             f"`{report.target}`: {report.verdict}."]
    if report.slo_verdict:
        lines.append(f"SLO: {report.slo_verdict}.")
    for arm, run in (("base", report.base), ("head", report.head)):
        for level in run.levels if run else []:
            latency = level.latency_ms
            lines.append(f"{arm} at concurrency {level.concurrency}: p50 "
                         f"{latency.p50 if latency else None} ms, p99 "
                         f"{latency.p99 if latency else None} ms, "
                         f"{level.throughput} inferences/s.")
    return _plain(" ".join(lines))


def _measured_by(report: TelemetryReport, subject: str) -> str:
    return (f"Measured by production telemetry from `{report.source}` over `{report.window}` "
            f"for `{subject}`")


def _figure(what: str, reading: Reading) -> str:
    """`what` is Aria's name for the figure: a reading's own label may name a container."""
    return f"{what} {reading.shown}" if reading.ok else f"{what} not measured"


def _amount(value: float | None, unit: str) -> str:
    if value is None:
        return "unset"
    return format_bytes(value) if unit == "bytes" else f"{num(value)} {unit}"


_CUT_WHAT = {"capacity": "capacity", "hpa-max": "HPA maxReplicas",
             "memory": "a memory limit", "node-pool": "the node pool's GPUs"}


def _cut_text(cut: Cut) -> str:
    """From the cut's numbers, not its text: that names containers, which are the repository's."""
    return (f"The change lowers {_CUT_WHAT[cut.kind]} from {_amount(cut.before, cut.unit)} to "
            f"{_amount(cut.after, cut.unit)}, below the {_figure('measured peak', cut.measured)}.")


def _workload_text(report: TelemetryReport, w: WorkloadTelemetry) -> str:
    lines = [_measured_by(report, w.subject) + "."]
    p = w.projection
    if p is not None:
        lines.append(f"Peak load ({report.stat}): {p.peak.shown}.")
        if p.before is not None and p.utilisation_before is not None:
            lines.append(f"Capacity today: {p.before.text}, peak utilisation "
                         f"{percent(p.utilisation_before)}.")
        after = "no capacity"
        if p.utilisation_after is not None and p.headroom_after is not None:
            after = (f"projected peak utilisation {percent(p.utilisation_after)}, headroom "
                     f"{percent(p.headroom_after)}")
        lines.append(f"Capacity after the change: {p.after.text}, {after}.")
        if p.replicas_needed is not None:
            lines.append(f"Replicas the peak needs at the policy's minimum headroom of "
                         f"{percent(report.headroom_min)}: {p.replicas_needed}.")
        if p.partial:
            lines.append("The data covers too little of the window to confirm a fit.")
    lines += [_cut_text(c) for c in w.cuts]
    if w.drift is not None:
        lines.append(f"The repository writes {w.drift.repository}; the cluster runs "
                     f"{w.drift.running}.")
    return _plain(" ".join(lines))


def _pool_text(report: TelemetryReport, pool: PoolTelemetry) -> str:
    lines = [_measured_by(report, pool.subject) + ".",
             f"GPUs at the pool's maximum: {_amount(pool.gpus_before, 'GPUs')} before, "
             f"{_amount(pool.gpus_after, 'GPUs')} after the change."]
    if pool.peak_gpus is not None:
        lines.append(f"Peak GPUs in use by this repository's workloads: {num(pool.peak_gpus)}.")
    if pool.cut is not None:
        lines.append(_cut_text(pool.cut))
    return _plain(" ".join(lines))


def _gpu_text(report: TelemetryReport, g: GpuUsage) -> str:
    return _plain(f"{_measured_by(report, g.subject)}, {g.gpus_per_pod} GPUs per pod: "
                  f"{_figure('peak GPU utilisation', g.peak_utilisation)}; "
                  f"{_figure('GPU-hours held', g.gpu_hours)}.")


def _telemetry_texts(report: TelemetryReport) -> Iterator[str]:
    """The workloads and pools a review measured, then the idlest GPU workloads of an audit."""
    for w in report.workloads:
        if w.projection is not None or w.cuts or w.drift is not None:
            yield _workload_text(report, w)
    for pool in report.pools:
        yield _pool_text(report, pool)
    for g in report.gpu:
        yield _gpu_text(report, g)


def _where(fig: Figure) -> str:
    """A file is the repository's text, in code; Aria's own words are words a sentence may use."""
    return f"by {NOT_IN_FILES}" if fig.source == NOT_IN_FILES else f"in `{fig.source}`"


def _items(decision: Decision) -> Iterator[EvidenceItem]:
    if decision.recommendation:
        yield EvidenceItem(id="V", kind="verdict", text=_verdict_text(decision),
                           makes=["verdict"], whole=_verdict_name(decision))
    if decision.context:
        yield EvidenceItem(id="C", kind="context", text=_plain(f"Context: {decision.context}"))
    for n, point in enumerate(decision.decision_points, 1):
        chosen = next(k for k, o in enumerate(point.options, 1) if o is point.recommended)
        yield EvidenceItem(id=f"R{n}", kind="recommendation", text=_plain(
            f"For {point.rule_id} ({point.title}) Aria recommends the option "
            f"“{point.recommended.title}”."), makes=["recommendation", "proposal", "instruction"])
        yield EvidenceItem(id=f"W{n}", kind="rationale",
                           text=_plain(f"Why {point.rule_id} ({point.title}) matters: "
                                       f"{point.why}"))
        for k in range(1, len(point.options) + 1):
            makes = ["recommendation", "proposal", "instruction"] if k == chosen else ["proposal"]
            yield EvidenceItem(id=f"O{n}.{k}", kind="option", text=_option_text(point, k),
                               makes=makes)
    for n, f in enumerate(relevant_findings(decision)[:MAX_FINDINGS], 1):
        yield EvidenceItem(id=f"F{n}", kind="finding", text=_finding_text(f))
    for n, fig in enumerate(decision.figures, 1):
        unit = f" {fig.unit}" if fig.unit else ""
        estimate = " (an estimate)" if fig.estimate else ""
        yield EvidenceItem(id=f"G{n}", kind="figure", text=_plain(
            f"Figure: {fig.label} is set to {fig.value}{unit}{estimate} {_where(fig)}."))
    for n, a in enumerate(decision.assumptions, 1):
        yield EvidenceItem(id=f"A{n}", kind="assumption",
                           text=_plain(f"Assumption ({a.source}), what Aria assumes: {a.text}"))
    probed = decision.measurements[:MAX_MEASUREMENTS]
    for n, report in enumerate(probed, 1):
        yield EvidenceItem(id=f"M{n}", kind="measurement", text=_measurement_text(report),
                           makes=["measurement"])
    telemetry = _telemetry_texts(decision.telemetry) if decision.telemetry else iter(())
    for n, text in enumerate(itertools.islice(telemetry, MAX_TELEMETRY), len(probed) + 1):
        yield EvidenceItem(id=f"M{n}", kind="measurement", text=text, makes=["measurement"])


def evidence_of(decision: Decision) -> Evidence:
    parts = [Part(name=CONTEXT_PART, about="what this change does and why its findings "
                                           "matter, for a reader who has not seen it",
                  subject=["V"])]
    parts += [Part(name=decision_part(p), about=f"the trade-offs between the options of "
                                                f"decision {p.rule_id} ({p.title})",
                   subject=[f"R{n}", f"W{n}"])
              for n, p in enumerate(decision.decision_points, 1)]
    return Evidence(items=list(_items(decision)), parts=parts)
