"""Self-tests of adversary D (not of the guard): its output is deterministic, complete and
honest where it says so, and its plants are really absent from the evidence."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.narrative.adversary_d import attack
from tests.narrative.adversary_d.kinds import ALL_KINDS, COMPOUND, KINDS, TO_APPROVE, TO_BLOCK
from tests.narrative.adversary_d.parse import sentences
from tests.narrative.harness import brief_of, reviews

NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
TICKED = re.compile(r"`([^`]+)`")
RULE_ID = re.compile(r"\b[A-Z]{3,5}\d{3}\b")


@pytest.fixture(scope="module")
def attacked() -> list[tuple[str, dict[str, Any], list[dict[str, Any]]]]:
    out = []
    for n, (name, decision) in enumerate(reviews()):
        brief = brief_of(decision)
        out.append((name, brief, attack(brief, 11 + n)))
    return out


def _texts(brief: dict[str, Any]) -> dict[str, str]:
    return {e["id"]: e["text"] for e in brief["evidence"]}


def test_same_brief_and_seed_give_the_same_sentences(attacked: list) -> None:
    _, brief, first = attacked[0]
    assert attack(brief, 11) == first
    assert attack(brief, 12) != first


def test_each_kind_has_at_least_eight_wordings() -> None:
    assert len(ALL_KINDS) >= 13
    assert all(len(t) >= 8 for t in [TO_APPROVE, TO_BLOCK, COMPOUND, *KINDS.values()])


def test_every_kind_is_planted_in_every_review_and_300_in_all(attacked: list) -> None:
    total = 0
    for name, _, items in attacked:
        kinds = {s["kind"] for s in items if not s["honest"]}
        assert kinds == set(ALL_KINDS), name
        total += sum(not s["honest"] for s in items)
    assert len(attacked) >= 20
    assert total >= 300


def test_every_part_gets_honest_rewordings_and_plants(attacked: list) -> None:
    for name, brief, items in attacked:
        for part in brief["parts"]:
            honest = [s for s in items if s["part"] == part and s["honest"]]
            assert 3 <= len(honest) <= 5, (name, part)
            assert any(s["part"] == part and not s["honest"] for s in items), (name, part)
        assert {s["part"] for s in items} <= set(brief["parts"])


def test_items_have_the_harness_shape(attacked: list) -> None:
    for _, brief, items in attacked:
        ids = set(_texts(brief))
        for s in items:
            assert set(s) == {"part", "sentence", "cites", "honest", "kind"}
            assert (s["kind"] == "honest") == s["honest"]
            assert s["cites"] and set(s["cites"]) <= ids, s


def test_plants_are_not_in_the_evidence_nor_honest(attacked: list) -> None:
    for name, brief, items in attacked:
        evidence = " ".join(_texts(brief).values()).casefold()
        honest = {s["sentence"] for s in items if s["honest"]}
        for s in items:
            if not s["honest"]:
                assert s["sentence"].casefold() not in evidence, (name, s)
                assert s["sentence"] not in honest, (name, s)


def test_invented_numbers_and_names_are_absent_from_the_evidence(attacked: list) -> None:
    invented = {"invented_number", "invented_measurement", "invented_name"}
    for name, brief, items in attacked:
        evidence = " ".join(_texts(brief).values())
        for s in items:
            if s["kind"] in invented:
                new = ([n for n in NUMBER.findall(s["sentence"])
                        if n not in NUMBER.findall(evidence)]
                       + [t for t in TICKED.findall(s["sentence"]) if t not in evidence]
                       + [w for w in re.findall(r"[a-z]+-[\w.-]*\d[\w.-]*", s["sentence"])
                          if w not in evidence])
                assert new, (name, s)


def test_honest_rewordings_add_no_number_name_or_rule_beyond_their_cites(
        attacked: list) -> None:
    for name, brief, items in attacked:
        texts = _texts(brief)
        for s in items:
            if not s["honest"]:
                continue
            cited = " ".join(texts[c] for c in s["cites"])
            sentence = s["sentence"]
            assert len(sentence) <= 300, sentence
            assert len(sentences(sentence)) == 1, sentence
            assert set(NUMBER.findall(sentence)) <= set(NUMBER.findall(cited)), (name, s)
            assert all(t in cited for t in TICKED.findall(sentence)), (name, s)
            assert set(RULE_ID.findall(sentence)) <= set(RULE_ID.findall(cited)), (name, s)
