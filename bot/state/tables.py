"""Every table of Aria's state, in one Alembic history. Portable SQL: SQLite by default,
PostgreSQL when scaled out.

The App's deliveries, jobs and reviews (migration 0001); dead letters, shared rate-limit
budgets, organisation audits with their findings over time, and probe results (migration 0002);
workers lost per job and `/aria` refusals (migration 0003).

Scheduling times (`run_after`, `lease_until`) are epoch seconds as floats, so that claiming a job
compares plain numbers on every backend; the audit columns are timestamps for people.
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
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class JobStatus:
    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"
    cancelled = "cancelled"


class Job(Base):
    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    # Jobs sharing a key (one pull request) never run at the same time.
    concurrency_key: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(16), default=JobStatus.queued)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=5)
    # Workers that died (lease lapsed) while running it: a job that kills workers is given up.
    lost_workers: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    run_after: Mapped[float] = mapped_column(Float)
    lease_until: Mapped[float | None] = mapped_column(Float, nullable=True)
    worker_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    __table_args__ = (
        Index("ix_jobs_status_id", "status", "id"),
        Index("ix_jobs_concurrency_key", "concurrency_key"),
    )


class Delivery(Base):
    """One accepted webhook delivery; the UNIQUE id makes acceptance exactly-once."""

    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    delivery_id: Mapped[str] = mapped_column(String(100), unique=True)
    event: Mapped[str] = mapped_column(String(64))
    action: Mapped[str | None] = mapped_column(String(64), nullable=True)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id"), nullable=True)
    received_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class Review(Base):
    """What Aria last posted on a pull request."""

    __tablename__ = "reviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    repo: Mapped[str] = mapped_column(String(200))
    pr_number: Mapped[int] = mapped_column(Integer)
    head_sha: Mapped[str] = mapped_column(String(64))
    comment_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    check_run_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    findings_fingerprint: Mapped[str] = mapped_column(String(64))
    # Fingerprints of findings that already have a review comment on a line.
    inline_fingerprints: Mapped[list[str]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    __table_args__ = (UniqueConstraint("repo", "pr_number", name="uq_reviews_repo_pr"),)


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


class CommandRefusal(Base):
    """When a user without write access was last told so on one pull request."""

    __tablename__ = "command_refusals"

    repo: Mapped[str] = mapped_column(String(200), primary_key=True)
    pr_number: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    login: Mapped[str] = mapped_column(String(100), primary_key=True)
    refused_at: Mapped[float] = mapped_column(Float)  # epoch seconds


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
