"""The durable job queue and the embedded worker, on real SQLite files."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from emulator.pytest_fixtures import wait_for

from bot.jobs.embedded import EmbeddedWorker
from bot.jobs.queue import DeliveryIn, JobSpec, PermanentError, RetryLater, SqlJobQueue
from bot.jobs.runner import JobRunner
from bot.state.db import make_engine, migrate
from bot.state.deadletters import DeadLetters


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _queue(path: Path, clock: Clock | None = None, **kw: Any) -> SqlJobQueue:
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    return SqlJobQueue(engine, clock=clock or Clock(), **kw)


def _job(key: str = "pr:o/r#1", n: int = 1) -> JobSpec:
    return JobSpec(kind="review", payload={"n": n}, concurrency_key=key)


def test_a_delivery_is_accepted_once(tmp_path: Path) -> None:
    q = _queue(tmp_path / "a.db")
    first = q.accept(DeliveryIn(delivery_id="d1", event="pull_request"), _job())
    assert isinstance(first, int)
    assert q.accept(DeliveryIn(delivery_id="d1", event="pull_request"), _job()) is None
    assert q.counts() == {"queued": 1}


def test_accepted_jobs_survive_a_restart(tmp_path: Path) -> None:
    q = _queue(tmp_path / "a.db")
    q.accept(DeliveryIn(delivery_id="d1", event="pull_request"), _job())
    q.engine.dispose()
    again = _queue(tmp_path / "a.db")
    claimed = again.claim("w")
    assert claimed is not None and claimed.payload == {"n": 1}


def test_a_dead_workers_job_is_reclaimed_after_its_lease(tmp_path: Path) -> None:
    clock = Clock()
    q = _queue(tmp_path / "a.db", clock, lease_seconds=60)
    q.enqueue(_job())
    assert q.claim("dead").attempts == 1
    clock.now += 59
    assert q.claim("other") is None
    clock.now += 2
    reclaimed = q.claim("other")
    assert reclaimed is not None and reclaimed.attempts == 2
    q.complete(reclaimed.id, "other", {"ok": True})
    assert q.counts() == {"done": 1}


def test_jobs_of_one_pull_request_run_one_at_a_time_in_order(tmp_path: Path) -> None:
    q = _queue(tmp_path / "a.db")
    first, second, other = q.enqueue(_job(n=1)), q.enqueue(_job(n=2)), q.enqueue(_job("k2", 3))
    assert q.claim("a").id == first
    assert q.claim("b").id == other  # the PR's second job waits for its first
    assert q.claim("c") is None
    q.complete(first, "a", {})
    assert q.claim("c").id == second


def test_failures_are_retried_with_backoff_then_given_up(tmp_path: Path) -> None:
    clock = Clock()
    q = _queue(tmp_path / "a.db", clock, max_attempts=2, retry_base_seconds=10)
    job_id = q.enqueue(_job())
    q.claim("w")
    assert q.fail(job_id, "w", "boom") is True
    assert q.claim("w") is None  # backing off
    clock.now += 10
    assert q.claim("w").attempts == 2
    assert q.fail(job_id, "w", "boom again") is False
    assert q.counts() == {"failed": 1}
    q.enqueue(_job("k2"))
    q.claim("w")
    assert q.fail(job_id + 1, "w", "bad payload", permanent=True) is False


def test_queued_reviews_of_a_closed_pr_are_cancelled(tmp_path: Path) -> None:
    q = _queue(tmp_path / "a.db")
    q.enqueue(_job())
    q.enqueue(_job("pr:o/r#2"))
    assert q.cancel_queued("pr:o/r#1", "review") == 1
    assert q.counts() == {"cancelled": 1, "queued": 1}


def test_worker_runs_retries_and_reports_give_up(tmp_path: Path) -> None:
    q = SqlJobQueue(make_engine(f"sqlite:///{tmp_path / 'a.db'}"), max_attempts=2,
                    retry_base_seconds=0.01)
    migrate(q.engine)
    given_up: list[str] = []
    calls: dict[int, int] = {}
    lock = threading.Lock()

    def handler(payload: dict[str, Any]) -> dict[str, Any]:
        with lock:
            calls[payload["n"]] = calls.get(payload["n"], 0) + 1
        if payload["n"] == 2:
            raise RuntimeError("GitHub is down")
        if payload["n"] == 3 and calls[3] == 1:
            raise RetryLater("rate limited", 0.01)
        if payload["n"] == 4:
            raise PermanentError("no such repository")
        return {"ok": payload["n"]}

    runner = JobRunner(q, handler, dead=DeadLetters(q.engine),
                       give_up=lambda job, err: given_up.append(err))
    worker = EmbeddedWorker(runner, threads=2, poll_interval=0.02)
    worker.start()
    try:
        for n in (1, 2, 3, 4):
            q.enqueue(_job(f"k{n}", n))
            worker.wake()
        wait_for(lambda: sum(q.counts().get(s, 0) for s in ("done", "failed")) == 4)
    finally:
        worker.stop()
    assert not worker.alive()
    assert q.counts() == {"done": 2, "failed": 2}
    assert calls == {1: 1, 2: 2, 3: 2, 4: 1}
    assert sorted(given_up) == ["PermanentError: no such repository",
                                "RuntimeError: GitHub is down"]
    # Given up, and kept for people to act on, with the error and the attempts made.
    assert sorted((d.error, d.attempts) for d in DeadLetters(q.engine).all()) == [
        ("PermanentError: no such repository", 1), ("RuntimeError: GitHub is down", 2)]


def test_concurrent_claimers_never_share_a_job(tmp_path: Path) -> None:
    q = _queue(tmp_path / "a.db")
    for n in range(40):
        q.enqueue(_job(f"k{n}", n))
    claimed: list[int] = []
    lock = threading.Lock()

    def claim_all(name: str) -> None:
        while (job := q.claim(name)) is not None:
            with lock:
                claimed.append(job.id)

    pool = [threading.Thread(target=claim_all, args=(f"w{i}",)) for i in range(4)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(30)
    assert sorted(claimed) == sorted(set(claimed)) and len(claimed) == 40
