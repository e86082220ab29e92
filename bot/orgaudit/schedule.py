"""Scheduled organisation audits: cron expressions per organisation (`ARIA_AUDIT_SCHEDULES`).

Every worker checks the schedules; the UNIQUE (org, slot) of the audit run lets one of them start
each slot. Minutes since the last check are all looked at, so a late check skips no slot.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from celery.schedules import crontab

# (org, slot) -> run id or None; `fan_out` with the rest of its arguments bound.
StartRun = Callable[[str, datetime], int | None]


def matches(cron: str, at: datetime) -> bool:
    minute, hour, day, month, weekday = cron.split()
    # Celery's parser gives each field as a set of numbers (weekday 0 = Sunday).
    c = crontab(minute=minute, hour=hour, day_of_month=day, month_of_year=month,
                day_of_week=weekday)
    return (at.minute in c.minute and at.hour in c.hour and at.day in c.day_of_month
            and at.month in c.month_of_year and at.isoweekday() % 7 in c.day_of_week)


class Scheduler:
    def __init__(self, schedules: dict[str, str], start: StartRun,
                 clock: Callable[[], float] = time.time) -> None:
        for cron in schedules.values():
            matches(cron, datetime.now(UTC))  # a bad expression fails at start-up
        self.schedules = schedules
        self.start = start
        self.clock = clock
        self._checked = self._minute(clock()) - timedelta(minutes=1)

    @staticmethod
    def _minute(epoch: float) -> datetime:
        return datetime.fromtimestamp(epoch, UTC).replace(second=0, microsecond=0)

    def tick(self) -> list[int]:
        """Start the runs due since the last tick; the ids of those this worker started."""
        now = self._minute(self.clock())
        started: list[int] = []
        slot = self._checked + timedelta(minutes=1)
        while slot <= now:
            for org, cron in sorted(self.schedules.items()):
                if matches(cron, slot):
                    run_id = self.start(org, slot)
                    if run_id is not None:
                        started.append(run_id)
            self._checked = slot
            slot += timedelta(minutes=1)
        return started
