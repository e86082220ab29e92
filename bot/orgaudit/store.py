"""Audit runs and their per-repository results in the database (the history trends read)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Engine, func, select, update
from sqlalchemy.exc import IntegrityError

from bot.findings import Finding
from bot.state.db import session
from bot.state.tables import AuditResult, AuditRun


class FindingRow(BaseModel):
    """A finding as an audit keeps it: enough to count, rank and match it in the next run."""

    rule_id: str
    family: str
    severity: str
    title: str
    path: str
    line: int | None = None
    fingerprint: str

    @classmethod
    def of(cls, f: Finding) -> FindingRow:
        return cls(rule_id=f.rule_id, family=f.family, severity=f.severity.value, title=f.title,
                   path=f.location.path, line=f.location.line, fingerprint=f.fingerprint)

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path


class RepoResult(BaseModel):
    repo: str
    status: str  # done, failed
    head_sha: str | None = None
    files: int = 0
    error: str | None = None
    findings: list[FindingRow] = []


@dataclass(frozen=True, slots=True)
class RunInfo:
    id: int
    org: str
    status: str
    repos_total: int
    started_at: datetime
    finished_at: datetime | None


@dataclass(frozen=True, slots=True)
class Progress:
    done: int
    failed: int
    total: int

    @property
    def finished(self) -> bool:
        return self.done + self.failed >= self.total


class AuditStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def start_run(self, org: str, repos_total: int,
                  scheduled_for: datetime | None = None) -> int | None:
        """A new run; None when this scheduled slot was started already (by another worker)."""
        try:
            with session(self.engine) as s:
                run = AuditRun(org=org, status="running", repos_total=repos_total,
                               scheduled_for=scheduled_for)
                s.add(run)
                s.flush()
                return run.id
        except IntegrityError:
            return None

    def record(self, run_id: int, result: RepoResult) -> None:
        """Store one repository's result (again, for a task run twice: same row, no double
        count) and close the run when it was the last one."""
        values: dict[str, Any] = result.model_dump(mode="json")
        with session(self.engine) as s:
            row = s.scalar(select(AuditResult).where(AuditResult.run_id == run_id,
                                                     AuditResult.repo == result.repo))
            if row is None:
                s.add(AuditResult(run_id=run_id, **values))
            else:
                for key, value in values.items():
                    setattr(row, key, value)
        self._close_if_complete(run_id)

    def _close_if_complete(self, run_id: int) -> None:
        with session(self.engine) as s:
            count = s.scalar(select(func.count()).select_from(AuditResult)
                             .where(AuditResult.run_id == run_id)) or 0
            s.execute(update(AuditRun)
                      .where(AuditRun.id == run_id, AuditRun.status == "running",
                             AuditRun.repos_total <= count)
                      .values(status="done", finished_at=datetime.now(UTC)))

    def progress(self, run_id: int) -> Progress:
        with session(self.engine) as s:
            total = s.scalar(select(AuditRun.repos_total).where(AuditRun.id == run_id)) or 0
            rows = dict(s.execute(select(AuditResult.status, func.count())
                                  .where(AuditResult.run_id == run_id)
                                  .group_by(AuditResult.status)).all())
        return Progress(rows.get("done", 0), rows.get("failed", 0), total)

    def run(self, run_id: int) -> RunInfo | None:
        with session(self.engine) as s:
            row = s.get(AuditRun, run_id)
            return None if row is None else _info(row)

    def results(self, run_id: int) -> list[RepoResult]:
        with session(self.engine) as s:
            rows = s.scalars(select(AuditResult).where(AuditResult.run_id == run_id)
                             .order_by(AuditResult.repo))
            return [RepoResult(repo=r.repo, status=r.status, head_sha=r.head_sha,
                               files=r.files, error=r.error, findings=r.findings or [])
                    for r in rows]

    def runs(self, org: str, *, until: int | None = None, limit: int = 12) -> list[RunInfo]:
        """The org's finished runs, newest first (up to run `until`, itself included)."""
        query = select(AuditRun).where(AuditRun.org == org, AuditRun.status == "done")
        if until is not None:
            query = query.where(AuditRun.id <= until)
        with session(self.engine) as s:
            return [_info(r) for r in s.scalars(query.order_by(AuditRun.id.desc()).limit(limit))]


def _info(row: AuditRun) -> RunInfo:
    return RunInfo(row.id, row.org, row.status, row.repos_total, row.started_at,
                   row.finished_at)
