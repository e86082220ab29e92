"""Precision of `aria audit` on the shared corpus, measured on hand-labelled findings.

`labels.yaml` holds a stratified sample of the findings of one audit run, each labelled TP or FP
by a reviewer who never read the code (see SUMMARY.md). `labels-added.yaml` holds a sample of the
findings that appeared after that run, labelled the same way (its header says by whom and how).
`population-before.txt` holds a digest of every finding of the labelled run, so a finding that is
new since then can be told apart.

The audit is run once; each labelled finding is looked up by its key (rule, path, subject,
detail) and must keep its status:

- a TP must still be reported;
- an FP marked `fixed_by` must not come back;
- an FP not so marked that is no longer reported fails too, asking for its `fixed_by` (so the
  labels say which FPs are fixed, and why).

Precision is TP / (TP + FP) over the labelled findings the audit still reports (at least 100 of
them), and must be at least 90%. Every rule with findings new since the labelled run must have a
sample of them labelled (as many as the original draw took: all up to 8, else max(4, 16%)), so
precision is not computed over a shrinking set.

`python tests/precision/test_precision.py --results` rewrites RESULTS.md; `--sample` prints the
new findings still to be labelled, drawn as the original sample was, as YAML stubs.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sys
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

import pytest
from pydantic import BaseModel, ConfigDict
from ruamel.yaml import YAML

HERE = Path(__file__).resolve().parent
LABEL_FILES = (HERE / "labels.yaml", HERE / "labels-added.yaml")
POPULATION = HERE / "population-before.txt"
MIN_PRECISION = 0.90
MIN_REPORTED = 100  # precision over fewer labelled findings than this says little
SAMPLE_SEED = 9


Key = tuple[str, str, str, str]  # rule, path, subject, detail


class Reported(BaseModel):
    """One finding of the audit, as much of it as the labels use."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    rule: str
    path: str
    subject: str
    detail: str
    line: int | None
    severity: str

    @property
    def key(self) -> Key:
        return (self.rule, self.path, self.subject, self.detail)


class Label(Reported):
    """A reported finding as labelled: TP or FP, with the reason."""

    label: Literal["TP", "FP"]
    severity_too_high: bool = False
    reason: str
    fixed_by: str | None = None  # for an FP: the change that stopped it


def digest(key: Key) -> str:
    return hashlib.sha256("\x1f".join(key).encode()).hexdigest()[:12]


def load_labels() -> list[Label]:
    out: list[Label] = []
    for path in LABEL_FILES:
        data = YAML(typ="safe").load(path.read_text(encoding="utf-8")) or []
        out += [Label.model_validate(item) for item in data]
    return out


def population_before() -> set[str]:
    lines = POPULATION.read_text(encoding="utf-8").splitlines()
    return {line.strip() for line in lines if line.strip() and not line.startswith("#")}


@cache
def audit_corpus(corpus: Path) -> tuple[Reported, ...]:
    from bot.engine import audit
    from bot.ingest.source import DirectorySource

    decision = audit(DirectorySource(corpus))
    return tuple(Reported(rule=f.rule_id, path=f.location.path, subject=f.subject,
                          detail=f.detail, line=f.location.line, severity=f.severity.value)
                 for f in decision.findings)


class Index:
    """Findings by key; a label whose key changed is found again by rule, path, subject, line."""

    def __init__(self, findings: tuple[Reported, ...]) -> None:
        self.by_key = {f.key: f for f in findings}
        self.by_line: dict[tuple[str, str, str, int | None], list[Reported]] = {}
        for f in findings:
            self.by_line.setdefault((f.rule, f.path, f.subject, f.line), []).append(f)

    def find(self, label: Label) -> Reported | None:
        found = self.by_key.get(label.key)
        if found is not None:
            return found
        same_place = self.by_line.get((label.rule, label.path, label.subject, label.line), [])
        return same_place[0] if len(same_place) == 1 else None


