"""Fixtures for the hostile-input tests: a real `kubectl`, when present; the GitHub emulator
and an App key (shared with tests/service) for the end-to-end pull request."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

# The emulator package lives in tests/; pytest puts only this directory on sys.path.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from emulator.pytest_fixtures import emulator, rsa_pem  # noqa: E402,F401


@pytest.fixture(scope="session")
def kubectl() -> str | None:
    """The `kubectl` on PATH, which reads YAML exactly as the cluster's clients do, or None."""
    return shutil.which("kubectl")
