"""The webhook tier when a broker is configured: it verifies, de-duplicates and enqueues; the
jobs run in `aria worker` processes. Without `ARIA_BROKER_URL` it is not used at all."""

from __future__ import annotations

from sqlalchemy import Engine

from bot.scale.settings import ScaleOptions
from bot.service.app import Service
from bot.service.metrics import Metrics
from bot.service.settings import ServeSettings


def broker_service(settings: ServeSettings, engine: Engine) -> Service | None:
    """The scale-out service, or None for the embedded default (no broker configured)."""
    options = ScaleOptions()
    if not options.broker_url:
        return None
    from bot.scale.celery_app import make_celery  # celery is the `scale` extra
    from bot.scale.worker import broker_queue

    queue = broker_queue(engine, make_celery(options), settings, options)
    return Service(secret=settings.secret_bytes(), queue=queue, worker=None,
                   metrics=Metrics(queue.counts), review_drafts=settings.review_drafts)
