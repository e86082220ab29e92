"""The judged base as a second push loads it from the disk cache (`bot/judged_pickle.py`): the
same documents, YAML values with every line, renders with their source maps and the memos kept
with documents, rebuilt without a Python call per YAML node."""

from __future__ import annotations

import sys
from pathlib import Path
from types import FrameType
from typing import Any

from bot.catalog import load_catalog
from bot.config import config_of
from bot.engine import _base_side
from bot.ingest import yamlload
from bot.ingest.cache import ContentCache, use_cache
from bot.ingest.source import GitRevisionSource
from bot.ingest.yamlload import YList, YMap
from tests.kustomize_repos import rendered_repo


def same_tree(a: Any, b: Any) -> None:
    """Equal values of the same types, with the same line of every mapping, key and item."""
    assert type(a) is type(b)
    if isinstance(a, YMap):
        assert (a.line, a.key_lines, list(a)) == (b.line, b.key_lines, list(b))
    if isinstance(a, YList):
        assert (a.line, a.item_lines) == (b.line, b.item_lines)
    if isinstance(a, dict):
        for key in a:
            same_tree(a[key], b[key])
    elif isinstance(a, list):
        assert len(a) == len(b)
        for x, y in zip(a, b, strict=True):
            same_tree(x, y)
    else:
        assert a == b


def test_the_judged_base_loads_as_judged_without_a_call_per_yaml_node(tmp_path: Path) -> None:
    base = GitRevisionSource(rendered_repo(tmp_path), "main")
    config, _ = config_of(base)
    try:
        use_cache(ContentCache(tmp_path / "cache", 64 << 20))
        judged = _base_side(base, config, load_catalog())
        use_cache(ContentCache(tmp_path / "cache", 64 << 20))  # a new process: disk only
        calls: list[str] = []

        def record(frame: FrameType, event: str, arg: Any) -> None:
            if event == "call":
                calls.append(frame.f_code.co_filename)

        sys.setprofile(record)
        try:
            loaded = _base_side(base, config, load_catalog())
        finally:
            sys.setprofile(None)
    finally:
        use_cache(None)
    assert loaded is not judged
    assert yamlload.__file__ not in calls  # YMap and YList rebuilt by the unpickler alone
    before, after = judged.analysis.inventory, loaded.analysis.inventory
    assert before.rendered and after.documents == before.documents
    assert after.sources == before.sources
    for old, new in zip([*before.documents, *before.sources], [*after.documents, *after.sources],
                        strict=True):
        same_tree(old.body, new.body)
        assert (new.source_map, new.text_lines) == (old.source_map, old.text_lines)
        assert new._derived == old._derived
    assert any(d._derived for d in after.documents)  # the kustomizations' memos came along
    assert loaded.analysis.findings == judged.analysis.findings
