"""Acceptance scenarios: realistic pull requests, reviewed black-box by the installed `aria` CLI.

Each folder `NN-slug/` holds `base/` and `head/` trees and a `scenario.yaml` that says what a
principal platform architect expects the review to report. An expectation entry
`{family, subject, min_severity}` matches a finding when the family is equal (or the entry says
`*`), the entry's subject is a case-insensitive substring of the finding's subject, and the
finding's severity is at least `min_severity` (note < warning < error; default note).

- `new`: each entry matches at least one finding whose status is `new`.
- `not_new`: no finding whose status is `new` matches any entry.
- `fixed`: each entry matches at least one finding whose status is `fixed`.
- `not_fixed`: no finding whose status is `fixed` matches any entry.
- `clean: true`: no `new` finding at warning or error level.

Subjects are written as the part of a finding's subject that names the object:
`Deployment/<namespace>/<name>` for namespaced objects, the bare name for cluster-scoped ones
(ClusterRole, NodePool), the resource address for Terraform (`aws_eks_node_group.gpu`); a name
shared by a Terraform pool and the workload it carries (`chat`) matches findings on either.
`subject: ""` matches every finding (used where a change must move nothing at all).

`python tests/scenarios/test_scenarios.py --results` rewrites `RESULTS.md` from the same checks.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Literal

import pytest
from pydantic import BaseModel, ConfigDict, Field
from ruamel.yaml import YAML

HERE = Path(__file__).resolve().parent
SEVERITY_RANK = {"note": 0, "warning": 1, "error": 2}
REVIEW_TIMEOUT_S = 300

Finding = dict[str, Any]


class Entry(BaseModel):
    """One expected (or forbidden) finding pattern."""

    model_config = ConfigDict(extra="forbid")

    family: str
    subject: str
    min_severity: Literal["note", "warning", "error"] = "note"

    def matches(self, finding: Finding) -> bool:
        family_ok = self.family == "*" or self.family == finding.get("family")
        subject_ok = self.subject.lower() in str(finding.get("subject", "")).lower()
        rank = SEVERITY_RANK.get(str(finding.get("severity")), -1)
        return family_ok and subject_ok and rank >= SEVERITY_RANK[self.min_severity]

    def describe(self) -> str:
        return (f"{{family: {self.family}, subject: {self.subject!r}, "
                f"min_severity: {self.min_severity}}}")


class Expect(BaseModel):
    model_config = ConfigDict(extra="forbid")

    new: list[Entry] = Field(default_factory=list)
    not_new: list[Entry] = Field(default_factory=list)
    fixed: list[Entry] = Field(default_factory=list)
    not_fixed: list[Entry] = Field(default_factory=list)
    clean: bool = False


class Scenario(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str
    story: str
    expect: Expect

    @classmethod
    def load(cls, folder: Path) -> Scenario:
        data = YAML(typ="safe").load((folder / "scenario.yaml").read_text(encoding="utf-8"))
        return cls.model_validate(data)


class ReviewFailed(RuntimeError):
    """`aria review` did not produce a JSON review."""


def scenario_dirs() -> list[Path]:
    return sorted(d for d in HERE.iterdir() if (d / "scenario.yaml").is_file())


def aria_command() -> str:
    """The `aria` console script of the running interpreter's environment, else the one on PATH."""
    beside = Path(sys.executable).with_name("aria")
    if beside.is_file():
        return str(beside)
    found = shutil.which("aria")
    if found is None:
        raise ReviewFailed("the `aria` CLI is not installed (pip install -e .)")
    return found


def review(folder: Path) -> list[Finding]:
    cmd = [aria_command(), "review", str(folder / "base"), str(folder / "head"),
           "-f", "json", "--fail-on", "never"]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=folder,
                          timeout=REVIEW_TIMEOUT_S, check=False)
    if proc.returncode != 0:
        raise ReviewFailed(f"`aria review` exited {proc.returncode}:\n{proc.stderr[-4000:]}")
    try:
        return list(json.loads(proc.stdout)["findings"])
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise ReviewFailed(
            f"`aria review` printed no JSON review ({exc}):\n{proc.stdout[:2000]}") from exc


