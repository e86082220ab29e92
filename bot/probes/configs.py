"""A `config.pbtxt` as the JSON config Triton's `load_model` takes.

Parsed by ingest's parser (against Triton's own `ModelConfig` message), the one that reads the
configs of a review, so a field Triton does not know fails here with protobuf's message instead
of being sent. The override replaces the whole config (Triton takes no patches), so the name is
pinned to the model being probed.
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
