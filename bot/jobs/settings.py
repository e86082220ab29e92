"""Settings of the job runtime, read from the environment (prefix `ARIA_`) or a command's flags.

No broker URL means the embedded default: one process, in-process worker threads, SQLite.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field, field_validator, model_validator

from bot.settings import AriaSettings, default_state_dir

# Renamed settings: a deployment that still sets the old name is told, not silently ignored.
RENAMED = {"ARIA_WORKER_LEASE_SECONDS": "ARIA_JOB_LEASE_SECONDS"}


class JobSettings(AriaSettings):
    """Where jobs are stored, how they are leased and retried, and which mode runs them."""

    state_dir: Path = Field(default_factory=default_state_dir, description="state directory")
    database_url: str | None = Field(
        None, description="SQLAlchemy URL; default sqlite:///<state dir>/aria.db")
    # 60 s: within what the worker's liveness probe gives a starting pod (30 s, then 3 × 20 s;
    # deploy/base/worker.yaml), so a process that gives up says why before it is restarted.
    database_wait_seconds: float = Field(
        60.0, ge=0, description="at start, how long to wait for a database server that does "
                                "not answer yet (starting, restarting)")
    workers: int = Field(2, ge=1, le=64, description="in-process worker threads (no broker)")
    job_lease_seconds: float = Field(
        600.0, gt=0, description="a job whose worker stops renewing its lease runs again after")
    job_max_attempts: int = Field(5, ge=1, description="attempts before a job is given up")
    retry_base_seconds: float = Field(
        5.0, gt=0, description="first retry delay of a failed job; doubles per attempt")
    broker_url: str | None = Field(
        None, description="Celery broker: redis://HOST:6379/0 (default choice) or amqp://…; "
                          "unset runs the embedded worker")
    queue_shards: int = Field(
        8, ge=1, le=256, description="queues installations are hashed over (fairness)")
    sweep_interval: float = Field(
        15.0, gt=0, description="seconds between re-publishing lost or stale jobs (broker)")
    stale_after: float = Field(
        300.0, gt=0, description="a queued job older than this is published again (broker)")
    visibility_timeout: int = Field(
        3600, gt=0, description="Redis broker: an unacknowledged message returns after this")

    @model_validator(mode="before")
    @classmethod
    def _no_renamed_settings(cls, data: object) -> object:
        for old, new in RENAMED.items():
            if os.environ.get(old):
                raise ValueError(f"{old} was renamed {new}")
        return data

    @model_validator(mode="after")
    def _default_database(self) -> JobSettings:
        if self.database_url is None:
            self.database_url = f"sqlite:///{self.state_dir / 'aria.db'}"
        return self

    @field_validator("broker_url")
    @classmethod
    def _known_scheme(cls, url: str | None) -> str | None:
        if not url:
            return None
        if not url.startswith(("redis://", "rediss://", "amqp://", "amqps://", "pyamqp://")):
            raise ValueError("ARIA_BROKER_URL must be a redis:// or amqp:// URL")
        return url

    @property
    def database(self) -> str:
        assert self.database_url is not None  # filled in by the validator
        return self.database_url
