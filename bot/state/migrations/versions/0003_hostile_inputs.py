"""Hostile inputs: jobs count the workers that died holding them (a job that kills workers is
given up), and `/aria` refusals are remembered (one per user and pull request per window).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("jobs", sa.Column("lost_workers", sa.Integer(), nullable=False,
                                    server_default="0"))
    op.create_table(
        "command_refusals",
        sa.Column("repo", sa.String(200), primary_key=True),
        sa.Column("pr_number", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("login", sa.String(100), primary_key=True),
        sa.Column("refused_at", sa.Float(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("command_refusals")
    op.drop_column("jobs", "lost_workers")