def with_status(findings: list[Finding], status: str) -> list[Finding]:
    return [f for f in findings if f.get("status") == status]


def brief(finding: Finding) -> str:
    keys = ("status", "severity", "family", "rule_id", "subject")
    return " ".join(str(finding.get(key, "?")) for key in keys)


def line(finding: Finding) -> str:
    message = " ".join(str(finding.get("message", "")).split())
    return (f"{finding.get('status', '?'):10} {finding.get('severity', '?'):7} "
            f"{finding.get('family', '?'):13} {finding.get('rule_id', '?'):9} "
            f"{finding.get('subject', '?')} — {message[:180]}")


def failures(expect: Expect, findings: list[Finding]) -> list[str]:
    """Every expectation of the scenario that the findings break, one line each."""
    new, fixed = with_status(findings, "new"), with_status(findings, "fixed")
    out: list[str] = []
    out += [f"new: nothing new matches {e.describe()}"
            for e in expect.new if not any(e.matches(f) for f in new)]
    out += [f"fixed: nothing fixed matches {e.describe()}"
            for e in expect.fixed if not any(e.matches(f) for f in fixed)]
    for label, entries, pool in (("not_new", expect.not_new, new),
                                 ("not_fixed", expect.not_fixed, fixed)):
        for e in entries:
            out += [f"{label}: {e.describe()} matched {brief(f)}" for f in pool if e.matches(f)]
    if expect.clean:
        out += [f"clean: new finding at warning or above: {brief(f)}"
                for f in new if SEVERITY_RANK.get(str(f.get("severity")), -1) >= 1]
    return out


def relevant(expect: Expect, findings: list[Finding]) -> list[Finding]:
    """Findings worth showing next to a failure: all new/fixed ones, and any an entry names."""
    entries = expect.new + expect.not_new + expect.fixed + expect.not_fixed
    return [f for f in findings
            if f.get("status") in ("new", "fixed") or any(e.matches(f) for e in entries)]


def report(folder: Path, scenario: Scenario, broken: list[str], findings: list[Finding]) -> str:
    shown = relevant(scenario.expect, findings)
    return "\n".join([
        f"{folder.name}: {scenario.title}",
        "failed expectations:", *(f"  - {b}" for b in broken),
        f"relevant findings ({len(shown)} of {len(findings)}):", *(f"  {line(f)}" for f in shown),
    ])


# Scenarios whose fix is still in flight (the lead's merge queue): strict, so a scenario that
# starts to pass fails here until it leaves the list. The expectations themselves never change.
PENDING = set((Path(__file__).parent / "PENDING").read_text().split())


def _marked(folder: Path) -> object:
    if folder.name not in PENDING:
        return folder
    return pytest.param(folder, marks=pytest.mark.xfail(strict=True, reason="fix in flight"))


@pytest.mark.parametrize("folder", [_marked(d) for d in scenario_dirs()], ids=lambda d: d.name)
def test_scenario(folder: Path) -> None:
    scenario = Scenario.load(folder)
    findings = review(folder)
    broken = failures(scenario.expect, findings)
    if broken:
        pytest.fail(report(folder, scenario, broken, findings), pytrace=False)


def test_suite_has_its_shape() -> None:
    """The suite's own floor: enough scenarios, every family exercised, enough clean changes."""
    scenarios = [Scenario.load(d) for d in scenario_dirs()]
    families = {e.family for s in scenarios for e in s.expect.new + s.expect.fixed}
    assert len(scenarios) >= 45
    assert {"headroom", "spof", "rbac", "lock-in", "security", "cost", "observability",
            "serving"} <= families
    assert sum(s.expect.clean for s in scenarios) >= 8
    for folder in scenario_dirs():
        assert (folder / "base").is_dir() and (folder / "head").is_dir(), folder.name


