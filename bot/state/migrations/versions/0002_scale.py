"""Scale-out: dead letters, rate-limit budgets, organisation audits, probe results.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _created() -> sa.Column:
    return sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
                     nullable=False)


def upgrade() -> None:
    op.create_table(
        "dead_letters",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("job_id", sa.Integer(), sa.ForeignKey("jobs.id"), nullable=True, unique=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _created(),
    )
    op.create_table(
        "rate_budgets",
        sa.Column("installation_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("remaining", sa.Integer(), nullable=False),
        sa.Column("limit", sa.Integer(), nullable=False),
        sa.Column("reset_at", sa.Float(), nullable=False),
        sa.Column("observed_at", sa.Float(), nullable=False),
    )
    op.create_table(
        "audit_runs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("org", sa.String(100), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("repos_total", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
                  nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("scheduled_for", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("org", "scheduled_for", name="uq_audit_runs_slot"),
    )
    op.create_index("ix_audit_runs_org_id", "audit_runs", ["org", "id"])
    op.create_table(
        "audit_results",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("run_id", sa.Integer(), sa.ForeignKey("audit_runs.id"), nullable=False),
        sa.Column("repo", sa.String(200), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("head_sha", sa.String(64), nullable=True),
        sa.Column("files", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("findings", sa.JSON(), nullable=False),
        sa.UniqueConstraint("run_id", "repo", name="uq_audit_results_run_repo"),
    )
    op.create_table(
        "probe_results",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("repo", sa.String(200), nullable=False),
        sa.Column("model", sa.String(200), nullable=False),
        sa.Column("config_digest", sa.String(64), nullable=False),
        sa.Column("p50_ms", sa.Float(), nullable=False),
        sa.Column("p99_ms", sa.Float(), nullable=False),
        sa.Column("throughput", sa.Float(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("measured_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
                  nullable=False),
    )
    op.create_index("ix_probe_results_repo_model", "probe_results", ["repo", "model", "id"])


def downgrade() -> None:
    op.drop_index("ix_probe_results_repo_model", table_name="probe_results")
    op.drop_table("probe_results")
    op.drop_table("audit_results")
    op.drop_index("ix_audit_runs_org_id", table_name="audit_runs")
    op.drop_table("audit_runs")
    op.drop_table("rate_budgets")
    op.drop_table("dead_letters")
