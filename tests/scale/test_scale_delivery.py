"""Retries, dead letters, fairness between installations and the shared rate-limit budget,
against real Redis and PostgreSQL with worker subprocesses."""

from __future__ import annotations

import time

from emulator.pytest_fixtures import wait_for
from scale.conftest import worker_env
from sqlalchemy import select

from bot.scale.celery_app import make_celery
from bot.scale.deadletters import DeadLetters
from bot.scale.fairness import RateBudgets, shard_queue
from bot.scale.settings import ScaleOptions
from bot.scale.worker import broker_queue
from bot.state.db import make_engine, migrate, session
from bot.state.queue import JobSpec
from bot.state.tables import Job


def _queue(settings, pg_url: str, broker: str):  # type: ignore[no-untyped-def]
    engine = make_engine(pg_url)
    migrate(engine)
    options = ScaleOptions(broker_url=broker)
    return engine, broker_queue(engine, make_celery(options), settings, options)


def _review(installation: int, number: int, repo: str = "acme/platform") -> JobSpec:
    return JobSpec(kind="review", concurrency_key=f"pr:{repo}#{number}",
                   payload={"kind": "review", "installation_id": installation, "repo": repo,
                            "pr_number": number})


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
