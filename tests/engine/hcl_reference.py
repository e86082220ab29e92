"""The reference reader of the HCL equivalence tests: python-hcl2 (lark), as Aria used it before
tree-sitter-hcl, reduced to the facts the rest of Aria reads: address, kind and body."""

from __future__ import annotations

import re
from typing import Any

import hcl2

_ADDRESSED = ("resource", "data", "module", "variable", "provider", "moved", "locals")
_META = ("__start_line__", "__end_line__", "__is_block__")


def reference_facts(text: str) -> list[tuple[str, str, Any]]:
    """(address, kind, body) of every addressed block, grouped by block type, in file order."""
    tree = hcl2.loads(text, serialization_options=hcl2.SerializationOptions(with_comments=False))
    facts = []
    for block_type in _ADDRESSED:
        for block in tree.get(block_type, []) or []:
            facts.extend(_facts(block_type, block))
    return facts


def _facts(block_type: str, block: dict[str, Any]) -> list[tuple[str, str, Any]]:
    if block_type == "moved":  # no label: Aria names it by its target address
        body = _plain(block)
        return [(f"moved.{body.get('to')}", "moved", body)]
    if block_type == "locals":  # no label: node pools resolve `local.x` through them
        return [("locals", "locals", _plain(block))]
    if block_type not in ("resource", "data"):
        return [(f"{block_type}.{_unquote(name)}", block_type, _plain(body))
                for name, body in block.items()]
    prefix = "data." if block_type == "data" else ""
    return [(f"{prefix}{_unquote(kind)}.{_unquote(name)}", _unquote(kind), _plain(body))
            for kind, named in block.items() for name, body in named.items()]


def _plain(value: Any) -> Any:
    """python-hcl2's output without its markers and with string quotes removed."""
    if isinstance(value, dict):
        return {_unquote(k): _plain(v) for k, v in value.items() if k not in _META}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return _unquote(value) if isinstance(value, str) else value


def _unquote(text: str) -> str:
    return text[1:-1] if len(text) >= 2 and text[0] == text[-1] == '"' else text


def line_errors(documents: list, text: str) -> list[str]:
    """Where a document's lines do not point at its source: the block's first line, its closing
    brace, and each key's line (which must hold that key)."""
    lines = text.splitlines()
    errors = []
    for doc in documents:
        head = lines[doc.line - 1]
        unlabelled = doc.kind in ("moved", "locals")
        labels = [doc.kind] if unlabelled else doc.name.removeprefix("data.").split(".")
        if not all(label in head for label in labels) or "{" not in head:
            errors.append(f"{doc.name}: line {doc.line} is not its block's first line: {head!r}")
        if not lines[doc.end_line - 1].rstrip().endswith("}"):
            errors.append(f"{doc.name}: end line {doc.end_line} does not close the block")
        for key, line in doc.text_lines.items():
            shown = lines[line - 1]
            if not doc.line <= line <= doc.end_line or not re.search(
                    rf'(^|[\s{{,(]){re.escape(key)}\s*["=:{{]', shown):
                errors.append(f"{doc.name}: `{key}` is not on line {line}: {shown!r}")
    return errors
