"""The job queue: durable jobs in SQL, claimed with a lease.

`JobQueue` is the interface the webhook endpoint, the fan-out and the workers use; `SqlJobQueue`
implements it on any SQLAlchemy database (the embedded default is SQLite). A job is claimed by
setting a lease; a worker that dies stops renewing it and the job becomes claimable again when
the lease runs out.
Claiming is a conditional UPDATE, so two claimers (threads or processes) never both win.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    and_,
    bindparam,
    case,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from bot.jobs.payloads import Job as JobPayload
from bot.state.db import inserted_id, rowcount, session, transaction
from bot.state.tables import Delivery, Job, JobStatus


class JobSpec(BaseModel):
    kind: str
    payload: dict[str, Any]
    concurrency_key: str

    @classmethod
    def of(cls, job: JobPayload, concurrency_key: str) -> JobSpec:
        return cls(kind=job.kind, payload=job.model_dump(), concurrency_key=concurrency_key)


class DeliveryIn(BaseModel):
    delivery_id: str
    event: str
    action: str | None = None


@dataclass(frozen=True, slots=True)
class ClaimedJob:
    id: int
    kind: str
    payload: dict[str, Any]
    attempts: int
    max_attempts: int
    lost_workers: int = 0  # earlier attempts whose worker died (killed, out of memory)


class RetryLater(Exception):  # noqa: N818 - names an outcome, not an error
    """Raised by a job to be retried after `delay` seconds (e.g. a rate limit's reset)."""

    def __init__(self, message: str, delay: float) -> None:
        super().__init__(message)
        self.delay = delay


class PermanentError(Exception):
    """Raised by a job that no retry can fix (bad payload, repository gone)."""


class JobQueue(ABC):
    @abstractmethod
    def accept(self, delivery: DeliveryIn, job: JobSpec) -> int | None:
        """Record a webhook delivery and its job in one transaction; None for a duplicate."""

    @abstractmethod
    def enqueue(self, job: JobSpec) -> int: ...

    @abstractmethod
    def claim(self, worker_id: str) -> ClaimedJob | None: ...

    @abstractmethod
    def renew(self, job_ids: list[int], worker_id: str) -> None:
        """Extend the lease of jobs this worker still runs."""

    @abstractmethod
    def complete(self, job_id: int, worker_id: str, result: dict[str, Any]) -> None: ...

    @abstractmethod
    def fail(self, job_id: int, worker_id: str, error: str, *, retry_in: float | None = None,
             permanent: bool = False) -> bool:
        """Record a failed attempt; True when the job will run again."""

    @abstractmethod
    def cancel_queued(self, concurrency_key: str, kind: str) -> int: ...

    @abstractmethod
    def counts(self) -> dict[str, int]: ...


class SqlJobQueue(JobQueue):
    def __init__(
        self,
        engine: Engine,
        *,
        lease_seconds: float = 600.0,
        max_attempts: int = 5,
        retry_base_seconds: float = 5.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.engine = engine
        self.lease_seconds = lease_seconds
        self.max_attempts = max_attempts
        self.retry_base_seconds = retry_base_seconds
        self.clock = clock

    def _job_values(self, job: JobSpec) -> dict[str, Any]:
        return {"kind": job.kind, "payload": job.payload, "concurrency_key": job.concurrency_key,
                "status": JobStatus.queued, "attempts": 0, "max_attempts": self.max_attempts,
                "run_after": self.clock()}

    def accept(self, delivery: DeliveryIn, job: JobSpec) -> int | None:
        # Core statements built once, parameters apart: this runs on every delivery, inside
        # the ack deadline, and building `.values({...})` anew cost more than the INSERTs.
        try:
            with transaction(self.engine) as conn:
                job_id = inserted_id(conn.execute(_INSERT_JOB, self._job_values(job)))
                conn.execute(_INSERT_DELIVERY, {
                    "delivery_id": delivery.delivery_id, "event": delivery.event,
                    "action": delivery.action, "job_id": job_id})
                return job_id
        except IntegrityError:
            # The UNIQUE delivery id: GitHub (or someone replaying) sent it before.
            return None

    def enqueue(self, job: JobSpec) -> int:
        with transaction(self.engine) as conn:
            return inserted_id(conn.execute(_INSERT_JOB, self._job_values(job)))

    def claim(self, worker_id: str) -> ClaimedJob | None:
        # Prebuilt statements on a Core connection: the embedded workers claim and complete in
        # the process that answers webhooks, so their per-job cost shows in the ack's tail.
        now = self.clock()
        with transaction(self.engine) as conn:
            # A lapsed lease (a dead worker) goes first; each lookup is index-ordered (status, id).
            job_id = conn.scalar(_NEXT_LAPSED, {"now": now})
            if job_id is None:
                job_id = conn.scalar(_NEXT_QUEUED, {"now": now})
            if job_id is None or not self._take(conn, job_id, worker_id, now):
                return None
            row = conn.execute(_CLAIMED, {"job_id": job_id}).one()
            return ClaimedJob(job_id, row.kind, dict(row.payload), row.attempts,
                              row.max_attempts, row.lost_workers)

    def _take(self, conn: Connection, job_id: int, worker_id: str, now: float) -> bool:
        """Lease one job to this worker; of concurrent claimers only one UPDATE matches."""
        return rowcount(conn.execute(_TAKE, {"job_id": job_id, "now": now, "claimant": worker_id,
                                             "lease_end": now + self.lease_seconds})) == 1

    def renew(self, job_ids: list[int], worker_id: str) -> None:
        if not job_ids:
            return
        with session(self.engine) as s:
            s.execute(
                update(Job)
                .where(Job.id.in_(job_ids), Job.worker_id == worker_id,
                       Job.status == JobStatus.running)
                .values(lease_until=self.clock() + self.lease_seconds)
            )

    def complete(self, job_id: int, worker_id: str, result: dict[str, Any]) -> None:
        with transaction(self.engine) as conn:
            conn.execute(_COMPLETE, {"job_id": job_id, "claimant": worker_id, "result": result})

    def fail(self, job_id: int, worker_id: str, error: str, *, retry_in: float | None = None,
             permanent: bool = False) -> bool:
        with session(self.engine) as s:
            row = s.get_one(Job, job_id)
            if row.worker_id != worker_id:
                return row.status != JobStatus.failed  # reclaimed meanwhile: not ours to judge
            row.last_error = error[:4000]
            row.lease_until = None
            if row.attempts < row.max_attempts and not permanent:
                delay = retry_in if retry_in is not None else self._backoff(row.attempts)
                row.status = JobStatus.queued
                row.run_after = self.clock() + delay
                return True
            row.status = JobStatus.failed
            return False

    def retry_delay(self, job_id: int) -> float:
        """Seconds until a job scheduled for a retry may run."""
        with session(self.engine) as s:
            run_after = s.scalar(select(Job.run_after).where(Job.id == job_id))
        return max(0.0, (run_after or 0.0) - self.clock())

    def _backoff(self, attempts: int) -> float:
        return min(self.retry_base_seconds * 2 ** (attempts - 1), 600.0)

    def cancel_queued(self, concurrency_key: str, kind: str) -> int:
        with session(self.engine) as s:
            return rowcount(s.execute(
                update(Job)
                .where(Job.concurrency_key == concurrency_key, Job.kind == kind,
                       Job.status == JobStatus.queued)
                .values(status=JobStatus.cancelled)
            ))

    def counts(self) -> dict[str, int]:
        with session(self.engine) as s:
            rows = s.execute(select(Job.status, func.count()).group_by(Job.status)).all()
        return {status: n for status, n in rows}


# The statements every delivery and every job run, built once; `now`, `claimant` (the worker),
# `lease_end` and `job_id` are bound per call.
_INSERT_JOB = insert(Job)
_INSERT_DELIVERY = insert(Delivery)
_NOW = bindparam("now", type_=Job.run_after.type)
_FREE = Job.concurrency_key.not_in(
    select(Job.concurrency_key).where(Job.status == JobStatus.running, Job.lease_until >= _NOW))
_NEXT_LAPSED = (select(Job.id).where(Job.status == JobStatus.running, Job.lease_until < _NOW, _FREE)
                .order_by(Job.id).limit(1))
_NEXT_QUEUED = (select(Job.id).where(Job.status == JobStatus.queued, Job.run_after <= _NOW, _FREE)
                .order_by(Job.id).limit(1))
_CLAIMABLE: ColumnElement[bool] = and_(
    or_(and_(Job.status == JobStatus.queued, Job.run_after <= _NOW),
        and_(Job.status == JobStatus.running, Job.lease_until < _NOW)),
    _FREE)
_TAKE = (
    update(Job)
    .where(Job.id == bindparam("job_id"), _CLAIMABLE)
    .values(status=JobStatus.running, attempts=Job.attempts + 1,
            # still `running` here means its lease lapsed: the last worker died
            lost_workers=Job.lost_workers + case((Job.status == JobStatus.running, 1), else_=0),
            lease_until=bindparam("lease_end"), worker_id=bindparam("claimant"))
)
_CLAIMED = select(Job.kind, Job.payload, Job.attempts, Job.max_attempts,
                  Job.lost_workers).where(Job.id == bindparam("job_id"))
_COMPLETE = (update(Job)
             .where(Job.id == bindparam("job_id"), Job.worker_id == bindparam("claimant"))
             .values(status=JobStatus.done, result=bindparam("result", type_=Job.result.type),
                     lease_until=None))
