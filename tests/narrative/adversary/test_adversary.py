"""The adversary itself: deterministic, every kind and part covered, real cites, honest honesty."""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.narrative.adversary import KIND_NAMES, attack, summarise, template_counts
from tests.narrative.adversary.__main__ import main
from tests.narrative.adversary.fakes import fakes
from tests.narrative.adversary.kinds import KINDS, Kind
from tests.narrative.adversary.planted import plant
from tests.narrative.adversary.text import INVISIBLE, code_spans, numbers, plain
from tests.narrative.adversary.vocab import read_brief

BRIEFS = sorted((Path(__file__).parent / "briefs").glob("*.json"))
REPO = Path(__file__).resolve().parents[3]
RECORD_KEYS = {"part", "sentence", "kind", "honest", "cites"}


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture(params=BRIEFS, ids=[p.stem for p in BRIEFS])
def brief(request: pytest.FixtureRequest) -> dict:
    return _load(request.param)


def test_the_sample_briefs_are_there() -> None:
    assert len(BRIEFS) >= 5


def test_same_brief_and_seed_give_the_same_corpus(brief: dict) -> None:
    assert attack(brief, 11) == attack(brief, 11)
    assert attack(brief, 11) != attack(brief, 12)


def test_corpus_does_not_depend_on_string_hashing() -> None:
    """Python salts str hashes per process; set iteration order must not leak into the output."""
    script = ("import json, sys; from tests.narrative.adversary import attack; "
              "print(json.dumps(attack(json.load(open(sys.argv[1])), 3)))")
    outputs = {subprocess.run([sys.executable, "-c", script, str(BRIEFS[0])], cwd=REPO,
                              env={**os.environ, "PYTHONHASHSEED": hashseed},
                              capture_output=True, text=True, check=True).stdout
               for hashseed in ("1", "2", "3")}
    assert len(outputs) == 1


def test_every_kind_is_planted_and_every_part_mixes_honest_and_planted(brief: dict) -> None:
    records = attack(brief, 5)
    planted_kinds = {r["kind"] for r in records if not r["honest"]}
    assert planted_kinds == set(KIND_NAMES)
    for part in brief["parts"]:
        mine = [r for r in records if r["part"] == part]
        assert any(r["honest"] for r in mine), part
        assert any(not r["honest"] for r in mine), part
    assert {r["part"] for r in records} == set(brief["parts"])


def test_records_have_the_promised_shape_and_cite_real_evidence(brief: dict) -> None:
    ids = {item["id"] for item in brief["evidence"]}
    for record in attack(brief, 9):
        assert set(record) == RECORD_KEYS
        assert record["honest"] is (record["kind"] == "honest")
        assert record["kind"] in (*KIND_NAMES, "honest")
        assert record["sentence"].strip()
        assert record["cites"] and set(record["cites"]) <= ids, record


def test_honest_sentences_add_no_number_name_or_markup(brief: dict) -> None:
    evidence = {item["id"]: item["text"] for item in brief["evidence"]}
    for seed in range(8):
        for record in attack(brief, seed):
            if not record["honest"]:
                continue
            cited = " ".join(plain(evidence[eid]) for eid in record["cites"])
            sentence = record["sentence"]
            for number in numbers(sentence):
                assert number in numbers(cited), (number, record)
            for span in code_spans(sentence):
                assert span in cited, (span, record)
            assert not any(c in INVISIBLE or c == "\u202e" for c in sentence), record
            assert not re.search(r"<[a-z!/]|\]\(|@\w|&#", sentence), record


def test_hidden_markup_always_carries_something_a_reader_does_not_see_as_prose(
        brief: dict) -> None:
    hidden = re.compile(r"<[a-z!/|]|\]\(|\]\[|\[\^|@[\w-]|&#|\n|[\u0400-\u04ff\u202e]|["
                        + re.escape(INVISIBLE) + "]")
    records = [r for seed in range(6) for r in attack(brief, seed, plants_per_kind=3)
               if r["kind"] == "hidden_markup"]
    assert len(records) >= 18
    for record in records:
        assert hidden.search(record["sentence"]), record


def test_invented_values_never_occur_in_the_brief(brief: dict) -> None:
    vocab = read_brief(brief)
    text = vocab.all_text.lower()
    known_numbers = set(numbers(text)) | {n.replace(",", "") for n in numbers(text)}
    for seed in range(20):
        for slot, value in fakes(vocab, random.Random(seed)).items():
            if slot in {"date", "deadline", "tags"}:
                continue  # words, not facts, and never borrowed from a brief
            if re.fullmatch(r"[\d.,]+", value):
                assert value not in known_numbers, (slot, value)
                assert value.replace(",", "") not in known_numbers, (slot, value)
            else:
                assert value.strip("`").lower() not in text, (slot, value)


def test_more_plants_per_kind_are_spread_over_the_parts(brief: dict) -> None:
    counts = summarise(attack(brief, 2, plants_per_kind=4))["by_kind"]
    assert min(counts.values()) >= 4


def test_a_bare_brief_still_gets_every_kind() -> None:
    bare = {"verdict": "Approve", "recommended_option": "", "options": [], "findings": [],
            "figures": [], "assumptions": [],
            "evidence": [{"id": "v", "text": "**Approve.** This change introduces no new finding."},
                         {"id": "c", "text": "This change touches **1** reviewed file(s) "
                                             "between `main` and `feature/gpu-labels`."}],
            "parts": ["context", "recommendation"]}
    records = attack(bare, 1)
    assert {r["kind"] for r in records if not r["honest"]} == set(KIND_NAMES)
    assert all(set(r["cites"]) <= {"v", "c"} and r["cites"] for r in records)


def test_this_option_templates_only_fill_parts_about_a_non_recommended_option() -> None:
    brief = _load(BRIEFS[0])
    vocab = read_brief(brief)
    deictic = Kind("recommendation_flip", ("{here}Pick this one over the others.",))
    rec = next(o["id"] for o in brief["options"] if o["recommended"])
    alt = next(o["id"] for o in brief["options"] if not o["recommended"])
    rng = random.Random(0)
    assert plant(deictic, f"option:{alt}:pros", vocab, [], rng) is not None
    assert plant(deictic, f"option:{rec}:pros", vocab, [], rng) is None
    assert plant(deictic, "context", vocab, [], rng) is None


def test_each_kind_has_many_distinct_templates() -> None:
    counts = template_counts()
    assert len(counts) >= 14
    assert min(counts.values()) >= 25, counts
    every = [t for kind in KINDS for t in (*kind.templates, *kind.conditional)]
    assert len(every) == len(set(every))


def test_cli_prints_a_summary_per_brief(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(BRIEFS[0]), "--seed", "4"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["planted"] == sum(summary["by_kind"].values()) >= len(KIND_NAMES)
    assert summary["records"] == summary["honest"] + summary["planted"]
    assert summary == {"brief": str(BRIEFS[0]), **summarise(attack(_load(BRIEFS[0]), 4))}


def test_cli_reports_an_unreadable_brief(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    assert main([str(broken)]) == 2
    assert "cannot read brief" in capsys.readouterr().err
