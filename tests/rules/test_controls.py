"""Controls in the rule packs: the `controls:` schema, the cited ids against the published
documents, and where they show: `aria rules ID`, SARIF rule properties, `aria audit --by control`.
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from bot.catalog import CatalogError, load_catalog, load_pack
from bot.cli import main
from tests.conftest import FIXTURES
from tests.rules.packs import write_pack

CATALOG = load_catalog()
RBAC_REPO = FIXTURES / "repos" / "platform-rbac"
SARIF_SCHEMA = FIXTURES / "sarif" / "sarif-2.1.0-rtm.5.json"

# CIS Kubernetes Benchmark v1.9.0, section 5 as published (titles without the "(Automated)" or
# "(Manual)" suffix), from aquasecurity/kube-bench cfg/cis-1.9/policies.yaml.
CIS_1_9 = {
    "5.1.1": "Ensure that the cluster-admin role is only used where required",
    "5.1.2": "Minimize access to secrets",
    "5.1.3": "Minimize wildcard use in Roles and ClusterRoles",
    "5.1.5": "Ensure that default service accounts are not actively used",
    "5.1.6": "Ensure that Service Account Tokens are only mounted where necessary",
    "5.1.8": "Limit use of the Bind, Impersonate and Escalate permissions in the Kubernetes "
             "cluster",
    "5.2.2": "Minimize the admission of privileged containers",
    "5.2.3": "Minimize the admission of containers wishing to share the host process ID "
             "namespace",
    "5.2.4": "Minimize the admission of containers wishing to share the host IPC namespace",
    "5.2.5": "Minimize the admission of containers wishing to share the host network namespace",
    "5.2.6": "Minimize the admission of containers with allowPrivilegeEscalation",
    "5.2.7": "Minimize the admission of root containers",
    "5.2.9": "Minimize the admission of containers with added capabilities",
    "5.2.12": "Minimize the admission of HostPath volumes",
    "5.4.2": "Consider external secret storage",
}
# Section headings of the NSA/CISA Kubernetes Hardening Guidance v1.2 that rules cite.
NSA_SECTIONS = {"Kubernetes Pod security", "Non-root containers",
                "Protecting Pod service account tokens", "Secrets", "Resource policies",
                "Authentication and authorization"}

def pack_with(tmp_path: Path, *controls: str) -> Path:
    return write_pack(tmp_path, "controls:", *(f"  - {c}" for c in controls))


AZ = "{framework: azure-well-architected, id: 'RE:05', title: Design for redundancy, " \
     "url: https://learn.microsoft.com/azure/well-architected/reliability/redundancy}"


def test_a_pack_with_controls_loads(tmp_path: Path) -> None:
    (rule,) = load_pack(pack_with(tmp_path, AZ)).rules
    (control,) = rule.controls
    assert control.tag == "external/azure-well-architected/RE:05"
    assert control.framework_title == "Azure Well-Architected Framework"


@pytest.mark.parametrize(("control", "complaint"), [
    ("{framework: cis-kubernetes, id: '5.1', title: t, url: https://x.org/}",
     "not an id of the CIS Kubernetes Benchmark"),
    ("{framework: aws-well-architected, id: REL10, title: t, url: https://x.org/}",
     "not an id of the AWS Well-Architected"),
    ("{framework: iso-27001, id: A.5.1, title: t, url: https://x.org/}", "framework"),
    ("{framework: cis-kubernetes, id: '5.1.3', title: t, url: http://x.org/}", "url"),
    ("{framework: cis-kubernetes, id: '5.1.3', title: '', url: https://x.org/}", "title"),
    ("{framework: cis-kubernetes, id: '5.1.3', title: t, url: https://x.org/, level: 1}",
     "level"),
])
def test_a_control_that_is_not_a_real_id_of_its_framework_is_refused(
        tmp_path: Path, control: str, complaint: str) -> None:
    with pytest.raises(CatalogError, match=complaint):
        load_pack(pack_with(tmp_path, control))


def test_a_control_listed_twice_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match="listed twice: azure-well-architected/RE:05"):
        load_pack(pack_with(tmp_path, AZ, AZ))


def test_cited_ids_and_titles_are_the_published_ones() -> None:
    cited = [c for rule in CATALOG for c in rule.controls]
    assert cited, "the packs cite controls"
    for c in cited:
        if c.framework == "cis-kubernetes":
            assert CIS_1_9.get(c.id) == c.title, c.id
        if c.framework == "nsa-cisa-kubernetes":
            assert c.id in NSA_SECTIONS, c.id
    # The RBAC and pod-security rules on Kubernetes objects cite the hardening guidance.
    for rule_id in ("RBAC001", "RBAC002", "RBAC003", "RBAC004", "RBAC005", "RBAC006", "RBAC007",
                    "SEC001", "SEC002", "SEC003", "SEC004", "SEC005", "SEC006", "SEC007",
                    "SEC009"):
        rule = CATALOG.get(rule_id)
        assert rule is not None
        assert any(c.framework == "nsa-cisa-kubernetes" for c in rule.controls), rule_id


def test_aria_rules_shows_the_controls_and_claims_no_certification(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "SEC007"]) == 0
    text = capsys.readouterr().out
    assert "## Controls it helps enforce" in text
    for section in ("5.2.3", "5.2.4", "5.2.5"):
        assert f"CIS Kubernetes Benchmark v1.9.0 **{section}**: {CIS_1_9[section]}" in text
    assert "not an assessment or certification" in text
    assert main(["rules", "SRV004"]) == 0  # a rule with no control says nothing about them
    assert "Controls" not in capsys.readouterr().out
    assert main(["rules", "RBAC002", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["controls"][0]["id"] == "5.1.1"


def test_sarif_rules_carry_control_tags_and_properties(tmp_path: Path) -> None:
    out = tmp_path / "a.sarif"
    assert main(["audit", str(RBAC_REPO), "-f", "sarif", "-o", str(out), "--fail-on", "never"]) == 0
    log = json.loads(out.read_text())
    jsonschema.validate(log, json.loads(SARIF_SCHEMA.read_text(encoding="utf-8-sig")))
    rules = {r["id"]: r for r in log["runs"][0]["tool"]["driver"]["rules"]}
    rbac001 = rules["RBAC001"]["properties"]
    assert "external/cis-kubernetes/5.1.3" in rbac001["tags"]
    assert "external/nsa-cisa-kubernetes/Authentication and authorization" in rbac001["tags"]
    assert rbac001["controls"][0] == {
        "framework": "cis-kubernetes", "id": "5.1.3", "title": CIS_1_9["5.1.3"],
        "url": "https://www.cisecurity.org/benchmark/kubernetes"}
    uncited = [r for r in rules.values() if not CATALOG.get(r["id"]).controls]
    assert all(r["properties"]["controls"] == [] for r in uncited)


def by_control(capsys: pytest.CaptureFixture[str], *args: str) -> dict:
    assert main(["audit", str(RBAC_REPO), "--by", "control", "-f", "json", "--fail-on", "never",
                 *args]) == 0
    return json.loads(capsys.readouterr().out)


def test_audit_by_control_counts_the_findings_of_the_rules_citing_each(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["audit", str(RBAC_REPO), "-f", "json", "--fail-on", "never"]) == 0
    findings = [f for f in json.loads(capsys.readouterr().out)["findings"]
                if f["suppressed"] is None]
    summary = by_control(capsys)
    rows = {(r["framework"], r["id"]): r for r in summary["rows"]}
    for (_, cid), row in rows.items():
        raised = [f for f in findings if f["rule_id"] in row["rules"]]
        assert row["findings"] == len(raised), cid
        assert sum(row["by_severity"].values()) == len(raised)
    assert rows["cis-kubernetes", "5.1.3"]["rules"] == ["RBAC001"]
    assert rows["cis-kubernetes", "5.1.3"]["findings"] > 0
    assert rows["cis-kubernetes", "5.2.2"]["findings"] == 0  # ran; nothing privileged here
    assert summary["findings"] == len(findings)
    # A control whose only rule is switched off is left out, not shown as clean.
    config = tmp_path / "aria.yml"
    config.write_text("rules:\n  RBAC001: {enabled: false}\n")
    rows_off = {(r["framework"], r["id"]) for r in by_control(capsys, "--config", str(config))
                ["rows"]}
    assert ("cis-kubernetes", "5.1.3") not in rows_off
    assert ("cis-kubernetes", "5.1.1") in rows_off


def test_audit_by_control_as_markdown_terminal_and_refused_formats(
        capsys: pytest.CaptureFixture[str]) -> None:
    base = ["audit", str(RBAC_REPO), "--by", "control", "--fail-on", "never"]
    assert main([*base, "-f", "markdown"]) == 0
    md = capsys.readouterr().out
    assert "### CIS Kubernetes Benchmark v1.9.0" in md
    assert "| [5.1.3](https://www.cisecurity.org/benchmark/kubernetes) |" in md
    assert "certifies nothing" in md
    assert md.index("5.2.9") < md.index("5.2.12")  # section numbers in their natural order
    assert main([*base, "-f", "terminal"]) == 0
    shown = capsys.readouterr().out
    assert "CIS Kubernetes Benchmark v1.9.0" in shown and "5.1.3" in shown
    assert "RBAC001" in shown
    assert main([*base, "-f", "sarif"]) == 2
    assert "--by control" in capsys.readouterr().err
