"""Telemetry that is absent, broken or partial: the review completes, says why in a note,
and neither invents a figure nor confirms capacity it could not measure."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest

from tests.telemetry_blind.conftest import Fleet, review, review_json_and_markdown
from tests.telemetry_blind.expect import (
    GAUGE_TOLERANCE,
    RATE_TOLERANCE,
    TELEMETRY_RULES,
    all_notes,
    assert_cited,
    close,
    evidence_queries,
    figures,
    findings,
    markdown_section,
    reading,
    shown_figures,
    telemetry_findings,
    workload,
)
from tests.telemetry_blind.manifests import Change, write_tree
from tests.telemetry_blind.prometheus import Relay, free_port
from tests.telemetry_blind.scenario import FALCON, LLAMA, MISTRAL, QWEN, RESNET

pytestmark = pytest.mark.slow

REPOSITORY_ASSUMPTION = "read from the files in the repository"


def _assumption_kept(doc: dict) -> None:
    """The repository's replica assumption still stands, not struck through as replaced."""
    texts = [a["text"] for a in doc["assumptions"] if REPOSITORY_ASSUMPTION in a["text"]]
    assert texts, doc["assumptions"]
    assert not any(t.startswith("~~") for t in texts), texts


def _other_findings(doc: dict) -> list[tuple[str, str, str]]:
    return sorted((f["rule_id"], f["subject"], f["status"]) for f in doc["findings"]
                  if f["rule_id"] not in TELEMETRY_RULES)


