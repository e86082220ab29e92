"""Fixtures for the hostile-input tests: the real corpus and a real `kubectl`, when present."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import SHARED


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    """../shared/corpus (or $ARIA_CORPUS): real public manifests, for tests marked `corpus`."""
    path = Path(os.environ.get("ARIA_CORPUS") or SHARED / "corpus")
    if not path.is_dir():
        pytest.skip(f"corpus not found at {path} (set ARIA_CORPUS to point at it)")
    return path


@pytest.fixture(scope="session")
def kubectl() -> str | None:
    """The `kubectl` on PATH, which reads YAML exactly as the cluster's clients do, or None."""
    return shutil.which("kubectl")
