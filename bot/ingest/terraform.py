"""Terraform `.tf` files to documents keyed by resource address (python-hcl2)."""

from __future__ import annotations

import re
from typing import Any

from bot.ingest.documents import Document, FileResult, ParseProblem
from bot.ingest.lines import line_numbers

_BLOCK_TYPES = ("resource", "data", "module", "variable", "provider")
# python-hcl2 8.x no longer reports block lines, so they are found in the text.
_BLOCK_START = re.compile(r'^(resource|data|module|variable|provider)\s+"?([\w-]+)"?'
                          r'(?:\s+"?([\w-]+)"?)?\s*\{', re.MULTILINE)
_ATTR = re.compile(r"^\s*([A-Za-z_][\w-]*)\s*(?:=|\{)", re.MULTILINE)


def parse_terraform(path: str, text: str) -> FileResult:
    import hcl2  # imported on first use: lark grammar load is not free

    result = FileResult()
    try:
        tree = hcl2.loads(text, serialization_options=hcl2.SerializationOptions(
            with_comments=False))
    except Exception as exc:  # python-hcl2 raises lark errors of several types
        line = getattr(exc, "line", None)
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        result.problems.append(ParseProblem(path, f"invalid HCL: {message}", line))
        return result
    spans = _block_spans(text)
    for block_type in _BLOCK_TYPES:
        for block in tree.get(block_type, []) or []:
            for doc in _documents(block_type, block, path):
                start, end, lines = spans.get(doc.name, (1, 1, {}))
                doc.line, doc.end_line, doc.text_lines = start, end, lines
                result.documents.append(doc)
    return result


def _block_spans(text: str) -> dict[str, tuple[int, int, dict[str, int]]]:
    """Address -> (first line, last line, attribute -> line) for each top-level block."""
    starts = []
    for match in _BLOCK_START.finditer(text):
        kind, first, second = match.groups()
        if kind in ("resource", "data"):
            address = f"{'data.' if kind == 'data' else ''}{first}.{second}"
        else:
            address = f"{kind}.{first}"
        starts.append((address, match.start()))
    spans: dict[str, tuple[int, int, dict[str, int]]] = {}
    first_lines = line_numbers(text, (offset for _, offset in starts))
    for index, ((address, offset), first_line) in enumerate(zip(starts, first_lines, strict=True)):
        end_offset = starts[index + 1][1] if index + 1 < len(starts) else len(text)
        body = text[offset:end_offset]
        lines: dict[str, int] = {}
        attrs = list(_ATTR.finditer(body))
        for attr, line in zip(attrs, line_numbers(body, (a.start(1) for a in attrs)),
                              strict=True):
            lines.setdefault(attr.group(1), first_line - 1 + line)
        spans[address] = (first_line, first_line + body.rstrip().count("\n"), lines)
    return spans


def _documents(block_type: str, block: dict[str, Any], path: str):
    if block_type in ("resource", "data"):
        for rtype, named in block.items():
            if not isinstance(named, dict):
                continue
            for rname, body in named.items():
                if not isinstance(body, dict):
                    continue
                prefix = "data." if block_type == "data" else ""
                yield _doc(rtype, f"{prefix}{_unquote(rtype)}.{_unquote(rname)}", body, path)
    else:
        for bname, body in block.items():
            if isinstance(body, dict):
                yield _doc(block_type, f"{block_type}.{_unquote(bname)}", body, path)


def _doc(kind: str, address: str, body: dict[str, Any], path: str) -> Document:
    return Document(format="terraform", kind=_unquote(kind), name=address, path=path,
                    line=1, end_line=1, body=strip_meta(body))


def strip_meta(value: Any) -> Any:
    if isinstance(value, dict):
        return {_unquote(k): strip_meta(v) for k, v in value.items()
                if k not in ("__start_line__", "__end_line__", "__is_block__")}
    if isinstance(value, list):
        return [strip_meta(v) for v in value]
    if isinstance(value, str):
        return _unquote(value)
    return value


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return text[1:-1]
    return text
