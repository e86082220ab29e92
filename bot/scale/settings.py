"""Scale-out knobs, read from the environment (prefix `ARIA_`) or `aria worker` flags.

No broker URL means the embedded default: one process, in-process worker threads.
"""

from __future__ import annotations

import json

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class ScaleOptions(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ARIA_", extra="ignore")

    broker_url: str | None = Field(
        None, description="Celery broker: redis://HOST:6379/0 (default choice) or amqp://…; "
                          "unset runs the embedded worker")
    queue_shards: int = Field(
        8, ge=1, le=256, description="queues installations are hashed over (fairness)")
    worker_lease_seconds: float = Field(
        60.0, gt=0, description="a job whose worker stops renewing its lease runs again after")
    retry_base_seconds: float = Field(
        5.0, gt=0, description="first retry delay of a failed job; doubles per attempt")
    sweep_interval: float = Field(
        15.0, gt=0, description="seconds between re-publishing lost or stale jobs")
    stale_after: float = Field(
        300.0, gt=0, description="a queued job older than this is published again")
    visibility_timeout: int = Field(
        3600, gt=0, description="Redis broker: an unacknowledged message returns after this")
    rate_limit_reserve: int = Field(
        100, ge=0, description="GitHub requests kept in reserve per installation; "
                               "below it every worker waits for the reset")
    heartbeat_file: str | None = Field(
        None, description="a worker touches this file while it runs (liveness probe)")
    audit_schedules: dict[str, str] = Field(
        default_factory=dict,
        description='organisation audits on a cron schedule, JSON: {"ORG": "0 3 * * *"}')

    @field_validator("broker_url")
    @classmethod
    def _known_scheme(cls, url: str | None) -> str | None:
        if not url:
            return None
        if not url.startswith(("redis://", "rediss://", "amqp://", "amqps://", "pyamqp://")):
            raise ValueError("ARIA_BROKER_URL must be a redis:// or amqp:// URL")
        return url

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
