"""The benchmark suite: `pytest bench --benchmark-only` (see README, "Benchmarks").

The project's `addopts` disable pytest-benchmark for `tests/` (a test that uses the fixture runs
its body once); collecting `bench/` turns it back on, and a `--benchmark-only` run saves its
figures as JSON under `.benchmarks/` (gitignored) so the next run can `--benchmark-compare`.
Long end-to-end benches (checkov, webhook load, scale-out, org audit, probe fidelity) carry the
`long` marker, which `addopts` deselects: run them with `-m long`.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from pytest_benchmark.utils import get_tag

ROOT = Path(__file__).resolve().parents[1]
# `tests` (the GitHub emulator, fixtures, the corpus finder) and the project itself.
for path in (ROOT / "tests", ROOT):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))


def pytest_configure(config: pytest.Config) -> None:
    config.option.benchmark_enable = True
    if config.option.benchmark_storage == "file://./.benchmarks":  # the plugin's default
        config.option.benchmark_storage = f"file://{ROOT / '.benchmarks'}"
    if config.option.benchmark_only and not config.option.benchmark_save:
        config.option.benchmark_autosave = get_tag()  # what --benchmark-autosave stores
