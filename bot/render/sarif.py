"""SARIF 2.1.0 for code scanning (GitHub `upload-sarif`, IDEs)."""

from __future__ import annotations

import json
from typing import Any

from bot import __version__
from bot.catalog import load_catalog
from bot.decision.model import Decision
from bot.findings import Severity, Status
from bot.render.escape import sarif_text

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {Severity.error: "error", Severity.warning: "warning", Severity.note: "note"}
_BASELINE = {Status.new: "new", Status.unchanged: "unchanged", Status.fixed: "absent",
             Status.superseded: "absent"}


def render_sarif(decision: Decision) -> str:
    catalog = load_catalog()
    used = sorted({f.rule_id for f in decision.findings})
    descriptors: list[dict[str, Any]] = []
    index: dict[str, int] = {}
    for rule_id in used:
        rule = catalog.get(rule_id)
        if rule is None:
            continue
        index[rule_id] = len(descriptors)
        descriptors.append({
            "id": rule.id,
            "name": "".join(w.capitalize() for w in rule.check.name.split("_")),
            "shortDescription": {"text": rule.title},
            "fullDescription": {"text": " ".join(rule.why.split())},
            "help": {"text": rule.recommended_option.summary,
                     "markdown": f"**{rule.recommended_option.title}** — "
                                 f"{rule.recommended_option.summary}"},
            "helpUri": rule.references[0] if rule.references else None,
            "defaultConfiguration": {"level": _LEVEL[rule.severity]},
            "properties": {"tags": list(dict.fromkeys([rule.family, rule.risk or rule.family,
                                                       *(c.tag for c in rule.controls)])),
                           "problem.severity": rule.severity.value,
                           "controls": [c.model_dump(mode="json") for c in rule.controls]},
        })
        if descriptors[-1]["helpUri"] is None:
            del descriptors[-1]["helpUri"]
    results = []
    for f in decision.findings:
        region = {"startLine": f.location.line} if f.location.line else None
        physical: dict = {"artifactLocation": {"uri": f.location.path,
                                               "uriBaseId": "%SRCROOT%"}}
        if region:
            physical["region"] = region
        result: dict = {
            "ruleId": f.rule_id,
            "level": _LEVEL[f.severity],
            "message": {"text": sarif_text(f.message)},
            "locations": [{"physicalLocation": physical}],
            "partialFingerprints": {"ariaFindingKey/v1": f.fingerprint},
            "properties": {"family": f.family, "subject": f.subject,
                           "evidence": [e.model_dump(mode="json") for e in f.evidence]},
        }
        if f.rule_id in index:
            result["ruleIndex"] = index[f.rule_id]
        if decision.mode == "review":
            result["baselineState"] = _BASELINE.get(f.status, "unchanged")
        if f.suppressed:
            result["suppressions"] = [{
                "kind": "inSource" if f.suppressed.source == "inline" else "external",
                "justification": f.suppressed.reason,
            }]
        results.append(result)
    log = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "aria", "version": __version__,
                                "informationUri": "https://github.com/aria-review/aria",
                                "rules": descriptors}},
            "originalUriBaseIds": {"%SRCROOT%": {"description": {"text": "the reviewed tree"}}},
            "results": results,
        }],
    }
    # ASCII only: every hidden or direction-changing character a value carries (a subject, a
    # path) is a visible JSON escape in the file, which viewers decode back to the value.
    return json.dumps(log, indent=2, ensure_ascii=True)
