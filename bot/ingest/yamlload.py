"""YAML to plain Python values that remember their line numbers, read as the cluster reads them.

libyaml's event parser (via PyYAML) turns text into a flat stream of events: it keeps its state
on heap stacks, so no input can overflow the C stack. We build values from those events in one
loop with an explicit stack, counting every node as it is made (an alias counts as the whole
value it repeats), so a too-deep, too-big or alias-bomb document stops the moment it crosses a
limit instead of after it has been built. Scalars resolve as go-yaml v2 does and keys and
numbers come out as JSON has them (`yamlresolve`), because that is what `kubectl` sends.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import cache
from typing import TYPE_CHECKING, Any

from bot.ingest.scan import MAX_NESTING, Syntax, nesting_problem
from bot.ingest.yamlresolve import (
    MERGE_KEY,
    TAG_PREFIX,
    json_key,
    json_number,
    resolve_plain,
    resolve_scalar,
)

if TYPE_CHECKING:  # PyYAML is imported by the first parse: a review served from the cache
    from yaml import events  # reads no YAML, and the import is ~6 % of its instructions

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

    def __reduce__(self) -> tuple[Any, ...]:
        # Parser workers pickle every parsed file to the supervisor (and the cache keeps those
        # bytes): a constructor and the items cost a third less than the default's slot state.
        return _ymap, (self.line, self.key_lines), None, None, iter(self.items())


class YList(list):
    __slots__ = ("line", "item_lines")

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.item_lines: list[int] = []

    def line_of(self, index: int) -> int:
        return self.item_lines[index] if 0 <= index < len(self.item_lines) else self.line

    def __reduce__(self) -> tuple[Any, ...]:
        return _ylist, (self.line, self.item_lines), None, iter(self)


def _ymap(line: int, key_lines: dict[Any, int]) -> YMap:
    """A YMap as `YMap.__reduce__` names it; the unpickler adds its items."""
    value = YMap(line)
    value.key_lines = key_lines
    return value


def _ylist(line: int, item_lines: list[int]) -> YList:
    value = YList(line)
    value.item_lines = item_lines
    return value


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


class _Open:
    """A collection being built: where its next child goes, and how many nodes came before it."""

    __slots__ = ("value", "anchor", "first_node", "key", "key_line", "has_key", "merge")

    def __init__(self, value: YMap | YList, anchor: str | None, first_node: int) -> None:
        self.value = value
        self.anchor = anchor
        self.first_node = first_node
        self.key: Any = None
        self.key_line = 0
        self.has_key = False
        self.merge = False


def _merge(target: YMap, source: Any, line: int) -> None:
    """go-yaml v2 merge: each merged key overwrites what is already there; in a list of maps,
    the first one wins. (Kubernetes reads `{a: 1, <<: {a: 2}}` as a = 2.)"""
    sources = list(reversed(source)) if isinstance(source, list) else [source]
    for item in sources:
        if not isinstance(item, dict):
            raise YamlError("a merge key (<<) needs a mapping or a list of mappings", line)
        for key, value in item.items():
            target[key] = value
            target.key_lines[key] = item.line_of(key) if isinstance(item, YMap) else line


class _Document:
    """Builds the value of one document from its events."""

    def __init__(self, line: int) -> None:
        self.stack: list[_Open] = []
        self.anchors: dict[str, tuple[Any, int]] = {}  # name -> (value, expanded node count)
        self.nodes = 0
        self.root: Any = None
        self.first_line = self.last_line = line

    def _count(self, size: int, line: int) -> None:
        self.nodes += size
        if self.nodes > MAX_EXPANDED_NODES:
            raise YamlError(f"document expands to more than {MAX_EXPANDED_NODES:,} nodes "
                            "(YAML alias bomb, or too big to review)", line)

    def _place(self, value: Any, line: int, raw: Any = None, scalar: bool = False) -> None:
        """Put a finished node where it belongs: root, list item, map key or map value."""
        if not self.stack:
            self.root, self.first_line = value, line
            return
        parent = self.stack[-1]
        container = parent.value
        if isinstance(container, YList):
            container.append(value)
            container.item_lines.append(line)
        elif not parent.has_key:
            parent.key = json_key(raw) if scalar else str(value)
            parent.key_line = line
            parent.has_key = True
        else:
            parent.has_key = False
            if parent.merge:
                parent.merge = False
                _merge(container, value, parent.key_line)
            else:
                container[parent.key] = value
                container.key_lines[parent.key] = parent.key_line

    def scalar(self, event: events.ScalarEvent) -> None:
        line = event.start_mark.line + 1
        self._count(1, line)
        text, tag, plain_style = event.value, event.tag, not event.style
        if tag is None:  # most scalars: resolved without `resolve_scalar`'s tag handling
            raw = resolve_plain(text) if plain_style else text
        else:
            raw = resolve_scalar(text, tag, plain_style)
        value = json_number(raw) if type(raw) in (int, float) else raw
        parent = self.stack[-1] if self.stack else None
        self._place(value, line, raw, scalar=True)
        if parent is not None and parent.has_key and isinstance(parent.value, YMap):
            parent.merge = (plain_style and tag is None and text == MERGE_KEY) \
                or tag == TAG_PREFIX + "merge"
        if event.anchor is not None:
            self.anchors[event.anchor] = (value, 1)

    def alias(self, event: events.AliasEvent) -> None:
        line = event.start_mark.line + 1
        if event.anchor not in self.anchors:
            raise YamlError(f"alias *{event.anchor} names no anchor defined before it", line)
        value, size = self.anchors[event.anchor]
        self._count(size, line)
        self._place(value, line, value, scalar=not isinstance(value, dict | list))

    def start(self, event: events.CollectionStartEvent, value: YMap | YList) -> None:
        if len(self.stack) >= MAX_NESTING:
            raise YamlError(f"nesting deeper than {MAX_NESTING} levels", value.line)
        self._count(1, value.line)
        self.stack.append(_Open(value, event.anchor, self.nodes))

    def end(self, event: events.CollectionEndEvent) -> None:
        done = self.stack.pop()
        if done.anchor is not None:
            self.anchors[done.anchor] = (done.value, self.nodes - done.first_node + 1)
        self._place(done.value, done.value.line)
        if not self.stack:
            self.last_line = event.end_mark.line + 1


@cache
def _event_parser() -> Callable[[str], Any]:
    try:  # libyaml, as bundled with PyYAML's wheels
        from yaml.cyaml import CParser
        return CParser
    except ImportError:  # pragma: no cover - PyYAML built without libyaml: same events, in Python
        from yaml.loader import BaseLoader
        return BaseLoader


def load_documents(text: str) -> Iterator[tuple[Any, int, int]]:
    """Yield (value, first line, last line) per YAML document.

    Raises YamlError for syntax errors, nesting beyond MAX_NESTING and documents over
    MAX_EXPANDED_NODES; documents before the error have already been yielded, so the caller
    keeps what parsed.
    """
    problem = nesting_problem(text, Syntax.yaml)
    if problem is not None:
        raise YamlError(*problem)
    if not text.endswith("\n"):  # kubectl reads line by line and ends each line with one
        text += "\n"
    import yaml
    from yaml import events

    parser = _event_parser()(text)
    doc = _Document(1)
    try:
        while True:
            event = parser.get_event()
            kind = type(event)
            if kind is events.ScalarEvent:
                doc.scalar(event)
                if not doc.stack:
                    doc.last_line = event.end_mark.line + 1
            elif kind is events.MappingStartEvent:
                doc.start(event, YMap(event.start_mark.line + 1))
            elif kind is events.SequenceStartEvent:
                doc.start(event, YList(event.start_mark.line + 1))
            elif kind is events.MappingEndEvent or kind is events.SequenceEndEvent:
                doc.end(event)
            elif kind is events.AliasEvent:
                doc.alias(event)
                if not doc.stack:
                    doc.last_line = event.end_mark.line + 1
            elif kind is events.DocumentStartEvent:
                doc = _Document(event.start_mark.line + 1)
            elif kind is events.DocumentEndEvent:
                yield doc.root, doc.first_line, max(doc.last_line, doc.first_line)
            elif kind is events.StreamEndEvent or event is None:
                return
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        raise YamlError(f"invalid YAML: {exc.problem or exc.context}", line) from None
    except yaml.YAMLError as exc:
        raise YamlError(f"invalid YAML: {str(exc).splitlines()[0]}") from None
    finally:
        parser.dispose()
