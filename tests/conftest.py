"""Shared test helpers: review real manifests held in memory or in temp dirs."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import textwrap
from pathlib import Path

import pytest

from bot.config import load_config_bytes
from bot.engine import audit, review
from bot.findings import Finding
from bot.ingest.source import MemorySource
from tests.shared_corpus import find_corpus

REPO_ROOT = Path(__file__).resolve().parents[1]
FIXTURES = REPO_ROOT / "tests" / "fixtures"


CORPUS = find_corpus()
# The parse cache of a test run is its own: never the user's, never a previous run's.
if "ARIA_PARSE_CACHE_DIR" not in os.environ:
    os.environ["ARIA_PARSE_CACHE_DIR"] = tempfile.mkdtemp(prefix="aria-test-cache-")
    atexit.register(shutil.rmtree, os.environ["ARIA_PARSE_CACHE_DIR"], ignore_errors=True)


def findings_for(files: dict[str, str], config: str | None = None,
                 rule: str | None = None) -> list[Finding]:
    """Audit the given files (path -> text, dedented) and return active findings."""
    blobs = {p: textwrap.dedent(t).encode() for p, t in files.items()}
    cfg = load_config_bytes(textwrap.dedent(config)) if config is not None else None
    decision = audit(MemorySource(blobs), cfg)
    found = [f for f in decision.findings if f.suppressed is None]
    return [f for f in found if f.rule_id == rule] if rule else found


def review_of(base: dict[str, str], head: dict[str, str], config: str | None = None,
              rule: str | None = None) -> list[Finding]:
    """Review the change from `base` to `head` files (path -> text, dedented): every finding
    with its status (new, unchanged, fixed, superseded)."""
    def source(files: dict[str, str]) -> MemorySource:
        return MemorySource({p: textwrap.dedent(t).encode() for p, t in files.items()})

    cfg = load_config_bytes(textwrap.dedent(config)) if config is not None else None
    found = [f for f in review(source(base), source(head), cfg).findings if f.suppressed is None]
    return [f for f in found if f.rule_id == rule] if rule else found


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("corpus") and CORPUS is None:
        pytest.skip("no shared/corpus beside the repository or its parents (ARIA_SHARED_DIR): "
                    "the sweep over real third-party files did not run")


@pytest.fixture
def corpus_dir(request: pytest.FixtureRequest) -> Path:
    """The shared corpus of real public manifests; only `corpus`-marked tests may read it."""
    assert request.node.get_closest_marker("corpus"), "tests that read the corpus are marked so"
    assert CORPUS is not None
    return CORPUS
