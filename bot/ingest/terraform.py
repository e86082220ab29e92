"""Terraform `.tf` files to documents keyed by resource address."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.ingest.documents import Document, FileResult, ParseProblem
from bot.ingest.hcl import (
    HclError,
    HclReader,
    block_body,
    block_labels,
    line_of,
    node_bytes,
    parse_body,
)

if TYPE_CHECKING:
    from tree_sitter import Node

# Block type -> number of labels its address is made of.
# `moved` blocks have no label: they tell a review which address a renamed resource had.
# `locals` blocks have none either: node pools read zones and sizes through them.
_ADDRESSED = {"resource": 2, "data": 2, "module": 1, "variable": 1, "provider": 1, "moved": 0,
              "locals": 0}


def parse_terraform(path: str, text: str) -> FileResult:
    result = FileResult()
    try:
        top = HclReader().items(parse_body(text))
        found: list[tuple[int, Document]] = []
        for block in top:
            kind = node_bytes(block.named_children[0]).decode()
            if block.type != "block" or kind not in _ADDRESSED:
                continue
            labels = block_labels(block)
            if len(labels) != _ADDRESSED[kind]:
                raise HclError(f"`{kind}` block has {len(labels)} label(s), Terraform wants "
                               f"{_ADDRESSED[kind]}", line_of(block))
            found.append((list(_ADDRESSED).index(kind), _document(kind, labels, block, path)))
    except HclError as exc:
        result.problems.append(ParseProblem(path, f"invalid HCL: {exc.message}", exc.line))
        return result
    # Grouped by block type (a stable sort keeps file order within a type), as before.
    result.documents = [doc for _, doc in sorted(found, key=lambda pair: pair[0])]
    return result


def _document(kind: str, labels: list[str], block: Node, path: str) -> Document:
    reader = HclReader()
    body = reader.body(block_body(block))
    if kind in ("resource", "data"):
        doc_kind, address = labels[0], ".".join(labels)
        address = f"data.{address}" if kind == "data" else address
    elif kind == "moved":
        doc_kind, address = kind, f"moved.{body.get('to')}"
    elif kind == "locals":
        doc_kind, address = kind, kind
    else:
        doc_kind, address = kind, f"{kind}.{labels[0]}"
    return Document(format="terraform", kind=doc_kind, name=address, path=path,
                    line=line_of(block), end_line=block.end_point[0] + 1, body=body,
                    text_lines=reader.lines)

