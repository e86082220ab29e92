"""Bad telemetry becomes a note, never a wrong figure, and the review still completes."""

from __future__ import annotations

import time
from pathlib import Path

import bcrypt
import pytest

from bot.engine import review
from bot.findings import Status
from bot.render import render
from tests.telemetry.conftest import REVIEW_WINDOW_S, Production
from tests.telemetry.manifests import tree, workload
from tests.telemetry.prom import free_port, launch
from tests.telemetry.synth import expected_peak, prometheus_points

TELEMETRY_RULES = ("HEAD009", "HEAD010", "HEAD011")


def _cut(name: str, before: int, after: int, **kwargs):
    return (tree({"k8s/w.yaml": workload(name, replicas=before, **kwargs)}),
            tree({"k8s/w.yaml": workload(name, replicas=after, **kwargs)}))


def _telemetry_findings(decision) -> list:
    return [f for f in decision.findings if f.rule_id in TELEMETRY_RULES]


def _kept(decision) -> bool:
    replicas = next(a for a in decision.assumptions if "Replica counts" in a.text)
    return replicas.source == "repository" and not replicas.text.startswith("~~")


def test_prometheus_down(prometheus_env):
    prometheus_env.setenv("ARIA_PROMETHEUS_URL", f"http://127.0.0.1:{free_port()}")
    decision = review(*_cut("chat-tight", 4, 2))

    report = decision.telemetry
    assert report.queries == 1  # no retry storm against a server that is down
    assert any("unreachable" in n and "Connection refused" in n for n in report.notes)
    (item,) = report.workloads
    assert item.projection is None and not item.cuts
    assert all(r.value is None and r.note.startswith("not read") for r in item.readings)
    assert not _telemetry_findings(decision) and _kept(decision)
    text = render(decision, "markdown")
    assert "Telemetry stopped" in text and "unreachable" in text


def test_prometheus_that_hangs(small_blocks: Path, tmp_path: Path, prometheus_env):
    server = launch(small_blocks, tmp_path)
    try:
        server.pause()
        prometheus_env.setenv("ARIA_PROMETHEUS_URL", server.url)
        prometheus_env.setenv("ARIA_PROMETHEUS_TIMEOUT_S", "1")
        started = time.monotonic()
        decision = review(*_cut("chat-tight", 4, 2))
        took = time.monotonic() - started
    finally:
        server.stop()
    assert took < 20  # one timed-out query, then no more
    assert decision.telemetry.queries == 1
    assert any("did not answer within 1 s" in n for n in decision.telemetry.notes)
    assert not _telemetry_findings(decision) and _kept(decision)


def test_basic_auth_from_files(small_blocks: Path, tmp_path: Path, prometheus_env):
    hashed = bcrypt.hashpw(b"s3cret-pass", bcrypt.gensalt(rounds=4)).decode()
    web = tmp_path / "web.yml"
    web.write_text(f"basic_auth_users:\n  aria: {hashed}\n")
    right, wrong = tmp_path / "right", tmp_path / "wrong"
    right.write_text("s3cret-pass\n")
    wrong.write_text("guess\n")
    server = launch(small_blocks, tmp_path / "srv", web_config=web)
    try:
        prometheus_env.setenv("ARIA_PROMETHEUS_URL", server.url)
        prometheus_env.setenv("ARIA_PROMETHEUS_BASIC_AUTH_USERNAME", "aria")
        prometheus_env.setenv("ARIA_PROMETHEUS_BASIC_AUTH_PASSWORD_FILE", str(wrong))
        refused = review(*_cut("chat-tight", 4, 3))
        prometheus_env.setenv("ARIA_PROMETHEUS_BASIC_AUTH_PASSWORD_FILE", str(right))
        allowed = review(*_cut("chat-tight", 4, 3))
    finally:
        server.stop()
    assert any("refused the credentials (HTTP 401)" in n for n in refused.telemetry.notes)
    assert "s3cret" not in refused.model_dump_json() and "s3cret" not in allowed.model_dump_json()
    (item,) = allowed.telemetry.workloads
    assert item.projection is not None and item.projection.peak.value > 0


