"""Triton `config.pbtxt`: protobuf text parsed into Triton's own `ModelConfig` message."""

from __future__ import annotations

import functools
import importlib.util
import posixpath
import re
import sys
from pathlib import Path
from types import ModuleType

from bot.ingest.documents import Document, FileResult, ParseProblem
from bot.ingest.lines import line_numbers

_FIELD_LINE = re.compile(r"^\s*([a-z_]+)\s*[:{\[]", re.MULTILINE)
_PLACEHOLDER = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*\}")


@functools.cache
def model_config_pb2() -> ModuleType:
    """Triton's generated `model_config_pb2`, executed from the tritonclient wheel's file alone.

    `import tritonclient.grpc.model_config_pb2` first runs the `tritonclient.grpc` package, which
    imports gRPC, numpy and the whole client (0.3-0.4 s): reading a config needs only the
    message type, which depends on protobuf alone. Where the probe has imported the package, its
    module is used; both register the same descriptors, so the classes are the same either way.
    """
    name = "tritonclient.grpc.model_config_pb2"
    if name in sys.modules:
        return sys.modules[name]
    package = importlib.util.find_spec("tritonclient")  # locates it without running it
    if package is None or not package.submodule_search_locations:
        raise ImportError("tritonclient is not installed")
    path = Path(package.submodule_search_locations[0]) / "grpc" / "model_config_pb2.py"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"no Triton model config module at {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def parse_pbtxt(path: str, text: str) -> FileResult:
    from google.protobuf import json_format, text_format

    result = FileResult()
    message = model_config_pb2().ModelConfig()
    try:
        text_format.Parse(text, message)
    except text_format.ParseError as exc:
        line = exc.GetLine() if hasattr(exc, "GetLine") else None
        placeholders = sorted(set(_PLACEHOLDER.findall(text)))
        if placeholders:  # e.g. TensorRT-LLM's fill_template.py inputs
            reason = (f"it is a template ({', '.join(placeholders[:3])}"
                      f"{' …' if len(placeholders) > 3 else ''} filled in by a tool); as written "
                      f"Triton would reject this config: {exc}")
        else:
            reason = f"Triton would reject this config: {exc}"
        result.problems.append(ParseProblem(path, reason, line))
        return result
    body = json_format.MessageToDict(message, preserving_proto_field_name=True)
    model_dir = posixpath.basename(posixpath.dirname(path)) or path
    name = message.name or model_dir
    lines: dict[str, int] = {}
    fields = list(_FIELD_LINE.finditer(text))
    for match, line in zip(fields, line_numbers(text, (m.start() for m in fields)), strict=True):
        lines.setdefault(match.group(1), line)
    total = text.count("\n") + 1
    result.documents.append(Document(
        format="triton", kind="TritonModelConfig", name=name, path=path, line=1, end_line=total,
        body=body, text_lines=lines,
    ))
    return result
