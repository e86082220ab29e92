"""`aria worker`: run jobs from the Celery broker (scale-out). Settings as for `aria serve`
(environment `ARIA_<NAME>` or flags), with `ARIA_BROKER_URL` required, plus the worker's own:
the rate-limit reserve, a heartbeat file and scheduled organisation audits."""

from __future__ import annotations

import argparse
import functools
import logging
import sys
from datetime import datetime
from pathlib import Path

from pydantic import Field

from bot.cli.flags import add_setting_flags, settings_from
from bot.deliver.client import ObservedClients
from bot.deliver.settings import AppSettings
from bot.exitcodes import OK, USAGE
from bot.jobs.handlers import Handle
from bot.jobs.settings import JobSettings
from bot.orgaudit.settings import ScheduleSettings
from bot.state.rate_budgets import RateBudgets

SCHEDULE_CHECK_SECONDS = 20.0


class WorkerSettings(AppSettings, JobSettings, ScheduleSettings):
    """A Celery worker process: the App's identity, the job runtime, and its own duties."""

    rate_limit_reserve: int = Field(
        100, ge=0, description="GitHub requests kept in reserve per installation; "
                               "below it every worker waits for the reset")
    heartbeat_file: Path | None = Field(
        None, description="a worker touches this file while it runs (liveness probe)")


def run_worker(settings: WorkerSettings, *, concurrency: int = 1, handler: Handle | None = None,
               loglevel: str = "INFO") -> None:
    """Consume jobs until stopped; `handler` replaces the job handlers (tests and benches)."""
    from bot.cli.processes import job_handlers
    from bot.jobs.celery_worker import Duty
    from bot.jobs.celery_worker import run_worker as run_celery_worker
    from bot.jobs.wiring import broker_queue, open_database, runner
    from bot.orgaudit.fanout import fan_out
    from bot.orgaudit.schedule import Scheduler
    from bot.orgaudit.store import AuditStore

    engine = open_database(settings)
    clients = ObservedClients.for_app(settings)
    budgets = RateBudgets(engine, settings.rate_limit_reserve)
    handlers = job_handlers(settings, clients, engine)
    queue = broker_queue(engine, settings)
    work = runner(queue, engine, handler or handlers.run, give_up=handlers.give_up,
                  after=functools.partial(clients.record, budgets))
    duties: list[Duty] = []
    if settings.audit_schedules:
        audits = AuditStore(engine)

        def start(org: str, slot: datetime) -> int | None:
            return fan_out(audits, queue, clients, org, scheduled_for=slot)
        duties.append((SCHEDULE_CHECK_SECONDS, Scheduler(settings.audit_schedules, start).tick))
    run_celery_worker(settings, queue, work, budgets, duties=duties,
                      heartbeat=settings.heartbeat_file, concurrency=concurrency,
                      loglevel=loglevel)


def _worker(args: argparse.Namespace) -> int:
    settings = settings_from(WorkerSettings, args, "worker")
    if settings is None:
        return USAGE
    if not settings.broker_url:
        print("aria worker: ARIA_BROKER_URL is required (without a broker, `aria serve` runs "
              "the jobs itself)", file=sys.stderr)
        return USAGE
    logging.getLogger("bot").setLevel(logging.INFO)
    run_worker(settings, concurrency=args.concurrency)
    return OK


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    worker = subparsers.add_parser("worker", help="run jobs from the Celery broker (scale-out)",
                                   description=__doc__)
    add_setting_flags(worker, WorkerSettings)
    worker.add_argument("--concurrency", type=int, default=1,
                        help="jobs at once in this process (threads; scale CPU with processes)")
    worker.set_defaults(func=_worker)
