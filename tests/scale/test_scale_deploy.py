"""Aria passes its own review: the deployment manifests have no finding at warning or above."""

from __future__ import annotations

from pathlib import Path

from bot.cli import main

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def test_aria_audit_of_its_own_deployment_passes_at_warning(tmp_path) -> None:
    assert main(["audit", str(DEPLOY), "--fail-on", "warning",
                 "--output", str(tmp_path / "report.md")]) == 0
