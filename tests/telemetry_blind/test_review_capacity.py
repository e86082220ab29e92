"""Reviews of capacity changes against two weeks of measured production load.

Every expected figure comes from the generator's own samples (`Truth`); the policy is the
repository's `.aria.yml` (headroom 25%-40%).
"""

from __future__ import annotations

import math
from datetime import datetime
from pathlib import Path

import pytest

from tests.telemetry_blind.conftest import Fleet, review, review_json_and_markdown
from tests.telemetry_blind.expect import (
    GAUGE_TOLERANCE,
    RATE_TOLERANCE,
    assert_cited,
    close,
    evidence_queries,
    findings,
    markdown_section,
    numbers,
    percents,
    reading,
    shown_figures,
    workload,
)
from tests.telemetry_blind.manifests import Change, write_tree
from tests.telemetry_blind.scenario import (
    CHECKOUT,
    EMBEDDER,
    GEMMA,
    HEADROOM_MIN,
    LLAMA,
    RESNET,
)

pytestmark = pytest.mark.slow

CEILING = 1 - HEADROOM_MIN          # highest peak utilisation the policy allows


def _away_from_integer(x: float, rel: float) -> None:
    """Guard: a ceil() expectation is only well-posed when tolerance cannot cross an
    integer."""
    assert math.floor(x * (1 - rel)) == math.floor(x * (1 + rel)), x


@pytest.fixture(scope="module")
def cuts(fleet: Fleet, base_tree: Path, tmp_path_factory: pytest.TempPathFactory):
    """One PR: triton-resnet 4 → 3 (fits) and vllm-llama 4 → 2 (cannot carry the peak)."""
    head = write_tree(tmp_path_factory.mktemp("cuts") / "head",
                      {RESNET.key: Change(replicas=3), LLAMA.key: Change(replicas=2)})
    return review_json_and_markdown(base_tree, head, fleet.prometheus.url)


def _review(fleet: Fleet, base: Path, tmp: Path, changes: dict[str, Change]) -> dict:
    doc = review(base, write_tree(tmp / "head", changes), fleet.prometheus.url).json()
    assert_cited(doc)
    return doc


# -- 4 → 3 fits the measured peak with the policy's headroom --------------------------------
def test_cut_that_fits_measured_peak_raises_nothing(cuts, fleet: Fleet) -> None:
    doc, md = cuts
    truth = fleet.truth(RESNET.key)
    projected = truth.gpu_util_p99 * 4 / 3
    assert projected * (1 + GAUGE_TOLERANCE) < CEILING, "scenario must fit with margin"

    for rule in ("HEAD009", "HEAD010", "HEAD011"):
        assert not findings(doc, rule, RESNET.key), rule
    proj = workload(doc, RESNET.key)["projection"]
    assert proj is not None and not proj["partial"]
    assert close(proj["utilisation_before"], truth.gpu_util_p99, GAUGE_TOLERANCE)
    assert close(proj["utilisation_after"], projected, GAUGE_TOLERANCE)
    assert proj["headroom_after"] >= HEADROOM_MIN
    assert proj["verdict"] not in ("tight", "over")
    need = truth.gpu_busy_p99 / CEILING          # GPUs (1 per replica) the peak needs
    _away_from_integer(need, GAUGE_TOLERANCE)
    assert proj["replicas_needed"] == math.ceil(need) <= 3
    block = markdown_section(md, RESNET.key)
    assert "❌" not in block and "⚠️" not in block


# -- 4 → 2 cannot carry the peak --------------------------------------------------------------
def test_cut_below_measured_peak_is_an_error_citing_query_and_values(cuts, fleet: Fleet) -> None:
    doc, md = cuts
    truth = fleet.truth(LLAMA.key)
    assert truth.gpu_busy_p99 > 2 * (1 + GAUGE_TOLERANCE), "scenario: 2 GPUs are short"

    (f,) = findings(doc, "HEAD010", LLAMA.key)
    assert f["severity"] == "error" and f["status"] == "new"
    cited = evidence_queries(f)
    assert cited, f"HEAD010 cites no query: {f['evidence']}"
    promql, value = cited[0]
    assert "DCGM_FI_DEV_GPU_UTIL" in promql or "vllm:" in promql
    assert "14d" in promql
    if "DCGM_FI_DEV_GPU_UTIL" in promql:
        assert close(float(value), truth.gpu_busy_p99, GAUGE_TOLERANCE), (value, truth)
        assert any(close(n, truth.gpu_busy_p99, GAUGE_TOLERANCE + 0.005)
                   for n in numbers(f["message"])), f["message"]
    assert 2.0 in [e["value"] for e in f["evidence"]], "capacity after the change"
    proj = workload(doc, LLAMA.key)["projection"]
    assert close(proj["utilisation_after"], truth.gpu_util_p99 * 4 / 2, GAUGE_TOLERANCE)
    assert "HEAD010" in md and promql in md


