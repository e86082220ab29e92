"""A real tritonserver (from the nvidia-pytriton wheel, on the CPU) for the probe tests.

One server per session serves every model the tests need; tests that reload configs use their
own model so they cannot disturb the others. The server is stopped by PID (its process group).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.prerequisites import need

need(importlib.util.find_spec("pytriton") is not None,
     "nvidia-pytriton (the `probe` extra) is not installed", module=True)

from bot.measurements import MethodSettings  # noqa: E402
from bot.probes import sample_model, server  # noqa: E402
from bot.probes.settings import ProbeTarget  # noqa: E402

# Service time >= 2 ms, like the fidelity bench's model.
SLOW_MS = 2.0
# A service time that dwarfs this shared box's scheduling noise (a few ms under a full test
# run), for the A/B whose regression must show whatever else is running.
WIDE_MS = 10 * SLOW_MS


@dataclass
class Triton:
    server: server.TritonServer
    repository: Path

    def target(self, protocol: str = "http") -> ProbeTarget:
        return ProbeTarget(
            url=self.server.url(protocol),
            protocol=protocol,  # type: ignore[arg-type]
            server_log=self.server.log_path,
        )


def write_repository(repo: Path) -> None:
    sample_model.write_model(repo, "slow", sleep_ms=SLOW_MS)
    sample_model.write_model(repo, "trivial")
    sample_model.write_model(repo, "dyn", dims=(-1,), data_type="TYPE_INT32")
    sample_model.write_model(repo, "ab", sleep_ms=SLOW_MS, max_queue_delay_us=100)
    sample_model.write_model(repo, "ab_wide", sleep_ms=WIDE_MS, max_queue_delay_us=100)
    sample_model.write_model(repo, "review", sleep_ms=SLOW_MS, max_queue_delay_us=100)
    sample_model.write_model(repo, "guarded", sleep_ms=SLOW_MS, max_queue_delay_us=100)
    # 5 s per request: for request-timeout tests.
    sample_model.write_model(repo, "stuck", sleep_ms=5000, max_queue_delay_us=None)


MODELS = ["slow", "trivial", "dyn", "ab", "ab_wide", "review", "guarded", "stuck"]


@pytest.fixture(scope="session")
def triton(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Triton]:
    root = tmp_path_factory.mktemp("triton")
    repo = root / "repo"
    write_repository(repo)
    srv = server.launch(
        repo, MODELS, log_path=root / "server.log", startup_timeout_s=90, lifetime_s=900
    )
    try:
        yield Triton(srv, repo)
    finally:
        srv.stop()


@pytest.fixture
def fast_method() -> MethodSettings:
    """Short windows: the suite measures behaviour, not this shared box's absolute speed."""
    return MethodSettings(
        warmup_s=0.3,
        window_s=0.5,
        max_windows=4,
        stable_windows=3,
        request_timeout_s=5,
        control_timeout_s=30,
        level_timeout_s=10,
    )
