"""Terraform `.tf` files to documents keyed by resource address (python-hcl2)."""

from __future__ import annotations

from typing import Any

from bot.ingest.documents import Document, FileResult, ParseProblem

_BLOCK_TYPES = ("resource", "data", "module", "variable", "provider")


def parse_terraform(path: str, text: str) -> FileResult:
    import hcl2  # imported on first use: lark grammar load is not free

    result = FileResult()
    try:
        tree = hcl2.loads(text, serialization_options=hcl2.SerializationOptions(
            with_meta=True, with_comments=False))
    except Exception as exc:  # python-hcl2 raises lark errors of several types
        line = getattr(exc, "line", None)
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        result.problems.append(ParseProblem(path, f"invalid HCL: {message}", line))
        return result
    for block_type in _BLOCK_TYPES:
        for block in tree.get(block_type, []) or []:
            for doc in _documents(block_type, block, path):
                result.documents.append(doc)
    return result


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
    start = int(body.get("__start_line__", 1))
    end = int(body.get("__end_line__", start))
    clean = strip_meta(body)
    return Document(format="terraform", kind=_unquote(kind), name=address, path=path,
                    line=start, end_line=end, body=clean)


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
