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


def test_capped_lists_of_new_and_fixed_findings_say_how_many_more() -> None:
    report = _report()
    listed = [RepoFinding(repo=f"acme/svc-{i}", rule_id="SPOF001", family="spof",
                          severity="error", title="Single replica", path="k8s/app.yaml",
                          line=7, fingerprint=f"f{i}") for i in range(20)]
    report.trend = Trend(previous_run=1, new=34, fixed=20, new_findings=listed,
                         fixed_findings=listed)
    md = render_markdown(report)
    new = md[md.index("## New since the last audit"):md.index("## Fixed since the last audit")]
    assert new.count("`SPOF001` in") == 20 and "- … and 14 more" in new
    fixed = md[md.index("## Fixed since the last audit"):]
    assert "more" not in fixed.split("\n## ")[0]  # all 20 listed: nothing to add
