"""JUnit XML: one test case per rule, failing with its findings, for CI dashboards."""

from __future__ import annotations

from xml.etree import ElementTree as ET

from bot.catalog import load_catalog
from bot.decision.model import Decision
from bot.render.escape import plain_text


def render_junit(decision: Decision) -> str:
    gating = decision.gating
    suite = ET.Element("testsuite", name=f"aria {decision.mode}")
    by_rule: dict[str, list] = {}
    for f in gating:
        by_rule.setdefault(f.rule_id, []).append(f)
    cases = 0
    for rule in load_catalog():
        case = ET.SubElement(suite, "testcase", classname=f"aria.{rule.family}", name=rule.id)
        cases += 1
        found = by_rule.get(rule.id)
        if found:
            failure = ET.SubElement(case, "failure", type=found[0].severity.value,
                                    message=f"{len(found)} finding(s): {rule.title}")
            # XML 1.0 cannot hold most control characters: shown as visible escapes instead.
            failure.text = "\n".join(plain_text(f"{f.location}: {f.message}", 4000)
                                     for f in found)
    suite.set("tests", str(cases))
    suite.set("failures", str(len(by_rule)))
    suite.set("errors", "0")
    return ET.tostring(suite, encoding="unicode", xml_declaration=True) + "\n"
