"""YAML to plain Python values that remember their line numbers.

ruamel.yaml's C composer builds the node graph (fast, aliases shared, not expanded); we then
construct values ourselves so that an alias bomb is refused by counting the expanded size of the
node graph before anything is expanded.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterator
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

MAX_EXPANDED_NODES = 200_000  # per document; a real manifest is a few thousand at most


class YamlError(ValueError):
    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


class YMap(dict):
    """A mapping with the 1-based line of itself and of each key."""

    __slots__ = ("line", "key_lines")

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.key_lines: dict[Any, int] = {}

    def line_of(self, key: Any) -> int:
        return self.key_lines.get(key, self.line)


class YList(list):
    __slots__ = ("line", "item_lines")

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.item_lines: list[int] = []

    def line_of(self, index: int) -> int:
        return self.item_lines[index] if 0 <= index < len(self.item_lines) else self.line


def plain(value: Any) -> Any:
    """The same data as built-in dicts and lists (for values whose lines mean nothing here)."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def line_of(container: Any, key: Any, default: int | None = None) -> int | None:
    """Line of `key` inside a YMap/YList, or of the container itself."""
    if isinstance(container, YMap | YList):
        return container.line_of(key)
    return default


_yaml = YAML(typ="safe", pure=False)

_BOOL = {"true": True, "false": False, "yes": True, "no": False, "on": True, "off": False}


def _expanded_size(node: Node, memo: dict[int, int]) -> int:
    key = id(node)
    if key in memo:
        return memo[key]
    memo[key] = 1  # a recursive alias counts once instead of looping
    if isinstance(node, MappingNode):
        total = 1 + sum(_expanded_size(k, memo) + _expanded_size(v, memo) for k, v in node.value)
    elif isinstance(node, SequenceNode):
        total = 1 + sum(_expanded_size(v, memo) for v in node.value)
    else:
        total = 1
    memo[key] = total
    return total


def _scalar(node: ScalarNode) -> Any:
    tag = node.tag or ""
    value = node.value
    if tag.endswith(":str"):
        return value
    if tag.endswith(":int"):
        try:
            return int(value.replace("_", ""), 0)
        except ValueError:
            try:
                return int(value.replace("_", ""))
            except ValueError:
                return value
    if tag.endswith(":float"):
        low = value.lower()
        if low in (".inf", "+.inf"):
            return float("inf")
        if low == "-.inf":
            return float("-inf")
        if low == ".nan":
            return float("nan")
        try:
            return float(value.replace("_", ""))
        except ValueError:
            return value
    if tag.endswith(":bool"):
        return _BOOL.get(value.lower(), value)
    if tag.endswith(":null"):
        return None
    if tag.endswith(":timestamp"):
        try:
            return _dt.date.fromisoformat(value) if len(value) == 10 else value
        except ValueError:
            return value
    return value  # custom tags (!Ref, !!binary …) stay as their text


def _construct(node: Node, depth: int = 0) -> Any:
    if depth > 200:
        raise YamlError("nesting deeper than 200 levels", node.start_mark.line + 1)
    if isinstance(node, ScalarNode):
        return _scalar(node)
    if isinstance(node, SequenceNode):
        seq = YList(node.start_mark.line + 1)
        for item in node.value:
            seq.append(_construct(item, depth + 1))
            seq.item_lines.append(item.start_mark.line + 1)
        return seq
    if isinstance(node, MappingNode):
        mapping = YMap(node.start_mark.line + 1)
        for key_node, value_node in node.value:
            if key_node.tag.endswith(":merge"):
                merged = _construct(value_node, depth + 1)
                for src in merged if isinstance(merged, list) else [merged]:
                    if isinstance(src, dict):
                        for k, v in src.items():
                            mapping.setdefault(k, v)
                continue
            key = _construct(key_node, depth + 1)
            if isinstance(key, list | dict):
                key = str(key)
            mapping[key] = _construct(value_node, depth + 1)
            mapping.key_lines[key] = key_node.start_mark.line + 1
        return mapping
    raise YamlError(f"unsupported YAML node {type(node).__name__}")


def load_documents(text: str) -> Iterator[tuple[Any, int, int]]:
    """Yield (value, first line, last line) per YAML document.

    Raises YamlError for syntax errors and alias bombs; documents before the error have
    already been yielded, so the caller keeps what parsed.
    """
    try:
        for node in _yaml.compose_all(text):
            if node is None:
                continue
            size = _expanded_size(node, {})
            if size > MAX_EXPANDED_NODES:
                raise YamlError(
                    f"document expands to more than {MAX_EXPANDED_NODES:,} nodes "
                    "(YAML alias bomb?)",
                    node.start_mark.line + 1,
                )
            yield _construct(node), node.start_mark.line + 1, node.end_mark.line + 1
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise YamlError(f"invalid YAML: {problem}", line) from None
    except RecursionError:
        raise YamlError("YAML nesting too deep") from None
