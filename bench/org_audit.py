"""Bench: an organisation audit of 200 repositories made from the corpus, against the GitHub
emulator, fanned out over 2 `aria worker` processes (Celery on Redis, PostgreSQL), checked
against local audits of the same files.

    python bench/org_audit.py                    # 200 repositories, 2 workers
    python bench/org_audit.py --repos 50 --workers 1

Reported: wall time of `aria audit --org`, repositories per second, findings by severity, and
whether every repository's counts equal a local `aria audit` of its files (the report is right).
Only 127.0.0.1 is contacted; every child is killed by PID at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

from scale_workers import (  # noqa: E402
    REDIS,
    SECRET,
    _database,
    _drop,
    _pem,
    _purge,
    _workers_ready,
)

MAX_REPOS = 2000


def _expected(files: dict[str, bytes]) -> dict[str, int]:
    from bot.engine import audit
    from bot.ingest.source import MemorySource
    counts = {"error": 0, "warning": 0, "note": 0}
    for f in audit(MemorySource(files)).gating:
        counts[f.severity.value] += 1
    return counts


def run(repos: int, workers: int) -> dict:
    from emulator.server import GitHubEmulator
    from scale.corpus import corpus_org_repos

    from bot.cli import main as aria

    made = corpus_org_repos("acme", repos)
    db_url, handle = _database()
    _purge()
    children: list[subprocess.Popen] = []
    with tempfile.TemporaryDirectory(prefix="aria-org-bench-") as tmp, \
            GitHubEmulator(prefix="/api/v3") as em:
        for name, files in made.items():
            em.add_commit(name, files, "main")
        env = {k: v for k, v in os.environ.items() if not k.startswith("ARIA_")}
        env.update(ARIA_APP_ID="5725", ARIA_WEBHOOK_SECRET=SECRET, ARIA_PRIVATE_KEY=_pem(),
                   ARIA_DATABASE_URL=db_url, ARIA_BROKER_URL=REDIS,
                   ARIA_GITHUB_API_URL=em.base_url, ARIA_STATE_DIR=tmp,
                   ARIA_GITHUB_SECONDS_BETWEEN_WRITES="0", PYTHONPATH=str(ROOT))
        try:
            children += [subprocess.Popen(
                [sys.executable, "-m", "bot.cli", "worker"], env=env,
                stdout=subprocess.DEVNULL) for _ in range(workers)]
            _workers_ready(workers)
            os.environ.update({k: v for k, v in env.items() if k.startswith("ARIA_")})
            started = time.monotonic()
            code = aria(["audit", "--org", "acme", "--report-dir", tmp, "--fail-on", "never"])
            seconds = time.monotonic() - started
            report = json.loads((Path(tmp) / "org-audit-acme.json").read_text())
            html = (Path(tmp) / "org-audit-acme.html").read_text()
        finally:
            for child in children:
                if child.poll() is None:
                    child.send_signal(signal.SIGKILL)
                    child.wait(10)
            _drop(handle)
    wrong = [r["repo"] for r in report["repos"] if r["by_severity"] != _expected(made[r["repo"]])]
    return {"repos": repos, "workers": workers, "exit": code, "seconds": round(seconds, 1),
            "repos_per_s": round(repos / seconds, 2),
            "audited": report["repos_audited"], "failed": report["repos_failed"],
            "by_severity": report["by_severity"], "families": len(report["by_family"]),
            "repos_with_wrong_counts": len(wrong), "html_svg_charts": html.count("<svg"),
            "correct": code == 0 and not wrong and report["repos_audited"] == repos}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--repos", type=int, default=200)
    p.add_argument("--workers", type=int, default=2)
    args = p.parse_args()
    print(json.dumps(run(min(args.repos, MAX_REPOS), args.workers)))


if __name__ == "__main__":
    main()
