"""The content-addressed parse cache: a cached parse is the fresh parse, exactly (values, lines,
problems), entries are shared across processes by content, bounded by size, and never read from
a folder someone else can write."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bot.engine import audit
from bot.ingest.cache import ContentCache, content_id, entry_key, use_cache
from bot.ingest.files import DEFAULT_MAX_FILE_BYTES, FileKind, chart_dirs_of, classify
from bot.ingest.loader import load_inventory, parse_file
from bot.ingest.source import DirectorySource
from tests.conftest import REPO_ROOT

FIXTURE_FILES = sorted(
    p for folder in ("tests/fixtures/repos", "tests/scenarios")
    for p in (REPO_ROOT / folder).rglob("*")
    if p.is_file() and classify(p.name) in (FileKind.yaml, FileKind.terraform, FileKind.triton))


def canonical(value: Any) -> Any:
    """Everything a parse result holds, lines and slots included, as plain comparable data."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return (type(value).__name__,
                tuple((f.name, canonical(getattr(value, f.name)))
                      for f in dataclasses.fields(value)))
    slots = tuple((s, canonical(getattr(value, s, None)))
                  for s in getattr(type(value), "__slots__", ()))
    if isinstance(value, dict):  # as dicts compare: a protobuf map's order varies by process
        return ("dict", type(value).__name__, slots,
                tuple(sorted(((canonical(k), canonical(v)) for k, v in value.items()),
                             key=repr)))
    if isinstance(value, list | tuple):
        return (type(value).__name__, slots, tuple(canonical(v) for v in value))
    return (type(value).__name__, value)


@pytest.fixture
def cache_dir(tmp_path: Path):
    folder = tmp_path / "cache"
    use_cache(ContentCache(folder, 64 << 20))
    yield folder
    use_cache(None)


def test_fixtures_parse_the_same_from_the_disk_cache_as_fresh(tmp_path):
    assert len(FIXTURE_FILES) > 500
    writer = ContentCache(tmp_path / "c", 256 << 20)
    fresh = {}
    for path in FIXTURE_FILES:
        rel = path.relative_to(REPO_ROOT).as_posix()
        data = path.read_bytes()
        result = parse_file(rel, classify(rel), data, DEFAULT_MAX_FILE_BYTES)
        fresh[rel] = canonical(result)
        writer.put(entry_key("parse", rel, content_id(data)), result)
    reader = ContentCache(tmp_path / "c", 256 << 20)  # another process: nothing in memory
    documents = 0
    for rel, expected in fresh.items():
        data = (REPO_ROOT / rel).read_bytes()
        cached = reader.get(entry_key("parse", rel, content_id(data)))
        assert cached is not None, rel
        assert canonical(cached) == expected, rel
        documents += len(cached.documents)
    assert documents > 500


def test_a_second_audit_reads_every_file_from_the_cache_and_decides_the_same(cache_dir):
    tree = DirectorySource(REPO_ROOT / "tests" / "fixtures" / "repos" / "llm-serving")
    first = audit(tree)
    entries = {p.name for p in cache_dir.glob("*/*")}
    assert len(entries) >= first.files_reviewed  # parses, and the overlay renders
    use_cache(ContentCache(cache_dir, 64 << 20))  # a new process: only the disk is shared
    again = audit(tree)
    assert {p.name for p in cache_dir.glob("*/*")} == entries  # nothing parsed anew
    assert [f.model_dump() for f in again.findings] == [f.model_dump() for f in first.findings]


def test_entries_written_from_the_parser_workers_read_back_as_the_fresh_parse(cache_dir):
    """The worker's own pickle is what the cache stores: read by another process, each entry is
    the file's parse in this process, value for value."""
    tree = REPO_ROOT / "tests" / "scenarios"
    load_inventory(DirectorySource(tree))
    reader = ContentCache(cache_dir, 64 << 20)  # another process: nothing in memory
    files = {p.relative_to(tree).as_posix(): p for p in tree.rglob("*") if p.is_file()}
    charts = chart_dirs_of(list(files))
    checked = 0
    for rel, path in sorted(files.items()):
        kind = classify(rel, charts)
        if kind not in (FileKind.yaml, FileKind.terraform, FileKind.triton):
            continue
        data = path.read_bytes()
        cached = reader.get(entry_key("parse", rel, kind, DEFAULT_MAX_FILE_BYTES,
                                      content_id(data)))
        assert cached is not None, rel
        assert canonical(cached) == canonical(parse_file(rel, kind, data,
                                                         DEFAULT_MAX_FILE_BYTES)), rel
        checked += 1
    assert checked > 500


