"""`aria worker`: a Celery worker process running the App's jobs and organisation audits."""

from __future__ import annotations

import functools
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from celery import Celery
from sqlalchemy import Engine

from bot.orgaudit.fanout import fan_out
from bot.orgaudit.schedule import Scheduler
from bot.orgaudit.store import AuditStore
from bot.scale import tasks
from bot.scale.celery_app import make_celery, publisher
from bot.scale.deadletters import DeadLetters
from bot.scale.dispatch import BrokerJobQueue
from bot.scale.fairness import ObservedClients, RateBudgets, queue_names
from bot.scale.handlers import make_handler, on_give_up
from bot.scale.maintenance import Maintenance
from bot.scale.settings import ScaleOptions
from bot.service.jobs import Runtime
from bot.service.settings import ServeSettings
from bot.state.db import make_engine, migrate
from bot.state.reviews import ReviewStore
from bot.state.worker import Handler

SCHEDULE_CHECK_SECONDS = 20.0
HEARTBEAT_SECONDS = 10.0


@dataclass
class WorkerParts:
    """What one worker process holds; `handler` is swappable (tests and benches)."""

    queue: BrokerJobQueue
    runtime: Runtime
    audits: AuditStore
    context: tasks.WorkerContext


def broker_queue(engine: Engine, app: Celery, settings: ServeSettings,
                 options: ScaleOptions) -> BrokerJobQueue:
    return BrokerJobQueue(engine, publish=publisher(app), shards=options.queue_shards,
                          lease_seconds=options.worker_lease_seconds,
                          max_attempts=settings.job_max_attempts,
                          retry_base_seconds=options.retry_base_seconds)


def build_parts(settings: ServeSettings, options: ScaleOptions, app: Celery,
                handler: Handler | None = None) -> WorkerParts:
    assert settings.database_url is not None  # filled in by the settings validator
    engine = make_engine(settings.database_url)
    migrate(engine)
    queue = broker_queue(engine, app, settings, options)
    clients = ObservedClients(settings, settings.app_id, settings.private_key_pem())
    runtime = Runtime(settings, clients, ReviewStore(engine))
    audits = AuditStore(engine)
    budgets = RateBudgets(engine, options.rate_limit_reserve)
    context = tasks.WorkerContext(
        queue=queue, handler=handler or make_handler(runtime, audits), budgets=budgets,
        dead=DeadLetters(engine), on_dead=functools.partial(on_give_up, runtime, audits),
        after_job=functools.partial(clients.record, budgets))
    return WorkerParts(queue, runtime, audits, context)


def maintenance(parts: WorkerParts, options: ScaleOptions) -> Maintenance:
    duties: list[tuple[float, Callable[[], object]]] = [(options.sweep_interval,
                     functools.partial(parts.queue.sweep, options.stale_after))]
    if options.heartbeat_file:
        heartbeat = Path(options.heartbeat_file)
        heartbeat.touch()  # alive from the start; the probe reads its age
        duties.append((HEARTBEAT_SECONDS, heartbeat.touch))
    if options.audit_schedules:
        def start(org: str, slot: datetime) -> int | None:
            return fan_out(parts.audits, parts.queue, parts.runtime.clients, org,
                           scheduled_for=slot)
        duties.append((SCHEDULE_CHECK_SECONDS, Scheduler(options.audit_schedules, start).tick))
    return Maintenance(duties)


def run_worker(settings: ServeSettings, options: ScaleOptions, *, concurrency: int = 1,
               handler: Handler | None = None, loglevel: str = "INFO") -> None:
    app = make_celery(options)
    parts = build_parts(settings, options, app, handler)
    tasks.bind_context(parts.context)
    duties = maintenance(parts, options).start()
    try:
        # Threads, not forked children: the database pool, the lease keeper and the
        # maintenance thread stay in one process, and the consumer keeps the broker
        # connection alive while a long review runs. Scale out with more processes.
        app.worker_main([
            "worker", f"--concurrency={concurrency}", "--pool=threads",
            f"--queues={','.join(queue_names(options.queue_shards))}",
            f"--hostname=aria-{socket.gethostname()}-{os.getpid()}@%h",
            "--without-gossip", "--without-mingle", "--without-heartbeat",
            f"--loglevel={loglevel}",
        ])
    finally:
        duties.stop()