def test_query_budget(telemetry_on: Production, prometheus_env):
    prometheus_env.setenv("ARIA_PROMETHEUS_MAX_QUERIES", "3")
    decision = review(*_cut("chat-tight", 4, 2))
    report = decision.telemetry
    assert report.queries == 3
    assert any("query budget of 3" in n for n in report.notes)
    (item,) = report.workloads
    read = [r for r in item.readings if r.value is not None]
    assert len(read) <= 2 and all(r.note is None or "budget" not in r.note for r in read)
    assert any("query budget of 3" in (r.note or "") for r in item.readings)


def test_target_outside_the_allow_list_is_not_queried(prometheus_env):
    prometheus_env.setenv("ARIA_PROMETHEUS_URL", "http://169.254.169.254:80")
    decision = review(*_cut("chat-tight", 4, 2))
    assert decision.telemetry is None
    assert any("not in the allow-list" in n and "ARIA_PROMETHEUS_ALLOWLIST" in n
               for n in decision.notes)


def test_missing_series(telemetry_on: Production):
    decision = review(*_cut("ghost", 3, 2))
    (item,) = decision.telemetry.workloads
    assert item.projection is None and item.exporter is None
    assert any(r.note and r.note.startswith("no series") for r in item.readings)
    assert any("No projection" in n for n in item.notes)
    assert not _telemetry_findings(decision) and _kept(decision)
    assert "no series" in render(decision, "markdown")


def test_nan_samples_give_no_figure(telemetry_on: Production):
    decision = review(*_cut("nan-gpu", 2, 1))
    (item,) = decision.telemetry.workloads
    busy = next(r for r in item.readings if r.label.startswith("peak GPU work"))
    assert busy.value is None and "NaN or infinite values" in busy.note
    util = next(r for r in item.readings if r.label.startswith("peak GPU utilisation"))
    assert util.value is None  # a quantile over NaN values looks like a number; it is not one
    assert item.projection is None and not _telemetry_findings(decision)


def test_partial_data_cannot_confirm_a_fit(telemetry_on: Production):
    decision = review(*_cut("fresh", 3, 2))
    (item,) = decision.telemetry.workloads
    p = item.projection
    assert p.partial and p.peak.coverage == pytest.approx(0.3, abs=0.02)
    assert p.verdict in ("fits", "room")
    assert any("covers 30% of the 2d window" in n for n in item.notes)
    assert not _telemetry_findings(decision)
    assert "Cannot confirm the fit" in render(decision, "markdown")


def test_partial_data_still_shows_a_shortfall(telemetry_on: Production):
    decision = review(*_cut("fresh", 3, 1))
    (item,) = decision.telemetry.workloads
    assert item.projection.partial and item.projection.verdict in ("tight", "over")
    found = [f for f in decision.findings if f.rule_id in ("HEAD009", "HEAD010")
             and f.status is Status.new]
    assert [f.subject for f in found] == ["Deployment/serving/fresh"]


def test_counter_resets_do_not_distort_the_rate(telemetry_on: Production):
    decision = review(*_cut("chat-tight", 4, 3))
    (item,) = decision.telemetry.workloads
    tl = telemetry_on.timelines["chat-tight"]
    assert any(p.restarts for p in tl.pods)  # the data holds resets
    at = decision.telemetry.evaluated_at.timestamp()
    requests = next(r for r in item.readings if r.label.startswith("peak vLLM load"))
    assert requests.value == pytest.approx(
        expected_peak(prometheus_points(tl, tl.pod_rps, at, REVIEW_WINDOW_S, rate=True)), rel=0.01)
    assert requests.unit == "requests/s" and "rate(vllm:request_success_total" in requests.promql
