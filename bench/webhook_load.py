"""Load bench of `aria serve` on loopback, and the time of one 20-file review job.

    python bench/webhook_load.py                 # 100 deliveries/s for 60 s, then the job
    python bench/webhook_load.py --rate 50 --seconds 10 --skip-job

Webhook part: the real app (signature check, routing, SQLite queue, embedded workers) runs in a
child process on 127.0.0.1; the job handler is swapped for one that appends the job's PR number
to a file, so "processed exactly once" is counted without GitHub. Every delivery is signed and
unique; afterwards every tenth one is sent again and must be dropped as a duplicate. Reported:
ack latency percentiles (client side), acks/s, accepted vs processed, lost and duplicated.

Job part: a 20-file pull request in the local GitHub emulator (tests/emulator), reviewed by the
production `run_job` with default settings (writes 1 s apart, as GitHub asks), probes excluded.
Only 127.0.0.1 is ever contacted, and both count and time are bounded.
"""

from __future__ import annotations

import argparse
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

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the GitHub emulator and its fixtures

SECRET = b"bench-secret"
MAX_DELIVERIES = 20_000


def _pem() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(serialization.Encoding.PEM,
                             serialization.PrivateFormat.TraditionalOpenSSL,
                             serialization.NoEncryption()).decode()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- server role -------------------------------------------------------------------------

def serve(port: int, state: Path, processed: Path) -> None:
    import threading

    import uvicorn

    from bot.cli.processes import build_service
    from bot.service.app import create_app, favour_the_event_loop
    from bot.service.settings import ServeSettings

    favour_the_event_loop()
    lock = threading.Lock()
    out = processed.open("a", encoding="utf-8")

    def record(payload: dict) -> dict:
        with lock:
            out.write(f"{payload['pr_number']}\n")
            out.flush()
        return {"status": "recorded"}

    settings = ServeSettings(app_id="1", webhook_secret=SECRET.decode(), private_key=_pem(),
                             state_dir=state, github_api_url="http://127.0.0.1:9")
    app = create_app(build_service(settings, handler=record))
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


# --- client role -------------------------------------------------------------------------

def _delivery(template: dict, number: int) -> tuple[bytes, dict[str, str]]:
    from bot.service.signature import sign
    payload = dict(template, number=number)
    payload["pull_request"] = dict(template["pull_request"], number=number)
    body = json.dumps(payload).encode()
    return body, {"X-GitHub-Event": "pull_request", "X-GitHub-Delivery": f"bench-{number}",
                  "X-Hub-Signature-256": sign(SECRET, body),
                  "Content-Type": "application/json"}


def _blast(port: int, deliveries: list[tuple[bytes, dict[str, str]]],
           rate: float) -> tuple[list[float], list[int], float]:
    """Open loop: request i leaves at start + i/rate whatever the answers before it did.

    Latency is counted from the scheduled send time, so a client or server that falls behind
    shows up in the figures instead of hiding (no coordinated omission). Threads with one
    keep-alive `http.client` connection each: cheaper per request than an async client."""
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


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def load(rate: float, seconds: float) -> dict:
    from emulator.server import fixture
    count = min(int(rate * seconds), MAX_DELIVERIES)
    template = fixture("webhooks/pull_request_opened.payload.json")
    deliveries = [_delivery(template, n) for n in range(1, count + 1)]
    port = _free_port()
    with tempfile.TemporaryDirectory(prefix="aria-bench-") as tmp:
        processed = Path(tmp) / "processed.txt"
        processed.touch()
        child = subprocess.Popen([sys.executable, __file__, "--role", "server", "--port",
                                  str(port), "--state", tmp, "--processed", str(processed)])
        try:
            _wait_ready(f"http://127.0.0.1:{port}/readyz")
            latencies, statuses, elapsed = _blast(port, deliveries, rate)
            replays = deliveries[::10]
            _lat, replay_status, _t = _blast(port, replays, rate)
            accepted = statuses.count(202)
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and _lines(processed) < accepted:
                time.sleep(0.1)
            time.sleep(1.0)  # a duplicate run would land now
            seen = processed.read_text().split()
        finally:
            child.send_signal(signal.SIGTERM)
            child.wait(30)
    return {
        "deliveries": count, "rate_target": rate, "send_seconds": round(elapsed, 2),
        "acks_per_second": round(count / elapsed, 1),
        "accepted_202": accepted, "other_status": sorted({s for s in statuses if s != 202}),
        "p50_ms": round(_pct(latencies, 0.50) * 1000, 2),
        "p95_ms": round(_pct(latencies, 0.95) * 1000, 2),
        "p99_ms": round(_pct(latencies, 0.99) * 1000, 2),
        "max_ms": round(max(latencies) * 1000, 2),
        "mean_ms": round(statistics.fmean(latencies) * 1000, 2),
        "replays_sent": len(replays),
        "replays_dropped_as_duplicate": sum(1 for s in replay_status if s == 200),
        "processed": len(seen), "processed_unique": len(set(seen)),
        "lost": accepted - len(set(seen)), "duplicated": len(seen) - len(set(seen)),
    }


def _lines(path: Path) -> int:
    return path.read_bytes().count(b"\n")


def _wait_ready(url: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise SystemExit("the server did not become ready")


# --- the 20-file review job --------------------------------------------------------------

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


def review_job() -> dict:
    from emulator.server import GitHubEmulator

    from bot.service.jobs import Runtime, run_job
    from bot.service.settings import ServeSettings
    from bot.state.db import make_engine, migrate

    repo = "Codertocat/Hello-World"
    base = {f"deploy/model-{i}.yaml": MANIFEST.format(i=i, replicas=2).encode()
            for i in range(20)}
    head = {f"deploy/model-{i}.yaml": MANIFEST.format(i=i, replicas=1 if i % 2 else 3).encode()
            for i in range(20)}
    with GitHubEmulator() as em, tempfile.TemporaryDirectory(prefix="aria-job-") as tmp:
        em.add_pull(repo, 2, base, head)
        settings = ServeSettings(app_id="1", webhook_secret="x", private_key=_pem(),
                                 state_dir=Path(tmp), github_api_url=em.base_url)
        migrate(make_engine(settings.database_url or ""))
        runtime = Runtime.from_settings(settings)
        payload = {"kind": "review", "installation_id": 1, "repo": repo, "pr_number": 2}
        t0 = time.perf_counter()
        result = run_job(payload, runtime)
        seconds = time.perf_counter() - t0
        return {"files": len(head), "seconds": round(seconds, 3), "result": result["status"],
                "conclusion": result["conclusion"], "github_requests": len(em.requests),
                "annotations": len(em.check_runs_on(repo)[0]["annotations"])}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rate", type=float, default=100.0, help="deliveries per second")
    p.add_argument("--seconds", type=float, default=60.0)
    p.add_argument("--skip-job", action="store_true", help="only the webhook load")
    p.add_argument("--role", choices=["client", "server"], default="client",
                   help=argparse.SUPPRESS)
    p.add_argument("--port", type=int, help=argparse.SUPPRESS)
    p.add_argument("--state", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--processed", type=Path, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.role == "server":
        serve(args.port, args.state, args.processed)
        return
    if not 0 < args.rate <= 500 or not 0 < args.seconds <= 120:
        raise SystemExit("bounded bench: --rate in (0, 500], --seconds in (0, 120]")
    os.environ.pop("ARIA_DATABASE_URL", None)
    print(json.dumps({"webhook_load": load(args.rate, args.seconds)}, indent=2))
    if not args.skip_job:
        print(json.dumps({"review_job_20_files": review_job()}, indent=2))


if __name__ == "__main__":
    main()
