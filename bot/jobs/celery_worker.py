"""A Celery worker process running jobs from the broker (`aria worker`).

Besides consuming, every worker does the background duties of the broker mode: it re-publishes
lost and stale jobs (`sweep`), touches its heartbeat file, and whatever duties the caller adds
(scheduled audits). The database decides which worker acts (conditional UPDATEs, UNIQUE keys),
so there is no leader to elect and no single scheduler to lose.
"""

from __future__ import annotations

import functools
import os
import socket
from collections.abc import Callable, Sequence
from pathlib import Path

from bot.jobs import celery_task
from bot.jobs.broker import BrokerJobQueue, queue_names
from bot.jobs.celery_app import make_celery
from bot.jobs.maintenance import Maintenance
from bot.jobs.runner import JobRunner
from bot.jobs.settings import JobSettings
from bot.state.rate_budgets import RateBudgets

HEARTBEAT_SECONDS = 10.0
Duty = tuple[float, Callable[[], object]]  # (interval seconds, function)


def run_worker(settings: JobSettings, queue: BrokerJobQueue, runner: JobRunner,
               budgets: RateBudgets, *, duties: Sequence[Duty] = (),
               heartbeat: Path | None = None,
               concurrency: int = 1, loglevel: str = "INFO") -> None:
    app = make_celery(settings)
    celery_task.bind_context(celery_task.WorkerContext(queue, runner, budgets))
    chores: list[Duty] = [(settings.sweep_interval,
                           functools.partial(queue.sweep, settings.stale_after)), *duties]
    if heartbeat is not None:
        heartbeat.touch()  # alive from the start; the probe reads its age
        chores.append((HEARTBEAT_SECONDS, heartbeat.touch))
    maintenance = Maintenance(chores).start()
    runner.start()
    try:
        # Threads, not forked children: the database pool, the lease keeper and the
        # maintenance thread stay in one process, and the consumer keeps the broker
        # connection alive while a long review runs. Scale out with more processes.
        app.worker_main([
            "worker", f"--concurrency={concurrency}", "--pool=threads",
            f"--queues={','.join(queue_names(settings.queue_shards))}",
            f"--hostname=aria-{socket.gethostname()}-{os.getpid()}@%h",
            "--without-gossip", "--without-mingle", "--without-heartbeat",
            f"--loglevel={loglevel}",
        ])
    finally:
        runner.stop()
        maintenance.stop()