def status_failures(labels: list[Label], index: Index) -> list[str]:
    """Each labelled finding whose status changed in a way the labels do not record."""
    out: list[str] = []
    for label in labels:
        where = f"{label.rule} {label.path} {label.subject} [{label.detail}]"
        present = index.find(label) is not None
        if label.label == "TP" and not present:
            out.append(f"TP no longer reported: {where} ({label.reason})")
        elif label.label == "FP" and label.fixed_by and present:
            out.append(f"fixed FP is back: {where} (was fixed by: {label.fixed_by})")
        elif label.label == "FP" and not label.fixed_by and not present:
            out.append(f"FP no longer reported, say why with `fixed_by`: {where}")
    return out


@dataclass
class Tally:
    tp: int = 0
    fp: int = 0
    fixed: int = 0
    too_high: int = 0

    @property
    def precision(self) -> float | None:
        total = self.tp + self.fp
        return self.tp / total if total else None


def tally(labels: list[Label], index: Index) -> dict[str, Tally]:
    """Per rule: labelled findings still reported (TP, FP), and labelled FPs gone."""
    out: dict[str, Tally] = {}
    for label in labels:
        t = out.setdefault(label.rule, Tally())
        if index.find(label) is None:
            t.fixed += label.label == "FP"
            continue
        if label.label == "TP":
            t.tp += 1
            t.too_high += label.severity_too_high
        else:
            t.fp += 1
    return out


def overall(tallies: dict[str, Tally]) -> Tally:
    return Tally(sum(t.tp for t in tallies.values()), sum(t.fp for t in tallies.values()),
                 sum(t.fixed for t in tallies.values()),
                 sum(t.too_high for t in tallies.values()))


def sample_size(count: int) -> int:
    """How many of a rule's findings the original draw labelled (SUMMARY.md)."""
    return count if count <= 8 else max(4, round(0.16 * count))


def new_findings(findings: tuple[Reported, ...]) -> dict[str, list[Reported]]:
    """Per rule, the findings that are not in the labelled run."""
    before = population_before()
    out: dict[str, list[Reported]] = {}
    for f in findings:
        if digest(f.key) not in before:
            out.setdefault(f.rule, []).append(f)
    return out


def unsampled(findings: tuple[Reported, ...], labels: list[Label]) -> dict[str, int]:
    """Per rule, how many more of its new findings must be labelled."""
    labelled = {label.key for label in labels}
    missing: dict[str, int] = {}
    for rule, found in new_findings(findings).items():
        have = sum(f.key in labelled for f in found)
        if have < sample_size(len(found)):
            missing[rule] = sample_size(len(found)) - have
    return missing


# --- the tests ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def findings() -> tuple[Reported, ...]:  # only `corpus`-marked tests use it
    from tests.conftest import CORPUS

    assert CORPUS is not None  # the `corpus` marker skips this module without one
    return audit_corpus(CORPUS)


def test_labels_are_well_formed() -> None:
    """Runs without the corpus: keys are unique, only FPs are marked fixed, the set is big."""
    labels = load_labels()
    keys = Counter(label.key for label in labels)
    assert [k for k, n in keys.items() if n > 1] == []
    assert [label.key for label in labels if label.fixed_by and label.label != "FP"] == []
    assert len(labels) >= 150


@pytest.mark.corpus
def test_labelled_findings_keep_their_status(findings: tuple[Reported, ...]) -> None:
    broken = status_failures(load_labels(), Index(findings))
    assert not broken, "\n".join(broken)


@pytest.mark.corpus
def test_precision_is_at_least_90_percent(findings: tuple[Reported, ...]) -> None:
    labels = load_labels()
    tallies = tally(labels, Index(findings))
    total = overall(tallies)
    assert total.tp + total.fp >= MIN_REPORTED, \
        f"fewer than {MIN_REPORTED} labelled findings are still reported: label a new sample"
    assert total.precision is not None and total.precision >= MIN_PRECISION, \
        "\n".join(f"{rule}: {t.tp} TP, {t.fp} FP" for rule, t in sorted(tallies.items()) if t.fp)


@pytest.mark.corpus
def test_new_findings_are_sampled_and_labelled(findings: tuple[Reported, ...]) -> None:
    missing = unsampled(findings, load_labels())
    assert missing == {}, (f"new findings to label, per rule: {missing}; run "
                           "`python tests/precision/test_precision.py --sample`")


# --- RESULTS.md and sampling stubs ------------------------------------------------------------


def percent(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f}%"


