"""The HTTP surface of `aria serve`: health, metrics, and refusals of bad deliveries."""

from __future__ import annotations

import http.client

import httpx
from emulator.pytest_fixtures import LiveServer, webhook


def test_health_readiness_and_metrics(live: LiveServer) -> None:
    assert httpx.get(f"{live.url}/healthz").text == "ok"
    assert httpx.get(f"{live.url}/readyz").status_code == 200
    live.post("ping", {"zen": "Keep it logically awesome."})
    live.post("pull_request", webhook("pull_request_opened.payload.json"), secret="wrong")
    metrics = httpx.get(f"{live.url}/metrics").text
    assert 'aria_webhook_deliveries_total{event="ping",outcome="ignored"} 1.0' in metrics
    # an unsigned delivery's event header is anyone's text: it is counted without it
    assert ('aria_webhook_deliveries_total{event="unverified",outcome="unauthorized"} 1.0'
            in metrics)
    assert "aria_webhook_ack_seconds_bucket" in metrics


def test_readiness_fails_when_the_worker_is_stopped(live: LiveServer) -> None:
    assert live.service.worker is not None
    live.service.worker.stop()
    assert httpx.get(f"{live.url}/readyz").status_code == 503


def test_signed_but_malformed_deliveries_are_bad_requests(live: LiveServer) -> None:
    assert live.post("pull_request", b"{not json").status_code == 400
    assert live.post("pull_request", {"action": "opened"}).status_code == 400
    answer = live.post("pull_request", webhook("pull_request_opened.payload.json"), delivery="")
    assert answer.status_code == 400
    assert live.service.queue.counts() == {}


def test_an_oversized_body_is_refused_before_reading_it(live: LiveServer) -> None:
    host, port = live.url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    conn.putrequest("POST", "/webhook")
    conn.putheader("Content-Length", str(26 * 1024 * 1024))  # announced, never sent
    conn.putheader("X-GitHub-Event", "ping")
    conn.endheaders()
    assert conn.getresponse().status == 413
    conn.close()
