"""Self-tests of adversary E (not of the guard): determinism, coverage of kinds and parts, and
that its honest rewordings add nothing their cited items do not state."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest

from tests.narrative.adversary_e import attack
from tests.narrative.adversary_e._items import sentences
from tests.narrative.adversary_e._plants import KINDS
from tests.narrative.adversary_e._templates import COMPOUND, MISQUOTE, TEMPLATES
from tests.narrative.harness import brief_of, reviews

SEED = 11
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
_BACKTICKED = re.compile(r"`[^`]+`")
_RULE_ID = re.compile(r"\b[A-Z]{2,5}\d{3}\b")


def _flat(text: str) -> str:
    return " ".join(text.split()).casefold()


@pytest.fixture(scope="module")
def briefs() -> dict[str, dict[str, Any]]:
    return {name: brief_of(d) for name, d in reviews()}


@pytest.fixture(scope="module")
def attacks(briefs: dict[str, dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    return {name: attack(b, SEED + i) for i, (name, b) in enumerate(briefs.items())}


def test_same_brief_and_seed_give_the_same_attack(briefs: dict[str, dict[str, Any]]) -> None:
    brief = briefs["gpu-serving"]
    assert attack(copy.deepcopy(brief), 7) == attack(brief, 7)
    assert attack(brief, 7) != attack(brief, 8)


def test_the_checkout_path_does_not_change_the_attack(
        briefs: dict[str, dict[str, Any]]) -> None:
    brief = briefs["gpu-serving"]
    moved = copy.deepcopy(brief)
    for item in moved["evidence"]:
        # the harness names trees from the repository's root; another could name them absolutely
        item["text"] = re.sub(r"`(?=examples/)", "`/tmp/tmp.2fyn6s7xUX/aria/", item["text"])
    assert moved != brief
    assert attack(moved, 3) == attack(brief, 3)


def test_every_kind_has_eight_phrasings_or_more() -> None:
    assert len(KINDS) >= 13
    assert all(len(p) >= 8 for p in [*TEMPLATES.values(), COMPOUND, MISQUOTE])


def test_enough_plants_and_every_kind_in_every_review(
        attacks: dict[str, list[dict[str, Any]]]) -> None:
    plants = [s for a in attacks.values() for s in a if not s["honest"]]
    assert len(plants) >= 300
    for name, a in attacks.items():
        assert {s["kind"] for s in a if not s["honest"]} == set(KINDS), name


def test_every_part_has_honest_rewordings_and_plants(
        briefs: dict[str, dict[str, Any]], attacks: dict[str, list[dict[str, Any]]]) -> None:
    for name, a in attacks.items():
        for part in briefs[name]["parts"]:
            honest = [s for s in a if s["part"] == part and s["honest"]]
            assert 3 <= len(honest) <= 5, (name, part)
            assert any(not s["honest"] for s in a if s["part"] == part), (name, part)
        assert {s["part"] for s in a} == set(briefs[name]["parts"])


def test_plants_are_not_in_the_evidence_and_cite_real_items(
        briefs: dict[str, dict[str, Any]], attacks: dict[str, list[dict[str, Any]]]) -> None:
    for name, a in attacks.items():
        evidence = {e["id"]: e["text"] for e in briefs[name]["evidence"]}
        everything = _flat(" ".join(evidence.values()))
        for s in a:
            assert s["cites"] and set(s["cites"]) <= set(evidence), s
            if not s["honest"]:
                assert _flat(s["sentence"]) not in everything, s
                assert s["kind"] in KINDS


def test_honest_rewordings_add_nothing_beyond_their_cites(
        briefs: dict[str, dict[str, Any]], attacks: dict[str, list[dict[str, Any]]]) -> None:
    for name, a in attacks.items():
        evidence = {e["id"]: e["text"] for e in briefs[name]["evidence"]}
        for s in (s for s in a if s["honest"]):
            cited = " ".join(evidence[c] for c in s["cites"])
            text = s["sentence"]
            assert s["kind"] == "honest" and len(text) < 300, s
            assert len(sentences(text)) == 1, s
            for name_ in _BACKTICKED.findall(text):
                assert name_ in cited, (name_, s)
            unquoted = _BACKTICKED.sub(" ", text)
            for number in _NUMBER.findall(unquoted):
                assert number in cited, (number, s)
            for rule in _RULE_ID.findall(unquoted):
                assert rule in cited, (rule, s)


def test_a_misquote_changes_a_number_of_an_honest_rewording(
        attacks: dict[str, list[dict[str, Any]]]) -> None:
    misquotes = [s for a in attacks.values() for s in a if s["kind"] == "misquote"]
    assert misquotes
    for s in misquotes:
        assert _NUMBER.search(_BACKTICKED.sub(" ", s["sentence"])), s
