"""Wiring of `aria serve`: database, queue, worker, metrics and the ASGI app."""

from __future__ import annotations

import functools
import sys

from bot.service.app import Service
from bot.service.jobs import Runtime, report_give_up, run_job
from bot.service.metrics import Metrics
from bot.service.settings import ServeSettings
from bot.state.db import make_engine, migrate
from bot.state.queue import SqlJobQueue
from bot.state.reviews import ReviewStore
from bot.state.worker import EmbeddedWorker, Handler


def favour_the_event_loop() -> None:
    """Let the thread answering webhooks take the GIL back sooner from CPU-bound review jobs
    in the worker threads (the default 5 ms switch interval shows up in every ack)."""
    sys.setswitchinterval(0.0005)


def build_service(settings: ServeSettings, *, handler: Handler | None = None,
                  poll_interval: float = 0.5) -> Service:
    """The service for `settings`; `handler` replaces `run_job` (the load bench uses that)."""
    assert settings.database_url is not None  # filled in by the settings validator
    engine = make_engine(settings.database_url)
    migrate(engine)
    from bot.scale.web import broker_service  # ARIA_BROKER_URL set: jobs go to Celery workers
    if (scaled := broker_service(settings, engine)) is not None:
        return scaled
    queue = SqlJobQueue(engine, lease_seconds=settings.job_lease_seconds,
                        max_attempts=settings.job_max_attempts)
    metrics = Metrics(queue.counts)
    runtime = Runtime(settings, Runtime.clients_for(settings), ReviewStore(engine))
    worker = EmbeddedWorker(
        queue, handler or functools.partial(run_job, runtime=runtime),
        threads=settings.workers, poll_interval=poll_interval,
        lease_seconds=settings.job_lease_seconds,
        on_give_up=functools.partial(report_give_up, runtime), observe=metrics.observe_job)
    return Service(secret=settings.secret_bytes(), queue=queue, worker=worker, metrics=metrics,
                   review_drafts=settings.review_drafts)
