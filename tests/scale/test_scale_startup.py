"""Processes that start together tolerate each other: the webhook tier and two workers started
at once on an empty PostgreSQL database all come up, and the schema is migrated exactly once."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
from emulator.pytest_fixtures import answers_ok, free_port
from scale.conftest import ROOT, worker_env
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

ROUNDS = 5


@pytest.mark.timeout(240)
@pytest.mark.parametrize("round_", range(ROUNDS))
def test_web_and_two_workers_start_at_once_on_an_empty_database(
        round_: int, settings, pg_url, redis_broker, workers_factory) -> None:
    env = worker_env(settings, pg_url, redis_broker)
    port = free_port()
    aria = [sys.executable, "-m", "bot.cli"]
    workers = workers_factory(env)
    # The three processes run the same start-up (settings, engine, migrations) at once.
    web = subprocess.Popen([*aria, "serve", "--port", str(port)], env=env, cwd=ROOT,
                           stderr=subprocess.PIPE, start_new_session=True)
    started = [*workers.start("real", 2), web]
    try:
        deadline = time.monotonic() + 60
        while not answers_ok(f"http://127.0.0.1:{port}/readyz"):
            crashed = [p for p in started if p.poll() is not None]
            assert not crashed, f"round {round_}: a process exited with {crashed[0].returncode}"
            assert time.monotonic() < deadline, "the webhook tier did not become ready"
            time.sleep(0.2)
        workers.wait_ready(2)
        assert all(p.poll() is None for p in started), "a process exited during start-up"
    finally:
        web.terminate()
        _, err = web.communicate(timeout=10)
    assert b"UniqueViolation" not in err and b"Traceback" not in err, err.decode()[-2000:]
    engine = create_engine(pg_url, poolclass=NullPool)
    with engine.connect() as conn:
        versions = conn.execute(text("SELECT version_num FROM alembic_version")).all()
    engine.dispose()
    assert len(versions) == 1
