"""A `config.pbtxt` as the JSON config Triton's `load_model` takes.

Parsed by ingest's parser (against Triton's own `ModelConfig` message), the one that reads the
configs of a review, so a field Triton does not know fails here with protobuf's message instead
of being sent. The override replaces the whole config (Triton takes no patches), so the name is
pinned to the model being probed.

A config from a pull request is not loaded as written: the operator's server would run whatever
`backend`, `platform`, `parameters` (a Python model's arguments), model file names or repository
agents a PR names. Only the fields a performance A/B is about come from the change; everything
else is the server's own config of that model (`on_server`).
"""

from __future__ import annotations

from typing import Any

from bot.ingest.documents import Document
from bot.ingest.triton import parse_pbtxt
from bot.probes.errors import ProbeUsageError


def load_config(doc: Document) -> dict[str, Any]:
    """The config a parsed `config.pbtxt` document asks Triton to load."""
    return {**doc.body, "name": doc.name}


def parse_config(text: str, model: str) -> dict[str, Any]:
    result = parse_pbtxt(f"{model}/config.pbtxt", text)
    if result.problems:
        raise ProbeUsageError(f"config.pbtxt of '{model}' does not parse: "
                              f"{result.problems[0].reason}")
    return load_config(result.documents[0]) | {"name": model}


# What an A/B measures: instances (with their rate limiter), batching, warm-up, caching, the
# versions served. Triton's `ModelConfig` keeps `rate_limiter` inside `instance_group`.
PERFORMANCE_FIELDS = ("instance_group", "dynamic_batching", "sequence_batching",
                      "max_batch_size", "optimization", "model_warmup", "response_cache",
                      "version_policy")


def on_server(server: dict[str, Any], change: dict[str, Any]) -> dict[str, Any]:
    """The config to load: the server's config of the model with the change's performance
    fields. A performance field the change leaves out is left out (Triton's default), as a
    `config.pbtxt` without `dynamic_batching` means no dynamic batching."""
    kept = {key: value for key, value in server.items() if key not in PERFORMANCE_FIELDS}
    return kept | {key: change[key] for key in PERFORMANCE_FIELDS if key in change}
