"""A real Prometheus over TSDB blocks built with promtool, on a free loopback port.

Each server runs in its own session and is stopped by its PID (its process group); nothing
else is touched. Blocks are built once per dataset and copied for every server that needs
its own data directory (Prometheus locks it).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from tests.telemetry.synth import Timeline, write_openmetrics

BINARIES = ("prometheus", "promtool")


def missing_binaries() -> list[str]:
    return [b for b in BINARIES if shutil.which(b) is None]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def build_blocks(timelines: list[Timeline], directory: Path) -> int:
    """TSDB blocks for the timelines in ``directory``; the number of samples."""
    directory.mkdir(parents=True, exist_ok=True)
    source = directory.parent / f"{directory.name}.om"
    samples = write_openmetrics(timelines, source)
    subprocess.run(["promtool", "tsdb", "create-blocks-from", "openmetrics", "-q",
                    "--max-block-duration=24h", str(source), str(directory)],
                   check=True, capture_output=True, timeout=1800)
    source.unlink()
    return samples


@dataclass
class Prometheus:
    process: subprocess.Popen[bytes]
    port: int
    data: Path
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def pause(self) -> None:
        """Freeze the server (SIGSTOP): it accepts connections and answers nothing."""
        os.killpg(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        os.killpg(self.process.pid, signal.SIGCONT)

    def stop(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGCONT)
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)


def launch(blocks: Path, workdir: Path, *, web_config: Path | None = None,
           startup_timeout_s: float = 120.0) -> Prometheus:
    """Start Prometheus over a copy of ``blocks``; wait until it is ready."""
    data = workdir / "data"
    shutil.copytree(blocks, data)
    config = workdir / "prometheus.yml"
    config.write_text("global: {scrape_interval: 1m}\n")  # no scrape jobs: blocks only
    port = free_port()
    log_path = workdir / "prometheus.log"
    args = ["prometheus", f"--config.file={config}", f"--storage.tsdb.path={data}",
            f"--web.listen-address=127.0.0.1:{port}", "--storage.tsdb.retention.time=400d",
            "--log.level=warn"]
    if web_config is not None:
        args.append(f"--web.config.file={web_config}")
    with log_path.open("wb") as log:
        process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    server = Prometheus(process, port, data, log_path)
    deadline = time.monotonic() + startup_timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"prometheus exited: {log_path.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{server.url}/-/ready", timeout=2) as resp:
                if resp.status == 200:
                    return server
        except urllib.error.HTTPError as exc:
            if exc.code == 401:  # behind basic auth: it answers, so it is up
                return server
        except (urllib.error.URLError, OSError):
            pass  # not listening yet
        time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"prometheus did not become ready in {startup_timeout_s:g} s")
