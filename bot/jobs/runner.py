"""One runner for a claimed job, in both modes (embedded worker threads, Celery tasks).

While the job runs its lease is renewed (one keeper thread renews every running job's lease, a
third of the lease apart); a worker that dies stops renewing and the job is claimed again when
the lease lapses. The outcome is recorded in the queue: done, a retry after a delay (backoff, or
the delay a `RetryLater` asks for), or given up — after its last attempt, at once for a
`PermanentError`, and for a job that has killed its worker twice (a hostile input that takes the
process down, or out of memory, would otherwise loop through every attempt). A job given up is
kept as a dead letter and reported by its kind's handler, so none ends silently.

Recording the outcome waits out a database that stops answering (a restart) for up to one lease,
the job still held and its lease renewed once the database is back: a job whose work is done is
not run a second time because its "done" could not be written for a moment.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Literal, TypeVar

from bot.jobs.handlers import Handle
from bot.jobs.queue import ClaimedJob, PermanentError, RetryLater, SqlJobQueue
from bot.state.db import when_reachable
from bot.state.deadletters import DeadLetters

log = logging.getLogger(__name__)

Observe = Callable[[str, str, float], None]  # kind, outcome, seconds
GiveUp = Callable[[ClaimedJob, str], None]
MAX_LOST_WORKERS = 2  # a second death on the same input is no accident
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Outcome:
    status: Literal["done", "retry", "dead"]


def quietly(fn: Callable[[], object], what: str) -> None:
    """Run a side duty whose failure must not change the job's outcome."""
    try:
        fn()
    except Exception:
        log.exception("%s failed", what)


class JobRunner:
    def __init__(self, queue: SqlJobQueue, handle: Handle, *, dead: DeadLetters,
                 give_up: GiveUp | None = None, observe: Observe | None = None,
                 after: Callable[[], object] | None = None) -> None:
        """`after` runs when each attempt ends, whatever its outcome (e.g. recording the
        rate-limit headers the job saw)."""
        self.queue = queue
        self.handle = handle
        self.dead = dead
        self.give_up = give_up
        self.observe = observe
        self.after = after
        self._running: dict[int, str] = {}  # job id -> worker id
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._keeper: threading.Thread | None = None

    def start(self) -> None:
        self._stop.clear()
        self._keeper = threading.Thread(target=self._keep_leases, name="aria-lease", daemon=True)
        self._keeper.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._keeper is not None:
            self._keeper.join(timeout)

    def alive(self) -> bool:
        return self._keeper is not None and self._keeper.is_alive()

    def run(self, job: ClaimedJob, worker_id: str) -> Outcome:
        if job.lost_workers >= MAX_LOST_WORKERS or job.attempts > job.max_attempts:
            # Not run again: this claim is no attempt, the earlier ones each lost their worker.
            job = replace(job, attempts=job.attempts - 1)
            error = (f"the worker running it died during {job.lost_workers} of "
                     f"{job.attempts} attempts (killed, or out of memory, on this input)")
            self._record(lambda: self.queue.fail(job.id, worker_id, error, permanent=True),
                         job)
            log.error("job %d (%s) given up: %s", job.id, job.kind, error)
            return self._dead(job, error, 0.0)
        with self._lock:
            self._running[job.id] = worker_id
        try:
            return self._attempt(job, worker_id)
        finally:
            # Only now: the lease is kept until the outcome is recorded.
            with self._lock:
                self._running.pop(job.id, None)

    def _attempt(self, job: ClaimedJob, worker_id: str) -> Outcome:
        started = time.monotonic()
        try:
            result = self.handle(job.payload)
        except Exception as exc:
            return self._failed(job, worker_id, exc, time.monotonic() - started)
        finally:
            if self.after is not None:
                quietly(self.after, "the end-of-job duty")
        self._record(lambda: self.queue.complete(job.id, worker_id, result), job)
        self._observe(job.kind, "done", time.monotonic() - started)
        return Outcome("done")

    def _record(self, write: Callable[[], T], job: ClaimedJob) -> T:
        # Past one lease the job may be another worker's: then the error goes up, the lease
        # lapses and the job runs again, as it would after this worker's death.
        return when_reachable(write, within=self.queue.lease_seconds,
                              what=f"recording the outcome of job {job.id}")

    def _failed(self, job: ClaimedJob, worker_id: str, exc: Exception,
                seconds: float) -> Outcome:
        error = f"{type(exc).__name__}: {exc}"
        again = self._record(lambda: self.queue.fail(
            job.id, worker_id, error, retry_in=exc.delay if isinstance(exc, RetryLater) else None,
            permanent=isinstance(exc, PermanentError)), job)
        if again:
            log.warning("job %d (%s) attempt %d failed, will retry: %s",
                        job.id, job.kind, job.attempts, error)
            self._observe(job.kind, "retry", seconds)
            return Outcome("retry")
        log.error("job %d (%s) failed after %d attempt(s): %s",
                  job.id, job.kind, job.attempts, error, exc_info=exc)
        return self._dead(job, error, seconds)

    def _dead(self, job: ClaimedJob, error: str, seconds: float) -> Outcome:
        self._observe(job.kind, "failed", seconds)
        self._record(lambda: self.dead.add(job.id, job.kind, job.payload, error, job.attempts),
                     job)
        if self.give_up is not None:
            report = self.give_up
            quietly(lambda: report(job, error), f"reporting the failure of job {job.id}")
        return Outcome("dead")

    def _observe(self, kind: str, outcome: str, seconds: float) -> None:
        if self.observe is not None:
            self.observe(kind, outcome, seconds)

    def _keep_leases(self) -> None:
        interval = max(self.queue.lease_seconds / 3, 0.05)
        while not self._stop.wait(interval):
            with self._lock:
                held: dict[str, list[int]] = {}
                for job_id, worker_id in self._running.items():
                    held.setdefault(worker_id, []).append(job_id)
            for worker_id, ids in held.items():
                quietly(functools.partial(self.queue.renew, ids, worker_id),
                        "renewing job leases")