def results(findings: tuple[Reported, ...]) -> str:
    labels = load_labels()
    original = [label for label in labels if label.key in _original_keys()]
    before: dict[str, Tally] = {}
    for label in original:
        t = before.setdefault(label.rule, Tally())
        if label.label == "TP":
            t.tp += 1
        else:
            t.fp += 1
    after = tally(labels, Index(findings))
    fired = Counter(f.rule for f in findings)
    new = {rule: len(found) for rule, found in new_findings(findings).items()}
    rows = []
    for rule in sorted(set(before) | set(after) | set(fired)):
        b, a = before.get(rule, Tally()), after.get(rule, Tally())
        rows.append(f"| {rule} | {fired.get(rule, 0)} | {new.get(rule, 0)} | {b.tp} / {b.fp} | "
                    f"{percent(b.precision)} | {a.tp} / {a.fp} | {a.fixed} | "
                    f"{percent(a.precision)} |")
    b_all, a_all = overall(before), overall(after)
    rows.append(f"| **all** | **{len(findings)}** | **{sum(new.values())}** | "
                f"**{b_all.tp} / {b_all.fp}** | **{percent(b_all.precision)}** | "
                f"**{a_all.tp} / {a_all.fp}** | **{a_all.fixed}** | "
                f"**{percent(a_all.precision)}** |")
    return "\n".join([
        "# Precision on the labelled corpus findings",
        "",
        "Produced by `python tests/precision/test_precision.py --results` (an in-process "
        "`aria audit` of the shared corpus, matched against `labels.yaml` and "
        "`labels-added.yaml`).",
        "",
        "*Before*: the labelled run (`labels.yaml` only). *After*: this tree, over every labelled "
        "finding it still reports (labels from both files); *FP gone* counts labelled FPs no "
        "longer reported (each says `fixed_by`). *New* counts findings that were not in the "
        "labelled run.",
        "",
        f"**Precision after: {percent(a_all.precision)}** ({a_all.tp} TP, {a_all.fp} FP; "
        f"{a_all.too_high} TP a level too severe). Before: {percent(b_all.precision)}.",
        "",
        "| rule | fired | new | before TP / FP | before | after TP / FP | FP gone | after |",
        "|---|---|---|---|---|---|---|---|",
        *rows,
        "",
    ])


@cache
def _original_keys() -> frozenset[Key]:
    data = YAML(typ="safe").load(LABEL_FILES[0].read_text(encoding="utf-8")) or []
    return frozenset(Label.model_validate(item).key for item in data)


def stubs(findings: tuple[Reported, ...]) -> str:
    """YAML stubs for the new findings still to label, drawn as the original sample was."""
    labels = load_labels()
    labelled = {label.key for label in labels}
    out: list[str] = []
    for _rule, found in sorted(new_findings(findings).items()):
        want = sample_size(len(found))
        have = [f for f in found if f.key in labelled]
        pool = [f for f in found if f.key not in labelled]
        drawn = random.Random(SAMPLE_SEED).sample(pool, min(len(pool), want - len(have))) \
            if len(have) < want else []
        for f in drawn:
            out += [f"- rule: {f.rule}", f"  path: {f.path}", f"  subject: '{f.subject}'",
                    f"  detail: '{f.detail}'", f"  line: {f.line}", f"  severity: {f.severity}",
                    "  label: ", "  severity_too_high: false", "  reason: "]
    return "\n".join(out)


def main() -> int:
    from tests.shared_corpus import find_corpus

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", action="store_true", help="rewrite RESULTS.md")
    parser.add_argument("--sample", action="store_true", help="print stubs for new findings")
    args = parser.parse_args()
    corpus = find_corpus()
    if corpus is None:
        print("no shared corpus found", file=sys.stderr)
        return 2
    findings = audit_corpus(corpus)
    if args.sample:
        print(stubs(findings))
    if args.results:
        (HERE / "RESULTS.md").write_text(results(findings), encoding="utf-8")
    broken = status_failures(load_labels(), Index(findings))
    print("\n".join(broken) or "every labelled finding keeps its status", file=sys.stderr)
    return 1 if broken else 0


if __name__ == "__main__":
    sys.path.insert(0, str(HERE.parents[1]))
    sys.exit(main())
