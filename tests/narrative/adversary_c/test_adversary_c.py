"""Self-tests of adversary C (not of the guard): it is deterministic, plants every kind on the
harness's reviews, never plants what the evidence says, and its honest rewordings rest only on
the items they cite."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import Counter
from typing import Any

import pytest

from tests.narrative.adversary_c import attack
from tests.narrative.adversary_c.plants import ALL_KINDS
from tests.narrative.adversary_c.text import Vocabulary, sentences
from tests.narrative.harness import ROOT, brief_of, reviews

SEED = 11
INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\u00ad\u202e\u202c\U000e0000-\U000e007f]")


@pytest.fixture(scope="module")
def briefs() -> dict[str, dict[str, Any]]:
    return {name: brief_of(decision) for name, decision in reviews()}


@pytest.fixture(scope="module")
def attacked(briefs: dict[str, dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    return {name: attack(brief, SEED + n) for n, (name, brief) in enumerate(briefs.items())}


def _plants(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [s for s in items if not s["honest"]]


def test_same_seed_and_brief_give_the_same_attack_in_another_process(
        briefs: dict[str, dict[str, Any]]) -> None:
    name, brief = next(iter(briefs.items()))
    script = ("import json, sys; from tests.narrative.adversary_c import attack; "
              "print(json.dumps(attack(json.load(sys.stdin), 11)))")
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run([sys.executable, "-c", script], input=json.dumps(brief), text=True,
                         capture_output=True, cwd=ROOT, env=env, check=True).stdout
    assert json.loads(out) == attack(brief, 11)
    assert attack(brief, 12) != attack(brief, 11)


def test_items_have_the_harness_shape(attacked: dict[str, list[dict[str, Any]]]) -> None:
    for items in attacked.values():
        for s in items:
            assert set(s) == {"part", "sentence", "cites", "honest", "kind"}
            assert (s["kind"] == "honest") == s["honest"]
            assert s["sentence"].strip() and s["cites"]


def test_every_kind_is_planted_in_every_review_and_over_300_in_all(
        attacked: dict[str, list[dict[str, Any]]]) -> None:
    assert len(ALL_KINDS) >= 14
    total: Counter[str] = Counter()
    for name, items in attacked.items():
        kinds = Counter(s["kind"] for s in _plants(items))
        assert set(kinds) == set(ALL_KINDS), name
        total.update(kinds)
    assert sum(total.values()) >= 300


def test_every_part_gets_honest_rewordings_and_plants(
        briefs: dict[str, dict[str, Any]], attacked: dict[str, list[dict[str, Any]]]) -> None:
    for name, brief in briefs.items():
        honest = Counter(s["part"] for s in attacked[name] if s["honest"])
        planted = Counter(s["part"] for s in _plants(attacked[name]))
        assert set(honest) == set(planted) == set(brief["parts"]), name
        assert all(3 <= n <= 5 for n in honest.values()), (name, honest)


def test_plants_are_not_stated_by_the_evidence(
        briefs: dict[str, dict[str, Any]], attacked: dict[str, list[dict[str, Any]]]) -> None:
    for name, brief in briefs.items():
        evidence = "\n".join(e["text"] for e in brief["evidence"]).casefold()
        honest = {s["sentence"] for s in attacked[name] if s["honest"]}
        for s in _plants(attacked[name]):
            shown = INVISIBLE.sub("", s["sentence"]).casefold()
            assert shown not in evidence and shown[::-1] not in evidence, s
            assert s["sentence"] not in honest, s


def test_planted_numbers_and_names_are_invented(
        briefs: dict[str, dict[str, Any]], attacked: dict[str, list[dict[str, Any]]]) -> None:
    """Kinds that invent a figure or a name never borrow one from the evidence."""
    for name, brief in briefs.items():
        evidence = "\n".join(e["text"] for e in brief["evidence"])
        for s in _plants(attacked[name]):
            if s["kind"] == "invented_number":
                numbers = re.findall(r"(?:\d[\d,.]*\d|\d)(?: million)?", s["sentence"])
                assert any(not _states(evidence, n) for n in numbers), s
            if s["kind"] == "invented_name":
                names = re.findall(r"`([^`]+)`|\b([A-Z]{2,5}\d{3})\b", s["sentence"])
                assert any(n and n not in evidence for pair in names for n in pair), s


def _states(evidence: str, number: str) -> bool:
    """The evidence holds this number whole: not as a digit of another one, nor inside a name
    (the review's trees are named by their paths, and a checkout under `/tmp/tmp.2fyn6s7xUX`
    does not state a 6)."""
    return re.search(rf"(?<![\w.,]){re.escape(number)}(?!\d|[.,]\d)", evidence) is not None


def test_honest_rewordings_cite_existing_items_and_add_no_number_name_or_title(
        briefs: dict[str, dict[str, Any]], attacked: dict[str, list[dict[str, Any]]]) -> None:
    for name, brief in briefs.items():
        items = {e["id"]: e["text"] for e in brief["evidence"]}
        for s in attacked[name]:
            if not s["honest"]:
                continue
            assert set(s["cites"]) <= items.keys(), s
            assert len(sentences(s["sentence"])) == 1, s
            cited = " ".join(items[c] for c in s["cites"])
            for token in [*re.findall(r"\d+(?:[.,]\d+)*", s["sentence"]),
                          *re.findall(r"`([^`]+)`", s["sentence"]),
                          *re.findall(r"“([^”]+)”", s["sentence"]),
                          *re.findall(r"\b[A-Z]{2,5}\d{3}\b", s["sentence"])]:
                assert token in cited, (token, s)


def test_only_common_words_are_lower_cased_mid_sentence() -> None:
    evidence = ("`NodePool/gpu` at `clusters/prod/karpenter/pool.yaml:5` sets no limits: Karpenter "
                "launches nodes. Use the Gateway API; every gateway burst queues.")
    words = Vocabulary(evidence)
    assert words.demote("Every burst queues.") == "every burst queues."
    assert words.demote("Karpenter launches nodes.") == "Karpenter launches nodes."
    assert words.demote("Gateway traffic.") == "Gateway traffic."
