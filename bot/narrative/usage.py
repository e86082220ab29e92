"""Token accounting: one row per review that asked for prose, and the budget of the day."""

from __future__ import annotations

import datetime as dt
import sqlite3
from contextlib import closing
from pathlib import Path

from pydantic import BaseModel

_SCHEMA = """CREATE TABLE IF NOT EXISTS narrative_usage (
    at TEXT NOT NULL, day TEXT NOT NULL, installation TEXT NOT NULL, model TEXT NOT NULL,
    review TEXT NOT NULL, tokens_in INTEGER NOT NULL, tokens_out INTEGER NOT NULL,
    outcome TEXT NOT NULL)"""


class UsageRecord(BaseModel):
    installation: str
    model: str
    review: str  # the cache key: which decision the tokens were spent on
    tokens_in: int
    tokens_out: int
    outcome: str  # "written", "cached", "timeout", "unparsable", or a provider error type


class UsageLedger:
    def __init__(self, path: Path) -> None:
        self.path = path

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=10)
        conn.execute(_SCHEMA)
        return conn

    def record(self, row: UsageRecord) -> None:
        now = dt.datetime.now(dt.UTC)
        with closing(self._connect()) as conn, conn:
            conn.execute("INSERT INTO narrative_usage VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                         (now.isoformat(), now.date().isoformat(), row.installation, row.model,
                          row.review, row.tokens_in, row.tokens_out, row.outcome))

    def spent_today(self, installation: str) -> int:
        day = dt.datetime.now(dt.UTC).date().isoformat()
        with closing(self._connect()) as conn:
            (total,) = conn.execute(
                "SELECT COALESCE(SUM(tokens_in + tokens_out), 0) FROM narrative_usage "
                "WHERE day = ? AND installation = ?", (day, installation)).fetchone()
        return int(total)

    def rows(self) -> list[UsageRecord]:
        with closing(self._connect()) as conn:
            found = conn.execute("SELECT installation, model, review, tokens_in, tokens_out, "
                                 "outcome FROM narrative_usage ORDER BY rowid").fetchall()
        names = list(UsageRecord.model_fields)
        return [UsageRecord(**dict(zip(names, r, strict=True))) for r in found]
