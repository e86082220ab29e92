"""Bench: webhook acknowledgement under load on loopback, and the time of one 20-file review job.

    pytest bench --benchmark-only -m long -k webhook -s

Webhook load: the real App runs in a child process (bench/roles.py webhook-server) pinned to one
core; this process, the load generator, is pinned to another where the machine has two. Every
delivery is signed and unique, sent open-loop at `ARIA_BENCH_RATE` per second (default 100) for
`ARIA_BENCH_SECONDS` (default 30); latency counts from each request's scheduled send time, so
a server or client that falls behind shows (no coordinated omission). Then every tenth delivery
is sent again and must be dropped as a duplicate, and every accepted one processed exactly once.

Review job: a 20-file pull request in the local GitHub emulator, reviewed by the production
`run_job` with default settings (writes 1 s apart, as GitHub asks).
Only 127.0.0.1 is contacted; the deliveries and the time are bounded.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from harness import ROOT, answers_ok, free_port, pct, pem, tree_cpu_seconds, wait
from roles import WEBHOOK_SECRET

from bot.service.signature import sign

pytestmark = [pytest.mark.long, pytest.mark.timeout(900)]

RATE = float(os.environ.get("ARIA_BENCH_RATE", "100"))
SECONDS = float(os.environ.get("ARIA_BENCH_SECONDS", "30"))
MAX_DELIVERIES = 20_000


def _delivery(template: dict, number: int) -> tuple[bytes, dict[str, str]]:
    payload = dict(template, number=number)
    payload["pull_request"] = dict(template["pull_request"], number=number)
    body = json.dumps(payload).encode()
    return body, {"X-GitHub-Event": "pull_request", "X-GitHub-Delivery": f"bench-{number}",
                  "X-Hub-Signature-256": sign(WEBHOOK_SECRET.encode(), body),
                  "Content-Type": "application/json"}


def _blast(port: int, deliveries: list[tuple[bytes, dict[str, str]]],
           rate: float) -> tuple[list[float], list[int], float]:
    """Open loop: request i leaves at start + i/rate whatever the answers before it did.
    Threads with one keep-alive `http.client` connection each (cheaper than an async client)."""
    latencies: list[float] = [0.0] * len(deliveries)
    statuses: list[int] = [0] * len(deliveries)
    local = threading.local()
    start = time.perf_counter() + 0.2

    def one(i: int) -> None:
        scheduled = start + i / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        conn = getattr(local, "conn", None)
        if conn is None:
            conn = local.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.connect()
            # http.client writes headers and body separately: without this, Nagle's
            # algorithm holds the body for the server's delayed ACK (~40 ms on loopback).
            conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        body, headers = deliveries[i]
        try:
            conn.request("POST", "/webhook", body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            statuses[i] = response.status
        except OSError:
            statuses[i] = -1
            local.conn = None
        latencies[i] = time.perf_counter() - scheduled

    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(one, range(len(deliveries))))
    return latencies, statuses, time.perf_counter() - start


def _pin(server_pid: int) -> str:
    """The server on one core, this process (the load generator) on another, if there are two."""
    cores = sorted(os.sched_getaffinity(0))
    if len(cores) < 2:
        return f"not pinned: {len(cores)} core available"
    os.sched_setaffinity(server_pid, {cores[0]})
    os.sched_setaffinity(0, {cores[1]})
    return f"server on core {cores[0]}, load generator on core {cores[1]}"


def test_webhook_ack_latency(benchmark):
    from emulator.server import fixture
    count = min(int(RATE * SECONDS), MAX_DELIVERIES)
    template = fixture("webhooks/pull_request_opened.payload.json")
    deliveries = [_delivery(template, n) for n in range(1, count + 1)]
    port, affinity = free_port(), os.sched_getaffinity(0)
    result: dict = {}
    with tempfile.TemporaryDirectory(prefix="aria-bench-") as tmp:
        processed = Path(tmp) / "processed.txt"
        processed.touch()
        env = {k: v for k, v in os.environ.items() if not k.startswith("ARIA_")}
        child = subprocess.Popen([sys.executable, str(ROOT / "bench" / "roles.py"),
                                  "webhook-server", str(port), tmp, str(processed)], env=env)
        try:
            wait(lambda: answers_ok(f"http://127.0.0.1:{port}/readyz"), 60, "server ready")
            pinning = _pin(child.pid)

            def load() -> None:
                result["lat"], result["status"], result["elapsed"] = _blast(port, deliveries,
                                                                            RATE)
            cpu_before = tree_cpu_seconds(child.pid)
            benchmark.pedantic(load, rounds=1, iterations=1)
            server_cpu = tree_cpu_seconds(child.pid) - cpu_before
            _lat, replay_status, _t = _blast(port, deliveries[::10], RATE)
            accepted = result["status"].count(202)
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and _lines(processed) < accepted:
                time.sleep(0.1)
            time.sleep(1.0)  # a duplicate run would land now
            seen = processed.read_text().split()
        finally:
            os.sched_setaffinity(0, affinity)
            child.send_signal(signal.SIGTERM)
            child.wait(30)
    latencies = result["lat"]
    figures = {
        "deliveries": count, "rate_target": RATE, "pinning": pinning,
        "acks_per_second": round(count / result["elapsed"], 1),
        "p50_ms": round(pct(latencies, 0.50) * 1000, 2),
        "p95_ms": round(pct(latencies, 0.95) * 1000, 2),
        "p99_ms": round(pct(latencies, 0.99) * 1000, 2),
        "max_ms": round(max(latencies) * 1000, 2),
        "mean_ms": round(statistics.fmean(latencies) * 1000, 2),
        # What each delivery cost the server (ack, and the embedded worker claiming and
        # completing its job): unlike the percentiles, not moved by other load on the machine.
        "server_cpu_ms_per_delivery": round(server_cpu / count * 1000, 2),
        "accepted_202": accepted,
        "replays_dropped_as_duplicate": sum(1 for s in replay_status if s == 200),
        "lost": accepted - len(set(seen)), "duplicated": len(seen) - len(set(seen)),
    }
    benchmark.extra_info.update(figures)
    print("\n" + json.dumps(figures, indent=1))
    assert accepted == count and figures["lost"] == 0 and figures["duplicated"] == 0
    assert figures["replays_dropped_as_duplicate"] == len(deliveries[::10])


def _lines(path: Path) -> int:
    return path.read_bytes().count(b"\n")


MANIFEST = """apiVersion: apps/v1
kind: Deployment
metadata: {{name: model-{i}, namespace: serving}}
spec:
  replicas: {replicas}
  selector: {{matchLabels: {{app: model-{i}}}}}
  template:
    metadata: {{labels: {{app: model-{i}}}}}
    spec:
      containers:
        - name: server
          image: nvcr.io/nvidia/tritonserver:24.08-py3
          resources: {{limits: {{nvidia.com/gpu: 1}}}}
