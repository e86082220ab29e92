"""Findings to an ADR: context, assumptions, decision points with options, risks, next steps.

Every figure placed in the decision comes from a finding's evidence (read from the repository
or the configuration); nothing here computes a number that was not read.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from bot.catalog import Catalog
from bot.config import AriaConfig
from bot.decision.model import (
    Assumption,
    Counts,
    Decision,
    DecisionPoint,
    Figure,
    Risk,
)
from bot.findings import Finding, Severity, Status
from bot.telemetry_report import TelemetryReport
from bot.text import quote
from bot.tradeoffs import Option

MAX_DECISION_POINTS = 5
MAX_FIGURES = 12
MAX_RISKS = 8

REPLICAS_ASSUMPTION = ("Replica counts, autoscaling bounds and node-pool sizes are read from the "
                       "files in the repository; the live cluster may differ.")
LOAD_TEST_STEP = ("Before scaling up, put dashboards on p50/p99 latency, queue depth and GPU "
                  "utilization, and run a load test at the expected peak to confirm the new size.")
GENERIC_STEPS = (
    "Run `aria review` in CI with `--fail-on error` so new error-level findings block the merge.",
    "Record the accepted trade-offs as an ADR (`aria adr new \"…\" --from PATH`).",
    "Set the service's latency SLO, peak load and headroom in `.aria.yml` so reviews can size "
    "capacity from your figures instead of defaults.",
)


def count(findings: Iterable[Finding]) -> Counts:
    counts = Counts()
    sev: Counter[str] = Counter()
    fam: Counter[str] = Counter()
    status: Counter[str] = Counter()
    for f in findings:
        status[f.status.value] += 1
        if f.suppressed:
            counts.suppressed += 1
            continue
        counts.total += 1
        sev[f.severity.value] += 1
        fam[f.family] += 1
    counts.by_severity = dict(sev)
    counts.by_family = dict(fam)
    counts.by_status = dict(status)
    return counts


def _points(findings: list[Finding], catalog: Catalog) -> list[DecisionPoint]:
    by_rule: dict[str, list[Finding]] = {}
    for f in findings:
        by_rule.setdefault(f.rule_id, []).append(f)
    ranked = sorted(by_rule.items(), key=lambda kv: (-kv[1][0].severity.rank, -len(kv[1]),
                                                     kv[0]))
    points: list[DecisionPoint] = []
    for rule_id, group in ranked:
        rule = catalog.get(rule_id)
        if rule is None or rule.family == "ingest":
            continue
        objects = sorted({f.subject.split("@")[0] for f in group})
        shown = ", ".join(quote(o) for o in objects[:3]) + (
            f" and {len(objects) - 3} more" if len(objects) > 3 else "")
        points.append(DecisionPoint(
            rule_id=rule_id, title=rule.title, severity=group[0].severity,
            question=f"{rule.title}: {shown}. How should this be addressed?",
            finding_fingerprints=[f.fingerprint for f in group],
            locations=[f.location for f in group[:10]],
            options=[Option(title=o.title, summary=o.summary, cost=o.tradeoffs.cost,
                            latency=o.tradeoffs.latency, complexity=o.tradeoffs.complexity,
                            risk=o.tradeoffs.risk, recommended=o.recommended)
                     for o in rule.options],
            why=" ".join(rule.why.split())))
        if len(points) == MAX_DECISION_POINTS:
            break
    for point in points:  # exactly one ✅ per table
        if not any(o.recommended for o in point.options):
            point.options[0].recommended = True
    return points


def _figures(findings: list[Finding]) -> list[Figure]:
    seen: set[tuple[str, str]] = set()
    out: list[Figure] = []
    for f in findings:
        for e in f.evidence:
            if isinstance(e.value, bool) or not isinstance(e.value, int | float):
                continue
            source = str(e.location) if e.location else "configuration"
            key = (e.label, source)
            if key in seen:
                continue
            seen.add(key)
            subject = f.subject.split("@")[0].split("#")[0]
            out.append(Figure(label=f"{e.label} — {quote(subject)}", value=e.value, unit=e.unit,
                              source=source))
            if len(out) == MAX_FIGURES:
                return out
    return out


def _risks(findings: list[Finding], catalog: Catalog) -> list[Risk]:
    out = []
    for f in findings:
        rule = catalog.get(f.rule_id)
        if rule is not None and rule.risk:
            out.append(Risk(kind=rule.risk, text=f.message, location=f.location))
            if len(out) == MAX_RISKS:
                break
    return out


def _next_steps(points: list[DecisionPoint], catalog: Catalog) -> list[str]:
    steps: list[str] = []
    scale_up = False
    for point in points:
        rule = catalog.get(point.rule_id)
        if rule is None:
            continue
        scale_up = scale_up or rule.scale_up or rule.family == "headroom"
        for step in rule.next_steps:
            if step not in steps:
                steps.append(step)
                break  # the first step per decision keeps the list to the point
    if scale_up and LOAD_TEST_STEP not in steps:
        steps.insert(min(2, len(steps)), LOAD_TEST_STEP)
    for point in points:  # then second steps, while there is room
        rule = catalog.get(point.rule_id)
        for step in (rule.next_steps[1:2] if rule else []):
            if len(steps) < 5 and step not in steps:
                steps.append(step)
    for step in GENERIC_STEPS:
        if len(steps) >= 3:
            break
        steps.append(step)
    return steps[:5]


def _consequences(points: list[DecisionPoint]) -> list[str]:
    out = []
    for point in points[:3]:
        option = point.recommended
        out.append(f"{option.title} (`{point.rule_id}`) — risk: {option.risk}; "
                   f"cost: {option.cost}; complexity: {option.complexity}.")
    return out


def _assumptions(config: AriaConfig, config_found: bool,
                 telemetry: TelemetryReport | None) -> list[Assumption]:
    source = "config" if config_found else "default"
    where = "`.aria.yml`" if config_found else "Aria's defaults (no `.aria.yml`)"
    return [
        Assumption(text=f"Interactive serving keeps {config.headroom.min:.0%}–"
                        f"{config.headroom.max:.0%} capacity headroom (from {where}).",
                   source=source),
        Assumption(text="A workload is treated as interactive model serving when it requests "
                        "GPUs, is a KServe/Ray serving object, or runs a serving image or server "
                        "(" + ", ".join(f"`{i}`" for i in config.serving_images[:6]) + ", …).",
                   source=source),
        _replicas_assumption(telemetry),
        Assumption(text="Objects without a namespace are matched to related objects in any "
                        "namespace (they get one at apply time).", source="default"),
    ]


def _replicas_assumption(telemetry: TelemetryReport | None) -> Assumption:
    if telemetry is None:
        return Assumption(text=REPLICAS_ASSUMPTION, source="repository")
    text, measured = telemetry.restate(REPLICAS_ASSUMPTION)
    return Assumption(text=text, source="measurement" if measured else "repository")


def _recommendation(mode: str, relevant: list[Finding], fixed: list[Finding],
                    points: list[DecisionPoint]) -> str:
    errors = [f for f in relevant if f.severity is Severity.error]
    warnings = [f for f in relevant if f.severity is Severity.warning]
    top = points[0] if points else None
    lead = (f" ✅ Start with **{top.title}** (`{top.rule_id}`): {top.recommended.title}."
            if top else "")
    if mode == "review":
        fixed_txt = f" It fixes **{len(fixed)}** existing finding(s)." if fixed else ""
        if errors:
            return (f"**Request changes.** This change introduces **{len(errors)}** new "
                    f"error-level finding(s) and **{len(warnings)}** warning(s).{fixed_txt}{lead}")
        if warnings:
            return (f"**Approve with follow-ups.** This change introduces no new error-level "
                    f"finding but **{len(warnings)}** new warning(s).{fixed_txt}{lead}")
        if relevant:
            return (f"**Approve.** This change introduces only **{len(relevant)}** new note(s)."
                    f"{fixed_txt}{lead}")
        return f"**Approve.** This change introduces no new finding.{fixed_txt}"
    if errors:
        return (f"**Act on {len(errors)} error-level finding(s)** in this tree "
                f"(and **{len(warnings)}** warning(s)).{lead}")
    if warnings:
        return f"**No error-level finding.** **{len(warnings)}** warning(s) to plan for.{lead}"
    return "**Compliant.** No error- or warning-level finding in this tree."


def build_decision(*, mode: str, title: str, findings: list[Finding], catalog: Catalog,
                   config: AriaConfig, config_found: bool, files_reviewed: int,
                   context: str, base: str | None = None, head: str | None = None,
                   notes: list[str] | None = None,
                   telemetry: TelemetryReport | None = None) -> Decision:
    if mode == "review":
        relevant = [f for f in findings if f.status is Status.new and not f.suppressed]
    else:
        relevant = [f for f in findings if f.status.in_head and not f.suppressed]
    fixed = [f for f in findings if f.status is Status.fixed and not f.suppressed]
    points = _points(relevant, catalog)
    return Decision(
        mode=mode, title=title, base=base, head=head,
        recommendation=_recommendation(mode, relevant, fixed, points),
        context=context, assumptions=_assumptions(config, config_found, telemetry),
        findings=findings, decision_points=points, risks=_risks(relevant, catalog),
        figures=_figures(relevant), next_steps=_next_steps(points, catalog)
        if relevant else [],
        consequences=_consequences(points),
        notes=notes or [], counts=count(f for f in findings if f.status.in_head),
        files_reviewed=files_reviewed, telemetry=telemetry,
    )
