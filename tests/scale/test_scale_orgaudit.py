"""`aria audit --org` against the GitHub emulator: the embedded path (SQLite, no broker) with a
trend over two runs, and the fan-out over Celery workers with PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

from emulator.samples import ONE_REPLICA
from scale.conftest import worker_env
from scale.corpus import org_repos

from bot.cli import main
from bot.engine import audit
from bot.ingest.source import MemorySource


def _env(monkeypatch, settings, db_url: str | None = None, broker: str | None = None) -> None:
    for key, value in worker_env(settings, db_url or settings.database_url,
                                 broker or "").items():
        if key.startswith("ARIA_"):
            monkeypatch.setenv(key, value)
    if broker is None:
        monkeypatch.delenv("ARIA_BROKER_URL")


def _expected(files: dict[str, bytes]) -> dict[str, int]:
    decision = audit(MemorySource(files))
    counts = {"error": 0, "warning": 0, "note": 0}
    for f in decision.gating:
        counts[f.severity.value] += 1
    return counts


def _run(report_dir: Path) -> dict:
    assert main(["audit", "--org", "acme", "--report-dir", str(report_dir),
                 "--fail-on", "never"]) == 0
    return json.loads((report_dir / "org-audit-acme.json").read_text())


def test_org_audit_embedded_reports_counts_and_trend(settings, emulator, tmp_path,
                                                     monkeypatch) -> None:
    repos = org_repos("acme", 8)
    for name, files in repos.items():
        emulator.add_commit(name, files, "main")
    _env(monkeypatch, settings)
    first = _run(tmp_path / "r1")
    assert (first["repos_total"], first["repos_audited"], first["repos_failed"]) == (8, 8, 0)
    assert {r["repo"]: r["by_severity"] for r in first["repos"]} == {
        name: _expected(files) for name, files in repos.items()}
    assert first["trend"]["previous_run"] is None

    # A change lands in one repository: the next audit names it as new, nothing else moves.
    changed = dict(repos["acme/repo-003"], **{"deploy/triton.yaml": ONE_REPLICA})
    emulator.add_commit("acme/repo-003", changed, "main")
    second = _run(tmp_path / "r2")
    trend = second["trend"]
    assert trend["previous_run"] == first["run_id"] and trend["fixed"] == 0
    assert trend["new"] == second["by_severity"]["error"] + second["by_severity"]["warning"] + \
        second["by_severity"]["note"] - sum(first["by_severity"].values())
    assert {f["repo"] for f in trend["new_findings"]} == {"acme/repo-003"}
    assert [p["run_id"] for p in second["history"]] == [first["run_id"], second["run_id"]]
    html = (tmp_path / "r2" / "org-audit-acme.html").read_text()
    assert "<svg" in html and "<polyline" in html and "<script" not in html
    assert "http://" not in html and "https://" not in html  # nothing fetched: renders offline
    md = (tmp_path / "r2" / "org-audit-acme.md").read_text()
    assert f"Since run {first['run_id']}: **{trend['new']}** new" in md


def test_org_audit_fans_out_over_celery_workers(settings, emulator, pg_url, redis_broker,
                                                workers_factory, tmp_path, monkeypatch) -> None:
    repos = org_repos("acme", 12)
    for name, files in repos.items():
        emulator.add_commit(name, files, "main")
    env = worker_env(settings, pg_url, redis_broker)
    workers = workers_factory(env)
    workers.start("real", 2)
    _env(monkeypatch, settings, pg_url, redis_broker)
    report = _run(tmp_path)
    assert (report["repos_total"], report["repos_audited"]) == (12, 12)
    assert {r["repo"]: r["by_severity"] for r in report["repos"]} == {
        name: _expected(files) for name, files in repos.items()}
