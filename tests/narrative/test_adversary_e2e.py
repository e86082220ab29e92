"""The guard against seven independent adversaries, end to end through a local HTTP endpoint.

Every planted claim is tried alone in its part and amid the part's honest rewordings, on every
review under `tests/fixtures/reviews` and the example; the bench of the same name keeps the
numbers (`bench/test_narrative_guard.py`).
"""

from __future__ import annotations

import pytest

from tests.narrative.harness import ADVERSARIES, HONEST_FLOOR, REVIEW_TREES, measure

# G's 1,513 plants take over three minutes on a busy 2-core box: more than the default limit.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]




@pytest.fixture(scope="module", params=sorted(ADVERSARIES))
def summary(request) -> dict:
    return {**measure(ADVERSARIES[request.param], seed=11).summary(),
            "floor": HONEST_FLOOR[request.param]}


def test_the_measurement_is_large_enough(summary):
    assert len(REVIEW_TREES) >= 20 and summary["reviews"] == len(REVIEW_TREES)
    assert summary["planted"] >= 300 and summary["kinds"] >= 12


def test_no_planted_claim_reaches_a_review(summary):
    assert summary["leaked"] == 0, summary["leaked_sentences"]


def test_the_decision_is_the_same_with_and_without_the_model(summary):
    assert summary["decisions_changed"] == 0


def test_most_honest_rewordings_reach_the_review(summary):
    assert summary["honest_kept_share"] >= summary["floor"]