@pytest.fixture(scope="module")
def llama_cut(base_tree: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """vllm-llama 4 → 2, and its review with telemetry off (what the repository alone says)."""
    head = write_tree(tmp_path_factory.mktemp("llama-cut") / "head",
                      {LLAMA.key: Change(replicas=2)})
    return head, review(base_tree, head, None).json()


def _no_capacity_verdict(doc: dict) -> None:
    assert not telemetry_findings(doc), [f["rule_id"] for f in telemetry_findings(doc)]
    assert not shown_figures(doc), [f["label"] for f in shown_figures(doc)]
    for w in (doc.get("telemetry") or {}).get("workloads", []):
        assert not w.get("projection"), w["subject"]


# -- Prometheus unreachable / too slow ---------------------------------------------------------
def test_prometheus_down(base_tree: Path, llama_cut) -> None:
    head, offline = llama_cut
    run = review(base_tree, head, f"http://127.0.0.1:{free_port()}")
    doc = run.json()
    _no_capacity_verdict(doc)
    assert _other_findings(doc) == _other_findings(offline), "the rest of the review is whole"
    assert re.search(r"unreachable|refused|could not connect|down", all_notes(doc), re.I), \
        all_notes(doc)
    _assumption_kept(doc)


def test_prometheus_too_slow(fleet: Fleet, base_tree: Path, llama_cut) -> None:
    head, offline = llama_cut
    with Relay(fleet.prometheus.url, delay_s=4.0) as slow:
        run = review(base_tree, head, slow.url,
                     extra_env={"ARIA_PROMETHEUS_TIMEOUT_S": "1",
                                "ARIA_PROMETHEUS_DEADLINE_S": "5"})
    doc = run.json()
    assert run.seconds < 60, f"review took {run.seconds:.0f} s against a 5 s telemetry deadline"
    _no_capacity_verdict(doc)
    assert _other_findings(doc) == _other_findings(offline), "the rest of the review is whole"
    assert re.search(r"did not answer|timed? ?out|deadline", all_notes(doc), re.I), \
        all_notes(doc)
    _assumption_kept(doc)


# -- a workload whose series are missing -------------------------------------------------------
def test_missing_series_become_a_note_not_a_figure(fleet: Fleet, base_tree: Path,
                                                   tmp_path: Path) -> None:
    head = write_tree(tmp_path / "head", {FALCON.key: Change(replicas=2)})
    doc, md = review_json_and_markdown(base_tree, head, fleet.prometheus.url)
    for rule in ("HEAD009", "HEAD010"):
        assert not findings(doc, rule, FALCON.key), rule
    w = workload(doc, FALCON.key)
    assert not w.get("projection")
    # what it could read (kube-state-metrics) is fine; there is no load or GPU figure
    for fig in w["readings"]:
        if fig["value"] is not None:
            assert "kube_deployment" in fig["promql"], fig
    assert re.search(r"not found|no series|no data|missing", "\n".join(w["notes"]), re.I), \
        w["notes"]
    block = markdown_section(md, FALCON.key)
    assert "✅" not in block and "Fits" not in block


# -- NaN / Inf in the data ---------------------------------------------------------------------
def test_nan_in_gauges_is_noted_and_never_shown(fleet: Fleet, base_tree: Path,
                                               tmp_path: Path) -> None:
    truth = fleet.truth(QWEN.key)
    assert truth.nonfinite_samples > 0
    head = write_tree(tmp_path / "head", {QWEN.key: Change(replicas=2)})
    doc, md = review_json_and_markdown(base_tree, head, fleet.prometheus.url)
    assert re.search(r"NaN", all_notes(doc)), all_notes(doc)
    for fig in figures(doc):
        assert fig["value"] is None or math.isfinite(float(fig["value"])), fig
    block = markdown_section(md, QWEN.key)
    bold = re.findall(r"\*\*([^*]+)\*\*", block)       # how Markdown shows each figure
    assert not [b for b in bold if re.match(r"[+-]?(nan|inf)", b.strip(), re.I)], bold
    w = workload(doc, QWEN.key)
    rate = reading(w, "vllm:request_success_total", {"requests/s"})
    assert close(rate["value"], truth.peak_rps, RATE_TOLERANCE), (rate, truth.peak_rps)
    # a GPU figure, where one is shown, is the one of the valid samples
    for fig in w["readings"]:
        if "DCGM_FI_DEV_GPU_UTIL" in fig["promql"] and fig["value"] is not None:
            expected = truth.gpu_util_p99 * 100 if fig["unit"] == "%" else truth.gpu_busy_p99
            assert close(fig["value"], expected, GAUGE_TOLERANCE), fig
    # 3 → 2 fits the valid data (0.41 x 3/2 = 61%): nothing may claim a shortfall
    for rule in ("HEAD009", "HEAD010"):
        assert not findings(doc, rule, QWEN.key), rule


# -- only 2 days of data for a 14-day window ---------------------------------------------------
def test_partial_window_never_confirms_capacity(fleet: Fleet, base_tree: Path,
                                               tmp_path: Path) -> None:
    truth = fleet.truth(MISTRAL.key)
    assert truth.coverage < 0.9 and truth.gpu_busy_p99 / 3 < 0.75, "fits on the 2 days"
    head = write_tree(tmp_path / "head", {MISTRAL.key: Change(replicas=3)})
    doc, md = review_json_and_markdown(base_tree, head, fleet.prometheus.url)
    for rule in ("HEAD009", "HEAD010"):
        assert not findings(doc, rule, MISTRAL.key), rule
    w = workload(doc, MISTRAL.key)
    notes = "\n".join(w["notes"])
    assert f"{round(truth.coverage * 100)}%" in notes, notes
    if w.get("projection"):
        assert w["projection"]["partial"] is True
        assert w["projection"]["verdict"] != "fits"
    for fig in w["readings"]:
        if fig["coverage"] is not None:
            assert abs(fig["coverage"] - truth.coverage) < 0.01, fig
    rate = reading(w, "vllm:request_success_total", {"requests/s"})
    assert close(rate["value"], truth.peak_rps, RATE_TOLERANCE)
    # the verdict line: no success mark, no "fits" on two days of a fourteen-day window
    block = markdown_section(md, MISTRAL.key)
    verdicts = [ln for ln in block.splitlines() if ln.startswith(("✅", "⚠️", "❌", "ℹ️"))]
    assert verdicts, block
    for ln in verdicts:
        assert not ln.startswith("✅"), ln
        assert not re.search(r"\bfits\b", ln, re.I) or "cannot confirm" in ln.lower(), ln


def test_partial_window_still_reports_a_shortfall(fleet: Fleet, base_tree: Path,
                                                  tmp_path: Path) -> None:
    truth = fleet.truth(MISTRAL.key)
    assert truth.gpu_busy_p99 > 1 * (1 + GAUGE_TOLERANCE), "1 GPU is short even on 2 days"
    head = write_tree(tmp_path / "head", {MISTRAL.key: Change(replicas=1)})
    doc = review(base_tree, head, fleet.prometheus.url).json()
    assert_cited(doc)
    (f,) = findings(doc, "HEAD010", MISTRAL.key)
    cited = [v for q, v in evidence_queries(f) if "DCGM_FI_DEV_GPU_UTIL" in q]
    if cited:
        assert close(float(cited[0]), truth.gpu_busy_p99, GAUGE_TOLERANCE)
    else:
        assert evidence_queries(f), f["evidence"]


# -- telemetry off, and changes that touch no capacity -----------------------------------------
def test_telemetry_off_falls_back_to_repository_assumptions(llama_cut) -> None:
    _, doc = llama_cut
    assert doc["telemetry"] is None
    assert not telemetry_findings(doc)
    _assumption_kept(doc)


def test_change_that_touches_no_capacity_asks_prometheus_nothing(
        fleet: Fleet, base_tree: Path, tmp_path: Path) -> None:
    head = write_tree(tmp_path / "head",
                      {RESNET.key: Change(annotation='ml.example.com/owner: "vision-team"')})
    with Relay(fleet.prometheus.url) as relay:
        doc = review(base_tree, head, relay.url).json()
    assert relay.queries() == [], relay.queries()
    assert not telemetry_findings(doc)
    tel = doc["telemetry"]
    assert tel is None or not tel["workloads"]
