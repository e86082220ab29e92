"""The pickle of a judged review base, made for loading: every second push to a pull request
unpickles it (ADR 0018, point 4), while it is written once.

Most of a base is its parsed YAML (`YMap`, `YList`). Their own `__reduce__` is made for the
parser workers' messages (small: a constructor and the items); rebuilt through it, each node
is two Python calls. Here a node is rebuilt by the unpickler alone (its class's `__new__`,
then its slots and items), equal strings (keys, values) are written once and refer to one
string after the load, and a document or a source map is one call of its constructor instead
of a slot-by-slot restore (an attribute name interned and set per slot).
"""

from __future__ import annotations

import copyreg
import io
import pickle
from dataclasses import fields
from typing import Any

from bot.ingest.documents import Document, SourceMap
from bot.ingest.yamlload import YList, YMap

_NEWOBJ = copyreg.__newobj__  # type: ignore[attr-defined]  # the pickler writes it as NEWOBJ
# Slotted dataclasses rebuilt by their constructor: every field is an argument of it.
_BY_CONSTRUCTOR = {kind: tuple(f.name for f in fields(kind)) for kind in (Document, SourceMap)}


class _BasePickler(pickle.Pickler):
    def __init__(self, file: io.BytesIO) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self._strings: dict[str, str] = {}  # one object per equal string: the memo finds it

    def _one(self, value: Any) -> Any:
        return self._strings.setdefault(value, value) if type(value) is str else value

    def reducer_override(self, obj: Any) -> Any:
        kind = type(obj)
        if kind is YMap:
            one = self._one
            lines = {one(key): line for key, line in obj.key_lines.items()}
            return (_NEWOBJ, (YMap,), (None, {"line": obj.line, "key_lines": lines}),
                    None, ((one(key), one(value)) for key, value in obj.items()))
        if kind is YList:
            return (_NEWOBJ, (YList,),
                    (None, {"line": obj.line, "item_lines": obj.item_lines}),
                    map(self._one, obj), None)
        names = _BY_CONSTRUCTOR.get(kind)
        if names is not None:
            return kind, tuple(getattr(obj, name) for name in names)
        return NotImplemented


def dumps(value: Any) -> bytes | None:
    """`value` pickled for `pickle.loads`, its YAML nodes rebuilt without Python calls; None
    where it cannot be (`ContentCache.put` then tries the plain pickle, and logs why not)."""
    buffer = io.BytesIO()
    try:
        _BasePickler(buffer).dump(value)
    except (pickle.PicklingError, RecursionError, TypeError):
        return None
    return buffer.getvalue()
