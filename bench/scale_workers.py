"""Bench: 1,000 queued PR reviews from the real corpus, processed by 1 and by 2 `aria worker`
processes (Celery on Redis, PostgreSQL state); throughput and webhook→comment latency.

    python bench/scale_workers.py                  # 1,000 reviews, 1 then 2 workers
    python bench/scale_workers.py --reviews 200 --workers 2

Per run: a fresh PostgreSQL database and broker queues; the GitHub emulator (tests/emulator) in a
child process holding one pull request per review, each adding a corpus manifest to two others;
the webhook tier (`aria serve` in broker mode) in a child process; N worker processes with the
production job handler. All webhooks are sent first (signed, unique deliveries), so the reviews
queue; throughput = reviews / (last comment posted - first webhook sent). Latency per review =
time its comment was posted (emulator clock) - time its webhook was sent (both CLOCK_MONOTONIC).
Only 127.0.0.1 is contacted; every child is killed by PID at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

PG_ADMIN = os.environ.get("ARIA_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS = os.environ.get("ARIA_TEST_REDIS", "redis://127.0.0.1:6379/12")
SECRET = "bench-secret"
REPO = "acme/platform"
MAX_REVIEWS = 5000


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pem() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(serialization.Encoding.PEM,
                             serialization.PrivateFormat.TraditionalOpenSSL,
                             serialization.NoEncryption()).decode()


# --- emulator role (child process) ------------------------------------------------------------

def emulator_role(reviews: int, ready: Path, dump: Path) -> None:
    from emulator.server import GitHubEmulator
    from scale.corpus import corpus_files

    files = corpus_files()
    em = GitHubEmulator(prefix="/api/v3").start()
    for n in range(1, reviews + 1):
        base = dict(files[(3 * n + k) % len(files)] for k in range(2))
        head = dict(base, **dict([files[(3 * n + 2) % len(files)]]))
        em.add_pull(REPO, n, base, head)
    ready.write_text(em.base_url)
    sys.stdin.readline()  # the bench says when to dump
    with em.lock:
        posts = [(r.path, r.at) for r in em.requests
                 if r.method == "POST" and r.path.endswith("/comments")]
        per_pr = {}
        for c in em.state.comments.values():
            per_pr[c["number"]] = per_pr.get(c["number"], 0) + 1
    dump.write_text(json.dumps({"posts": posts, "comments_per_pr": per_pr}))
    em.stop()


# --- bench ------------------------------------------------------------------------------------

def _database() -> tuple[str, object]:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.pool import NullPool
    name = f"aria_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False)
    return url, (admin, name)


def _drop(handle: tuple) -> None:
    from sqlalchemy import text
    admin, name = handle
    with admin.connect() as conn:
        conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                          "WHERE datname = :n AND pid <> pg_backend_pid()"), {"n": name})
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))


def _purge() -> None:
    from bot.jobs.celery_app import make_celery
    from bot.jobs.settings import JobSettings
    app = make_celery(JobSettings(broker_url=REDIS))
    with app.connection_for_write() as conn:
        app.control.purge(connection=conn)


def _delivery(template: dict, number: int) -> tuple[bytes, dict[str, str]]:
    from bot.service.signature import sign
    payload = dict(template, number=number, installation={"id": 1})
    payload["pull_request"] = dict(template["pull_request"], number=number)
    payload["repository"] = dict(template["repository"], full_name=REPO)
    body = json.dumps(payload).encode()
    return body, {"X-GitHub-Event": "pull_request", "X-GitHub-Delivery": str(uuid.uuid4()),
                  "X-Hub-Signature-256": sign(SECRET.encode(), body),
                  "Content-Type": "application/json"}


def _wait(predicate, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not reached in {timeout:.0f} s")
        time.sleep(0.1)


def _done(db_url: str) -> int:
    from sqlalchemy import create_engine, func, select
    from sqlalchemy.pool import NullPool

    from bot.state.tables import Job
    engine = create_engine(db_url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return conn.scalar(select(func.count()).select_from(Job)
                               .where(Job.status.in_(("done", "failed")))) or 0
    finally:
        engine.dispose()


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def run(reviews: int, workers: int, timeout: float) -> dict:
    from emulator.server import fixture
    template = fixture("webhooks/pull_request_opened.payload.json")
    db_url, handle = _database()
    _purge()
    children: list[subprocess.Popen] = []
    with tempfile.TemporaryDirectory(prefix="aria-scale-bench-") as tmp:
        ready, dump = Path(tmp) / "ready", Path(tmp) / "dump.json"
        em = subprocess.Popen([sys.executable, __file__, "--role", "emulator", "--reviews",
                               str(reviews), "--ready", str(ready), "--dump", str(dump)],
                              stdin=subprocess.PIPE, text=True)
        children.append(em)
        try:
            _wait(ready.exists, 120, "emulator ready")
            port = _free_port()
            env = {k: v for k, v in os.environ.items() if not k.startswith("ARIA_")}
            env.update(ARIA_APP_ID="5725", ARIA_WEBHOOK_SECRET=SECRET, ARIA_PRIVATE_KEY=_pem(),
                       ARIA_DATABASE_URL=db_url, ARIA_BROKER_URL=REDIS,
                       ARIA_GITHUB_API_URL=ready.read_text(), ARIA_STATE_DIR=tmp,
                       ARIA_GITHUB_SECONDS_BETWEEN_WRITES="0", PYTHONPATH=str(ROOT))
            children.append(subprocess.Popen(
                [sys.executable, "-m", "bot.cli", "serve", "--port", str(port)], env=env,
                stderr=subprocess.DEVNULL))
            _wait(lambda: _ok(f"http://127.0.0.1:{port}/readyz"), 60, "web tier ready")
            children += [subprocess.Popen(
                [sys.executable, str(ROOT / "tests/scale/worker_main.py"), "real",
                 str(Path(tmp) / "unused")], env=env) for _ in range(workers)]
            _workers_ready(workers)
            deliveries = [_delivery(template, n) for n in range(1, reviews + 1)]
            sent: dict[int, float] = {}
            with httpx.Client(timeout=30) as client, ThreadPoolExecutor(4) as pool:
                def post(n: int) -> int:
                    body, headers = deliveries[n - 1]
                    sent[n] = time.monotonic()
                    return client.post(f"http://127.0.0.1:{port}/webhook", content=body,
                                       headers=headers).status_code
                codes = list(pool.map(post, range(1, reviews + 1)))
            accepted = codes.count(202)
            _wait(lambda: _done(db_url) >= accepted, timeout, "all reviews done")
            em.stdin.write("dump\n")
            em.stdin.flush()
            em.wait(60)
            data = json.loads(dump.read_text())
        finally:
            for child in children:
                if child.poll() is None:
                    child.send_signal(signal.SIGKILL)
                    child.wait(10)
            _drop(handle)
    posted = {int(path.split("/")[-2]): at for path, at in data["posts"]}
    latencies = [posted[n] - sent[n] for n in posted]
    span = max(posted.values()) - min(sent.values())
    return {"workers": workers, "reviews": reviews, "accepted": accepted,
            "commented": len(posted),
            "more_than_one_comment": sum(1 for c in data["comments_per_pr"].values() if c > 1),
            "seconds": round(span, 1), "reviews_per_s": round(len(posted) / span, 2),
            "latency_p50_s": round(_pct(latencies, 0.5), 2),
            "latency_p99_s": round(_pct(latencies, 0.99), 2),
            "latency_mean_s": round(statistics.fmean(latencies), 2)}


def _ok(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def _workers_ready(count: int) -> None:
    from bot.jobs.celery_app import make_celery
    from bot.jobs.settings import JobSettings
    app = make_celery(JobSettings(broker_url=REDIS))
    _wait(lambda: len(app.control.ping(timeout=0.5) or []) >= count, 60, "workers ready")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--reviews", type=int, default=1000)
    p.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    p.add_argument("--timeout", type=float, default=600.0, help="per run")
    p.add_argument("--role", default="bench", choices=["bench", "emulator"])
    p.add_argument("--ready")
    p.add_argument("--dump")
    args = p.parse_args()
    reviews = min(args.reviews, MAX_REVIEWS)
    if args.role == "emulator":
        emulator_role(reviews, Path(args.ready), Path(args.dump))
        return
    results = [run(reviews, n, args.timeout) for n in args.workers]
    for r in results:
        print(json.dumps(r))
    if len(results) == 2:
        print(f"speed-up {results[1]['workers']} vs {results[0]['workers']} workers: "
              f"{results[1]['reviews_per_s'] / results[0]['reviews_per_s']:.2f}x")


if __name__ == "__main__":
    main()
