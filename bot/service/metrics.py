"""Prometheus metrics of one service instance (own registry: several apps can live in a test)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from bot.service.events import HANDLED_EVENTS

# Label values come from fixed sets only: a header an attacker writes must not make series.
OTHER_EVENT = "other"  # a verified delivery of an event Aria does not handle
UNVERIFIED = "unverified"  # no valid signature yet: the event header is anyone's text
ACK_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0)


class _QueueDepth(Collector):
    def __init__(self, counts: Callable[[], dict[str, int]]) -> None:
        self._counts = counts

    def collect(self) -> Iterator[GaugeMetricFamily]:
        gauge = GaugeMetricFamily("aria_jobs", "Jobs in the queue by status", labels=["status"])
        for status, n in sorted(self._counts().items()):
            gauge.add_metric([status], n)
        yield gauge


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.deliveries = Counter(
            "aria_webhook_deliveries", "Webhook deliveries by event and outcome",
            ["event", "outcome"], registry=self.registry,
        )
        self.ack_seconds = Histogram(
            "aria_webhook_ack_seconds", "Time to answer a webhook delivery",
            buckets=ACK_BUCKETS, registry=self.registry,
        )
        self.jobs = Counter(
            "aria_job_runs", "Job attempts by kind and outcome", ["kind", "outcome"],
            registry=self.registry,
        )
        self.job_seconds = Histogram(
            "aria_job_seconds", "Job attempt duration", ["kind"], registry=self.registry,
        )

    def watch(self, queue_counts: Callable[[], dict[str, int]]) -> None:
        """Report the queue's depth by status (the queue is made after the metrics it feeds)."""
        self.registry.register(_QueueDepth(queue_counts))

    def delivery(self, event: str | None, outcome: str) -> None:
        """Count one answered delivery; `event` is None until the signature is verified."""
        if event is None:
            event = UNVERIFIED
        elif event not in HANDLED_EVENTS:
            event = OTHER_EVENT
        self.deliveries.labels(event, outcome).inc()

    def observe_job(self, kind: str, outcome: str, seconds: float) -> None:
        self.jobs.labels(kind, outcome).inc()
        self.job_seconds.labels(kind).observe(seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)
