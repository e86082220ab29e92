"""The embedded worker: threads in the server process that claim jobs from the queue and run them.

A claimed job's lease is renewed while it runs; if the process dies, the lease lapses and the job
is claimed again (by this process after a restart, or by another). The handler is a plain
function of the job payload, so a distributed task queue can call the same function later.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

from bot.state.queue import ClaimedJob, JobQueue, PermanentError, RetryLater

log = logging.getLogger(__name__)

Handler = Callable[[dict[str, Any]], dict[str, Any]]
GiveUp = Callable[[ClaimedJob, str], None]
Observe = Callable[[str, str, float], None]  # kind, outcome, seconds


class EmbeddedWorker:
    def __init__(
        self,
        queue: JobQueue,
        handler: Handler,
        *,
        threads: int = 2,
        poll_interval: float = 0.5,
        lease_seconds: float = 600.0,
        on_give_up: GiveUp | None = None,
        observe: Observe | None = None,
    ) -> None:
        self.queue = queue
        self.handler = handler
        self.threads = threads
        self.poll_interval = poll_interval
        self.lease_seconds = lease_seconds
        self.on_give_up = on_give_up
        self.observe = observe
        self._stop = threading.Event()
        self._wake = threading.Condition()
        self._pending_wakes = 0
        self._running: dict[int, str] = {}  # job id -> worker id
        self._running_lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._prefix = f"{socket.gethostname()}:{os.getpid()}"

    def start(self) -> None:
        self._stop.clear()
        for i in range(self.threads):
            t = threading.Thread(target=self._loop, args=(f"{self._prefix}:w{i}",),
                                 name=f"aria-worker-{i}", daemon=True)
            t.start()
            self._threads.append(t)
        keeper = threading.Thread(target=self._keep_leases, name="aria-lease", daemon=True)
        keeper.start()
        self._threads.append(keeper)

    def stop(self, timeout: float = 30.0) -> None:
        """Stop claiming; wait for running jobs (an unfinished one is reclaimed later)."""
        self._stop.set()
        self.wake()
        deadline = time.monotonic() + timeout
        for t in self._threads:
            t.join(max(0.0, deadline - time.monotonic()))
        self._threads = [t for t in self._threads if t.is_alive()]

    def alive(self) -> bool:
        return bool(self._threads) and all(t.is_alive() for t in self._threads)

    def wake(self) -> None:
        """A job was enqueued: let an idle thread look now instead of at its next poll."""
        with self._wake:
            self._pending_wakes += 1
            self._wake.notify()

    def _sleep(self) -> None:
        with self._wake:
            if self._pending_wakes == 0:
                self._wake.wait(self.poll_interval)
            self._pending_wakes = max(0, self._pending_wakes - 1)

    def _loop(self, worker_id: str) -> None:
        while not self._stop.is_set():
            try:
                job = self.queue.claim(worker_id)
            except Exception:
                log.exception("claiming a job failed")
                job = None
            if job is None:
                self._sleep()
                continue
            try:
                self._run(job, worker_id)
            except Exception:  # the database failed us: keep the thread, the lease will lapse
                log.exception("recording the outcome of job %s failed", job.id)

    def _run(self, job: ClaimedJob, worker_id: str) -> None:
        if job.attempts > job.max_attempts:
            # Its previous workers died mid-run every time: stop trying.
            self._give_up(job, worker_id, "worker lost during every attempt")
            return
        with self._running_lock:
            self._running[job.id] = worker_id
        started = time.monotonic()
        try:
            result = self.handler(job.payload)
        except Exception as exc:
            self._failed(job, worker_id, exc, time.monotonic() - started)
        else:
            self.queue.complete(job.id, worker_id, result)
            self._observe(job.kind, "done", time.monotonic() - started)
        finally:
            with self._running_lock:
                self._running.pop(job.id, None)

    def _failed(self, job: ClaimedJob, worker_id: str, exc: Exception, seconds: float) -> None:
        error = f"{type(exc).__name__}: {exc}"
        retry_in = exc.delay if isinstance(exc, RetryLater) else None
        permanent = isinstance(exc, PermanentError)
        again = self.queue.fail(job.id, worker_id, error, retry_in=retry_in, permanent=permanent)
        if again:
            log.warning("job %s (%s) attempt %d failed, will retry: %s",
                        job.id, job.kind, job.attempts, error)
            self._observe(job.kind, "retry", seconds)
            return
        log.error("job %s (%s) failed after %d attempts: %s",
                  job.id, job.kind, job.attempts, error, exc_info=exc)
        self._observe(job.kind, "failed", seconds)
        self._notify_give_up(job, error)

    def _give_up(self, job: ClaimedJob, worker_id: str, error: str) -> None:
        self.queue.fail(job.id, worker_id, error, permanent=True)
        log.error("job %s (%s) given up: %s", job.id, job.kind, error)
        self._observe(job.kind, "failed", 0.0)
        self._notify_give_up(job, error)

    def _notify_give_up(self, job: ClaimedJob, error: str) -> None:
        if self.on_give_up is None:
            return
        try:
            self.on_give_up(job, error)
        except Exception:
            log.exception("reporting the failure of job %s failed too", job.id)

    def _observe(self, kind: str, outcome: str, seconds: float) -> None:
        if self.observe is not None:
            self.observe(kind, outcome, seconds)

    def _keep_leases(self) -> None:
        interval = max(self.lease_seconds / 3, 0.05)
        while not self._stop.wait(interval):
            with self._running_lock:
                held: dict[str, list[int]] = {}
                for job_id, worker_id in self._running.items():
                    held.setdefault(worker_id, []).append(job_id)
            for worker_id, ids in held.items():
                try:
                    self.queue.renew(ids, worker_id)
                except Exception:
                    log.exception("renewing job leases failed")
