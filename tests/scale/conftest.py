"""Fixtures of the scale-out tests: a fresh PostgreSQL database per test, a clean broker
(Redis or RabbitMQ), worker subprocesses killed by PID, and the webhook tier in broker mode.
A test skips, naming the service, only when that service is not reachable (and fails instead
under CI=true)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

# The emulator package lives in tests/ (shared with tests/service and tests/github).
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from emulator.pytest_fixtures import *  # noqa: E402,F403
from emulator.pytest_fixtures import SECRET, run_server  # noqa: E402
from scale.services import AMQP_URL, PG_ADMIN_URL, REDIS_URL, reachable  # noqa: E402

from tests.prerequisites import need  # noqa: E402

live_server = contextlib.contextmanager(run_server)
WORKER_MAIN = Path(__file__).with_name("worker_main.py")
ROOT = Path(__file__).resolve().parents[2]


def _require(url: str, name: str) -> None:
    parsed = make_url(url) if "://" in url and "+" in url.split("://")[0] else None
    host, port = (parsed.host, parsed.port) if parsed else _host_port(url)
    need(reachable(host or "127.0.0.1", port or 0), f"{name} not reachable at {host}:{port}")


def _host_port(url: str) -> tuple[str, int]:
    netloc = url.split("://", 1)[1].split("/", 1)[0].rsplit("@", 1)[-1]
    host, _, port = netloc.partition(":")
    return host, int(port)


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A database of its own for each test, dropped afterwards."""
    _require(PG_ADMIN_URL, "PostgreSQL")
    name = f"aria_scale_{uuid.uuid4().hex[:10]}"
    # No pool: a connection must not outlive a PostgreSQL restart in the test.
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE datname = :n AND pid <> pg_backend_pid()"), {"n": name})
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def _purge(url: str) -> None:
    from bot.jobs.celery_app import make_celery
    from bot.jobs.settings import JobSettings
    app = make_celery(JobSettings(broker_url=url))
    with app.connection_for_write() as conn:
        app.control.purge(connection=conn)


@pytest.fixture(params=["redis", "amqp"])
def any_broker(request: pytest.FixtureRequest) -> Iterator[str]:
    yield from _broker(request.param)


@pytest.fixture
def redis_broker() -> Iterator[str]:
    yield from _broker("redis")


def _broker(kind: str) -> Iterator[str]:
    url = REDIS_URL if kind == "redis" else AMQP_URL
    _require(url, "Redis" if kind == "redis" else "RabbitMQ")
    _purge(url)
    yield url
    _purge(url)


@dataclass
class Workers:
    """Worker subprocesses; every one is killed by PID when the test ends."""

    env: dict[str, str]
    out: Path
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def start(self, mode: str, count: int = 1) -> list[subprocess.Popen[bytes]]:
        started = [subprocess.Popen([sys.executable, str(WORKER_MAIN), mode, str(self.out)],
                                    env=self.env, cwd=ROOT, start_new_session=True)
                   for _ in range(count)]
        self.procs += started
        return started

    def wait_ready(self, count: int, timeout: float = 30.0) -> None:
        """Until `count` workers answer a broadcast ping (they consume from then on)."""
        from bot.jobs.celery_app import make_celery
        from bot.jobs.settings import JobSettings
        app = make_celery(JobSettings(broker_url=self.env["ARIA_BROKER_URL"]))
        deadline = time.monotonic() + timeout
        while len(app.control.ping(timeout=0.5) or []) < count:
            assert time.monotonic() < deadline, f"{count} worker(s) not ready in {timeout} s"

    def kill(self, pid: int) -> None:
        os.kill(pid, signal.SIGKILL)

    def stop_all(self) -> None:
        for p in self.procs:
            if p.poll() is None:
                p.send_signal(signal.SIGQUIT)  # cold shutdown: the work is done by now
        for p in self.procs:
            try:
                p.wait(3)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(5)


def worker_env(settings: Any, db_url: str, broker: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARIA_")}
    env.update({
        "ARIA_APP_ID": settings.app_id, "ARIA_WEBHOOK_SECRET": SECRET,
        "ARIA_PRIVATE_KEY": settings.private_key_pem(), "ARIA_DATABASE_URL": db_url,
        "ARIA_BROKER_URL": broker, "ARIA_GITHUB_API_URL": settings.github_api_url,
        "ARIA_GITHUB_SECONDS_BETWEEN_WRITES": "0", "ARIA_STATE_DIR": str(settings.state_dir),
        "ARIA_JOB_LEASE_SECONDS": "3", "ARIA_SWEEP_INTERVAL": "0.5",
        "PYTHONPATH": str(ROOT), **extra,
    })
    return env


@pytest.fixture
def workers_factory(tmp_path: Path) -> Iterator[Any]:
    made: list[Workers] = []

    def make(env: dict[str, str]) -> Workers:
        w = Workers(env, tmp_path / f"out-{len(made)}.txt")
        made.append(w)
        return w
    yield make
    for w in made:
        w.stop_all()


def pr_delivery(number: int, repo: str = "acme/platform", installation: int = 1
                ) -> dict[str, Any]:
    from emulator.pytest_fixtures import webhook
    payload = webhook("pull_request_opened.payload.json")
    payload["number"] = number
    payload["pull_request"] = dict(payload["pull_request"], number=number)
    payload["repository"] = dict(payload["repository"], full_name=repo)
    payload["installation"] = {"id": installation}
    return json.loads(json.dumps(payload))
