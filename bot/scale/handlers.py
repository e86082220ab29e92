"""The job handler of the workers: organisation-audit jobs here, every other kind in the App's
`run_job`. The embedded worker and Celery workers call the same function."""

from __future__ import annotations

from typing import Any

from bot.orgaudit.store import AuditStore
from bot.orgaudit.task import KIND as ORG_AUDIT
from bot.orgaudit.task import audit_repository, record_give_up
from bot.service.jobs import Runtime, report_give_up, run_job
from bot.state.queue import ClaimedJob
from bot.state.worker import Handler


def make_handler(runtime: Runtime, store: AuditStore) -> Handler:
    def handle(payload: dict[str, Any]) -> dict[str, Any]:
        if payload.get("kind") == ORG_AUDIT:
            return audit_repository(payload, runtime, store)
        return run_job(payload, runtime)
    return handle


def on_give_up(runtime: Runtime, store: AuditStore, job: ClaimedJob, error: str) -> None:
    """Make a job no retry finishes visible where people look: the pull request's check run,
    or the audit run it belongs to."""
    if job.payload.get("kind") == ORG_AUDIT:
        record_give_up(store, job, error)
    else:
        report_give_up(runtime, job, error)

