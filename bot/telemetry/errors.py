"""Why telemetry could not be read. Each becomes a note in the review, never a figure."""

from __future__ import annotations


class TelemetryError(Exception):
    """Base of every telemetry failure."""


class TelemetryUsageError(TelemetryError):
    """The operator's configuration cannot be used (URL, allow-list, credentials file)."""


class PrometheusUnavailable(TelemetryError):
    """Prometheus did not answer: refused, unreachable, timed out, or not Prometheus."""


class QueryFailed(TelemetryError):
    """Prometheus answered one query with an error (bad data, execution error, its timeout)."""


class BudgetExhausted(TelemetryError):
    """The review's query budget or deadline is spent; later figures are not read."""
