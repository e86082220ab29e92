"""The enqueue path with a broker: jobs in SQL, their ids published to Celery.

`BrokerJobQueue` is the App's `SqlJobQueue` (exactly-once acceptance by the UNIQUE delivery id,
attempts, leases) plus a publish after each commit. Publishing comes after the commit: a message
never names a job the database does not have. When the broker is unreachable the job waits in
the table and `sweep` publishes it later; nothing is lost and the webhook still answers in time.

Fairness: each installation's jobs go to one of `shards` queues, and workers consume all of them
round-robin (Kombu rotates the queues it polls). A burst from one installation fills one queue;
the next job of every other installation is taken within one rotation, however long that queue.
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update

from bot.jobs.queue import ClaimedJob, DeliveryIn, JobSpec, SqlJobQueue
from bot.state.db import session, transaction
from bot.state.tables import Job, JobStatus

log = logging.getLogger(__name__)
QUEUE_PREFIX = "aria.q"


def queue_names(shards: int) -> list[str]:
    return [f"{QUEUE_PREFIX}{i}" for i in range(shards)]


def shard_queue(installation_id: int | None, shards: int) -> str:
    # crc32, not hash(): the same installation must land on the same queue in every process.
    key = str(installation_id or 0).encode()
    return f"{QUEUE_PREFIX}{zlib.crc32(key) % shards}"

# (job id, queue name, countdown seconds)
Publish = Callable[[int, str, float], None]
FINISHED = frozenset({JobStatus.done, JobStatus.failed, JobStatus.cancelled})


@dataclass(frozen=True, slots=True)
class Busy:
    """The job cannot start yet (leased by a live worker, its pull request busy, not due)."""

    seconds: float


class BrokerJobQueue(SqlJobQueue):
    def __init__(self, *args: Any, publish: Publish, shards: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.publish = publish
        self.shards = shards

    def accept(self, delivery: DeliveryIn, job: JobSpec) -> int | None:
        job_id = super().accept(delivery, job)
        if job_id is not None:
            self._publish(job_id, job.payload)
        return job_id

    def enqueue(self, job: JobSpec) -> int:
        job_id = super().enqueue(job)
        self._publish(job_id, job.payload)
        return job_id

    def _publish(self, job_id: int, payload: dict[str, Any], countdown: float = 0.0) -> None:
        queue = shard_queue(payload.get("installation_id"), self.shards)
        try:
            self.publish(job_id, queue, countdown)
        except Exception as exc:  # the job is committed: the sweep publishes it later
            log.warning("job %d stored but not published (%s); the sweep will publish it",
                        job_id, exc)

    def payload_of(self, job_id: int) -> dict[str, Any] | None:
        """The payload of a job that may still run; None when it finished or never existed."""
        with session(self.engine) as s:
            row = s.execute(select(Job.status, Job.payload).where(Job.id == job_id)).first()
        if row is None or row.status in FINISHED:
            return None
        return dict(row.payload)

    def claim_job(self, job_id: int, worker_id: str) -> ClaimedJob | Busy | None:
        """Claim this job (a message names it); None when there is nothing left to do."""
        now = self.clock()
        with transaction(self.engine) as conn:
            won = self._take(conn, job_id, worker_id, now)
            row = conn.execute(select(Job.kind, Job.payload, Job.attempts, Job.max_attempts,
                                   Job.lost_workers, Job.status, Job.run_after,
                                   Job.lease_until).where(Job.id == job_id)).first()
        if row is None or row.status in FINISHED:
            return None
        if won:
            return ClaimedJob(job_id, row.kind, dict(row.payload), row.attempts,
                              row.max_attempts, row.lost_workers)
        if row.status == JobStatus.queued and row.run_after > now:
            return Busy(row.run_after - now)
        if row.status == JobStatus.running and row.lease_until is not None:
            return Busy(max(row.lease_until - now, 0.0) + 0.5)
        return Busy(2.0)  # another job of the same pull request is running

    def sweep(self, stale_after: float) -> int:
        """Publish again the jobs whose worker died and those queued too long (a message lost
        with a broker); each UPDATE is conditional, so of several sweepers one publishes."""
        now = self.clock()
        with session(self.engine) as s:
            lost = s.execute(
                update(Job)
                .where(Job.status == JobStatus.running, Job.lease_until < now)
                .values(status=JobStatus.queued, run_after=now, lease_until=None,
                        worker_id=None, lost_workers=Job.lost_workers + 1)
                .returning(Job.id, Job.payload)).all()
            # Moving run_after forward restarts the stale clock: one re-publish per window.
            stale = s.execute(
                update(Job)
                .where(Job.status == JobStatus.queued, Job.run_after < now - stale_after)
                .values(run_after=now)
                .returning(Job.id, Job.payload)).all()
        for job_id, payload in [*lost, *stale]:
            self._publish(job_id, payload)
        if lost or stale:
            log.info("sweep: %d job(s) of lost workers and %d stale job(s) published again",
                     len(lost), len(stale))
        return len(lost) + len(stale)
