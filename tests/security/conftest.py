"""Fixtures for the hostile-input tests: a real `kubectl`, when present."""

from __future__ import annotations

import shutil

import pytest


@pytest.fixture(scope="session")
def kubectl() -> str | None:
    """The `kubectl` on PATH, which reads YAML exactly as the cluster's clients do, or None."""
    return shutil.which("kubectl")
