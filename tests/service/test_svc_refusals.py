"""`/aria` refusals are remembered per user and pull request for a window (real SQLite)."""

from __future__ import annotations

from pathlib import Path

from bot.state.db import make_engine, migrate
from bot.state.refusals import CommandRefusals
from tests.service.test_svc_queue import Clock


def test_one_refusal_per_user_and_pull_request_per_window(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'r.db'}")
    migrate(engine)
    clock = Clock()
    refusals = CommandRefusals(engine, window=3600, clock=clock)
    assert refusals.first_in_window("o/r", 1, "drive-by") is True
    assert refusals.first_in_window("o/r", 1, "drive-by") is False
    clock.now += 3599
    assert refusals.first_in_window("o/r", 1, "drive-by") is False
    # another user, another pull request, another repository: each told once
    assert refusals.first_in_window("o/r", 1, "other") is True
    assert refusals.first_in_window("o/r", 2, "drive-by") is True
    assert refusals.first_in_window("o/x", 1, "drive-by") is True
    clock.now += 1  # the window from the first refusal has passed
    assert refusals.first_in_window("o/r", 1, "drive-by") is True
    assert refusals.first_in_window("o/r", 1, "drive-by") is False
