"""Findings from measurements: a config Triton refused, a measured regression, a missed SLO."""

from __future__ import annotations

from collections.abc import Iterator

from bot.checks.contract import CheckContext, CheckParams, Hit, NoParams, check, ev
from bot.measurements import ConfigMeasurement


def _subject(report: ConfigMeasurement) -> str:
    return f"TritonModelConfig/{report.model}"


@check("probe_refused", NoParams)
def probe_refused(ctx: CheckContext[NoParams]) -> Iterator[Hit]:
    for report in ctx.inventory.measurements:
        if report.error:
            yield Hit(subject=_subject(report), path=report.path, line=1,
                      fields={"model": report.model, "error": report.error},
                      evidence=[ev("Triton's response", report.error, report.path, 1)])


class Metrics(CheckParams):
    metrics: list[str]  # MetricDiff metrics whose regression is a finding


@check("probe_regression", Metrics)
def probe_regression(ctx: CheckContext[Metrics]) -> Iterator[Hit]:
    """A difference whose bootstrap interval excludes zero, in the worse direction."""
    metrics = set(ctx.params.metrics)
    for report in ctx.inventory.measurements:
        for diff in report.ab.diffs if report.ab else []:
            if diff.verdict != "regression" or diff.metric not in metrics:
                continue
            where = f"measurement: {report.target} c={diff.concurrency}"
            unit = "inferences/s" if diff.metric == "throughput" else "ms"
            yield Hit(subject=_subject(report), path=report.path, line=1,
                      detail=f"{diff.metric}@{diff.concurrency}",
                      fields={"model": report.model, "metric": diff.metric,
                              "concurrency": diff.concurrency,
                              "base": f"{diff.base:.2f}", "head": f"{diff.head:.2f}",
                              "low": f"{diff.ci_low:.2f}", "high": f"{diff.ci_high:.2f}"},
                      evidence=[ev(f"base {diff.metric}", round(diff.base, 3), where, None, unit),
                                ev(f"head {diff.metric}", round(diff.head, 3), where, None,
                                   unit)])


@check("probe_slo_missed", NoParams)
def probe_slo_missed(ctx: CheckContext[NoParams]) -> Iterator[Hit]:
    for report in ctx.inventory.measurements:
        capacity = report.capacity_head
        if capacity is None or capacity.meets_slo:
            continue
        at = ctx.config.set_at(f"probes.models.{report.model}.slo_ms")
        yield Hit(subject=_subject(report), path=report.path, line=1,
                  fields={"model": report.model, "slo": capacity.slo_ms,
                          "percentile": capacity.slo_percentile},
                  evidence=[ev(f"p{capacity.slo_percentile} SLO", capacity.slo_ms,
                               at[0] if at else None, at[1] if at else None, "ms")])
