"""The ASGI app: `POST /webhook`, `/healthz`, `/readyz`, `/metrics`.

The webhook path does only what must happen before GitHub's 10-second deadline: verify the
signature on the raw bytes, pick the job out of the payload, and record delivery and job in one
transaction (the delivery id is UNIQUE, so a redelivery is dropped). The review runs in a worker.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy.exc import OperationalError
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route as HttpRoute

from bot.ingest.scan import Syntax, nesting_problem
from bot.jobs.embedded import EmbeddedWorker
from bot.jobs.queue import DeliveryIn, JobQueue
from bot.service.events import route
from bot.service.metrics import Metrics
from bot.service.signature import verify

log = logging.getLogger(__name__)

MAX_BODY = 25 * 1024 * 1024  # GitHub does not deliver larger payloads


def favour_the_event_loop() -> None:
    """Let the thread answering webhooks take the GIL back sooner from CPU-bound review jobs
    in the worker threads (the default 5 ms switch interval shows up in every ack)."""
    sys.setswitchinterval(0.0005)


@dataclass
class Service:
    secret: bytes = field(repr=False)
    queue: JobQueue
    worker: EmbeddedWorker | None
    metrics: Metrics
    review_drafts: bool = False


def create_app(service: Service) -> Starlette:
    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        if service.worker is not None:
            service.worker.start()
        try:
            yield
        finally:
            if service.worker is not None:
                await run_in_threadpool(service.worker.stop)

    async def webhook(request: Request) -> Response:
        started = time.perf_counter()
        event = request.headers.get("x-github-event", "")
        response = await _handle(request, event)
        service.metrics.ack_seconds.observe(time.perf_counter() - started)
        return response

    async def _handle(request: Request, event: str) -> Response:
        verified = False

        def answer(status: int, outcome: str, **extra: object) -> Response:
            service.metrics.delivery(event if verified else None, outcome)
            return JSONResponse({"status": outcome, **extra}, status_code=status)

        body = await _read_capped(request)
        if body is None:
            return answer(413, "too_large")
        if not verify(service.secret, body, request.headers.get("x-hub-signature-256")):
            log.warning("webhook with a missing or wrong signature rejected")
            return answer(401, "unauthorized")
        verified = True
        delivery_id = request.headers.get("x-github-delivery", "")
        if not event or not delivery_id or len(delivery_id) > 100:
            return answer(400, "bad_request", reason="X-GitHub-Event and X-GitHub-Delivery needed")
        try:
            # Nesting is bounded before json recurses: 1,000 levels would be a RecursionError.
            if nesting_problem(body.decode("utf-8", "replace"), Syntax.json) is not None:
                raise ValueError("payload nested too deep")
            payload = json.loads(body)
            routed = route(event, payload, review_drafts=service.review_drafts)
        except (ValueError, KeyError, TypeError, AttributeError):
            log.warning("delivery %s: %s payload malformed", delivery_id, event)
            return answer(400, "bad_request", reason="malformed payload")
        if routed.cancel_key is not None:
            cancelled = await run_in_threadpool(service.queue.cancel_queued,
                                                routed.cancel_key, "review")
            log.info("delivery %s: %s, %d queued review(s) cancelled",
                     delivery_id, routed.reason, cancelled)
        if routed.job is None:
            return answer(200, "ignored", reason=routed.reason)
        delivery = DeliveryIn(delivery_id=delivery_id, event=event, action=payload.get("action"))
        try:
            job_id = await run_in_threadpool(service.queue.accept, delivery, routed.job)
        except OperationalError:
            # The job store is down or restarting: a 503 (never a 202 for a job not stored)
            # makes the delivery one to redeliver.
            log.exception("delivery %s: job store unreachable", delivery_id)
            return answer(503, "unavailable", reason="job store unreachable, redeliver later")
        if job_id is None:
            log.info("delivery %s: duplicate, dropped", delivery_id)
            return answer(200, "duplicate")
        if service.worker is not None:
            service.worker.wake()
        log.info("delivery %s: %s job %d queued", delivery_id, routed.job.kind, job_id)
        return answer(202, "accepted", job=job_id)

    async def _read_capped(request: Request) -> bytes | None:
        length = request.headers.get("content-length", "")
        if length.isdigit() and int(length) > MAX_BODY:
            return None
        chunks, size = [], 0
        async for chunk in request.stream():  # a chunked body has no length to check up front
            size += len(chunk)
            if size > MAX_BODY:
                return None
            chunks.append(chunk)
        return b"".join(chunks)

    async def healthz(_request: Request) -> Response:
        return PlainTextResponse("ok")

    async def readyz(_request: Request) -> Response:
        try:
            await run_in_threadpool(service.queue.counts)
        except Exception:
            log.exception("readiness: database unreachable")
            return PlainTextResponse("database unreachable", status_code=503)
        if service.worker is not None and not service.worker.alive():
            return PlainTextResponse("worker stopped", status_code=503)
        return PlainTextResponse("ready")

    async def metrics(_request: Request) -> Response:
        data = await run_in_threadpool(service.metrics.render)
        return Response(data, media_type=CONTENT_TYPE_LATEST)

    return Starlette(
        routes=[
            HttpRoute("/webhook", webhook, methods=["POST"]),
            HttpRoute("/healthz", healthz, methods=["GET"]),
            HttpRoute("/readyz", readyz, methods=["GET"]),
            HttpRoute("/metrics", metrics, methods=["GET"]),
        ],
        lifespan=lifespan,
    )
