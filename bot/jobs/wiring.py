"""The one wiring of the job runtime: the database (migrated), then the mode.

With `ARIA_BROKER_URL` the queue publishes every job it stores to Celery and `aria worker`
processes run them; without it, embedded worker threads in this process do. Either way the
caller passes the work behind each job kind (`Handlers.run`, or its own function in tests).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine

from bot.jobs.broker import BrokerJobQueue
from bot.jobs.embedded import EmbeddedWorker
from bot.jobs.handlers import Handle
from bot.jobs.queue import SqlJobQueue
from bot.jobs.runner import GiveUp, JobRunner, Observe
from bot.jobs.settings import JobSettings
from bot.state.db import make_engine, migrate, when_reachable
from bot.state.deadletters import DeadLetters


def open_database(settings: JobSettings) -> Engine:
    """The state database, migrated to the newest schema (safe with peers starting at once).
    A database server that does not answer yet is waited for; a SQLite file is there or not."""
    engine = make_engine(settings.database)
    wait = 0.0 if engine.dialect.name == "sqlite" else settings.database_wait_seconds
    when_reachable(lambda: migrate(engine), within=wait, what="migrating the state database")
    return engine


def broker_queue(engine: Engine, settings: JobSettings) -> BrokerJobQueue:
    from bot.jobs.celery_app import make_celery, publisher  # Celery is the `scale` extra

    return BrokerJobQueue(engine, publish=publisher(make_celery(settings)),
                          shards=settings.queue_shards, lease_seconds=settings.job_lease_seconds,
                          max_attempts=settings.job_max_attempts,
                          retry_base_seconds=settings.retry_base_seconds)


def runner(queue: SqlJobQueue, engine: Engine, handle: Handle, *, give_up: GiveUp | None = None,
           observe: Observe | None = None, after: Callable[[], object] | None = None
           ) -> JobRunner:
    return JobRunner(queue, handle, dead=DeadLetters(engine), give_up=give_up, observe=observe,
                     after=after)


@dataclass
class Jobs:
    queue: SqlJobQueue
    worker: EmbeddedWorker | None  # None with a broker: `aria worker` processes run the jobs


def start_jobs(settings: JobSettings, engine: Engine, handle: Handle, *,
               give_up: GiveUp | None = None, observe: Observe | None = None,
               poll_interval: float = 0.5) -> Jobs:
    """The queue jobs go to, and the embedded worker that runs them when there is no broker
    (started by the caller)."""
    if settings.broker_url:
        return Jobs(broker_queue(engine, settings), None)
    queue = SqlJobQueue(engine, lease_seconds=settings.job_lease_seconds,
                        max_attempts=settings.job_max_attempts,
                        retry_base_seconds=settings.retry_base_seconds)
    work = runner(queue, engine, handle, give_up=give_up, observe=observe)
    return Jobs(queue, EmbeddedWorker(work, threads=settings.workers, poll_interval=poll_interval))
