"""What a review and an audit share: the operator's target, the report's frame, the guard
that keeps a telemetry failure from costing the review, and the replica assumption."""

from __future__ import annotations

import datetime as _dt
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Literal

from pydantic import ValidationError

from bot.config import Headroom, TelemetryConfig
from bot.graph.workloads import Workload
from bot.telemetry.errors import TelemetryUsageError
from bot.telemetry.settings import PrometheusSettings
from bot.telemetry_report import Reading, Replacement, TelemetryReport, num

if TYPE_CHECKING:  # imported where a meter is opened, like the client (below)
    from bot.telemetry.measure import Meter

log = logging.getLogger(__name__)


def open_meter(config: TelemetryConfig, notes: list[str], settings: PrometheusSettings | None,
               at: float | None) -> Meter | None:
    """A meter on the operator's Prometheus, or None (not configured, disabled, refused)."""
    if not config.enabled:
        return None
    try:
        target = (settings or PrometheusSettings.from_env()).target()
    except (TelemetryUsageError, ValidationError) as exc:
        notes.append(f"Telemetry skipped: {exc}")
        return None
    if target is None:
        if config.model_fields_set:
            notes.append("`.aria.yml` sets `telemetry`, but the operator configured no "
                         "Prometheus (`ARIA_PROMETHEUS_URL`); capacity rests on the "
                         "repository's figures.")
        return None
    # Imported here: HTTP (urllib.request, http.client) and the queries are loaded only for a
    # configured server, not by every review (2 % of a small review's start-up).
    from bot.telemetry.client import PrometheusClient
    from bot.telemetry.measure import Meter
    from bot.telemetry.queries import Stats
    return Meter(PrometheusClient(target, at), Stats.of(config))


def new_report(mode: Literal["review", "audit"], meter: Meter, config: TelemetryConfig,
               headroom: Headroom) -> TelemetryReport:
    client = meter.client
    return TelemetryReport(
        mode=mode, source=client.target.source, window=config.window, stat=config.stat,
        evaluated_at=_dt.datetime.fromtimestamp(client.at, _dt.UTC),
        min_coverage=config.min_coverage, headroom_min=headroom.min, headroom_max=headroom.max,
        max_queries=client.target.max_queries)


def finish(report: TelemetryReport, meter: Meter) -> TelemetryReport:
    report.queries = meter.client.queries
    report.elapsed_s = round(meter.client.elapsed_s, 3)
    report.notes = meter.notes + report.notes
    return report


def guarded(run: Callable[[], TelemetryReport | None], notes: list[str]
            ) -> TelemetryReport | None:
    try:
        return run()
    except Exception as exc:  # telemetry must never cost the review
        log.exception("telemetry failed")
        notes.append(f"Telemetry failed ({exc.__class__.__name__}: {exc}); the review continues "
                     "on the repository's figures.")
        return None


def record_replicas(report: TelemetryReport, w: Workload, running: Reading | None) -> None:
    """The repository's replica assumption, replaced for ``w`` or kept with the reason."""
    if running is not None and running.value is not None:
        report.replaced.append(Replacement(
            subject=w.subject, text=f"runs {num(running.value)} replica(s)",
            promql=running.promql))
    else:
        why = running.note if running is not None else "no kube-state-metrics object for it"
        report.kept.append(Replacement(subject=w.subject, text=f"replica count: {why}"))
