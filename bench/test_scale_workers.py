"""Bench: queued PR reviews from the real corpus, processed by 1 and by 2 `aria worker`
processes (Celery on Redis, PostgreSQL state): throughput, webhook→comment latency, and the
CPU seconds the workers spent per review.

    ARIA_SHARED_DIR=/work/shared pytest bench --benchmark-only -m long -k scale -s

Per worker count: a fresh PostgreSQL database and broker queues; the GitHub emulator
(bench/roles.py emulator) in a child process holding one pull request per review, each adding a
corpus manifest to two others; the webhook tier (`aria serve` in broker mode) in a child
process; N worker processes with the production job handler. All webhooks are sent first
(signed, unique deliveries), so the reviews queue; throughput = reviews / (last comment posted -
first webhook sent). Latency per review = its comment's time (emulator clock) - its webhook's
send time (both CLOCK_MONOTONIC). CPU per review = the worker processes' CPU seconds (their
children included) / reviews: on a machine with fewer free cores than workers, throughput
cannot scale, and this is the figure that says what a review costs. `ARIA_BENCH_REVIEWS` sets
the count (default 200). The emulator's and the web tier's CPU seconds per review, and the cores
the three kept busy over the span, say whether the machine had a core left for a second worker
(PostgreSQL and Redis not counted). Only 127.0.0.1 is contacted; every child is killed by PID at
the end.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from harness import (
    REDIS,
    ROOT,
    answers_ok,
    app_env,
    corpus,
    database,
    drop,
    free_port,
    pct,
    pem,
    purge_broker,
    services_up,
    stop,
    tree_cpu_seconds,
    wait,
    workers_ready,
)
from roles import REPO

from bot.service.signature import sign

pytestmark = [pytest.mark.long, pytest.mark.timeout(3600)]

REVIEWS = min(int(os.environ.get("ARIA_BENCH_REVIEWS", "200")), 5000)
SECRET = "bench-secret"
results: dict[int, dict] = {}


def _delivery(template: dict, number: int) -> tuple[bytes, dict[str, str]]:
    payload = dict(template, number=number, installation={"id": 1})
    payload["pull_request"] = dict(template["pull_request"], number=number)
    payload["repository"] = dict(template["repository"], full_name=REPO)
    body = json.dumps(payload).encode()
    return body, {"X-GitHub-Event": "pull_request", "X-GitHub-Delivery": str(uuid.uuid4()),
                  "X-Hub-Signature-256": sign(SECRET.encode(), body),
                  "Content-Type": "application/json"}


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


def run(reviews: int, workers: int) -> dict:
    from emulator.server import fixture
    template = fixture("webhooks/pull_request_opened.payload.json")
    db_url, handle = database()
    purge_broker()
    children: list[subprocess.Popen] = []
    with tempfile.TemporaryDirectory(prefix="aria-scale-bench-") as tmp:
        ready, dump = Path(tmp) / "ready", Path(tmp) / "dump.json"
        em = subprocess.Popen([sys.executable, str(ROOT / "bench" / "roles.py"), "emulator",
                               str(reviews), str(ready), str(dump)],
                              stdin=subprocess.PIPE, text=True, env=app_env())
        children.append(em)
        try:
            wait(ready.exists, 300, "emulator ready")
            port = free_port()
            env = app_env(ARIA_APP_ID="5725", ARIA_WEBHOOK_SECRET=SECRET, ARIA_PRIVATE_KEY=pem(),
                          ARIA_DATABASE_URL=db_url, ARIA_BROKER_URL=REDIS,
                          ARIA_GITHUB_API_URL=ready.read_text(), ARIA_STATE_DIR=tmp,
                          ARIA_GITHUB_SECONDS_BETWEEN_WRITES="0")
            web = subprocess.Popen(
                [sys.executable, "-m", "bot.cli", "serve", "--port", str(port)], env=env,
                stderr=subprocess.DEVNULL)
            children.append(web)
            wait(lambda: answers_ok(f"http://127.0.0.1:{port}/readyz"), 60, "web tier ready")
            pool = [subprocess.Popen([sys.executable, str(ROOT / "tests/scale/worker_main.py"),
                                      "real", str(Path(tmp) / "unused")], env=env)
                    for _ in range(workers)]
            children += pool
            workers_ready(workers)
            # Start-up (imports, the emulator's pull requests) is not a review.
            cpu_before = sum(tree_cpu_seconds(p.pid) for p in pool)
            others_before = {"emulator": tree_cpu_seconds(em.pid),
                             "web": tree_cpu_seconds(web.pid)}
            deliveries = [_delivery(template, n) for n in range(1, reviews + 1)]
            sent: dict[int, float] = {}
            with httpx.Client(timeout=30) as client, ThreadPoolExecutor(4) as senders:
                def post(n: int) -> int:
                    body, headers = deliveries[n - 1]
                    sent[n] = time.monotonic()
                    return client.post(f"http://127.0.0.1:{port}/webhook", content=body,
                                       headers=headers).status_code
                codes = list(senders.map(post, range(1, reviews + 1)))
            accepted = codes.count(202)
            wait(lambda: _done(db_url) >= accepted, 3000, "all reviews done")
            worker_cpu = sum(tree_cpu_seconds(p.pid) for p in pool) - cpu_before
            others = {"emulator": tree_cpu_seconds(em.pid) - others_before["emulator"],
                      "web": tree_cpu_seconds(web.pid) - others_before["web"]}
            assert em.stdin is not None
            em.stdin.write("dump\n")
            em.stdin.flush()
            em.wait(60)
            data = json.loads(dump.read_text())
        finally:
            stop(children)
            drop(handle)
    posted = {int(path.split("/")[-2]): at for path, at in data["posts"]}
    latencies = [posted[n] - sent[n] for n in posted]
    span = max(posted.values()) - min(sent.values())
    return {"workers": workers, "reviews": reviews, "accepted": accepted,
            "commented": len(posted),
            "more_than_one_comment": sum(1 for c in data["comments_per_pr"].values() if c > 1),
            "seconds": round(span, 1),
            # Webhooks still arriving bound the throughput: the workers cannot outrun them.
            "sending_s": round(max(sent.values()) - min(sent.values()), 1),
            "reviews_per_s": round(len(posted) / span, 2),
            "worker_cpu_s_per_review": round(worker_cpu / max(1, len(posted)), 3),
            # The rest of the pipeline on the same cores: when workers + emulator + web tier
            # keep the machine's cores busy, a second worker has no core to scale onto.
            "emulator_cpu_s_per_review": round(others["emulator"] / max(1, len(posted)), 3),
            "web_cpu_s_per_review": round(others["web"] / max(1, len(posted)), 3),
            "cores_busy_app": round((worker_cpu + sum(others.values())) / span, 2),
            "latency_p50_s": round(pct(latencies, 0.5), 2),
            "latency_p99_s": round(pct(latencies, 0.99), 2),
            "latency_mean_s": round(statistics.fmean(latencies), 2)}


@pytest.mark.parametrize("workers", [1, 2])
def test_reviews_by_workers(benchmark, workers: int):
    corpus()
    services_up()
    result = benchmark.pedantic(run, args=(REVIEWS, workers), rounds=1, iterations=1)
    results[workers] = result
    benchmark.extra_info.update(result)
    print("\n" + json.dumps(result))
    if {1, 2} <= results.keys():
        print(f"2 vs 1 workers: {results[2]['reviews_per_s'] / results[1]['reviews_per_s']:.2f}x"
              f" throughput on {len(os.sched_getaffinity(0))} cores; CPU s per review "
              f"{results[1]['worker_cpu_s_per_review']} vs {results[2]['worker_cpu_s_per_review']}")
    assert result["commented"] == result["accepted"] == REVIEWS
    assert result["more_than_one_comment"] == 0
