"""Tables of the scale-out tier: dead letters, shared rate-limit budgets, organisation audits
with their findings over time, and probe results (migration 0002).

They share `Base` with the App's tables so one Alembic history and one database hold both.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.state.models import Base


class DeadLetter(Base):
    """A job that exhausted its retries (or can never succeed), with the last error."""

    __tablename__ = "dead_letters"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id"), nullable=True, unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    error: Mapped[str] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class RateBudget(Base):
    """The GitHub rate limit an installation had left when a worker last looked."""

    __tablename__ = "rate_budgets"

    installation_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    remaining: Mapped[int] = mapped_column(Integer)
    limit: Mapped[int] = mapped_column(Integer)
    reset_at: Mapped[float] = mapped_column(Float)  # epoch seconds, as GitHub sends it
    observed_at: Mapped[float] = mapped_column(Float)


class AuditRun(Base):
    __tablename__ = "audit_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(16))  # running, done
    repos_total: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # The cron slot a scheduled run fills; UNIQUE per org, so of many workers one starts it.
    # NULL for runs started by hand (NULLs never collide).
    scheduled_for: Mapped[datetime | None] = mapped_column(DateTime(timezone=True),
                                                           nullable=True)

    __table_args__ = (Index("ix_audit_runs_org_id", "org", "id"),
                      UniqueConstraint("org", "scheduled_for", name="uq_audit_runs_slot"))


class AuditResult(Base):
    """One repository's findings in one audit run (the raw material of trends)."""

    __tablename__ = "audit_results"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("audit_runs.id"))
    repo: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16))  # done, failed
    head_sha: Mapped[str | None] = mapped_column(String(64), nullable=True)
    files: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    findings: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)

    __table_args__ = (UniqueConstraint("run_id", "repo", name="uq_audit_results_run_repo"),)


class ProbeResult(Base):
    """A latency measurement, kept so a regression is judged against history."""

    __tablename__ = "probe_results"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    repo: Mapped[str] = mapped_column(String(200))
    model: Mapped[str] = mapped_column(String(200))
    config_digest: Mapped[str] = mapped_column(String(64))
    p50_ms: Mapped[float] = mapped_column(Float)
    p99_ms: Mapped[float] = mapped_column(Float)
    throughput: Mapped[float | None] = mapped_column(Float, nullable=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    measured_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                  server_default=func.now())

    __table_args__ = (Index("ix_probe_results_repo_model", "repo", "model", "id"),)
