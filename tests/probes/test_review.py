"""The review integration on a real server: report contents and the rendered 📊 section."""

from __future__ import annotations

import json

from bot.config import ProbeModelSettings
from bot.measurements import ABSettings, MethodSettings, ProbeReport
from bot.probes.run import probe_config_texts
from bot.probes.sample_model import config_pbtxt
from bot.probes.settings import PriceTable
from bot.render.probe import render_probe_markdown

from .conftest import SLOW_MS, Triton

SETTINGS = ProbeModelSettings(
    slo_ms=500, slo_percentile=99, peak_rps=1000, headroom=0.3, concurrency=[1, 2]
)


def test_ab_report_and_markdown(triton: Triton, fast_method: MethodSettings) -> None:
    report = probe_config_texts(
        "review",
        config_pbtxt("review", sleep_ms=SLOW_MS, max_queue_delay_us=100),
        config_pbtxt("review", sleep_ms=SLOW_MS * 5, max_queue_delay_us=2000),
        triton.target(),
        SETTINGS,
        method=fast_method,
        ab_settings=ABSettings(rounds=2, windows=2),
        price=PriceTable(replica_hour_usd=2.0),
    )
    assert report.error is None
    assert report.verdict == "regression"
    assert report.base is not None and report.head is not None and report.ab is not None
    assert [lv.concurrency for lv in report.head.levels] == [1, 2]

    # Replicas follow the formula from the measured throughput at the best SLO level.
    cap = report.capacity_head
    assert cap is not None and cap.meets_slo and cap.concurrency == 2
    expected = -(-1000 // (cap.throughput_per_replica * 0.7))
    assert report.replicas_needed == expected
    assert report.cost_per_million_usd == report.replicas_needed * 2.0 / (1000 * 3600) * 1e6

    assert len(report.options) >= 2
    assert sum(o.recommended for o in report.options) == 1
    keep = next(o for o in report.options if o.title == "Keep the base config")
    assert keep.recommended  # the head regressed
    assert any("100 µs queue delay" in o.title for o in report.options)
    assert 3 <= len(report.next_steps) <= 5
    assert any("2 USD per replica-hour" in a for a in report.assumptions)
    # Serialisable, and rebuilt from JSON as the review's renderer does.
    again = ProbeReport.model_validate(json.loads(report.model_dump_json()))
    assert render_probe_markdown(again) == render_probe_markdown(report)

    md = render_probe_markdown(report)
    assert md.startswith("### 📊 Latency probe: `review`")
    assert "```mermaid\nxychart-beta" in md
    assert 'x-axis "concurrency" [1, 2]' in md
    assert md.count("    line [") == 3  # base, head, SLO
    assert "⚠️ regression" in md
    assert "#### Next Steps" in md and "✅" in md


def test_new_model_is_measured_alone(triton: Triton, fast_method: MethodSettings) -> None:
    settings = SETTINGS.model_copy(update={"concurrency": [1], "peak_rps": None})
    report = probe_config_texts(
        "review",
        None,
        config_pbtxt("review", sleep_ms=SLOW_MS),
        triton.target("grpc"),
        settings,
        method=fast_method,
        price=None,
    )
    assert report.verdict == "measured" and report.base is None and report.ab is None
    assert report.replicas_needed is None  # no peak load given: nothing is invented
    assert report.slo_verdict is not None and "meets the p99 SLO" in report.slo_verdict
    assert len(report.options) >= 2


def test_refused_head_is_a_finding_with_tritons_message(
    triton: Triton, fast_method: MethodSettings
) -> None:
    head = config_pbtxt("review", sleep_ms=SLOW_MS).replace(
        "max_queue_delay_microseconds: 100",
        "max_queue_delay_microseconds: 100 preferred_batch_size: [ 64 ]",
    )
    report = probe_config_texts(
        "review",
        config_pbtxt("review", sleep_ms=SLOW_MS),
        head,
        triton.target(),
        SETTINGS,
        method=fast_method,
    )
    assert report.verdict == "refused"
    assert report.error is not None
    assert "preferred size must be <= max batch size" in report.error
    assert report.options[0].recommended and "refused" in report.options[0].title
    md = render_probe_markdown(report)
    assert "Triton refused the PR's config" in md
    # The model still serves its previous config.
    after = probe_config_texts(
        "review", None, config_pbtxt("review", sleep_ms=SLOW_MS), triton.target(),
        SETTINGS.model_copy(update={"concurrency": [1]}), method=fast_method,
    )  # fmt: skip
    assert after.head is not None and after.head.levels[0].errors == 0


def test_unparseable_head_is_reported_not_raised(triton: Triton) -> None:
    report = probe_config_texts(
        "review", "name: 'review'", "max_batch_size: [", triton.target(), SETTINGS
    )
    assert report.verdict == "refused" and "does not parse" in (report.error or "")
