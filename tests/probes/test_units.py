"""Pure parts of the probe: settings and trust boundary, input synthesis, capacity, stats."""

from __future__ import annotations

import math

import numpy as np
import pytest
from pydantic import ValidationError

from bot.config import ProbeModelSettings, ProbesConfig
from bot.measurements import Latency, LevelResult, MethodSettings, ProbeRun, Protocol
from bot.probes import capacity, stats
from bot.probes.errors import ProbeUsageError
from bot.probes.settings import PriceTable, ProbeSettings, ProbeTarget, parse_shape_flags
from bot.probes.stability import is_stable
from bot.probes.synth import synthesize


def _target(env: dict[str, str], url: str | None = None,
            protocol: Protocol | None = None) -> ProbeTarget | None:
    return ProbeSettings.from_env(env).target(url, protocol)


def _prices(env: dict[str, str]) -> PriceTable | None:
    return ProbeSettings.from_env(env).prices()


def test_default_allow_list_is_loopback_only() -> None:
    assert ProbeTarget(url="127.0.0.1:8000").url == "127.0.0.1:8000"
    assert ProbeTarget(url="localhost:8001").url == "localhost:8001"
    assert ProbeTarget(url="[::1]:8000").url == "[::1]:8000"
    for url in ("10.0.0.1:8000", "169.254.169.254:80", "triton.internal:8000"):
        with pytest.raises(ProbeUsageError, match="allow-list"):
            ProbeTarget(url=url)


def test_allow_list_patterns() -> None:
    env = {"ARIA_PROBE_URL": "triton.prod.svc:8001", "ARIA_PROBE_ALLOWLIST": "*.prod.svc:8001"}
    assert _target(env).url == "triton.prod.svc:8001"
    with pytest.raises(ProbeUsageError):
        _target({**env, "ARIA_PROBE_URL": "triton.prod.svc:22"})
    cidr = {"ARIA_PROBE_URL": "10.2.3.4:8000", "ARIA_PROBE_ALLOWLIST": "10.0.0.0/8, 192.0.2.1"}
    assert _target(cidr) is not None
    with pytest.raises(ProbeUsageError):  # a name is not vouched for by a CIDR
        _target({**cidr, "ARIA_PROBE_URL": "evil.example:8000"})


@pytest.mark.parametrize("url", ["http://127.0.0.1:8000", "127.0.0.1", "u:p@127.0.0.1:80", "x:0"])
def test_malformed_urls(url: str) -> None:
    with pytest.raises(ProbeUsageError, match="HOST:PORT|invalid port"):
        ProbeTarget(url=url)


def test_target_from_env_and_flags() -> None:
    assert _target({}) is None
    env = {
        "ARIA_PROBE_URL": "127.0.0.1:8000",
        "ARIA_PROBE_PROTOCOL": "grpc",
        "ARIA_PROBE_HEADERS": '{"Authorization": "Bearer s3cret"}',
    }
    target = _target(env)
    assert target.protocol == "grpc"
    assert target.plain_headers() == {"Authorization": "Bearer s3cret"}
    assert "s3cret" not in target.model_dump_json()  # credentials never reach a report
    flagged = _target(env, url="127.0.0.1:9000", protocol="http")
    assert (flagged.url, flagged.protocol) == ("127.0.0.1:9000", "http")
    with pytest.raises(ProbeUsageError):
        _target({**env, "ARIA_PROBE_HEADERS": "[1]"})


def test_model_settings_are_strict() -> None:
    cfg = ProbesConfig.model_validate(
        {"models": {"m": {"slo_ms": 50, "concurrency": [8, 1, 4, 4], "shapes": {"X": "3x4"}}}}
    )
    assert cfg.models["m"].concurrency == [1, 4, 8]
    assert cfg.models["m"].shapes == {"X": [3, 4]}
    with pytest.raises(ValidationError):
        ProbeModelSettings.model_validate({"slo_ms": 50, "url": "10.0.0.1:8000"})  # no target
    with pytest.raises(ValidationError):
        ProbeModelSettings(headroom=0.95)
    with pytest.raises(ValidationError):
        MethodSettings(stable_windows=3, max_windows=2)


def test_price_table_from_operator_file(tmp_path) -> None:
    assert _prices({}) is None
    path = tmp_path / "prices.yaml"
    path.write_text("replica_hour_usd: 4.5\n")
    assert _prices({"ARIA_PRICE_TABLE": str(path)}).replica_hour_usd == 4.5
    for bad in ('{"gpu": 1}', "[1, 2]"):  # a review's probe must fail as a ProbeError
        path.write_text(bad)
        with pytest.raises(ProbeUsageError, match="replica_hour_usd"):
            _prices({"ARIA_PRICE_TABLE": str(path)})


