"""Failures end in a clear error within a bounded time, never a hang."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from bot.measurements import MethodSettings
from bot.probes import sample_model, server
from bot.probes.errors import ProbeServerError
from bot.probes.measure import run_probe
from bot.probes.settings import ProbeTarget

from .conftest import Triton


@pytest.mark.parametrize("protocol", ["http", "grpc"])
def test_unreachable_server(fast_method: MethodSettings, protocol: str) -> None:
    url = f"127.0.0.1:{server.free_port()}"  # nothing listens there
    started = time.monotonic()
    with pytest.raises(ProbeServerError, match=rf"Triton at {url} \({protocol}\)"):
        run_probe(ProbeTarget(url=url, protocol=protocol), "slow", [1], fast_method)
    assert time.monotonic() - started < 15


def test_wrong_model_name_lists_the_models(triton: Triton, fast_method: MethodSettings) -> None:
    with pytest.raises(ProbeServerError, match=r"'nope' is not ready.*slow"):
        run_probe(triton.target(), "nope", [1], fast_method)


@pytest.mark.parametrize("protocol", ["http", "grpc"])
def test_requests_slower_than_the_timeout(
    triton: Triton, fast_method: MethodSettings, protocol: str
) -> None:
    method = fast_method.model_copy(update={"request_timeout_s": 0.5, "window_s": 1.0})
    started = time.monotonic()
    with pytest.raises(ProbeServerError, match="stopped answering"):
        run_probe(triton.target(protocol), "stuck", [1], method)
    # The stuck model holds its only instance for 5 s per request; the error comes well before
    # the queue behind it could drain.
    assert time.monotonic() - started < 20


def test_server_dying_mid_probe(tmp_path: Path, fast_method: MethodSettings) -> None:
    repo = tmp_path / "repo"
    sample_model.write_model(repo, "victim", sleep_ms=2)
    srv = server.launch(repo, ["victim"], log_path=tmp_path / "server.log", lifetime_s=120)
    try:
        target = ProbeTarget(url=srv.url(), protocol="http")
        method = fast_method.model_copy(update={"max_windows": 20, "stability_pct": 0.01})
        killer = threading.Timer(1.5, srv.kill)
        killer.start()
        started = time.monotonic()
        with pytest.raises(ProbeServerError, match="victim|Triton at"):
            run_probe(target, "victim", [2], method)
        assert time.monotonic() - started < 15
        killer.join()
    finally:
        srv.stop()
