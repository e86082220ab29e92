"""A small Python-backend model repository for tests and the fidelity bench.

The model doubles its input. Its service time comes from the config parameter `sleep_ms`
(per request, not per batch, so one instance serves at most `1000 / sleep_ms` inferences/s
whatever the batching) — which lets a test build a model slower than 2 ms, and an A/B head
config that is deliberately slower, by changing the config alone.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

MODEL_PY = """\
import json
import time

import triton_python_backend_utils as pb_utils


class TritonPythonModel:
    def initialize(self, args):
        config = json.loads(args["model_config"])
        param = config.get("parameters", {}).get("sleep_ms", {}).get("string_value", "0")
        self.sleep_s = float(param) / 1000.0

    def execute(self, requests):
        responses = []
        for request in requests:
            if self.sleep_s:
                time.sleep(self.sleep_s)
            x = pb_utils.get_input_tensor_by_name(request, "INPUT0").as_numpy()
            responses.append(pb_utils.InferenceResponse([pb_utils.Tensor("OUTPUT0", x * 2)]))
        return responses
"""


def config_pbtxt(
    name: str,
    *,
    sleep_ms: float = 0.0,
    max_batch_size: int = 8,
    dims: tuple[int, ...] = (16,),
    data_type: str = "TYPE_FP32",
    instances: int = 1,
    max_queue_delay_us: int | None = 100,
) -> str:
    """The model's `config.pbtxt`; `max_queue_delay_us=None` leaves dynamic batching off."""
    dims_text = ", ".join(str(d) for d in dims)
    batching = (
        f"dynamic_batching {{ max_queue_delay_microseconds: {max_queue_delay_us} }}\n"
        if max_queue_delay_us is not None
        else ""
    )
    return (
        f'name: "{name}"\n'
        'backend: "python"\n'
        f"max_batch_size: {max_batch_size}\n"
        f'input [ {{ name: "INPUT0" data_type: {data_type} dims: [ {dims_text} ] }} ]\n'
        f'output [ {{ name: "OUTPUT0" data_type: {data_type} dims: [ {dims_text} ] }} ]\n'
        f"instance_group [ {{ count: {instances} kind: KIND_CPU }} ]\n"
        f"{batching}"
        f'parameters {{ key: "sleep_ms" value: {{ string_value: "{sleep_ms:g}" }} }}\n'
    )


def write_model(repository: Path, name: str, **config: Any) -> Path:
    """Write model `name` (version 1) into `repository`; keyword args go to the config."""
    model_dir = repository / name
    (model_dir / "1").mkdir(parents=True, exist_ok=True)
    (model_dir / "1" / "model.py").write_text(MODEL_PY)
    (model_dir / "config.pbtxt").write_text(config_pbtxt(name, **config))
    return model_dir
