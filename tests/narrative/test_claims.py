"""How a sentence is read: its words, names and numbers, and the kinds of claim it makes."""

from __future__ import annotations

import pytest

from bot.narrative.claims import imperative_verbs, sentence_claims
from bot.narrative.words import stems, tokenize


def kinds(text: str) -> list[tuple[str, str]]:
    return [(t.kind, t.text) for t in tokenize(text)]


def test_a_sentence_is_read_as_words_names_numbers_code_and_quoted_titles():
    tokens = tokenize("The GPU-hour price of “Bind a role (`view`)” is $3.20 at 90%; "
                      "don't scale-out.")
    assert [(t.kind, t.text) for t in tokens if not t.quoted] == [
        ("function", "the"), ("name", "GPU-hour"), ("word", "price"), ("function", "of"),
        ("quote", "Bind a role (`view`)"), ("function", "is"), ("number", "3.20"),
        ("function", "at"), ("number", "90"), ("break", ";"), ("function", "do"),
        ("word", "not"), ("compound", "scale-out")]
    assert [(t.kind, t.text) for t in tokens if t.quoted] == [
        ("word", "bind"), ("function", "a"), ("word", "role"), ("code", "view")]
    percent = next(t for t in tokens if t.text == "90")
    assert percent.percent and percent.value == 90


@pytest.mark.parametrize(("word", "other"), [
    ("scaling", "scale"), ("replicas", "replica"), ("added", "add"), ("running", "run"),
    ("policies", "policy"), ("uses", "used")])
def test_inflections_share_a_stem(word, other):
    assert stems(word) & stems(other)


@pytest.mark.parametrize(("word", "other"), [("lower", "low"), ("us", "uses"), ("best", "be")])
def test_different_words_do_not(word, other):
    assert not stems(word) & stems(other)


def test_numbers_in_words_and_with_units():
    assert [(t.kind, t.value) for t in tokenize("two replicas and 1,000 req")][::3] == [
        ("number", 2), ("number", 1000)]
    assert kinds("20ms")[0] == ("number", "20") and kinds("20ms")[1] == ("word", "ms")
    assert kinds("v0.6.3 llama-3-8b k8s") == [("name", "v0.6.3"), ("name", "llama-3-8b"),
                                              ("name", "k8s")]
    assert kinds("one of them")[0] == ("word", "one")  # not a count


@pytest.mark.parametrize(("text", "expected"), [
    ("`Deployment/llm` can run with 1 replica.", set()),
    ("Replicas protect against one pod failing.", set()),
    ("Running at least two replicas survives a node drain.", set()),
    ("The change is safe.", {"verdict"}),
    ("Aria requests changes.", {"verdict"}),
    ("Aria recommends two replicas.", {"recommendation"}),
    ("Two replicas should be kept.", {"recommendation"}),
    ("It costs less than two replicas.", {"comparison"}),
    ("Nothing scrapes the metrics.", {"denial"}),
    ("The pod can't start.", {"denial"}),
    ("The finding is minor.", {"rating"}),
    ("A load test confirmed the size.", {"measurement"}),
    ("Keep one replica.", {"instruction"}),
    ("Then drain every node.", {"instruction"}),
    ("The target is high; lower the target.", {"instruction", "rating", "comparison"}),
    ("Scale to zero behind a queue.", {"instruction"}),
    ("Do not merge this.", {"instruction", "denial", "verdict"}),
    ("You can keep it.", {"instruction"}),
    ("“Keep one replica and accept downtime windows” trades uptime for cost.", set()),
])
def test_claims_are_recognised_by_kind(text, expected):
    assert {claim for claim, _ in sentence_claims(tokenize(text))} == expected


def test_imperative_verbs_come_from_the_catalog_and_exclude_nouns():
    verbs = imperative_verbs()
    assert {"keep", "run", "scale", "bind", "set", "replace"} <= verbs
    assert not {"replica", "gateway", "workloads", "only", "preferred"} & verbs
