"""The embedded worker: threads in the serving process that claim jobs from the SQL queue and
hand them to the runner. No broker, no other process: the default for one machine."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time

from bot.jobs.runner import JobRunner

log = logging.getLogger(__name__)


class EmbeddedWorker:
    def __init__(self, runner: JobRunner, *, threads: int = 2,
                 poll_interval: float = 0.5) -> None:
        self.runner = runner
        self.threads = threads
        self.poll_interval = poll_interval
        self._stop = threading.Event()
        self._wake = threading.Condition()
        self._pending_wakes = 0
        self._threads: list[threading.Thread] = []
        self._prefix = f"{socket.gethostname()}:{os.getpid()}"

    def start(self) -> None:
        self._stop.clear()
        self.runner.start()
        for i in range(self.threads):
            t = threading.Thread(target=self._loop, args=(f"{self._prefix}:w{i}",),
                                 name=f"aria-worker-{i}", daemon=True)
            t.start()
            self._threads.append(t)

    def stop(self, timeout: float = 30.0) -> None:
        """Stop claiming; wait for running jobs (an unfinished one is reclaimed later)."""
        self._stop.set()
        self.wake()
        deadline = time.monotonic() + timeout
        for t in self._threads:
            t.join(max(0.0, deadline - time.monotonic()))
        self._threads = [t for t in self._threads if t.is_alive()]
        self.runner.stop()

    def alive(self) -> bool:
        return bool(self._threads) and all(t.is_alive() for t in self._threads) \
            and self.runner.alive()

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
                job = self.runner.queue.claim(worker_id)
            except Exception:
                log.exception("claiming a job failed")
                job = None
            if job is None:
                self._sleep()
                continue
            try:
                self.runner.run(job, worker_id)
            except Exception:  # the database failed us: keep the thread, the lease will lapse
                log.exception("recording the outcome of job %s failed", job.id)
