"""A real Prometheus over TSDB blocks built by promtool, and an HTTP relay in front of it.

The relay is what a slow or flaky network path looks like to a client: it forwards every
request to the real server, records what was asked, and can hold each answer back.
"""

from __future__ import annotations

import json
import multiprocessing
import shutil
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from tests.telemetry_blind.openmetrics import Registry

PROMETHEUS = shutil.which("prometheus") or "/usr/bin/prometheus"
PROMTOOL = shutil.which("promtool") or "/usr/bin/promtool"
# The largest block promtool makes (2h x 3^6 = 1458h): two weeks usually fit in one block,
# so promtool reads each file twice instead of once per 2-hour block.
MAX_BLOCK = "1500h"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _write_and_import(registry: Registry, families: list[str], text: Path, out: Path) -> None:
    registry.write(text, families)
    subprocess.run([PROMTOOL, "tsdb", "create-blocks-from", "openmetrics", "-q",
                    f"--max-block-duration={MAX_BLOCK}", str(text), str(out)],
                   check=True, capture_output=True)
    text.unlink()


def build_blocks(registry: Registry, workdir: Path, jobs: int = 2) -> Path:
    """OpenMetrics files (one per group of families) → blocks in one data directory.

    Groups are imported side by side; their blocks overlap in time, which Prometheus
    (2.39+) merges at query time.
    """
    data = workdir / "data"
    data.mkdir(parents=True)
    # spawn, not fork: a forked child runs the parent's after-fork hooks, and kombu's (left by
    # the scale-out tests) blocks reading a Redis socket the parent still owns
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_write_and_import,
                         args=(registry, fams, workdir / f"part{i}.om", data))
             for i, fams in enumerate(registry.parts(jobs))]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    bad = [p.exitcode for p in procs if p.exitcode != 0]
    assert not bad, f"promtool import failed: exit codes {bad}"
    return data


@dataclass
class PrometheusServer:
    data: Path
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, log: Path) -> None:
        config = self.data.parent / "prometheus.yml"
        config.write_text("global:\n  scrape_interval: 1m\n")
        self.proc = subprocess.Popen(
            [PROMETHEUS, f"--config.file={config}", f"--storage.tsdb.path={self.data}",
             "--storage.tsdb.retention.time=60d", f"--web.listen-address=127.0.0.1:{self.port}",
             "--log.level=warn"],
            stdout=log.open("wb"), stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, f"prometheus exited: {log.read_text()[-2000:]}"
            try:
                with urllib.request.urlopen(f"{self.url}/-/ready", timeout=2) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.3)
        raise AssertionError("prometheus not ready within 120 s")

    def query(self, promql: str, at: float | None = None) -> list[dict]:
        params = {"query": promql} | ({} if at is None else {"time": f"{at:.3f}"})
        q = urllib.parse.urlencode(params)
        with urllib.request.urlopen(f"{self.url}/api/v1/query?{q}", timeout=60) as r:
            body = json.load(r)
        assert body["status"] == "success", body
        return list(body["data"]["result"])

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Relay:
    """Forwards to `upstream`, logs each request (method, path, form), optional delay."""

    def __init__(self, upstream: str, delay_s: float = 0.0) -> None:
        self.upstream = upstream
        self.delay_s = delay_s
        self.requests: list[tuple[str, str, dict[str, list[str]]]] = []
        relay = self

        class Handler(BaseHTTPRequestHandler):
            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                parsed = urllib.parse.urlsplit(self.path)
                form = urllib.parse.parse_qs(parsed.query)
                if body:
                    form.update(urllib.parse.parse_qs(body.decode()))
                relay.requests.append((self.command, parsed.path, form))
                if relay.delay_s:
                    time.sleep(relay.delay_s)
                req = urllib.request.Request(relay.upstream + self.path, data=body,
                                             method=self.command)
                for h in ("Content-Type", "Accept"):
                    if self.headers.get(h):
                        req.add_header(h, self.headers[h])
                try:
                    with urllib.request.urlopen(req, timeout=120) as r:
                        status, payload, ctype = r.status, r.read(), r.headers["Content-Type"]
                except urllib.error.HTTPError as e:
                    status, payload, ctype = e.code, e.read(), e.headers["Content-Type"]
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", ctype or "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass   # the client gave up waiting, as a timeout should

            do_GET = _forward
            do_POST = _forward

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> Relay:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def queries(self) -> list[str]:
        """PromQL expressions asked (instant and range queries)."""
        return [q for _, path, form in self.requests if path.startswith("/api/v1/query")
                for q in form.get("query", [])]
