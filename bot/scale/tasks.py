"""The task a Celery worker runs for a job id, as a plain function (`execute`) and its task.

`execute` never trusts the message: the row says whether the job still needs running, whether
another worker holds it, and how many attempts it had. So a message delivered twice runs the job
once, and a retried job keeps its attempt count across worker crashes.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from celery import shared_task
from sqlalchemy.exc import OperationalError

from bot.scale.celery_app import RUN_TASK
from bot.scale.deadletters import DeadLetters
from bot.scale.dispatch import BrokerJobQueue, Busy
from bot.scale.fairness import RateBudgets
from bot.state.queue import ClaimedJob, PermanentError, RetryLater
from bot.state.worker import Handler

log = logging.getLogger(__name__)

# A countdown message waits unacknowledged in a worker; past the Redis broker's visibility
# timeout it would be handed out again. Longer waits are taken in steps: the job checks again.
MAX_COUNTDOWN = 300.0
DB_RETRY_SECONDS = 2.0


@dataclass
class WorkerContext:
    queue: BrokerJobQueue
    handler: Handler
    budgets: RateBudgets
    dead: DeadLetters
    on_dead: Callable[[ClaimedJob, str], None]  # e.g. fail the pull request's check run
    after_job: Callable[[], None]  # e.g. record the rate-limit headers the job saw


@dataclass(frozen=True, slots=True)
class Step:
    status: str  # done, duplicate, busy, rate_limited, retry, dead
    retry_in: float | None = None


_context: WorkerContext | None = None


def bind_context(ctx: WorkerContext) -> None:
    """Set once per worker process, before it consumes (see `bot.scale.worker`)."""
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
    if claimed.attempts > claimed.max_attempts:
        # Every earlier attempt ended with its worker killed: this job kills workers.
        return _dead(ctx, claimed, worker_id, "worker lost during every attempt")
    try:
        with _leased(ctx.queue, job_id, worker_id):
            result = ctx.handler(claimed.payload)
    except Exception as exc:
        return _failed(ctx, claimed, worker_id, exc)
    finally:
        _quietly(ctx.after_job, "recording the rate-limit budget")
    ctx.queue.complete(job_id, worker_id, result)
    return Step("done")


def _failed(ctx: WorkerContext, job: ClaimedJob, worker_id: str, exc: Exception) -> Step:
    error = f"{type(exc).__name__}: {exc}"
    again = ctx.queue.fail(job.id, worker_id, error,
                           retry_in=exc.delay if isinstance(exc, RetryLater) else None,
                           permanent=isinstance(exc, PermanentError))
    if again:
        log.warning("job %d (%s) attempt %d failed, will retry: %s",
                    job.id, job.kind, job.attempts, error)
        return Step("retry", ctx.queue.retry_delay(job.id))
    log.error("job %d (%s) failed after %d attempt(s): %s", job.id, job.kind, job.attempts,
              error, exc_info=exc)
    return _dead(ctx, job, worker_id, error, recorded=True)


def _dead(ctx: WorkerContext, job: ClaimedJob, worker_id: str, error: str, *,
          recorded: bool = False) -> Step:
    if not recorded:
        ctx.queue.fail(job.id, worker_id, error, permanent=True)
    ctx.dead.add(job, error)
    _quietly(lambda: ctx.on_dead(job, error), f"reporting the failure of job {job.id}")
    return Step("dead")


def _quietly(fn: Callable[[], None], what: str) -> None:
    try:
        fn()
    except Exception:
        log.exception("%s failed", what)


@contextmanager
def _leased(queue: BrokerJobQueue, job_id: int, worker_id: str) -> Iterator[None]:
    """Renew the job's lease while it runs: a lease that lapses means this worker died."""
    stop = threading.Event()

    def keep() -> None:
        while not stop.wait(queue.lease_seconds / 3):
            _quietly(lambda: queue.renew([job_id], worker_id), f"renewing job {job_id}'s lease")

    keeper = threading.Thread(target=keep, name=f"aria-lease-{job_id}", daemon=True)
    keeper.start()
    try:
        yield
    finally:
        stop.set()
        keeper.join()


@shared_task(bind=True, name=RUN_TASK, acks_late=True, reject_on_worker_lost=True,
             max_retries=None)
def run(self, job_id: int) -> str:  # type: ignore[no-untyped-def]
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
