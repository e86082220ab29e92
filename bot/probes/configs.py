"""Turn a ``config.pbtxt`` into the JSON config Triton's ``load_model`` takes.

Parsed against Triton's own ``ModelConfig`` message (shipped in tritonclient), so a field Triton
does not know fails here with protobuf's message instead of being sent. The override replaces the
whole config (Triton takes no patches), so the name is pinned to the model being probed.
"""

from __future__ import annotations

from typing import Any

from google.protobuf import json_format, text_format
from tritonclient.grpc import model_config_pb2

from bot.probes.errors import ProbeUsageError


def pbtxt_to_config(text: str, model: str) -> dict[str, Any]:
    try:
        message = text_format.Parse(text, model_config_pb2.ModelConfig())
    except text_format.ParseError as exc:
        raise ProbeUsageError(f"config.pbtxt of '{model}' does not parse: {exc}") from exc
    config = json_format.MessageToDict(message, preserving_proto_field_name=True)
    config["name"] = model
    return config
