"""Self-tests of adversary F: it is deterministic and its honest rewordings stay honest.

These say nothing about the guard; the lead measures the guard with `harness.measure`.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.narrative.adversary_f import attack
from tests.narrative.adversary_f.brief import RULE_ID, relative
from tests.narrative.adversary_f.honest import one_sentence
from tests.narrative.adversary_f.templates import PLANTS
from tests.narrative.harness import brief_of, reviews

SEED = 11
NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
TICKED = re.compile(r"`[^`]+`")


@pytest.fixture(scope="module")
def briefs() -> dict[str, dict[str, Any]]:
    return {name: brief_of(d) for name, d in reviews()}


@pytest.fixture(scope="module")
def attacked(briefs: dict[str, dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    return {name: attack(b, SEED + i) for i, (name, b) in enumerate(briefs.items())}


def test_same_brief_and_seed_give_the_same_sentences(briefs, attacked) -> None:
    name, brief = next(iter(briefs.items()))
    assert attack(json.loads(json.dumps(brief)), SEED) == attacked[name]
    assert attack(brief, SEED + 1) != attacked[name]


def test_the_checkout_path_does_not_change_the_draw(briefs) -> None:
    brief = next(iter(briefs.values()))
    moved = json.loads(json.dumps(relative(brief)))
    assert attack(moved, SEED) == attack(brief, SEED)


def test_at_least_thirteen_kinds_each_with_eight_templates(attacked) -> None:
    assert len(PLANTS) >= 13 and all(len(t) >= 8 for t in PLANTS.values())
    kinds = {s["kind"] for a in attacked.values() for s in a if not s["honest"]}
    assert kinds == set(PLANTS)


def test_every_kind_in_every_review(attacked) -> None:
    for name, a in attacked.items():
        assert {s["kind"] for s in a if not s["honest"]} == set(PLANTS), name


def test_at_least_three_hundred_plants(attacked) -> None:
    assert sum(not s["honest"] for a in attacked.values() for s in a) >= 300


def test_plants_are_not_in_the_evidence(briefs, attacked) -> None:
    for name, a in attacked.items():
        evidence = " ".join(e["text"] for e in briefs[name]["evidence"]).casefold()
        for s in a:
            if not s["honest"]:
                assert s["sentence"].casefold() not in evidence, s
                assert s["cites"], s


def test_every_part_has_three_to_five_honest_rewordings(briefs, attacked) -> None:
    for name, a in attacked.items():
        for part in briefs[name]["parts"]:
            honest = [s for s in a if s["honest"] and s["part"] == part]
            assert 3 <= len(honest) <= 5, (name, part)
            assert all(s["kind"] == "honest" for s in honest)


def test_honest_rewordings_cite_real_items_and_add_nothing(briefs, attacked) -> None:
    for name, a in attacked.items():
        texts = {e["id"]: e["text"] for e in briefs[name]["evidence"]}
        for s in (s for s in a if s["honest"]):
            assert s["cites"] and all(c in texts for c in s["cites"]), s
            assert one_sentence(s["sentence"]), s
            cited = " ".join(texts[c] for c in s["cites"])
            for pattern in (NUMBER, TICKED, RULE_ID):
                for token in pattern.findall(s["sentence"]):
                    assert token in cited, (token, s)
