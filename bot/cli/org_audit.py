"""`aria audit --org ORG`: fan out over the workers, show progress, write the reports.

With `ARIA_BROKER_URL` the jobs go to the Celery workers; without it this process runs them
with the embedded worker (same handlers), so a single machine needs nothing else.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from bot.cli.console import console_for
from bot.cli.flags import settings_from
from bot.cli.processes import job_handlers
from bot.cli.progress import ProgressDisplay
from bot.deliver.client import AppClients
from bot.deliver.settings import AppSettings
from bot.exitcodes import FINDINGS, OK, USAGE, fails
from bot.findings import Severity
from bot.jobs.settings import JobSettings
from bot.jobs.wiring import open_database, start_jobs
from bot.orgaudit.fanout import fan_out
from bot.orgaudit.render import render_html, render_json, render_markdown
from bot.orgaudit.report import OrgReport, build_report
from bot.orgaudit.store import AuditStore, Progress

POLL_SECONDS = 0.5


class OrgAuditSettings(AppSettings, JobSettings):
    """`aria audit --org`: the App's identity and the job runtime (from the environment)."""


def wait_for_run(store: AuditStore, run_id: int, display: ProgressDisplay) -> Progress:
    while True:
        progress = store.progress(run_id)
        display.show(progress.done + progress.failed, progress.total,
                     f" ({progress.failed} failed)")
        if progress.finished:
            return progress
        time.sleep(POLL_SECONDS)


def write_reports(report: OrgReport, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"org-audit-{report.org}"
    written = []
    for suffix, render in (("md", render_markdown), ("json", render_json), ("html", render_html)):
        path = folder / f"{stem}.{suffix}"
        path.write_text(render(report), encoding="utf-8")
        written.append(path)
    return written


def audit_org(args: argparse.Namespace) -> int:
    settings = settings_from(OrgAuditSettings, None, "audit --org")
    if settings is None:
        return USAGE
    engine = open_database(settings)
    clients = AppClients.for_app(settings)
    handlers = job_handlers(settings, clients, engine)
    jobs = start_jobs(settings, engine, handlers.run, give_up=handlers.give_up,
                      poll_interval=0.1)
    store = AuditStore(engine)
    if jobs.worker is not None:
        jobs.worker.start()
    try:
        run_id = fan_out(store, jobs.queue, clients, args.org)
        assert run_id is not None  # only a scheduled slot can be taken already
        with ProgressDisplay("repositories", console_for(sys.stderr, args.color)) as display:
            wait_for_run(store, run_id, display)
    finally:
        if jobs.worker is not None:
            jobs.worker.stop()
    report = build_report(store, run_id)
    for path in write_reports(report, Path(args.report_dir)):
        print(path)
    found = [Severity(s) for s, n in report.by_severity.items() if n]
    return FINDINGS if fails(found, args.fail_on or "error") else OK
