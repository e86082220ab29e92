"""PostgreSQL restarted mid-run: the web tier answers 202 (stored) or 503 (redeliver), never a
silent drop, and every stored delivery is processed exactly once when the database is back."""

from __future__ import annotations

import shutil
import threading
import time
from collections import Counter

import pytest
from emulator.pytest_fixtures import wait_for
from scale.conftest import live_server, pr_delivery, worker_env
from scale.services import ensure_postgres_running, pg_cluster_version, restart_postgres

from bot.cli.processes import build_service


@pytest.mark.timeout(150)
def test_postgres_restart_mid_run_drops_nothing(
        settings, pg_url, redis_broker, workers_factory) -> None:
    if pg_cluster_version() is None or shutil.which("pg_ctlcluster") is None:
        pytest.skip("no local PostgreSQL cluster to restart (pg_ctlcluster)")
    settings.broker_url = redis_broker
    settings.database_url = pg_url
    workers = workers_factory(worker_env(settings, pg_url, redis_broker))
    workers.start("record", 2)
    answers: dict[int, int] = {}
    stop = threading.Event()
    with live_server(build_service(settings)) as live:
        def send() -> None:
            n = 0
            while not stop.is_set():
                n += 1
                answers[n] = live.post("pull_request", pr_delivery(n),
                                       delivery=f"pg-{n}").status_code
                time.sleep(0.02)

        sender = threading.Thread(target=send)
        sender.start()
        try:
            time.sleep(1.0)
            restart_postgres()
            time.sleep(1.5)
        finally:
            stop.set()
            sender.join(60)
            ensure_postgres_running()
        assert set(answers.values()) <= {202, 503}, Counter(answers.values())
        # What GitHub's redelivery does with the 503s: now they are stored.
        for n in [n for n, code in answers.items() if code == 503]:
            assert live.post("pull_request", pr_delivery(n), delivery=f"pg-{n}").status_code == 202
    wait_for(lambda: workers.out.exists() and
             len(workers.out.read_text().splitlines()) >= len(answers), timeout=60)
    time.sleep(1.0)  # a second run of any job would land now
    runs = Counter(line.split()[0] for line in workers.out.read_text().splitlines())
    assert sorted(runs) == sorted(f"acme/platform#{n}" for n in answers)
    assert set(runs.values()) == {1}
    print(f"answers during the restart: {dict(Counter(answers.values()))}")
