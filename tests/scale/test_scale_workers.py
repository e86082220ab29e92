"""Celery workers against the real brokers and PostgreSQL: a shared burst with nothing lost or
run twice, and a worker SIGKILLed mid-review whose review another worker finishes."""

from __future__ import annotations

import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from emulator.pytest_fixtures import wait_for
from emulator.samples import ONE_REPLICA
from scale.conftest import live_server, pr_delivery, worker_env
from sqlalchemy import select

from bot.cli.processes import build_service
from bot.state.db import make_engine, session
from bot.state.tables import Job

BURST = 120


def _statuses(db_url: str) -> Counter[str]:
    engine = make_engine(db_url)
    with session(engine) as s:
        statuses = Counter(s.scalars(select(Job.status)))
    engine.dispose()
    return statuses


def test_two_workers_share_a_burst_none_lost_none_twice(
        settings, pg_url, any_broker, workers_factory) -> None:
    settings.broker_url = any_broker
    settings.database_url = pg_url
    workers = workers_factory(worker_env(settings, pg_url, any_broker))
    with live_server(build_service(settings)) as live:
        assert live.service.worker is None  # broker mode: the web tier only enqueues
        workers.start("record", 2)
        ids = [f"burst-{uuid.uuid4()}" for _ in range(BURST)]
        with ThreadPoolExecutor(8) as pool:
            codes = list(pool.map(
                lambda n: live.post("pull_request", pr_delivery(n + 1),
                                    delivery=ids[n]).status_code, range(BURST)))
            replays = list(pool.map(
                lambda n: live.post("pull_request", pr_delivery(n + 1),
                                    delivery=ids[n]).json()["status"], range(0, BURST, 6)))
    assert codes == [202] * BURST
    assert set(replays) == {"duplicate"}
    wait_for(lambda: _statuses(pg_url)["done"] == BURST, timeout=60)
    lines = workers.out.read_text().splitlines()
    runs = Counter(line.split()[0] for line in lines)
    assert len(runs) == BURST and set(runs.values()) == {1}  # none lost, none twice
    assert len({line.split()[1] for line in lines}) == 2  # both processes took a share


@pytest.mark.timeout(120)
def test_worker_killed_mid_review_finishes_on_another(
        settings, pg_url, redis_broker, emulator, workers_factory) -> None:
    settings.broker_url = redis_broker
    settings.database_url = pg_url
    emulator.add_pull("acme/platform", 7, {"README.md": b"x"},
                      {"README.md": b"x", "deploy/triton.yaml": ONE_REPLICA})
    workers = workers_factory(worker_env(settings, pg_url, redis_broker))
    first = workers.start("slow-first")[0]
    with live_server(build_service(settings)) as live:
        assert live.post("pull_request", pr_delivery(7)).status_code == 202
    victim = int(wait_for(lambda: workers.out.exists() and workers.out.read_text().strip(),
                          timeout=30))
    assert victim == first.pid
    workers.start("slow-first")  # the survivor; its first attempt is not slow (marker exists)
    workers.kill(victim)
    wait_for(lambda: emulator.comments_on("acme/platform", 7), timeout=45)
    wait_for(lambda: _statuses(pg_url)["done"] == 1, timeout=15)
    assert len(emulator.comments_on("acme/platform", 7)) == 1
    engine = make_engine(pg_url)
    with session(engine) as s:
        job = s.scalars(select(Job)).one()
        assert (job.status, job.attempts) == ("done", 2)
        assert f"-{victim}@" not in job.worker_id  # finished by the other process
    engine.dispose()
