"""One generated fleet and one real Prometheus over it for the whole suite; `aria` as a
subprocess, exactly as an operator runs it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.telemetry_blind.expect import assert_cited
from tests.telemetry_blind.fleet import FleetBuilder, Timeline, Truth
from tests.telemetry_blind.manifests import Change, write_tree
from tests.telemetry_blind.prometheus import PROMETHEUS, PROMTOOL, PrometheusServer, build_blocks
from tests.telemetry_blind.scenario import FLEET

ARIA = shutil.which("aria", path=str(Path(sys.executable).parent)) or "aria"


def _have_prometheus() -> bool:
    return Path(PROMETHEUS).exists() and Path(PROMTOOL).exists()


@dataclass
class Fleet:
    truths: dict[str, Truth]
    prometheus: PrometheusServer
    timeline: Timeline

    def truth(self, key: str) -> Truth:
        return self.truths[key]


@pytest.fixture(scope="session")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fleet]:
    if not _have_prometheus():
        if os.environ.get("CI") == "true":
            pytest.fail("prometheus/promtool are not installed (apt-get install prometheus)")
        pytest.skip("prometheus/promtool not installed: the black-box telemetry suite did not run")
    work = tmp_path_factory.mktemp("fleet")
    builder = FleetBuilder(Timeline(int(time.time())))
    for workload in FLEET:
        builder.add(workload)
    data = build_blocks(builder.registry, work)
    server = PrometheusServer(data)
    server.start(work / "prometheus.log")
    try:
        yield Fleet(builder.truths, server, builder.tl)
    finally:
        server.stop()


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str
    seconds: float

    def json(self) -> dict:
        assert self.returncode == 0, f"aria exited {self.returncode}: {self.stderr[-3000:]}"
        return json.loads(self.stdout)


def aria(args: list[str], prometheus_url: str | None, extra_env: dict[str, str] | None = None,
         timeout: float = 180) -> Run:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARIA_")}
    if prometheus_url is not None:
        env["ARIA_PROMETHEUS_URL"] = prometheus_url
    env.update(extra_env or {})
    started = time.monotonic()
    proc = subprocess.run([ARIA, *args], capture_output=True, text=True, env=env,
                          timeout=timeout)
    return Run(proc.returncode, proc.stdout, proc.stderr, time.monotonic() - started)


@pytest.fixture(scope="session")
def base_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_tree(tmp_path_factory.mktemp("repo") / "base")


@pytest.fixture
def head_tree(tmp_path: Path):
    def make(changes: dict[str, Change]) -> Path:
        return write_tree(tmp_path / "head", changes)
    return make


def review(base: Path, head: Path, prometheus_url: str | None, fmt: str = "json",
           extra_env: dict[str, str] | None = None) -> Run:
    return aria(["review", str(base), str(head), "-f", fmt, "--fail-on", "never"],
                prometheus_url, extra_env)


def review_json_and_markdown(base: Path, head: Path, prometheus_url: str) -> tuple[dict, str]:
    """The review as JSON (its figures checked for PromQL and window) and as Markdown."""
    doc = review(base, head, prometheus_url).json()
    assert_cited(doc)
    md = review(base, head, prometheus_url, fmt="markdown")
    assert md.returncode == 0, md.stderr[-3000:]
    return doc, md.stdout
