"""Deliveries an attacker writes: junk event names must not grow /metrics, and a signed payload
nested deep enough to exhaust Python's recursion is a clean 400, never a 500."""

from __future__ import annotations

import json
import re
import uuid

import httpx
from emulator.pytest_fixtures import SECRET, LiveServer, webhook

from bot.service.signature import sign

_SAMPLE = re.compile(r"^(\S+) \S+$", re.MULTILINE)


def _series(live: LiveServer) -> tuple[set[str], int]:
    """The metric series (name and labels, values dropped) and the size of /metrics."""
    text = httpx.get(f"{live.url}/metrics").text
    return {m.group(1) for m in _SAMPLE.finditer(text) if not m.group(1).startswith("#")}, \
        len(text)


def _junk(client: httpx.Client, live: LiveServer, n: int, *, signed: bool) -> None:
    for i in range(n):
        body = json.dumps({"zen": i}).encode()
        headers = {"X-GitHub-Event": f"junk-{uuid.uuid4().hex}", "X-GitHub-Delivery": str(i)}
        if signed:
            headers["X-Hub-Signature-256"] = sign(SECRET.encode(), body)
        elif i % 2:
            headers["X-Hub-Signature-256"] = "sha256=" + "0" * 64  # forged
        answer = client.post(f"{live.url}/webhook", content=body, headers=headers)
        assert answer.status_code in (200, 401)


def test_ten_thousand_junk_events_do_not_grow_metrics(live: LiveServer) -> None:
    with httpx.Client(timeout=10) as client:
        _junk(client, live, 20, signed=False)
        _junk(client, live, 20, signed=True)
        series, size = _series(live)
        _junk(client, live, 9_000, signed=False)
        _junk(client, live, 1_000, signed=True)
    grown, grown_size = _series(live)
    assert grown == series
    assert grown_size - size < 200  # only the counts' digits and the timings changed
    counted = httpx.get(f"{live.url}/metrics").text
    assert 'aria_webhook_deliveries_total{event="unverified",outcome="unauthorized"} 9020.0' \
        in counted
    assert 'aria_webhook_deliveries_total{event="other",outcome="ignored"} 1020.0' in counted
    assert "junk-" not in counted


def test_a_handled_event_keeps_its_own_label(live: LiveServer) -> None:
    assert live.post("ping", {"zen": "Design for failure."}).status_code == 200
    live.post("pull_request", webhook("pull_request_opened.payload.json"), secret="wrong")
    metrics = httpx.get(f"{live.url}/metrics").text
    assert 'aria_webhook_deliveries_total{event="ping",outcome="ignored"} 1.0' in metrics
    assert 'event="pull_request"' not in metrics  # its signature was wrong


def test_a_signed_payload_nested_a_thousand_deep_is_a_clean_400(live: LiveServer) -> None:
    payload = webhook("pull_request_opened.payload.json")
    body = json.dumps(payload)[:-1] + ', "x": ' + "[" * 1000 + "]" * 1000 + "}"
    answer = live.post("pull_request", body.encode())
    assert answer.status_code == 400
    assert answer.json() == {"status": "bad_request", "reason": "malformed payload"}
    assert live.service.queue.counts() == {}
    # the same payload nested as GitHub nests (a few levels) is accepted
    assert live.post("pull_request", payload).status_code == 202


def test_brackets_inside_strings_are_not_nesting(live: LiveServer) -> None:
    payload = webhook("pull_request_opened.payload.json")
    payload["pull_request"]["body"] = "[" * 5000 + " {{{ not nesting"
    assert live.post("pull_request", payload).status_code == 202
