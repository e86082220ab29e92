"""Scheduled organisation audits: cron matching, no slot skipped or started twice."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from bot.orgaudit.schedule import Scheduler, matches
from bot.orgaudit.settings import ScheduleSettings
from bot.orgaudit.store import AuditStore
from bot.state.db import make_engine, migrate


def test_cron_fields_match_minute_hour_and_weekday() -> None:
    monday_3am = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)
    assert matches("0 3 * * *", monday_3am)
    assert not matches("0 3 * * *", monday_3am.replace(minute=1))
    assert matches("*/15 3 * * 1-5", monday_3am.replace(minute=45))
    assert not matches("0 3 * * 0", monday_3am)  # Sundays only


def test_a_late_tick_still_starts_the_slot_it_passed_once() -> None:
    now = [datetime(2026, 11, 30, 2, 58, 30, tzinfo=UTC).timestamp()]
    started: list[tuple[str, datetime]] = []
    scheduler = Scheduler({"acme": "0 3 * * *"}, lambda org, slot: started.append(
        (org, slot)) or len(started), clock=lambda: now[0])
    assert scheduler.tick() == []
    now[0] += 4 * 60  # the worker was busy for four minutes
    assert scheduler.tick() == [1]
    assert scheduler.tick() == []
    assert started == [("acme", datetime(2026, 11, 30, 3, 0, tzinfo=UTC))]


def test_one_scheduled_slot_is_started_by_one_worker_only(tmp_path) -> None:
    store = AuditStore(make_engine(f"sqlite:///{tmp_path / 'a.db'}"))
    migrate(store.engine)
    slot = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)
    assert store.start_run("acme", 3, slot) is not None
    assert store.start_run("acme", 3, slot) is None
    assert store.start_run("acme", 3) is not None and store.start_run("acme", 3) is not None


def test_schedules_are_validated_from_json() -> None:
    assert ScheduleSettings(audit_schedules='{"acme": "0 3 * * *"}').audit_schedules == {
        "acme": "0 3 * * *"}
    with pytest.raises(ValidationError, match="5 cron fields"):
        ScheduleSettings(audit_schedules='{"acme": "nightly"}')
