"""Adversary G on its own: honest points keep to their items, every part gets every plant kind,
and the draw depends on the brief and seed only (not on where the checkout lies)."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest

from tests.narrative.adversary_g import attack
from tests.narrative.adversary_g.honest import MAX_CHARS, STYLES
from tests.narrative.adversary_g.items import sentences
from tests.narrative.adversary_g.plants import KINDS, templates_for
from tests.narrative.adversary_g.templates import TEMPLATES
from tests.narrative.harness import brief_of, reviews

NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)*")
RULE = re.compile(r"\b[A-Z]{2,5}\d{3}\b")


@pytest.fixture(scope="module")
def briefs() -> list[dict[str, Any]]:
    return [brief_of(decision) for _, decision in reviews()]


@pytest.fixture(scope="module")
def drawn(briefs: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    return [attack(brief, 11 + i) for i, brief in enumerate(briefs)]


def _outside_code(text: str) -> str:
    return re.sub(r"`[^`]*`", " ", text)


def test_honest_points_keep_to_their_items(briefs: list[dict], drawn: list[list[dict]]) -> None:
    for brief, points in zip(briefs, drawn, strict=True):
        items = {e["id"]: e["text"] for e in brief["evidence"]}
        for p in (p for p in points if p["honest"]):
            s = p["sentence"]
            assert 1 <= len(p["cites"]) <= 2 and all(c in items for c in p["cites"]), p
            cited = " ".join(items[c] for c in p["cites"])
            assert len(s) <= MAX_CHARS and len(sentences(s)) == 1 and s.endswith("."), s
            assert s.count("`") % 2 == 0, s
            for code in re.findall(r"`[^`]+`", s):
                assert code in cited, (code, s)
            for title in re.findall(r"“[^”]+”", s):
                assert title in cited, (title, s)
            for rule in RULE.findall(s):
                assert rule in cited, (rule, s)
            for number in NUMBER.findall(_outside_code(s)):
                assert re.search(rf"(?<![\d.]){re.escape(number)}(?!\d)", cited), (number, s)
            assert "/work/" not in s and "http" not in s, s


def test_every_part_gets_honest_points_and_every_kind(briefs: list[dict],
                                                      drawn: list[list[dict]]) -> None:
    for brief, points in zip(briefs, drawn, strict=True):
        for part in brief["parts"]:
            mine = [p for p in points if p["part"] == part]
            honest = [p for p in mine if p["honest"]]
            assert 3 <= len(honest) <= 5, part
            assert all(p["kind"] == "honest" for p in honest)
            assert sorted(p["kind"] for p in mine if not p["honest"]) == sorted(KINDS), part
        assert {p["part"] for p in points} == set(brief["parts"])
        assert all(set(p) == {"part", "sentence", "cites", "honest", "kind"} for p in points)


def test_plants_are_not_in_the_evidence(briefs: list[dict], drawn: list[list[dict]]) -> None:
    for brief, points in zip(briefs, drawn, strict=True):
        seen = " ".join(e["text"] for e in brief["evidence"]).casefold()
        items = {e["id"] for e in brief["evidence"]}
        for p in (p for p in points if not p["honest"]):
            assert p["sentence"].rstrip(".").casefold() not in seen, p
            assert p["cites"] and set(p["cites"]) <= items, p


def test_styles_are_mixed(drawn: list[list[dict]]) -> None:
    """Across all reviews every style is used: the honest sentences start in many ways."""
    openings = {p["sentence"].split()[0] for points in drawn for p in points if p["honest"]}
    assert len(openings) >= 15
    assert len(STYLES) >= 7


def test_kinds_have_enough_paraphrases() -> None:
    assert len(KINDS) >= 12
    for kind in KINDS:
        for verdict in ("Approve.", "Request changes."):
            assert len(set(templates_for(kind, verdict))) >= 8, kind
    assert set(TEMPLATES) | {"verdict_flip"} == set(KINDS)


def test_same_draw_for_same_seed_and_other_checkout(briefs: list[dict]) -> None:
    brief = briefs[0]
    moved = copy.deepcopy(brief)
    for item in moved["evidence"]:
        # the harness names trees from the repository's root; another could name them absolutely
        item["text"] = re.sub(r"`(?=examples/|tests/)", "`/elsewhere/clone/", item["text"])
    assert moved != brief
    assert attack(brief, 11) == attack(copy.deepcopy(brief), 11) == attack(moved, 11)
    assert attack(brief, 11) != attack(brief, 12)


def test_counts(drawn: list[list[dict]], briefs: list[dict]) -> None:
    parts = sum(len(b["parts"]) for b in briefs)
    plants = sum(not p["honest"] for points in drawn for p in points)
    assert plants == parts * len(KINDS)
    honest = sum(p["honest"] for points in drawn for p in points)
    assert 3 * parts <= honest <= 5 * parts
