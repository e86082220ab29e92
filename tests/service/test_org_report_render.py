"""The organisation report's Markdown and HTML, rendered from templates with the one escaping
module: hostile repository text stays text."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.orgaudit.render import render_html, render_markdown
from bot.orgaudit.report import HistoryPoint, OrgReport, RepoFinding, RepoRow, Trend

HOSTILE = "<script>alert(1)</script> | @admin"


def _report() -> OrgReport:
    finding = RepoFinding(repo="acme/app", rule_id="SPOF001", family="spof", severity="error",
                          title="Single replica", path="deploy/app.yaml", line=7,
                          fingerprint="f1")
    at = datetime(2026, 11, 30, tzinfo=UTC)
    return OrgReport(
        org="acme", run_id=2, started_at=at, finished_at=at, repos_total=2, repos_audited=1,
        repos_failed=1, by_severity={"error": 1, "warning": 0, "note": 0},
        by_family={"spof": 1},
        repos=[RepoRow(repo="acme/app", status="done", files=3, error=None,
                       by_severity={"error": 1, "warning": 0, "note": 0}, total=1),
               RepoRow(repo="acme/gone", status="failed", files=0, error=HOSTILE,
                       by_severity={"error": 0, "warning": 0, "note": 0}, total=0)],
        worst=[finding], trend=Trend(previous_run=1, new=1, new_findings=[finding]),
        history=[HistoryPoint(run_id=r, started_at=at, by_severity={"error": r - 1,
                                                                    "warning": 0, "note": 0},
                              total=r - 1) for r in (1, 2)])


def test_html_report_escapes_repository_text_and_draws_offline_charts() -> None:
    html = render_html(_report())
    assert "<script" not in html and "&lt;script&gt;" in html
    assert html.count("<polyline") == 3 and "run 1" in html and "run 2" in html
    assert "http://" not in html and "https://" not in html


def test_markdown_report_keeps_hostile_text_inside_its_cell() -> None:
    md = render_markdown(_report())
    row = next(line for line in md.splitlines() if line.startswith("| `acme/gone`"))
    assert row.count(" | ") == 5  # six cells: the error's pipe is escaped
    assert "<script>" not in md and "&lt;script&gt;" in md
    assert "`@admin`" in md  # in code: no mention of a real account
    assert "📊 Since run 1: **1** new, **0** fixed." in md
