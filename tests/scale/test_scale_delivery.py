"""Retries, dead letters, fairness between installations and the shared rate-limit budget,
against real Redis and PostgreSQL with worker subprocesses."""

from __future__ import annotations

import time

from emulator.pytest_fixtures import wait_for
from scale.conftest import worker_env
from sqlalchemy import select

from bot.jobs.broker import shard_queue
from bot.jobs.payloads import ReviewJob, pr_key
from bot.jobs.queue import JobSpec
from bot.jobs.wiring import broker_queue, open_database
from bot.state.db import session
from bot.state.deadletters import DeadLetters
from bot.state.rate_budgets import RateBudgets
from bot.state.tables import Job


def _queue(settings, pg_url: str, broker: str):  # type: ignore[no-untyped-def]
    settings = settings.model_copy(update={"database_url": pg_url, "broker_url": broker})
    engine = open_database(settings)
    return engine, broker_queue(engine, settings)


def _review(installation: int, number: int, repo: str = "acme/platform") -> JobSpec:
    job = ReviewJob(installation_id=installation, repo=repo, pr_number=number)
    return JobSpec.of(job, pr_key(repo, number))


def _lines(path) -> list[str]:  # type: ignore[no-untyped-def]
    return path.read_text().splitlines() if path.exists() else []


def test_retries_are_bounded_then_dead_lettered_with_the_error(
        settings, pg_url, redis_broker, workers_factory) -> None:
    settings.job_max_attempts = 3  # stored with the job when it is enqueued
    engine, queue = _queue(settings, pg_url, redis_broker)
    job_id = queue.enqueue(_review(1, 5))
    workers = workers_factory(worker_env(settings, pg_url, redis_broker,
                                         ARIA_RETRY_BASE_SECONDS="0.2"))
    workers.start("fail")
    dead = wait_for(lambda: DeadLetters(engine).all(), timeout=30)
    assert [(d.job_id, d.attempts) for d in dead] == [(job_id, 3)]
    assert "RuntimeError: cannot review acme/platform#5" in dead[0].error
    with session(engine) as s:
        assert s.scalar(select(Job.status).where(Job.id == job_id)) == "failed"
    engine.dispose()


def test_a_noisy_installation_does_not_starve_a_quiet_one(
        settings, pg_url, redis_broker, workers_factory) -> None:
    engine, queue = _queue(settings, pg_url, redis_broker)
    noisy = 1
    quiet = next(i for i in range(2, 100) if shard_queue(i, 8) != shard_queue(noisy, 8))
    for n in range(60):
        queue.enqueue(_review(noisy, n, "noisy/repo"))
    for n in range(3):
        queue.enqueue(_review(quiet, n, "quiet/repo"))
    workers = workers_factory(worker_env(settings, pg_url, redis_broker))
    workers.start("record")
    wait_for(lambda: len(_lines(workers.out)) >= 63, timeout=60)
    order = [line.split()[0].split("#")[0] for line in _lines(workers.out)]
    # Queued behind 60 jobs, yet the quiet installation's three run among the first eight.
    assert order[:8].count("quiet/repo") == 3
    engine.dispose()


def test_workers_hold_an_installation_near_its_rate_limit_until_the_reset(
        settings, pg_url, redis_broker, workers_factory) -> None:
    engine, queue = _queue(settings, pg_url, redis_broker)
    workers = workers_factory(worker_env(settings, pg_url, redis_broker))
    workers.start("record", 2)
    workers.wait_ready(2)
    reset = time.time() + 3
    RateBudgets(engine, reserve=100).observe(7, remaining=20, limit=5000, reset_at=reset)
    queue.enqueue(_review(7, 1, "limited/repo"))
    queue.enqueue(_review(8, 1, "free/repo"))
    wait_for(lambda: len(_lines(workers.out)) >= 2, timeout=30)
    assert [line.split()[0] for line in _lines(workers.out)] == ["free/repo#1",
                                                                 "limited/repo#1"]
    assert time.time() >= reset  # the limited one ran only after its reset
    engine.dispose()
