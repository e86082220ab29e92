"""`aria audit --org ORG`: fan out over the workers, show progress, write the reports.

With `ARIA_BROKER_URL` the jobs go to the Celery workers; without it this process runs them
with the embedded worker (same task code), so a single machine needs nothing else.
"""

from __future__ import annotations

import argparse
import functools
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pydantic import ValidationError

from bot.exitcodes import FINDINGS, OK, USAGE
from bot.findings import Severity
from bot.orgaudit.fanout import fan_out
from bot.orgaudit.render import render_html, render_json, render_markdown
from bot.orgaudit.report import OrgReport, build_report
from bot.orgaudit.store import AuditStore, Progress
from bot.scale.handlers import make_handler, on_give_up
from bot.scale.settings import ScaleOptions
from bot.service.jobs import Runtime
from bot.service.settings import ServeSettings, describe_errors
from bot.state.db import make_engine, migrate
from bot.state.queue import JobQueue, SqlJobQueue
from bot.state.reviews import ReviewStore
from bot.state.worker import EmbeddedWorker

POLL_SECONDS = 0.5


def _show(progress: Progress, tty: bool) -> None:
    width = 30
    filled = int(width * (progress.done + progress.failed) / max(progress.total, 1))
    line = (f"[{'#' * filled}{'.' * (width - filled)}] {progress.done + progress.failed}/"
            f"{progress.total} repositories ({progress.failed} failed)")
    sys.stderr.write(f"\r{line}" if tty else f"{line}\n")
    sys.stderr.flush()


def wait_for_run(store: AuditStore, run_id: int, *, tty: bool) -> Progress:
    last = None
    while True:
        progress = store.progress(run_id)
        if progress != last:
            _show(progress, tty)
            last = progress
        if progress.finished:
            if tty:
                sys.stderr.write("\n")
            return progress
        time.sleep(POLL_SECONDS)


@contextmanager
def _job_queue(settings: ServeSettings, options: ScaleOptions, runtime: Runtime,
               store: AuditStore) -> Iterator[JobQueue]:
    engine = runtime.reviews.engine
    if options.broker_url:
        from bot.scale.celery_app import make_celery
        from bot.scale.worker import broker_queue
        yield broker_queue(engine, make_celery(options), settings, options)
        return
    queue = SqlJobQueue(engine, lease_seconds=settings.job_lease_seconds,
                        max_attempts=settings.job_max_attempts)
    worker = EmbeddedWorker(queue, make_handler(runtime, store), threads=settings.workers,
                            poll_interval=0.1, lease_seconds=settings.job_lease_seconds,
                            on_give_up=functools.partial(on_give_up, runtime, store))
    worker.start()
    try:
        yield queue
    finally:
        worker.stop()


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
    try:
        settings, options = ServeSettings(), ScaleOptions()
    except ValidationError as exc:
        for line in describe_errors(exc):
            print(f"aria audit --org: {line}", file=sys.stderr)
        return USAGE
    assert settings.database_url is not None  # filled in by the settings validator
    engine = make_engine(settings.database_url)
    migrate(engine)
    store = AuditStore(engine)
    runtime = Runtime(settings, Runtime.clients_for(settings), ReviewStore(engine))
    with _job_queue(settings, options, runtime, store) as queue:
        run_id = fan_out(store, queue, runtime.clients, args.org)
        assert run_id is not None  # only a scheduled slot can be taken already
        wait_for_run(store, run_id, tty=sys.stderr.isatty())
    report = build_report(store, run_id)
    for path in write_reports(report, Path(args.report_dir)):
        print(path)
    gate = Severity(args.fail_on or "error").rank if args.fail_on != "never" else 99
    worst = max((Severity(s).rank for s, n in report.by_severity.items() if n), default=0)
    return FINDINGS if worst >= gate else OK
