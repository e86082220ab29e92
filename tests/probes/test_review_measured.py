"""`aria review` measures a changed Triton config on the operator's real server."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.engine import review
from bot.findings import Status
from bot.ingest.source import DirectorySource
from bot.render import render

ARIA_YML = """
probes:
  models:
    review: {slo_ms: 500, slo_percentile: 99, peak_rps: 200, headroom: 0.3, concurrency: [1, 4]}
  method: {warmup_s: 0.3, window_s: 0.5, max_windows: 4, request_timeout_s: 5,
           control_timeout_s: 30, level_timeout_s: 10}
  ab: {rounds: 3, windows: 2}
"""


def _tree(root: Path, config: str) -> Path:
    (root / "models" / "review").mkdir(parents=True)
    (root / "models" / "review" / "config.pbtxt").write_text(config)
    (root / ".aria.yml").write_text(ARIA_YML)
    return root


def test_slowed_head_config_is_a_measured_regression(triton, tmp_path, monkeypatch):
    base_cfg = (triton.repository / "review" / "config.pbtxt").read_text()
    assert "max_queue_delay_microseconds: 100" in base_cfg
    head_cfg = base_cfg.replace("max_queue_delay_microseconds: 100",
                                "max_queue_delay_microseconds: 20000")
    base = _tree(tmp_path / "base", base_cfg)
    head = _tree(tmp_path / "head", head_cfg)
    monkeypatch.setenv("ARIA_PROBE_URL", triton.server.url("http"))
    monkeypatch.setenv("ARIA_PROBE_SERVER_LOG", str(triton.server.log_path))

    decision = review(DirectorySource(base), DirectorySource(head))

    (report,) = decision.measurements
    assert report.model == "review" and report.path == "models/review/config.pbtxt"
    assert report.verdict in ("regression", "mixed")
    regressions = [f for f in decision.findings if f.rule_id == "PROBE002"]
    assert regressions and all(f.status is Status.new for f in regressions)
    assert all(e.location and e.location.path.startswith("measurement:")
               for f in regressions for e in f.evidence)
    text = render(decision, "markdown")
    assert "📊" in text and "xychart-beta" in text


def test_no_target_means_no_measurement_and_a_note(triton, tmp_path, monkeypatch):
    cfg = (triton.repository / "review" / "config.pbtxt").read_text()
    base = _tree(tmp_path / "base", cfg)
    head = _tree(tmp_path / "head", cfg.replace("max_queue_delay_microseconds: 100",
                                                "max_queue_delay_microseconds: 300"))
    monkeypatch.delenv("ARIA_PROBE_URL", raising=False)
    decision = review(DirectorySource(base), DirectorySource(head))
    assert decision.measurements == []
    assert any("ARIA_PROBE_URL" in n for n in decision.notes)


@pytest.mark.parametrize("url", ["10.0.0.5:8000", "metadata.google.internal:80"])
def test_a_target_outside_the_allow_list_is_refused(url, tmp_path, monkeypatch):
    from bot.probes.errors import ProbeUsageError
    from bot.probes.settings import ProbeSettings
    monkeypatch.setenv("ARIA_PROBE_URL", url)
    monkeypatch.delenv("ARIA_PROBE_ALLOWLIST", raising=False)
    with pytest.raises(ProbeUsageError, match="allow-list"):
        ProbeSettings.from_env().target()
