"""The processes' composition: every job kind's handler on one registry, and the webhook
service on the job runtime. `aria serve`, `aria worker` and `aria audit --org` all run the same
handlers, so any process can finish any job it claims."""

from __future__ import annotations

from sqlalchemy import Engine

from bot.deliver.client import AppClients
from bot.deliver.settings import AppSettings
from bot.jobs.handlers import Handle, Handlers
from bot.jobs.wiring import open_database, start_jobs
from bot.orgaudit import task as org_audit
from bot.orgaudit.store import AuditStore
from bot.service import jobs as app_jobs
from bot.service.app import Service
from bot.service.metrics import Metrics
from bot.service.settings import ServeSettings
from bot.state.reviews import ReviewStore


def job_handlers(settings: AppSettings, clients: AppClients, engine: Engine) -> Handlers:
    handlers = Handlers()
    app_jobs.register(handlers, app_jobs.Runtime(settings, clients, ReviewStore(engine)))
    org_audit.register(handlers, clients, settings, AuditStore(engine))
    return handlers


def build_service(settings: ServeSettings, *, handler: Handle | None = None,
                  poll_interval: float = 0.5) -> Service:
    """The webhook service for `settings`; `handler` replaces the job handlers (benches)."""
    engine = open_database(settings)
    handlers = job_handlers(settings, AppClients.for_app(settings), engine)
    metrics = Metrics()
    jobs = start_jobs(settings, engine, handler or handlers.run, give_up=handlers.give_up,
                      observe=metrics.observe_job, poll_interval=poll_interval)
    metrics.watch(jobs.queue.counts)
    return Service(secret=settings.secret_bytes(), queue=jobs.queue, worker=jobs.worker,
                   metrics=metrics, review_drafts=settings.review_drafts)

