"""An audit seen by control: for each published control that the rules which ran cite, how many
findings those rules raised. Counts of findings, never a pass or a certification."""

from __future__ import annotations

import re
from collections.abc import Callable

from pydantic import BaseModel, Field

from bot.catalog import FRAMEWORKS, Catalog, Framework
from bot.decision.model import Decision


class ControlRow(BaseModel):
    framework: Framework
    framework_title: str
    id: str
    title: str
    url: str
    rules: list[str] = Field(description="rules that ran and cite this control")
    findings: int = 0
    by_severity: dict[str, int] = Field(default_factory=dict)


class ControlSummary(BaseModel):
    title: str
    files_reviewed: int
    rows: list[ControlRow]
    findings: int = Field(description="findings counted (unsuppressed)")
    without_control: int = Field(description="findings of rules that cite no control")


def _natural(text: str) -> list[int | str]:
    """`5.2.12` after `5.2.9`: numbers compare as numbers."""
    return [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", text)]


def summarise_by_control(decision: Decision, catalog: Catalog,
                         ran: Callable[[str], bool]) -> ControlSummary:
    """`ran(rule_id)` says whether the configuration let a rule run: a control whose rules were
    all switched off is left out rather than shown with no findings."""
    found = decision.gating
    rows: dict[tuple[str, str], ControlRow] = {}
    for rule in catalog:
        if not ran(rule.id):
            continue
        raised = [f for f in found if f.rule_id == rule.id]
        for control in rule.controls:
            row = rows.setdefault(control.key, ControlRow(
                framework=control.framework, framework_title=FRAMEWORKS[control.framework][0],
                id=control.id, title=control.title, url=control.url, rules=[]))
            row.rules.append(rule.id)
            row.findings += len(raised)
            for f in raised:
                row.by_severity[f.severity.value] = row.by_severity.get(f.severity.value, 0) + 1
    order = list(Framework)
    cited = {r.id for r in catalog if r.controls}
    return ControlSummary(
        title=decision.title, files_reviewed=decision.files_reviewed,
        rows=sorted(rows.values(), key=lambda r: (order.index(r.framework), _natural(r.id))),
        findings=len(found), without_control=sum(1 for f in found if f.rule_id not in cited))