# -- HPA max below what the HPA wanted at peak -----------------------------------------------
def test_hpa_max_cut_below_replicas_the_hpa_wanted(fleet: Fleet, base_tree: Path,
                                                   tmp_path: Path) -> None:
    truth = fleet.truth(CHECKOUT.key)
    wanted = truth.hpa_desired_p99
    assert wanted is not None and wanted > 6, "scenario: the HPA wanted more than 6"
    doc = _review(fleet, base_tree, tmp_path, {CHECKOUT.key: Change(hpa_max=6)})

    (f,) = findings(doc, "HEAD010", CHECKOUT.key)
    assert f["severity"] == "error"
    cited = [(q, v) for q, v in evidence_queries(f)
             if "kube_horizontalpodautoscaler_status_desired_replicas" in q]
    assert cited, f["evidence"]
    promql, value = cited[0]
    assert 'horizontalpodautoscaler="checkout-api"' in promql and "14d" in promql
    assert float(value) == wanted
    assert {6.0, wanted} <= set(numbers(f["message"])), f["message"]
    assert not findings(doc, "HEAD011", CHECKOUT.key), "an HPA owns the replica count"


def test_hpa_max_cut_that_stays_above_what_the_hpa_wanted_raises_nothing(
        fleet: Fleet, base_tree: Path, tmp_path: Path) -> None:
    truth = fleet.truth(CHECKOUT.key)
    assert truth.hpa_desired_p99 is not None and truth.hpa_desired_p99 <= 9
    assert truth.peak_cpu_cores / (9 * CHECKOUT.cpu_request) * (1 + RATE_TOLERANCE) < CEILING
    doc = _review(fleet, base_tree, tmp_path, {CHECKOUT.key: Change(hpa_max=9)})
    for rule in ("HEAD009", "HEAD010", "HEAD011"):
        assert not findings(doc, rule, CHECKOUT.key), rule
    w = workload(doc, CHECKOUT.key)
    wanted = [r for r in shown_figures(doc)
              if "kube_horizontalpodautoscaler_status_desired_replicas" in r["promql"]]
    assert wanted and all(r["value"] == truth.hpa_desired_p99 for r in wanted)
    # CPU from cAdvisor: the serving container only, not its pod's own cgroup (container="")
    cpu = reading(w, "container_cpu_usage_seconds_total", {"CPU cores"})
    assert close(cpu["value"], truth.peak_cpu_cores, RATE_TOLERANCE), (cpu, truth)
    rps = reading(w, "http_server_requests_seconds_count", {"requests/s"})
    assert close(rps["value"], truth.peak_rps, RATE_TOLERANCE), (rps, truth)


# -- fits, but with less headroom than the policy ---------------------------------------------
def test_cut_that_fits_but_leaves_less_headroom_than_policy(fleet: Fleet, base_tree: Path,
                                                           tmp_path: Path) -> None:
    truth = fleet.truth(LLAMA.key)
    projected = truth.gpu_util_p99 * 4 / 3
    assert projected * (1 - GAUGE_TOLERANCE) > CEILING and projected * (1 + GAUGE_TOLERANCE) < 1
    doc = _review(fleet, base_tree, tmp_path, {LLAMA.key: Change(replicas=3)})

    assert not findings(doc, "HEAD010", LLAMA.key), "the peak fits in 3 replicas"
    (f,) = findings(doc, "HEAD009", LLAMA.key)
    assert f["severity"] == "warning"
    assert evidence_queries(f), f["evidence"]
    proj = workload(doc, LLAMA.key)["projection"]
    assert close(proj["utilisation_after"], projected, GAUGE_TOLERANCE)
    assert close(proj["headroom_after"], 1 - projected, 3 * GAUGE_TOLERANCE)
    # the message states the projected utilisation (rounded to a whole percent)
    assert any(abs(p - projected * 100) <= 100 * GAUGE_TOLERANCE * projected + 0.5
               for p in percents(f["message"])), f["message"]


