"""Measured telemetry reaches a language model's evidence as measurement items: a point may
restate a measured figure only by citing one, and repository names stay in code spans."""

from __future__ import annotations

from bot.engine import review
from bot.narrative.evidence import EvidenceItem, evidence_of
from bot.narrative.guard import SentenceChecker
from bot.telemetry_report import percent
from tests.telemetry.conftest import Production
from tests.telemetry.manifests import tree, workload

SUBJECT = "`Deployment/serving/chat-tight`"


def _measured(items: list[EvidenceItem]) -> EvidenceItem:
    (item,) = [i for i in items if i.kind == "measurement" and SUBJECT in i.text]
    return item


def test_a_measured_peak_is_restated_only_from_its_measurement_item(telemetry_on: Production):
    base = tree({"k8s/chat.yaml": workload("chat-tight", replicas=4)})
    head = tree({"k8s/chat.yaml": workload("chat-tight", replicas=3)})
    decision = review(base, head)
    p = decision.telemetry.workloads[0].projection
    evidence = evidence_of(decision)
    item = _measured(evidence.items)
    assert item.id.startswith("M") and item.makes == ["measurement"]
    assert p.peak.shown in item.text and percent(p.utilisation_after) in item.text
    assert "3 replicas × 1 GPU" in item.text and "`2d`" in item.text

    check = SentenceChecker(evidence)
    honest = (f"Production telemetry measured a peak load of {p.peak.shown} for {SUBJECT}, and "
              f"the projected peak utilisation after the change is "
              f"{percent(p.utilisation_after)}.")
    assert check.problems(honest, [item.id]) == []
    finding = next(i for i in evidence.items if i.kind == "finding" and "HEAD009" in i.text)
    assert check.problems(honest, [finding.id])  # the finding does not report a measurement
    invented = honest.replace(p.peak.shown, "9.7 GPUs busy")
    assert check.problems(invented, [item.id])


def test_a_cut_is_told_from_its_numbers_not_the_repository_text(telemetry_on: Production):
    # a memory cut: Aria's own figures name the container (`server`, the repository's word)
    base = tree({"k8s/chat.yaml": workload("chat-tight", memory_limit="16Gi")})
    head = tree({"k8s/chat.yaml": workload("chat-tight", memory_limit="4Gi")})
    decision = review(base, head)
    (cut,) = decision.telemetry.workloads[0].cuts
    assert cut.kind == "memory" and "server" in cut.text and "server" in cut.measured.label
    item = _measured(evidence_of(decision).items)
    assert (f"The change lowers a memory limit from 16.0 GiB to 4.0 GiB, below the measured "
            f"peak {cut.measured.shown}.") in item.text
    assert "server" not in item.text