def test_shape_flags() -> None:
    assert parse_shape_flags(["A=4,128", "B=2x3"]) == {"A": [4, 128], "B": [2, 3]}
    for bad in ("A", "A=0", "A=x"):
        with pytest.raises(ProbeUsageError):
            parse_shape_flags([bad])


META = {"inputs": [{"name": "IDS", "datatype": "INT64"}, {"name": "TXT", "datatype": "BYTES"}]}


def test_synthesis_dtypes_and_batch() -> None:
    config = {
        "max_batch_size": 4,
        "input": [
            {"name": "IDS", "data_type": "TYPE_INT64", "dims": [-1]},
            {"name": "TXT", "data_type": "TYPE_STRING", "dims": ["2"]},
            {"name": "OPT", "data_type": "TYPE_FP32", "dims": [1], "optional": True},
        ],
    }
    arrays = synthesize("m", META, config, {"IDS": [7]})
    assert arrays["IDS"].shape == (1, 7) and arrays["IDS"].dtype == np.int64
    assert arrays["TXT"].shape == (1, 2) and arrays["TXT"].dtype == object
    assert "OPT" not in arrays
    again = synthesize("m", META, config, {"IDS": [7]})
    assert np.array_equal(arrays["IDS"], again["IDS"])  # seeded: both A/B arms send the same
    with pytest.raises(ProbeUsageError, match="does not fit"):
        synthesize("m", META, config, {"IDS": [7], "TXT": [3]})
    with pytest.raises(ProbeUsageError, match="unknown inputs"):
        synthesize("m", META, config, {"NOPE": [1]})
    unbatched = synthesize("m", META, {**config, "max_batch_size": 0}, {"IDS": [7]})
    assert unbatched["IDS"].shape == (7,)


def _level(c: int, p99: float, tput: float, errors: int = 0) -> LevelResult:
    lat = Latency(avg=p99 / 2, p50=p99 / 2, p90=p99 * 0.8, p95=p99 * 0.9, p99=p99)
    return LevelResult(
        concurrency=c, latency_ms=lat, throughput=tput, requests=100, errors=errors,
        windows_measured=3, windows_merged=3, stable=True,
    )  # fmt: skip


def _run(*levels: LevelResult) -> ProbeRun:
    return ProbeRun(
        model="m", url="127.0.0.1:1", protocol="http", method=MethodSettings(),
        inputs={}, levels=list(levels),
    )  # fmt: skip


def test_capacity_uses_the_highest_level_meeting_the_slo() -> None:
    run = _run(_level(1, 10, 100), _level(4, 20, 300), _level(8, 60, 400))
    settings = ProbeModelSettings(slo_ms=25, slo_percentile=99, peak_rps=1000, headroom=0.3)
    est = capacity.estimate(run, settings, PriceTable(replica_hour_usd=2))
    assert est.concurrency == 4 and est.throughput_per_replica == 300
    assert est.replicas == math.ceil(1000 / (300 * 0.7)) == 5
    assert est.cost_per_million_usd == pytest.approx(5 * 2 / (1000 * 3600) * 1e6)
    assert capacity.estimate(run, settings.model_copy(update={"slo_ms": None})) is None
    none_meet = capacity.estimate(run, settings.model_copy(update={"slo_ms": 5}))
    assert not none_meet.meets_slo and none_meet.replicas is None
    no_price = capacity.estimate(run, settings)
    assert no_price.replicas == 5 and no_price.cost_per_million_usd is None
    # A level with errors does not count as meeting the SLO.
    errs = _run(_level(1, 10, 100), _level(4, 20, 300, errors=3))
    assert capacity.estimate(errs, settings).concurrency == 1


def test_stability_and_stats_split() -> None:
    assert is_stable([100, 105, 108], [2.0, 2.1, 2.05], 3, 10)
    assert not is_stable([100, 130, 108], [2.0, 2.1, 2.05], 3, 10)
    assert not is_stable([100, 100], [2.0, 2.0], 3, 10)

    def snap(n: int, ns: int, version: str = "1") -> dict:
        timed = {"count": n, "ns": ns}
        return {
            "version": version, "inference_count": n, "execution_count": n // 2,
            "inference_stats": {k: timed for k in
                                ("success", "queue", "compute_input", "compute_infer",
                                 "compute_output")},
        }  # fmt: skip

    split = stats.split([(snap(10, 10_000), snap(30, 50_000)), (snap(0, 0), snap(10, 30_000))])
    assert split.requests == 30 and split.queue_us == pytest.approx(70_000 / 30 / 1e3)
    assert split.avg_batch == pytest.approx(30 / 15)
    assert stats.split([(snap(10, 1, "1"), snap(20, 2, "2"))]) is None  # reload in between
    assert stats.split([]) is None
