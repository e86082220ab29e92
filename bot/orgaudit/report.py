"""The organisation report: counts per repository and family, the worst findings, and what got
better or worse since the previous run (findings matched by repository and fingerprint)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from pydantic import BaseModel

from bot.findings import Severity
from bot.orgaudit.store import AuditStore, FindingRow, RepoResult

WORST = 25
CHANGES_LISTED = 20
HISTORY_RUNS = 12


class RepoRow(BaseModel):
    repo: str
    status: str
    files: int
    error: str | None = None
    by_severity: dict[str, int]
    total: int


class RepoFinding(FindingRow):
    """A finding row with the repository it was found in."""

    repo: str


class Trend(BaseModel):
    previous_run: int | None = None
    new: int = 0
    fixed: int = 0
    by_family_delta: dict[str, int] = {}
    new_findings: list[RepoFinding] = []
    fixed_findings: list[RepoFinding] = []


class HistoryPoint(BaseModel):
    run_id: int
    started_at: datetime
    by_severity: dict[str, int]
    total: int


class OrgReport(BaseModel):
    org: str
    run_id: int
    started_at: datetime
    finished_at: datetime | None
    repos_total: int
    repos_audited: int
    repos_failed: int
    by_severity: dict[str, int]
    by_family: dict[str, int]
    repos: list[RepoRow]
    worst: list[RepoFinding]
    trend: Trend
    history: list[HistoryPoint]

    @property
    def total(self) -> int:
        return sum(self.by_severity.values())


def _rank(severity: str) -> int:
    return Severity(severity).rank


def _located(repo: str, f: FindingRow) -> RepoFinding:
    return RepoFinding(repo=repo, **f.model_dump())


def _worst_first(items: list[RepoFinding]) -> list[RepoFinding]:
    return sorted(items, key=lambda x: (-_rank(x.severity), x.rule_id, x.repo, x.path,
                                        x.line or 0))


def _keyed(results: list[RepoResult]) -> dict[tuple[str, str], RepoFinding]:
    return {(r.repo, f.fingerprint): _located(r.repo, f) for r in results for f in r.findings}


def _severities(findings: list[FindingRow]) -> dict[str, int]:
    counts = Counter(f.severity for f in findings)
    return {s.value: counts.get(s.value, 0) for s in Severity}


def _trend(current: list[RepoResult], previous: list[RepoResult] | None,
           previous_id: int | None) -> Trend:
    if previous is None:
        return Trend()
    # Only repositories audited both times count: one that failed now is no "fixed".
    both = ({r.repo for r in current if r.status == "done"}
            & {r.repo for r in previous if r.status == "done"})
    now = {k: v for k, v in _keyed(current).items() if k[0] in both}
    before = {k: v for k, v in _keyed(previous).items() if k[0] in both}
    new = _worst_first([now[k] for k in now.keys() - before.keys()])
    fixed = _worst_first([before[k] for k in before.keys() - now.keys()])
    delta = Counter(f.family for f in new)
    delta.subtract(Counter(f.family for f in fixed))
    return Trend(previous_run=previous_id, new=len(new), fixed=len(fixed),
                 by_family_delta={k: v for k, v in sorted(delta.items()) if v},
                 new_findings=new[:CHANGES_LISTED], fixed_findings=fixed[:CHANGES_LISTED])


def build_report(store: AuditStore, run_id: int) -> OrgReport:
    run = store.run(run_id)
    if run is None:
        raise ValueError(f"no audit run {run_id}")
    results = store.results(run_id)
    runs = store.runs(run.org, until=run_id, limit=HISTORY_RUNS)
    earlier = [r for r in runs if r.id < run_id]
    previous = store.results(earlier[0].id) if earlier else None
    history = []
    for past in reversed(runs):
        found = [f for r in (results if past.id == run_id else store.results(past.id))
                 for f in r.findings]
        history.append(HistoryPoint(run_id=past.id, started_at=past.started_at,
                                    by_severity=_severities(found), total=len(found)))
    everything = [f for r in results for f in r.findings]
    rows = [RepoRow(repo=r.repo, status=r.status, files=r.files, error=r.error,
                    by_severity=_severities(r.findings), total=len(r.findings))
            for r in results]
    rows.sort(key=lambda row: (-row.by_severity["error"], -row.by_severity["warning"],
                               -row.total, row.repo))
    return OrgReport(
        org=run.org, run_id=run_id, started_at=run.started_at, finished_at=run.finished_at,
        repos_total=run.repos_total,
        repos_audited=sum(r.status == "done" for r in results),
        repos_failed=sum(r.status == "failed" for r in results),
        by_severity=_severities(everything),
        by_family=dict(Counter(f.family for f in everything).most_common()),
        repos=rows,
        worst=_worst_first([_located(r.repo, f) for r in results for f in r.findings])[:WORST],
        trend=_trend(results, previous, earlier[0].id if earlier else None),
        history=history)
