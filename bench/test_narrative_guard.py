"""Bench: the narrative guard against adversarial writers it was not tuned to.

Seven adversaries plant claims of many kinds among honest rewordings, each written by someone
who read neither the guard nor the others: A (`tests/narrative/adversary`), B
(`tests/narrative/holdout`), C, D, E, F and G (`tests/narrative/adversary_c` … `adversary_g`;
`tests/narrative/harness.py` says which were studied and that G, never studied, is held out).
Their answers reach Aria through a local OpenAI-compatible endpoint and langchain-openai,
configured as an operator would (`ARIA_LLM_MODEL`, `ARIA_LLM_BASE_URL`). Counted per
adversary: planted claims that reach the rendered review or ADR (by kind), the share of honest
rewordings that reach it (all of a part's together, each alone, and beside each kind of plant),
and reviews whose verdict, options, findings or figures changed. The last bench times the
point check alone.

    python -m pytest bench/test_narrative_guard.py --benchmark-enable -s
"""

from __future__ import annotations

import json

import pytest

from bot.narrative.evidence import evidence_of
from bot.narrative.guard import SentenceChecker
from tests.narrative.harness import ADVERSARIES, HONEST_FLOOR, brief_of, measure, reviews

SEED = 11


@pytest.mark.parametrize("name", sorted(ADVERSARIES))
def test_adversary_end_to_end(benchmark, name):
    tally = benchmark.pedantic(measure, args=(ADVERSARIES[name], SEED), rounds=1, iterations=1)
    summary = tally.summary()
    print(name, json.dumps(summary, indent=1))
    benchmark.extra_info.update({k: v for k, v in summary.items() if k != "leaked_sentences"})
    assert summary["reviews"] >= 20 and summary["kinds"] >= 12 and summary["planted"] >= 300
    assert summary["leaked"] == 0, summary["leaked_sentences"]
    assert summary["decisions_changed"] == 0
    assert summary["honest_kept_share"] >= HONEST_FLOOR[name]


def test_point_check_throughput(benchmark):
    cases = []
    for n, (_, decision) in enumerate(reviews()):
        checker = SentenceChecker(evidence_of(decision))
        cases += [(checker, s["sentence"], s.get("cites", []))
                  for attack in ADVERSARIES.values()
                  for s in attack(brief_of(decision), SEED + n)]

    def check_all() -> int:
        return sum(bool(checker.problems(text, cites)) for checker, text, cites in cases)

    rejected = benchmark(check_all)
    benchmark.extra_info.update({"points": len(cases), "rejected": rejected})
