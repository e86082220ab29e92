"""The task a Celery worker runs for a job id, as a plain function (`execute`) and its task.

`execute` never trusts the message: the row says whether the job still needs running, whether
another worker holds it, and how many attempts it had. So a message delivered twice runs the job
once, and a retried job keeps its attempt count across worker crashes. The claimed job goes to
the same runner the embedded worker uses.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from celery import Task, shared_task
from sqlalchemy.exc import OperationalError

from bot.jobs.broker import BrokerJobQueue, Busy
from bot.jobs.celery_app import RUN_TASK
from bot.jobs.runner import JobRunner
from bot.state.rate_budgets import RateBudgets

log = logging.getLogger(__name__)

# A countdown message waits unacknowledged in a worker; past the Redis broker's visibility
# timeout it would be handed out again. Longer waits are taken in steps: the job checks again.
MAX_COUNTDOWN = 300.0
DB_RETRY_SECONDS = 2.0


@dataclass
class WorkerContext:
    queue: BrokerJobQueue
    runner: JobRunner
    budgets: RateBudgets  # an installation near its GitHub rate limit waits for the reset


@dataclass(frozen=True, slots=True)
class Step:
    status: str  # done, duplicate, busy, rate_limited, retry, dead
    retry_in: float | None = None


_context: WorkerContext | None = None


def bind_context(ctx: WorkerContext) -> None:
    """Set once per worker process, before it consumes (see `bot.jobs.celery_worker`)."""
    global _context
    _context = ctx


def execute(ctx: WorkerContext, job_id: int, worker_id: str) -> Step:
    payload = ctx.queue.payload_of(job_id)
    if payload is None:
        return Step("duplicate")
    installation = payload.get("installation_id")
    if isinstance(installation, int):
        wait = ctx.budgets.wait_seconds(installation)
        if wait > 0:
            return Step("rate_limited", wait)
    claimed = ctx.queue.claim_job(job_id, worker_id)
    if claimed is None:
        return Step("duplicate")
    if isinstance(claimed, Busy):
        return Step("busy", claimed.seconds)
    outcome = ctx.runner.run(claimed, worker_id)
    if outcome.status == "retry":
        return Step("retry", ctx.queue.retry_delay(job_id))
    return Step(outcome.status)


@shared_task(bind=True, name=RUN_TASK, acks_late=True, reject_on_worker_lost=True,
             max_retries=None)
def run(self: Task, job_id: int) -> str:
    if _context is None:
        raise RuntimeError("worker context not bound: start workers with `aria worker`")
    worker_id = f"{self.request.hostname}:{threading.get_ident()}"
    try:
        step = execute(_context, job_id, worker_id)
    except OperationalError as exc:
        # The database is restarting. Failing the task would acknowledge the message and
        # leave the job to the stale sweep; a short retry keeps it moving.
        log.warning("job %d: database unreachable (%s), retrying", job_id, exc)
        raise self.retry(countdown=DB_RETRY_SECONDS) from exc
    if step.retry_in is not None:
        # Re-published with a countdown, then this message is acknowledged. Attempts are
        # counted in the jobs table, so Celery's own retry limit stays off.
        raise self.retry(countdown=min(step.retry_in, MAX_COUNTDOWN))
    return step.status
