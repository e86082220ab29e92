"""A database that stops answering for a moment (a PostgreSQL restart, seen by the client):
a process starting meanwhile waits for it instead of exiting, and a job that finished meanwhile
has its outcome recorded once the database is back instead of being run a second time."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from scale.flaky_postgres import FlakyPostgres
from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from bot.jobs.queue import JobSpec, SqlJobQueue
from bot.jobs.runner import JobRunner
from bot.jobs.settings import JobSettings
from bot.jobs.wiring import open_database
from bot.state.deadletters import DeadLetters
from bot.state.tables import Job

OUTAGE_SECONDS = 1.0


@pytest.fixture
def flaky() -> Iterator[FlakyPostgres]:
    port = FlakyPostgres()
    yield port
    port.down()


def _back_after(port: FlakyPostgres, seconds: float) -> threading.Timer:
    timer = threading.Timer(seconds, port.up)
    timer.start()
    return timer


@pytest.mark.timeout(60)
def test_a_process_starting_while_the_database_is_down_waits_for_it(
        pg_url: str, flaky: FlakyPostgres, caplog: pytest.LogCaptureFixture) -> None:
    _back_after(flaky, OUTAGE_SECONDS)
    with caplog.at_level(logging.WARNING, logger="bot.state.db"):
        engine = open_database(JobSettings(database_url=flaky.url(pg_url),
                                           database_wait_seconds=30))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar_one() == 1
    engine.dispose()
    assert "migrating the state database: database unreachable" in caplog.text


@pytest.mark.timeout(60)
def test_a_start_gives_up_with_the_database_error_after_the_wait(
        pg_url: str, flaky: FlakyPostgres, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="bot.state.db"), \
            pytest.raises(OperationalError, match="refused"):
        open_database(JobSettings(database_url=flaky.url(pg_url), database_wait_seconds=0.5))
    assert "trying again" in caplog.text


def _record(payload: dict[str, Any]) -> dict[str, Any]:
    return {"recorded": payload["n"]}


def _fail(payload: dict[str, Any]) -> dict[str, Any]:
    raise RuntimeError(f"cannot review {payload['n']}")


@pytest.mark.timeout(60)
@pytest.mark.parametrize(("work", "outcome", "status", "result"), [
    (_record, "done", "done", {"recorded": 7}),
    (_fail, "retry", "queued", None),
])
def test_an_attempts_outcome_is_recorded_across_a_database_outage(
        pg_url: str, flaky: FlakyPostgres, work: Any, outcome: str, status: str,
        result: dict[str, Any] | None) -> None:
    flaky.up()
    engine = open_database(JobSettings(database_url=flaky.url(pg_url)))
    queue = SqlJobQueue(engine, lease_seconds=30)
    runs: list[int] = []

    def handle(payload: dict[str, Any]) -> dict[str, Any]:
        runs.append(payload["n"])
        flaky.down()  # the database goes away as the attempt ends
        _back_after(flaky, OUTAGE_SECONDS)
        return work(payload)  # type: ignore[no-any-return]

    runner = JobRunner(queue, handle, dead=DeadLetters(engine))
    runner.start()
    try:
        queue.enqueue(JobSpec(kind="review", payload={"n": 7}, concurrency_key="pr:o/r#7"))
        claimed = queue.claim("w1")
        assert claimed is not None
        assert runner.run(claimed, "w1").status == outcome
    finally:
        runner.stop()
        engine.dispose()
    direct = create_engine(pg_url, poolclass=NullPool)
    with direct.connect() as conn:
        row = conn.execute(select(Job.status, Job.result, Job.attempts, Job.last_error)).one()
    direct.dispose()
    assert (row.status, row.result, row.attempts) == (status, result, 1)
    assert runs == [7]
    if outcome == "retry":
        assert row.last_error == "RuntimeError: cannot review 7"
