"""Shared fixtures of the service tests: the GitHub emulator, an App key, a signed-delivery
helper, and a running `aria serve` app on a real port."""

from __future__ import annotations

import sys
from pathlib import Path

# The emulator package lives in tests/ (shared with tests/github); pytest puts only this
# directory on sys.path.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from emulator.pytest_fixtures import *  # noqa: E402,F403
