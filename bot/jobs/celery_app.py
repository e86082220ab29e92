"""The Celery application: broker from `ARIA_BROKER_URL`, one queue per fairness shard.

Delivery settings are the "nothing is lost" half of the design: a message is acknowledged only
after its task returned (`acks_late`), and one whose worker process died is handed back
(`reject_on_worker_lost`). Results live in the jobs table, so Celery keeps none.
"""

from __future__ import annotations

from celery import Celery
from kombu import Exchange, Queue

from bot.jobs.broker import Publish, queue_names
from bot.jobs.settings import JobSettings

RUN_TASK = "aria.run"
EXCHANGE = Exchange("aria", type="direct")


def make_celery(settings: JobSettings) -> Celery:
    if not settings.broker_url:
        raise ValueError("ARIA_BROKER_URL is not set: the embedded worker needs no Celery")
    names = queue_names(settings.queue_shards)
    app = Celery("aria", broker=settings.broker_url, set_as_current=False)
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_ignore_result=True,
        # One message at a time per worker thread: a prefetched message waits behind a long
        # review while another worker idles, and it is one more message to hand back on a crash.
        worker_prefetch_multiplier=1,
        # One direct exchange, one routing key per queue: a message lands in its shard only.
        task_queues=[Queue(n, EXCHANGE, routing_key=n) for n in names],
        task_default_queue=names[0],
        task_default_exchange=EXCHANGE.name,
        task_default_routing_key=names[0],
        broker_transport_options={"visibility_timeout": settings.visibility_timeout,
                                  "queue_order_strategy": "round_robin"},
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
        worker_send_task_events=False,
    )
    return app


def publisher(app: Celery) -> Publish:
    """A `Publish` for `BrokerJobQueue`: by task name, so the web tier never imports tasks."""
    def publish(job_id: int, queue: str, countdown: float) -> None:
        # retry=False: with the broker down, fail at once and leave the job to the sweep
        # instead of holding the webhook's answer.
        app.send_task(RUN_TASK, args=(job_id,), queue=queue, countdown=countdown or None,
                      retry=False)
    return publish