"""


def test_review_job_of_twenty_files(benchmark, monkeypatch, tmp_path):
    from emulator.server import GitHubEmulator

    from bot.service.jobs import Runtime, run_job
    from bot.service.settings import ServeSettings
    from bot.state.db import make_engine, migrate

    monkeypatch.delenv("ARIA_DATABASE_URL", raising=False)
    repo = "Codertocat/Hello-World"
    base = {f"deploy/model-{i}.yaml": MANIFEST.format(i=i, replicas=2).encode()
            for i in range(20)}
    head = {f"deploy/model-{i}.yaml": MANIFEST.format(i=i, replicas=1 if i % 2 else 3).encode()
            for i in range(20)}
    with GitHubEmulator() as em:
        em.add_pull(repo, 2, base, head)
        settings = ServeSettings(app_id="1", webhook_secret="x", private_key=pem(),
                                 state_dir=tmp_path, github_api_url=em.base_url)
        migrate(make_engine(settings.database_url or ""))
        runtime = Runtime.from_settings(settings)
        payload = {"kind": "review", "installation_id": 1, "repo": repo, "pr_number": 2}
        result = benchmark.pedantic(run_job, args=(payload, runtime), rounds=1, iterations=1)
        benchmark.extra_info.update(files=len(head), github_requests=len(em.requests),
                                    annotations=len(em.check_runs_on(repo)[0]["annotations"]))
    assert result["status"] == "done" or result["conclusion"], result
