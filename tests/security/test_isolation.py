"""Untrusted bytes are parsed where a crash costs one file, never the process (issue 10, item 1).

The crash here is real: ruamel.yaml.clib's C composer, which Aria used before, overflows the C
stack on a flow list nested 30,000 deep and the process dies with SIGSEGV. Run in a parser
worker, it costs that one file; the other files of the batch are read, and the pool carries
on with a fresh worker.
"""

from __future__ import annotations

import multiprocessing.util
import threading
import time

import pytest

from bot.ingest.files import FileKind
from bot.ingest.isolation import ParserPool, WorkerLimits
from bot.ingest.loader import load_inventory
from bot.ingest.source import MemorySource
from tests.security import parsers

DEEP = ("a: " + "[" * 30_000 + "]" * 30_000 + "\n").encode()
DEPLOY = b"""apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
"""
MAX = 1_000_000


def _job(path: str, data: bytes = b"", kind: FileKind = FileKind.yaml):
    return (path, kind, data, MAX)


def _reasons(results) -> list[str]:
    return [p.reason for r in results for p in r.problems]


@pytest.fixture
def crash_pool():
    pool = ParserPool(parsers.with_ruamel_c_composer)
    yield pool
    pool.close()


def test_a_file_that_kills_its_parser_costs_only_that_file(crash_pool):
    pytest.importorskip("_ruamel_yaml", reason="ruamel.yaml.clib (the crashing C composer)")
    results = crash_pool.parse([_job("a.yaml", DEPLOY), _job("crash.yaml", DEEP),
                                _job("b.yaml", DEPLOY.replace(b"web", b"api"))], width=2)
    assert [d.name for d in results[0].documents] == ["web"], results[0].problems
    assert [d.name for d in results[2].documents] == ["api"]
    (problem,) = results[1].problems
    assert problem.path == "crash.yaml"
    assert "crashed the parser" in problem.reason and "SIGSEGV" in problem.reason
    # the pool replaced its worker: the next batch is read, the crash again costs one file
    again = crash_pool.parse([_job("crash.yaml", DEEP), _job("c.yaml", DEPLOY)], width=1)
    assert "SIGSEGV" in _reasons(again)[0] and [d.name for d in again[1].documents] == ["web"]


def test_worker_limits_each_cost_one_file():
    limits = WorkerLimits(cpu_seconds=1, wall_seconds=120, memory_bytes=256 << 20)
    pool = ParserPool(parsers.misbehaving, limits)
    hang_pool = ParserPool(parsers.misbehaving, WorkerLimits(wall_seconds=2))
    try:
        results = pool.parse([_job("spin"), _job("hoard"), _job("ok.yaml", DEPLOY)], width=3)
        (hang,) = hang_pool.parse([_job("hang")], width=1)
    finally:
        pool.close()
        hang_pool.close()
    spin, hoard, ok = (r.problems[0].reason if r.problems else None for r in results)
    assert spin == "parsing it took more than 1 s of CPU"
    assert hoard == "parsing it needed more than 256 MiB of memory"
    assert _reasons([hang]) == ["parsing it took longer than 2 s"]
    assert ok is None and [d.name for d in results[2].documents] == ["web"]
    assert {p.kind for r in [*results[:2], hang] for p in r.problems} == {"too-large"}


def test_workers_stay_warm_between_batches_and_retire_when_grown():
    warm = ParserPool(parsers.misbehaving)
    retiring = ParserPool(parsers.misbehaving, WorkerLimits(retire_after_growth_bytes=0))
    try:
        first, second = (_reasons(warm.parse([_job("pid")], width=1)) for _ in range(2))
        assert first == second  # one worker served both batches
        once, twice = (_reasons(retiring.parse([_job("pid")], width=1)) for _ in range(2))
        assert once != twice  # a grown worker hands its memory back and a new one starts
    finally:
        warm.close()
        retiring.close()


def test_a_threaded_process_forks_workers_from_a_clean_fork_server():
    """`aria serve` runs threads; forking it could copy a lock another thread holds."""
    pytest.importorskip("_ruamel_yaml", reason="ruamel.yaml.clib (the crashing C composer)")
    pool = ParserPool(parsers.with_ruamel_c_composer)
    pool.parse([_job("a.yaml", DEPLOY)], width=1)  # a worker forked while single-threaded
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait, daemon=True)
    thread.start()
    try:
        results = pool.parse([_job("crash.yaml", DEEP), _job("b.yaml", DEPLOY)], width=2)
        methods = sorted(worker.start_method for worker in pool._idle)
    finally:
        stop.set()
        pool.close()
    # the single-threaded worker took the crashing file; the one started beside it, once a
    # thread ran, came from the fork server
    assert methods == ["forkserver"]
    assert "SIGSEGV" in _reasons(results)[0] and results[1].documents


class _BrokerConnection:
    """Stands for a kombu connection pool: kombu registers an after-fork hook that, in a forked
    child, reads from the Redis socket the parent still owns, and blocks."""


def _blocks_forever(_: object) -> None:
    time.sleep(3600)


def test_a_process_with_after_fork_hooks_forks_workers_from_a_clean_fork_server():
    """A Celery worker (or a test session) that has talked to the broker carries kombu's
    after-fork hook; a worker forked from it would run the hook and hang, and every file would
    "take longer than" the wall limit."""
    connection = _BrokerConnection()
    multiprocessing.util.register_after_fork(connection, _blocks_forever)
    pool = ParserPool(parsers.with_ruamel_c_composer, WorkerLimits(wall_seconds=20.0))
    try:
        results = pool.parse([_job("a.yaml", DEPLOY)], width=1)
        methods = [worker.start_method for worker in pool._idle]
    finally:
        pool.close()
        del connection  # its registry entry goes with it
    assert [d.name for d in results[0].documents] == ["web"], results[0].problems
    assert methods == ["forkserver"]


def test_the_issue_file_is_one_finding_and_the_rest_of_the_tree_is_reviewed():
    inventory = load_inventory(MemorySource({"deep.yaml": DEEP, "app.yaml": DEPLOY}))
    assert [(p.path, p.reason) for p in inventory.problems] == [
        ("deep.yaml", "nesting deeper than 200 levels")]
    assert [d.name for d in inventory.documents] == ["web"]


def test_parsing_stays_in_process_where_no_worker_can_start(monkeypatch):
    """A sandbox that forbids new processes still gets its files read (bounded by the
    scanner and the loader's own limits), with a warning in the log."""
    class NoProcesses:
        def parse(self, *args, **kwargs):
            raise ChildProcessError("parser workers die before any work")

    import bot.ingest.loader as loader
    monkeypatch.setattr(loader, "_parser_pool", NoProcesses)
    inventory = load_inventory(MemorySource({"deep.yaml": DEEP, "app.yaml": DEPLOY}))
    assert [d.name for d in inventory.documents] == ["web"]
    assert [p.path for p in inventory.problems] == ["deep.yaml"]
