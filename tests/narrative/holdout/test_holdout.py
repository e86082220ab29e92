"""The held-out adversary does what the measurement needs: every part covered, every kind
planted, honest text faithful to its cites, planted text absent from the evidence, same seed
same output. Briefs in `briefs/` are realistic decisions written for these tests."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest

from tests.narrative.holdout import KIND_NAMES, KINDS, attack
from tests.narrative.holdout.__main__ import main
from tests.narrative.holdout.attack import Planter
from tests.narrative.holdout.filler import Filler, slot_names
from tests.narrative.holdout.honest import GLUE_WORDS
from tests.narrative.holdout.kind import kind
from tests.narrative.holdout.text import numbers, words
from tests.narrative.holdout.view import BriefView, pools, verdict_class

HERE = Path(__file__).parent
BRIEFS = sorted((HERE / "briefs").glob("*.json"))
RICH = [p for p in BRIEFS if "minimal" not in p.name]
SEEDS = (0, 1, 7)


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def evidence_text(brief: dict, cites: list[str]) -> str:
    by_id = {e["id"]: e["text"] for e in brief["evidence"]}
    return " ".join(by_id[c] for c in cites)


@pytest.fixture(params=BRIEFS, ids=lambda p: p.stem)
def brief(request: pytest.FixtureRequest) -> dict:
    return load(request.param)


def test_there_are_enough_briefs_and_kinds() -> None:
    assert len(BRIEFS) >= 4 and len(RICH) >= 3
    assert len(KINDS) >= 12
    assert len(set(KIND_NAMES)) == len(KIND_NAMES)


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.name)
def test_every_kind_has_twenty_templates_for_every_verdict(kind) -> None:
    for verdict in ("block", "mixed", "pass"):
        assert sum(verdict in t.verdicts for t in kind.templates) >= 20, (kind.name, verdict)


def test_every_template_slot_is_one_the_briefs_can_fill() -> None:
    known: set[str] = set()
    for path in RICH:
        for entities in pools(BriefView(load(path))).values():
            for entity in entities:
                known |= entity.values.keys()
    unknown = {(k.name, s) for k in KINDS for t in k.templates for s in slot_names(t.text)
               if s not in known}
    assert not unknown


@pytest.mark.parametrize("seed", SEEDS)
def test_output_shape_and_every_part_mixes_honest_and_planted(brief: dict, seed: int) -> None:
    out = attack(brief, seed)
    ids = {e["id"] for e in brief["evidence"]}
    for s in out:
        assert set(s) == {"part", "sentence", "kind", "honest", "cites"}
        assert s["honest"] is (s["kind"] == "honest")
        assert s["honest"] or s["kind"] in KIND_NAMES
        assert s["cites"] and set(s["cites"]) <= ids, s
        assert s["sentence"].strip() and s["sentence"].count("`") % 2 == 0, s
    for part in brief["parts"]:
        mine = [s for s in out if s["part"] == part]
        assert any(s["honest"] for s in mine) and any(not s["honest"] for s in mine), part
    assert {s["part"] for s in out} == set(brief["parts"])
    assert len({s["sentence"] for s in out}) == len(out)


@pytest.mark.parametrize("path", RICH, ids=lambda p: p.stem)
def test_rich_briefs_get_every_kind(path: Path) -> None:
    for seed in SEEDS:
        planted = {s["kind"] for s in attack(load(path), seed) if not s["honest"]}
        assert planted == set(KIND_NAMES), set(KIND_NAMES) - planted


def test_minimal_brief_still_gets_at_least_twelve_kinds() -> None:
    minimal = load(HERE / "briefs" / "cost-approve-minimal.json")
    planted = {s["kind"] for s in attack(minimal, 3) if not s["honest"]}
    assert len(planted) >= 12


def test_same_seed_same_output_other_seed_other_output(brief: dict) -> None:
    assert attack(brief, 5) == attack(json.loads(json.dumps(brief)), 5)
    assert attack(brief, 5) != attack(brief, 6)


def test_honest_sentences_add_no_word_beyond_their_cites_and_the_glue(brief: dict) -> None:
    for seed in SEEDS:
        for s in attack(brief, seed):
            if s["honest"]:
                extra = words(s["sentence"]) - words(evidence_text(brief, s["cites"]))
                assert extra <= GLUE_WORDS, (s["sentence"], extra - GLUE_WORDS)


def test_planted_sentences_are_not_evidence_and_mostly_reuse_its_words(brief: dict) -> None:
    evidence = [" ".join(e["text"].lower().split()) for e in brief["evidence"]]
    planted = [s for seed in SEEDS for s in attack(brief, seed) if not s["honest"]]
    reusing = 0
    for s in planted:
        assert s["sentence"].lower().rstrip(".") not in " ".join(evidence), s
        shared = words(s["sentence"]) & words(evidence_text(brief, s["cites"]))
        reusing += len(shared - GLUE_WORDS) >= 3
    assert reusing / len(planted) >= 0.5


def test_derived_numbers_are_numbers_no_evidence_states(brief: dict) -> None:
    stated = numbers(" ".join(e["text"] for e in brief["evidence"]))
    derived = [s for seed in SEEDS for s in attack(brief, seed) if s["kind"] == "derived_number"]
    assert derived
    for s in derived:
        assert numbers(s["sentence"]) - stated, s["sentence"]


def test_swapped_figures_never_land_on_their_own_value() -> None:
    brief = load(HERE / "briefs" / "spof-request-changes.json")
    truth = {f["label"]: f["value"] for f in brief["figures"]}
    view = BriefView(brief)
    filler = Filler(pools(view), random.Random(11))
    for _ in range(200):
        text, _cites = filler.fill("{label}\t{value2}")
        label, value = text.split("\t")
        assert truth[label] != value


@pytest.mark.parametrize(("verdict", "expected"), [
    ("Request changes", "block"), ("Act on 2 error-level finding(s)", "block"),
    ("Approve with follow-ups", "mixed"), ("No error-level finding", "mixed"),
    ("Approve", "pass"), ("Compliant", "pass")])
def test_verdicts_are_classed_by_direction(verdict: str, expected: str) -> None:
    assert verdict_class(verdict) == expected


def test_verdict_moves_use_only_templates_false_for_that_verdict() -> None:
    probe = kind("probe", "test", ("; ",), "@block,mixed soften a blocking verdict",
                 "@pass harden a passing verdict")
    for path, expected in (("cost-approve-minimal.json", "harden a passing verdict"),
                           ("rbac-request-changes.json", "soften a blocking verdict")):
        view = BriefView(load(HERE / "briefs" / path))
        for seed in range(20):
            text, _cites = Planter(view, random.Random(seed)).plant(probe)
            assert text.endswith(expected.split(" ", 1)[1] + "."), (path, text)


def test_many_parts_each_get_a_planted_claim() -> None:
    brief = load(HERE / "briefs" / "triton-approve-with-follow-ups.json")
    brief["parts"] = [f"option:{i}:pros" for i in range(40)]
    out = attack(brief, 2)
    assert all(any(s["part"] == p and not s["honest"] for s in out) for p in brief["parts"])


def test_degenerate_briefs_do_not_crash() -> None:
    assert attack({"parts": []}, 0) == []
    bare = {"verdict": "Approve", "parts": ["a", "b"], "evidence": [{"id": "x", "text": "Ok."}]}
    out = attack(bare, 0)
    assert {s["part"] for s in out} == {"a", "b"}
    assert all(not s["honest"] and s["cites"] == ["x"] for s in out)


def test_adversary_does_not_depend_on_the_bot() -> None:
    for source in HERE.glob("*.py"):
        text = source.read_text(encoding="utf-8")
        assert not re.search(r"^\s*(from|import)\s+bot\b", text, re.M), source.name


def test_cli_summarises_a_brief(capsys: pytest.CaptureFixture[str]) -> None:
    path = HERE / "briefs" / "triton-approve-with-follow-ups.json"
    assert main([str(path), "--seed", "4"]) == 0
    out = capsys.readouterr().out
    assert all(k in out for k in KIND_NAMES)
    assert all(p in out for p in load(path)["parts"])
    assert main([str(path), "--seed", "4", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == attack(load(path), 4)
    assert main(["--kinds"]) == 0
    listing = capsys.readouterr().out
    assert all(f"{k.name:<20} {len(k.templates):>9}" in listing for k in KINDS)


def test_cli_reports_an_unreadable_brief(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    assert main([str(broken)]) == 2
    assert "cannot read brief" in capsys.readouterr().err
