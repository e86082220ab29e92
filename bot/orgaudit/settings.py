"""Scheduled organisation audits (`ARIA_AUDIT_SCHEDULES`), run by the workers."""

from __future__ import annotations

import json

from pydantic import Field, field_validator

from bot.settings import AriaSettings


class ScheduleSettings(AriaSettings):
    audit_schedules: dict[str, str] = Field(
        default_factory=dict,
        description='organisation audits on a cron schedule, JSON: {"ORG": "0 3 * * *"}')

    @field_validator("audit_schedules", mode="before")
    @classmethod
    def _json_text(cls, value: object) -> object:
        # A flag gives the same JSON text as the environment variable.
        return json.loads(value) if isinstance(value, str) else value

    @field_validator("audit_schedules")
    @classmethod
    def _cron_fields(cls, schedules: dict[str, str]) -> dict[str, str]:
        for org, cron in schedules.items():
            if len(cron.split()) != 5:
                raise ValueError(f"schedule of {org!r} needs 5 cron fields, got {cron!r}")
        return schedules
