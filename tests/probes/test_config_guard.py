"""A pull request's config.pbtxt reaches the operator's Triton only through its performance
fields: backend, platform, parameters, model files and agents are the server's own (real
tritonserver on the CPU)."""

from __future__ import annotations

import asyncio
from typing import Any

from bot.measurements import MethodSettings
from bot.probes.client import TritonClient
from bot.probes.configs import PERFORMANCE_FIELDS, on_server, parse_config
from bot.probes.measure import config_restored, run_probe
from bot.probes.sample_model import config_pbtxt

from .conftest import SLOW_MS, Triton

# A PR that tries to run its own code on the server, and makes the model 100x slower through
# a parameter (the sample model sleeps `sleep_ms` per request), beside real performance edits.
HOSTILE = config_pbtxt("guarded", sleep_ms=SLOW_MS * 100, instances=2,
                       max_queue_delay_us=700).replace(
    'backend: "python"',
    'backend: "python"\ndefault_model_filename: "../../../../tmp/evil.py"\n'
    'model_repository_agents { agents [ { name: "checksum" } ] }',
) + 'parameters { key: "EXECUTION_ENV_PATH" value: { string_value: "/tmp/evil.tar.gz" } }\n'


def _loaded(triton: Triton, method: MethodSettings, change: dict[str, Any]) -> dict[str, Any]:
    """The config Triton serves while the change is loaded the way the probe loads it."""

    async def run() -> dict[str, Any]:
        async with (TritonClient(triton.target(), method) as client,
                    config_restored(client, "guarded") as server):
            await client.load("guarded", on_server(server, change))
            return await client.config("guarded")

    return asyncio.run(run())


def test_only_performance_fields_of_a_change_are_loaded(triton: Triton,
                                                        fast_method: MethodSettings) -> None:
    loaded = _loaded(triton, fast_method, parse_config(HOSTILE, "guarded"))
    # the change's performance fields are what Triton serves
    assert [g["count"] for g in loaded["instance_group"]] == [2]
    assert loaded["dynamic_batching"]["max_queue_delay_microseconds"] in (700, "700")
    # everything else is the server's own config
    assert loaded["backend"] == "python"
    assert loaded["parameters"] == {"sleep_ms": {"string_value": f"{SLOW_MS:g}"}}
    assert loaded.get("default_model_filename", "") in ("", "model.py")
    assert not loaded.get("model_repository_agents", {}).get("agents")


def test_a_parameter_in_the_change_does_not_slow_the_probed_model(
        triton: Triton, fast_method: MethodSettings) -> None:
    run = run_probe(triton.target(), "guarded", [1], fast_method,
                    config=parse_config(HOSTILE, "guarded"))
    split = run.levels[0].server
    assert run.levels[0].errors == 0
    # the server's 2 ms per request, not the change's 200 ms
    assert split.compute_infer_us is not None and split.compute_infer_us < SLOW_MS * 1e3 * 10


def test_a_performance_field_left_out_is_left_out() -> None:
    server = {"name": "m", "backend": "python", "max_batch_size": 8,
              "dynamic_batching": {"max_queue_delay_microseconds": 100},
              "instance_group": [{"count": 4, "kind": "KIND_CPU"}],
              "parameters": {"sleep_ms": {"string_value": "2"}}}
    change = {"name": "m", "backend": "onnxruntime", "max_batch_size": 4,
              "parameters": {"sleep_ms": {"string_value": "200"}}}
    assert on_server(server, change) == {
        "name": "m", "backend": "python", "max_batch_size": 4,
        "parameters": {"sleep_ms": {"string_value": "2"}}}
    assert set(PERFORMANCE_FIELDS) >= {"instance_group", "dynamic_batching", "model_warmup"}
