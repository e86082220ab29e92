"""Shared test helpers: review real manifests held in memory or in temp dirs."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from bot.config import load_config_bytes
from bot.engine import audit
from bot.findings import Finding
from bot.ingest.source import MemorySource

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED = REPO_ROOT.parent / "shared"


def findings_for(files: dict[str, str], config: str | None = None,
                 rule: str | None = None) -> list[Finding]:
    """Audit the given files (path -> text, dedented) and return active findings."""
    blobs = {p: textwrap.dedent(t).encode() for p, t in files.items()}
    cfg = load_config_bytes(textwrap.dedent(config)) if config is not None else None
    decision = audit(MemorySource(blobs), cfg)
    found = [f for f in decision.findings if f.suppressed is None]
    return [f for f in found if f.rule_id == rule] if rule else found


@pytest.fixture
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.skip(f"shared reference material not found at {SHARED}")
    return SHARED