def test_the_cache_is_bounded_by_size_evicting_least_recently_used(tmp_path):
    writer = ContentCache(tmp_path / "c", 1 << 30)
    keys = [entry_key("parse", "f", i) for i in range(12)]
    for i, key in enumerate(keys):
        writer.put(key, b"x" * 5_000)
        os.utime(writer._path(key), (1_000_000 + i, 1_000_000 + i))
    bounded = ContentCache(tmp_path / "c", 40_000)
    assert bounded.get(keys[0]) == b"x" * 5_000  # the oldest entry, used now
    bounded.trim()
    on_disk = {p.name for p in (tmp_path / "c").glob("*/*")}
    assert sum(p.stat().st_size for p in (tmp_path / "c").glob("*/*")) <= 40_000
    assert keys[0] in on_disk and keys[-1] in on_disk
    assert keys[1] not in on_disk and keys[2] not in on_disk


def test_writing_past_the_bound_evicts_as_it_goes(tmp_path):
    cache = ContentCache(tmp_path / "c", 50_000)
    for i in range(40):
        cache.put(entry_key("parse", "f", i), b"x" * 5_000)
    assert sum(p.stat().st_size for p in (tmp_path / "c").glob("*/*")) <= 50_000 + 5_100


def test_damaged_entries_are_misses_and_go(tmp_path):
    cache = ContentCache(tmp_path / "c", 1 << 20)
    key = entry_key("parse", "a.yaml", "x")
    cache.put(key, {"fine": True})
    cache._path(key).write_bytes(b"\x80\x05not a pickle")
    assert ContentCache(tmp_path / "c", 1 << 20).get(key) is None
    assert not cache._path(key).exists()


def test_a_folder_others_can_write_is_never_read(tmp_path):
    folder = tmp_path / "shared"
    folder.mkdir()
    ContentCache(folder, 1 << 20).put(entry_key("parse", "a", "b"), 1)
    folder.chmod(0o777)
    cache = ContentCache(folder, 1 << 20)
    assert cache.folder is None
    assert cache.get(entry_key("parse", "a", "b")) is None


def test_concurrent_writers_leave_whole_entries(tmp_path):
    """Four processes write the same keys at once: every entry reads back whole."""
    script = ("import sys; from bot.ingest.cache import ContentCache, entry_key\n"
              "c = ContentCache(__import__('pathlib').Path(sys.argv[1]), 1 << 30)\n"
              "for i in range(200): c.put(entry_key('parse', i), list(range(i * 50)))\n")
    procs = [subprocess.Popen([sys.executable, "-c", script, str(tmp_path / "c")],
                              cwd=REPO_ROOT) for _ in range(4)]
    assert all(p.wait(timeout=120) == 0 for p in procs)
    reader = ContentCache(tmp_path / "c", 1 << 30)
    assert all(reader.get(entry_key("parse", i)) == list(range(i * 50)) for i in range(200))
    assert not list((tmp_path / "c").glob("*/.tmp-*"))


def test_a_new_parser_never_reads_an_old_entry(monkeypatch):
    from bot.ingest import cache
    before = entry_key("parse", "a.yaml", "sha")
    monkeypatch.setattr(cache, "fingerprint", lambda: "another parser")
    assert entry_key("parse", "a.yaml", "sha") != before


def _rules_in_a_new_process(cache_dir: Path) -> Any:
    code = ("import json; from bot.catalog import load_advice, load_catalog; print(json.dumps("
            "[[r.model_dump(mode='json') for r in load_catalog()], "
            "load_advice().model_dump(mode='json')]))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, timeout=120,
                          env={**os.environ, "ARIA_PARSE_CACHE_DIR": str(cache_dir)})
    return json.loads(proc.stdout)


def test_the_rule_packs_are_validated_once_and_read_back_the_same(tmp_path):
    """A command validates the rule packs once; the next process reads the same catalog and
    general advice from the cache, rule for rule, instead of validating them again."""
    folder = tmp_path / "cache"
    first = _rules_in_a_new_process(folder)
    entries = {p: p.stat().st_ino for p in folder.glob("*/*")}
    assert len(entries) == 2 and len(first[0]) > 50  # the catalog and the general advice
    assert _rules_in_a_new_process(folder) == first
    assert {p: p.stat().st_ino for p in folder.glob("*/*")} == entries  # read, not written


def test_content_ids_are_git_blob_shas(tmp_path):
    (tmp_path / "f.yaml").write_bytes(b"kind: x\n")
    sha = subprocess.run(["git", "hash-object", str(tmp_path / "f.yaml")], capture_output=True,
                         text=True, check=True).stdout.strip()
    assert content_id(b"kind: x\n") == sha
