"""Bench: what parsing in supervised worker processes (adr/0008) adds to a small review.

    pytest bench --benchmark-only -k isolation

Every reviewable file of the example change's head (Kubernetes YAML, Terraform, Triton) is
parsed three ways: in this process (`parse_file` in a loop), on a cold pool (a new
`ParserPool`, its worker forked for the batch, as in a one-shot `aria review`), and on a warm
pool (workers kept from the previous batch, as in `aria serve`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from harness import ROOT

from bot.ingest.files import DEFAULT_MAX_FILE_BYTES, FileKind, classify
from bot.ingest.isolation import Job, ParserPool
from bot.ingest.loader import parse_file, warm_parsers
from bot.ingest.source import DirectorySource

TREE = ROOT / "examples" / "gpu-serving" / "head"


@pytest.fixture(scope="module")
def jobs() -> list[Job]:
    out: list[Job] = []
    for item in DirectorySource(TREE).files():
        kind = classify(item.path)
        if kind in (FileKind.yaml, FileKind.terraform, FileKind.triton):
            out.append((item.path, kind, item.read(), DEFAULT_MAX_FILE_BYTES))
    warm_parsers({job[1] for job in out})
    return out


@pytest.fixture(scope="module")
def warm_pool(jobs: list[Job]) -> Iterator[ParserPool]:
    pool = ParserPool(parse_file)
    pool.parse(jobs, 1)
    yield pool
    pool.close()


def _cold(jobs: list[Job]) -> list:
    pool = ParserPool(parse_file)
    try:
        return pool.parse(jobs, 1)
    finally:
        pool.close()


WAYS: dict[str, Callable[[list[Job], ParserPool], list]] = {
    "in-process": lambda jobs, _pool: [parse_file(*job) for job in jobs],
    "cold-pool": lambda jobs, _pool: _cold(jobs),
    "warm-pool": lambda jobs, pool: pool.parse(jobs, 1),
}


@pytest.mark.parametrize("way", list(WAYS))
def test_parse_the_example_head(benchmark, jobs, warm_pool, way):
    results = benchmark(WAYS[way], jobs, warm_pool)
    assert len(results) == len(jobs) and not any(r.problems for r in results)
    benchmark.extra_info.update(files=len(jobs), bytes=sum(len(j[2]) for j in jobs))
