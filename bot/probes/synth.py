"""Synthesise one request's input tensors from a model's metadata and config.

Shapes come from the config (`dims` exclude the batch dimension when `max_batch_size > 0`)
and datatypes from the metadata. Dynamic (`-1`) dims cannot be guessed: the operator gives them
with `--shape` or under `probes.models.NAME.shapes` in `.aria.yml`. Data is seeded random,
so two runs (and the two arms of an A/B) send identical requests.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from tritonclient.utils import triton_to_np_dtype

from bot.probes.errors import ProbeUsageError

BATCH_SIZE = 1  # like perf_analyzer's default `-b 1`; reported as an assumption


def _request_dims(model: str, name: str, dims: list[int], given: list[int] | None) -> list[int]:
    if given is not None:
        fits = len(given) == len(dims) and all(
            d in (-1, g) for d, g in zip(dims, given, strict=True)
        )
        if not fits:
            raise ProbeUsageError(
                f"shape {given} for input '{name}' of model '{model}' does not fit its config "
                f"dims {dims} (give dims without the batch dimension)"
            )
        return list(given)
    if any(d < 0 for d in dims):
        raise ProbeUsageError(
            f"input '{name}' of model '{model}' has dynamic dims {dims}; give its shape with "
            f"--shape {name}=DIMS (without the batch dimension) or in .aria.yml under "
            f"probes.models.{model}.shapes.{name}"
        )
    return list(dims)


def _random(dtype: str, shape: list[int], rng: np.random.Generator) -> np.ndarray:
    if dtype == "BYTES":
        # Fixed-width tokens: a string model sees well-formed, deterministic text.
        return np.full(shape, b"aria", dtype=np.object_)
    if dtype == "BOOL":
        return rng.integers(0, 2, size=shape).astype(bool)
    if dtype == "BF16":
        raise ProbeUsageError("BF16 inputs are not supported by the probe (numpy has no bfloat16)")
    np_dtype = np.dtype(triton_to_np_dtype(dtype))
    if np_dtype.kind == "f":
        return rng.random(size=shape, dtype=np.float64).astype(np_dtype)
    # Small non-negative integers: safe as ids/indices for embedding-style inputs.
    return rng.integers(0, 10, size=shape).astype(np_dtype)


def synthesize(
    model: str,
    metadata: dict[str, Any],
    config: dict[str, Any],
    shapes: dict[str, list[int]] | None = None,
    seed: int = 0,
) -> dict[str, np.ndarray]:
    """Arrays for every required input of `model`, batch dimension included when batching."""
    shapes = shapes or {}
    batching = int(config.get("max_batch_size", 0) or 0) > 0
    dtypes = {i["name"]: i["datatype"] for i in metadata.get("inputs", [])}
    config_inputs = config.get("input", [])
    unknown = set(shapes) - {i["name"] for i in config_inputs}
    if unknown:
        raise ProbeUsageError(
            f"--shape names unknown inputs {sorted(unknown)} of model '{model}' "
            f"(inputs: {sorted(dtypes)})"
        )
    rng = np.random.default_rng(seed)
    arrays: dict[str, np.ndarray] = {}
    for spec in config_inputs:
        name = spec["name"]
        if spec.get("optional"):
            continue  # the model runs without it; sending it would change what is measured
        if spec.get("is_shape_tensor"):
            raise ProbeUsageError(
                f"input '{name}' of model '{model}' is a shape tensor, which the probe cannot fill"
            )
        dims = [int(d) for d in spec.get("dims", [])]
        request_shape = _request_dims(model, name, dims, shapes.get(name))
        if batching:
            request_shape = [BATCH_SIZE, *request_shape]
        datatype = dtypes.get(name) or str(spec["data_type"]).removeprefix("TYPE_")
        if datatype == "STRING":
            datatype = "BYTES"
        arrays[name] = _random(datatype, request_shape, rng)
    if not arrays:
        raise ProbeUsageError(f"model '{model}' has no required inputs to synthesise")
    return arrays
