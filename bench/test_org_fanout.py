"""Bench: an organisation audit of repositories made from the corpus, against the GitHub
emulator, fanned out over `aria worker` processes (Celery on Redis, PostgreSQL), checked
against local audits of the same files.

    ARIA_SHARED_DIR=/work/shared pytest bench --benchmark-only -m long -k org_fanout -s

`ARIA_BENCH_REPOS` repositories (default 200) and 2 workers. Recorded: the wall time of
`aria audit --org`, repositories per second, findings by severity, and whether every
repository's counts equal a local `aria audit` of its files (the report is right). Only
127.0.0.1 is contacted; every child is killed by PID at the end.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from harness import (
    REDIS,
    app_env,
    corpus,
    database,
    drop,
    pem,
    purge_broker,
    services_up,
    stop,
    workers_ready,
)

pytestmark = [pytest.mark.long, pytest.mark.timeout(3600)]

REPOS = min(int(os.environ.get("ARIA_BENCH_REPOS", "200")), 2000)
WORKERS = 2


def _expected(files: dict[str, bytes]) -> dict[str, int]:
    from bot.engine import audit
    from bot.ingest.source import MemorySource
    counts = {"error": 0, "warning": 0, "note": 0}
    for f in audit(MemorySource(files)).gating:
        counts[f.severity.value] += 1
    return counts


def test_org_fanout(benchmark, tmp_path, monkeypatch):
    from emulator.server import GitHubEmulator
    from scale.corpus import corpus_org_repos

    from bot.cli import main as aria

    corpus()
    services_up()
    made = corpus_org_repos("acme", REPOS)
    db_url, handle = database()
    purge_broker()
    children: list[subprocess.Popen] = []
    with GitHubEmulator(prefix="/api/v3") as em:
        for name, files in made.items():
            em.add_commit(name, files, "main")
        env = app_env(ARIA_APP_ID="5725", ARIA_WEBHOOK_SECRET="bench-secret",
                      ARIA_PRIVATE_KEY=pem(), ARIA_DATABASE_URL=db_url, ARIA_BROKER_URL=REDIS,
                      ARIA_GITHUB_API_URL=em.base_url, ARIA_STATE_DIR=str(tmp_path),
                      ARIA_GITHUB_SECONDS_BETWEEN_WRITES="0")
        try:
            children += [subprocess.Popen([sys.executable, "-m", "bot.cli", "worker"], env=env,
                                          stdout=subprocess.DEVNULL) for _ in range(WORKERS)]
            workers_ready(WORKERS)
            for key, value in env.items():
                if key.startswith("ARIA_"):
                    monkeypatch.setenv(key, value)
            code = benchmark.pedantic(aria, args=(["audit", "--org", "acme", "--report-dir",
                                                   str(tmp_path), "--fail-on", "never"],),
                                      rounds=1, iterations=1)
            report = json.loads((Path(tmp_path) / "org-audit-acme.json").read_text())
        finally:
            stop(children)
            drop(handle)
    wrong = [r["repo"] for r in report["repos"] if r["by_severity"] != _expected(made[r["repo"]])]
    seconds = benchmark.stats.stats.max
    figures = {"repos": REPOS, "workers": WORKERS, "seconds": round(seconds, 1),
               "repos_per_s": round(REPOS / seconds, 2), "by_severity": report["by_severity"],
               "families": len(report["by_family"]), "repos_with_wrong_counts": len(wrong)}
    benchmark.extra_info.update(figures)
    print("\n" + json.dumps(figures))
    assert code == 0 and not wrong and report["repos_audited"] == REPOS
