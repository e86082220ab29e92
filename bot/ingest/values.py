"""Readers for parsed values: a nested lookup and a lenient integer."""

from __future__ import annotations

from typing import Any


def dig(node: Any, *keys: Any) -> Any:
    """`node[k1][k2]…`, or None as soon as a step is missing or of the wrong type."""
    for key in keys:
        if isinstance(node, dict):
            node = node.get(key)
        elif isinstance(node, list) and isinstance(key, int) and -len(node) <= key < len(node):
            node = node[key]
        else:
            return None
    return node


def as_int(value: Any) -> int | None:
    """An integer written as a number or a numeric string (YAML and HCL allow both)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None