def covers(expect: Expect) -> str:
    """What a scenario asserts, in short: families expected new (+) or fixed (✓), and clean."""
    marks = [f"+{e.family}" for e in expect.new] + [f"✓{e.family}" for e in expect.fixed]
    return " ".join(dict.fromkeys(marks + (["clean"] if expect.clean else [])))


def test_expectations_are_checked_as_documented() -> None:
    """The checker itself: each kind of expectation fails exactly when it should."""
    spof = {"family": "spof", "subject": "Deployment/ml/llm", "severity": "warning",
            "rule_id": "SPOF002", "status": "fixed"}
    note = {"family": "cost", "subject": "aws_eks_node_group.gpu", "severity": "note",
            "rule_id": "COST001", "status": "new"}
    expect = Expect.model_validate({
        "new": [{"family": "cost", "subject": "EKS_NODE_GROUP.gpu"}],
        "fixed": [{"family": "*", "subject": "llm", "min_severity": "warning"}],
        "not_new": [{"family": "cost", "subject": "gpu", "min_severity": "warning"}],
        "clean": True,
    })
    assert failures(expect, [spof, note]) == []
    assert len(failures(expect, [note])) == 1  # the fix is missing
    assert failures(expect, [spof, {**note, "severity": "warning"}]) == [
        "not_new: {family: cost, subject: 'gpu', min_severity: warning} matched "
        "new warning cost COST001 aws_eks_node_group.gpu",
        "clean: new finding at warning or above: new warning cost COST001 aws_eks_node_group.gpu",
    ]
    regression = Expect.model_validate({"not_fixed": [{"family": "*", "subject": ""}]})
    assert len(failures(regression, [spof, note])) == 1
    with pytest.raises(ValueError):
        Expect.model_validate({"new": [{"family": "spof", "subjekt": "x"}]})


def test_results_file_is_current():
    """RESULTS.md is what users read: it names every scenario, and none as failing, since the
    suite requires each to pass (`--results` rewrites it after a scenario is added)."""
    rows = {line.split(" | ")[0].removeprefix("| "): line.split(" | ")[2]
            for line in (HERE / "RESULTS.md").read_text(encoding="utf-8").splitlines()
            if line.startswith("| ") and not line.startswith("| scenario ")}
    assert sorted(rows) == [folder.name for folder in scenario_dirs()]
    assert [name for name, result in rows.items() if result != "pass"] == []


def results_markdown() -> str:
    rows, passed = [], 0
    for folder in scenario_dirs():
        scenario = Scenario.load(folder)
        try:
            broken = failures(scenario.expect, review(folder))
        except ReviewFailed as exc:
            broken = [f"review failed: {str(exc).splitlines()[0]}"]
        passed += not broken
        cell = "<br>".join(b.replace("|", "\\|") for b in broken) or "—"
        rows.append(f"| {folder.name} | {covers(scenario.expect)} | "
                    f"{'pass' if not broken else 'FAIL'} | {cell} |")
    total = len(rows)
    return "\n".join([
        "# Scenario results", "",
        "Produced by `python tests/scenarios/test_scenarios.py --results` "
        "(each scenario reviewed with `aria review base head -f json --fail-on never`).", "",
        f"**{passed} of {total} scenarios pass; {total - passed} fail.**", "",
        "`asserts`: `+family` a new finding expected, `✓family` a fixed one, `clean` no new "
        "warning; most scenarios also forbid new or fixed findings on named objects (`not_new`, "
        "`not_fixed` in their scenario.yaml).",
        "",
        "| scenario | asserts | result | failing expectations |", "|---|---|---|---|", *rows, "",
    ])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", action="store_true", help="rewrite RESULTS.md")
    args = parser.parse_args()
    text = results_markdown()
    if args.results:
        (HERE / "RESULTS.md").write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
