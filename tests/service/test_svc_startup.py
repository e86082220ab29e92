"""App processes that start together on one fresh SQLite database all come up: the schema is
migrated once, in an exclusive transaction, and the others find it current. A SQLite file that
cannot be opened is an error at once (only a database server is waited for)."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from emulator.pytest_fixtures import SECRET, answers_ok, free_port
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from bot.jobs.settings import JobSettings
from bot.jobs.wiring import open_database

ROOT = Path(__file__).resolve().parents[2]
PROCESSES = 3


@pytest.mark.timeout(180)
@pytest.mark.parametrize("round_", range(3))
def test_app_processes_start_at_once_on_a_fresh_database(round_: int, tmp_path: Path,
                                                         rsa_pem: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARIA_")}
    env.update(ARIA_APP_ID="1", ARIA_WEBHOOK_SECRET=SECRET, ARIA_PRIVATE_KEY=rsa_pem,
               ARIA_STATE_DIR=str(tmp_path), PYTHONPATH=str(ROOT))
    ports = [free_port() for _ in range(PROCESSES)]
    procs = [subprocess.Popen([sys.executable, "-m", "bot.cli", "serve", "--port", str(port)],
                              env=env, cwd=ROOT, stderr=subprocess.PIPE, start_new_session=True)
             for port in ports]
    try:
        deadline = time.monotonic() + 60
        while not all(answers_ok(f"http://127.0.0.1:{port}/readyz") for port in ports):
            crashed = [p for p in procs if p.poll() is not None]
            assert not crashed, f"a process exited with {crashed[0].returncode}"
            assert time.monotonic() < deadline, "not every process became ready"
            time.sleep(0.2)
    finally:
        for p in procs:
            p.terminate()
        errors = [p.communicate(timeout=10)[1] for p in procs]
    assert not any(b"Traceback" in err for err in errors), b"\n".join(errors).decode()[-2000:]
    engine = create_engine(f"sqlite:///{tmp_path / 'aria.db'}")
    with engine.connect() as conn:
        assert len(conn.execute(text("SELECT version_num FROM alembic_version")).all()) == 1
    engine.dispose()


def test_a_sqlite_file_that_cannot_be_opened_fails_without_waiting(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / "aria.db").mkdir()  # a directory where the database file should be
    settings = JobSettings(database_url=f"sqlite:///{tmp_path / 'aria.db'}",
                           database_wait_seconds=60)
    with caplog.at_level(logging.WARNING, logger="bot.state.db"), \
            pytest.raises(OperationalError, match="unable to open database file"):
        open_database(settings)
    assert "trying again" not in caplog.text
