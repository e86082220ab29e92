"""The probe against a real tritonserver: what it reports, and that load is concurrent."""

from __future__ import annotations

import pytest

from bot.measurements import MethodSettings
from bot.probes.errors import ProbeUsageError
from bot.probes.measure import run_probe

from .conftest import SLOW_MS, Triton


@pytest.mark.parametrize("protocol", ["http", "grpc"])
def test_probe_reports_levels_with_server_split(
    triton: Triton, fast_method: MethodSettings, protocol: str
) -> None:
    run = run_probe(triton.target(protocol), "slow", [1, 4], fast_method)

    assert [lv.concurrency for lv in run.levels] == [1, 4]
    assert run.inputs == {"INPUT0": [1, 16]}
    for level in run.levels:
        lat = level.latency_ms
        assert lat is not None
        assert lat.p50 <= lat.p90 <= lat.p95 <= lat.p99
        # The model sleeps SLOW_MS per request: no request can be faster.
        assert lat.p50 >= SLOW_MS
        assert level.errors == 0 and level.requests > 0 and level.throughput > 0
        assert 3 <= level.windows_measured <= 4
        assert level.windows_merged == 3
        split = level.server
        assert split is not None
        # The server saw (about) the requests the client counted over the same span: the
        # snapshots lag the window edges by one stats call, while up to C requests complete.
        assert abs(split.requests - level.requests) <= level.concurrency * 2 + 0.05 * level.requests
        assert split.compute_infer_us is not None and split.compute_infer_us >= SLOW_MS * 1e3
        assert split.queue_us is not None and split.compute_input_us is not None
    # One worker cannot keep more than one request waiting; four can, so the dynamic batcher
    # forms batches only if the four requests are really in flight together.
    assert run.levels[0].server.avg_batch == pytest.approx(1.0)
    assert run.levels[1].server.avg_batch > 1.2
    assert run.levels[1].latency_ms.p50 > run.levels[0].latency_ms.p50


def test_dynamic_dims_need_a_shape(triton: Triton, fast_method: MethodSettings) -> None:
    with pytest.raises(ProbeUsageError, match=r"--shape INPUT0=DIMS.*probes\.models\.dyn\.shapes"):
        run_probe(triton.target(), "dyn", [1], fast_method)


def test_dynamic_dims_with_a_shape(triton: Triton, fast_method: MethodSettings) -> None:
    run = run_probe(triton.target(), "dyn", [1], fast_method, shapes={"INPUT0": [3]})
    assert run.inputs == {"INPUT0": [1, 3]}
    assert run.levels[0].errors == 0 and run.levels[0].requests > 0