# -- the repository disagrees with what runs --------------------------------------------------
def test_replicas_in_repository_disagree_with_cluster(fleet: Fleet, base_tree: Path,
                                                      tmp_path: Path) -> None:
    truth = fleet.truth(EMBEDDER.key)
    assert truth.spec_replicas_now != EMBEDDER.replicas
    # a PR that touches the workload's capacity (memory) but not its replica count
    doc = _review(fleet, base_tree, tmp_path, {EMBEDDER.key: Change(memory_gib=12)})
    (f,) = findings(doc, "HEAD011", EMBEDDER.key)
    values = [v for _, v in evidence_queries(f)]
    assert float(truth.spec_replicas_now) in values, f["evidence"]
    assert any("kube_deployment" in q and 'deployment="embedder"' in q
               for q, _ in evidence_queries(f))
    msg = numbers(f["message"])
    assert EMBEDDER.replicas in msg and truth.spec_replicas_now in msg, f["message"]
    for rule in ("HEAD009", "HEAD010"):
        assert not findings(doc, rule, EMBEDDER.key), rule


# -- every figure: its PromQL, window, and the value Prometheus gives -------------------------
def test_every_figure_comes_with_promql_and_window(cuts, fleet: Fleet) -> None:
    doc, md = cuts
    shown = shown_figures(doc)
    assert len(shown) >= 8
    for fig in shown:
        assert fig["promql"] and fig["window"] and fig["stat"], fig
        assert fig["window"] in ("14d", "now"), fig
        assert fig["promql"] in md, f"PromQL of {fig['label']!r} not in the Markdown"
        line = next(ln for ln in md.splitlines() if fig["promql"] in ln)
        assert fig["window"] in line or fig["window"] == "now" and "now" in line, line
    for f in findings(doc, "HEAD010") + findings(doc, "HEAD009"):
        for promql, _ in evidence_queries(f):
            assert promql in md


def test_every_figure_is_what_its_query_returns(cuts, fleet: Fleet) -> None:
    doc, _ = cuts
    at = datetime.fromisoformat(doc["telemetry"]["evaluated_at"].replace("Z", "+00:00"))
    for fig in shown_figures(doc):
        result = fleet.prometheus.query(fig["promql"], at.timestamp())
        assert len(result) == 1, (fig["promql"], result)
        got = float(result[0]["value"][1])
        assert close(float(fig["value"]), got, 0.005), (fig["label"], fig["value"], got)


def test_figures_match_the_generated_load(cuts, fleet: Fleet) -> None:
    doc, _ = cuts
    resnet, llama = fleet.truth(RESNET.key), fleet.truth(LLAMA.key)
    w = workload(doc, RESNET.key)
    rate = reading(w, "nv_inference", {"inferences/s", "requests/s"})
    assert close(rate["value"], resnet.peak_rps, RATE_TOLERANCE), (rate, resnet.peak_rps)
    util = reading(w, "DCGM_FI_DEV_GPU_UTIL", {"%"})
    assert close(util["value"], resnet.gpu_util_p99 * 100, GAUGE_TOLERANCE)
    busy = reading(w, "DCGM_FI_DEV_GPU_UTIL", {"GPUs busy"})
    assert close(busy["value"], resnet.gpu_busy_p99, GAUGE_TOLERANCE)

    w = workload(doc, LLAMA.key)
    rate = reading(w, "vllm:request_success_total", {"requests/s"})
    assert close(rate["value"], llama.peak_rps, RATE_TOLERANCE), (rate, llama.peak_rps)
    lat = reading(w, "vllm:e2e_request_latency_seconds_bucket", {"ms", "s"})
    seconds = lat["value"] / 1000 if lat["unit"] == "ms" else lat["value"]
    low, high = llama.latency_p99_bucket
    assert low < seconds <= high, (seconds, llama.latency_p99_bucket)


# -- a workload whose series the repository maps in .aria.yml ----------------------------------
def test_workload_mapped_in_aria_yml_is_read_with_its_selector(fleet: Fleet, base_tree: Path,
                                                               tmp_path: Path) -> None:
    truth = fleet.truth(GEMMA.key)
    assert truth.gpu_busy_p99 * (1 + GAUGE_TOLERANCE) < CEILING, "2 → 1 GPU still fits"
    doc = _review(fleet, base_tree, tmp_path, {GEMMA.key: Change(replicas=1)})
    w = workload(doc, GEMMA.key)
    rate = reading(w, "vllm:request_success_total", {"requests/s"})
    assert 'app_kubernetes_io_name="vllm-gemma"' in rate["promql"], rate["promql"]
    assert close(rate["value"], truth.peak_rps, RATE_TOLERANCE), (rate, truth.peak_rps)
    for rule in ("HEAD009", "HEAD010"):
        assert not findings(doc, rule, GEMMA.key), rule
