"""`aria audit` of the whole repository against measured GPU use and running replicas."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.telemetry_blind.conftest import Fleet, aria
from tests.telemetry_blind.expect import (
    TELEMETRY_RULES,
    assert_cited,
    close,
    evidence_queries,
    findings,
    numbers,
)
from tests.telemetry_blind.scenario import (
    CHECKOUT,
    DETECTOR,
    EMBEDDER,
    FLEET,
    HEADROOM_MAX,
)

pytestmark = pytest.mark.slow

FAR_BELOW = 0.5          # COST006's `far_below` (aria rules COST006)
# the policy's lowest planned peak is 1 - headroom.max; "far below" is half of it
OVERPROVISIONED_BELOW = FAR_BELOW * (1 - HEADROOM_MAX)


@pytest.fixture(scope="module")
def audit(fleet: Fleet, base_tree: Path) -> dict:
    doc = aria(["audit", str(base_tree), "-f", "json", "--fail-on", "never"],
               fleet.prometheus.url).json()
    assert_cited(doc)
    return doc


def test_overprovisioned_gpu_workload_is_a_cost_finding_with_gpu_hours(audit, fleet) -> None:
    truth = fleet.truth(DETECTOR.key)
    assert truth.gpu_util_max_any < OVERPROVISIONED_BELOW, "scenario: idle all window"
    (f,) = findings(audit, "COST006", DETECTOR.key)
    cited = dict(evidence_queries(f))
    hours = [v for q, v in cited.items() if "DCGM_FI_DEV_GPU_UTIL" in q and v > 100]
    assert hours and close(float(hours[0]), truth.gpu_hours, 0.01), (cited, truth.gpu_hours)
    peak = [v for q, v in cited.items() if "DCGM_FI_DEV_GPU_UTIL" in q and v <= 100]
    assert peak and abs(float(peak[0]) - truth.gpu_util_max_any * 100) <= 1.0, cited
    assert all("14d" in q for q in cited)
    # the message states the GPU-hours (rounded) and the GPUs per pod
    assert any(close(n, truth.gpu_hours, 0.01) for n in numbers(f["message"])), f["message"]


def test_gpu_workloads_used_near_policy_are_not_flagged(audit, fleet) -> None:
    for w in FLEET:
        if w is DETECTOR or not w.gpus_per_pod:
            continue
        truth = fleet.truth(w.key)
        # busy workloads, and those whose GPU data is missing or unreadable: no cost claim
        if truth.gpu_util_max_any is not None:
            assert truth.gpu_util_max_any > OVERPROVISIONED_BELOW, w.key
        assert not findings(audit, "COST006", w.key), w.key


def test_audit_flags_replica_drift_only_where_it_exists(audit, fleet) -> None:
    truth = fleet.truth(EMBEDDER.key)
    (f,) = findings(audit, "HEAD011", EMBEDDER.key)
    assert float(truth.spec_replicas_now) in [v for _, v in evidence_queries(f)]
    for w in FLEET:
        if w is EMBEDDER:
            continue
        # same count as written, or no count written (an HPA owns it: checkout-api)
        assert w is CHECKOUT or fleet.truth(w.key).spec_replicas_now == w.replicas
        assert not findings(audit, "HEAD011", w.key), w.key


def test_audit_without_telemetry_has_no_telemetry_findings(base_tree: Path) -> None:
    doc = aria(["audit", str(base_tree), "-f", "json", "--fail-on", "never"], None).json()
    assert doc["telemetry"] is None
    assert not [f for f in doc["findings"] if f["rule_id"] in TELEMETRY_RULES]
