"""Triton `config.pbtxt`: protobuf text parsed into Triton's own `ModelConfig` message."""

from __future__ import annotations

import posixpath
import re

from bot.ingest.documents import Document, FileResult, ParseProblem
from bot.ingest.lines import line_numbers

_FIELD_LINE = re.compile(r"^\s*([a-z_]+)\s*[:{\[]", re.MULTILINE)
_PLACEHOLDER = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*\}")


def parse_pbtxt(path: str, text: str) -> FileResult:
    from google.protobuf import json_format, text_format
    from tritonclient.grpc import model_config_pb2

    result = FileResult()
    message = model_config_pb2.ModelConfig()
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
