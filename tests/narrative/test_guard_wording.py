"""Rewordings the guard reads as its evidence reads them, and the plants the same reading stops.

Each evidence text is one Aria writes (copied from the reviews in `tests/fixtures/reviews`).
"""

from __future__ import annotations

import pytest

from bot.engine import review
from bot.ingest.source import DirectorySource
from bot.narrative.evidence import Evidence, EvidenceItem, Part, evidence_of
from bot.narrative.guard import SentenceChecker, guard
from bot.narrative.schema import Narrative, WrittenPart, WrittenPoint
from tests.narrative.conftest import REVIEWS

ITEMS = [
    EvidenceItem(id="A3", kind="assumption", text=(
        "Assumption (default), what Aria assumes: `SPOF001` (Serving workload can run a single "
        "replica) uses the threshold `min_replicas` = 2.")),
    EvidenceItem(id="A4", kind="assumption", text=(
        "Assumption (default), what Aria assumes: `COST002` (Pod requests many GPUs without a "
        "written justification) uses the threshold `min_gpus` = 4.")),
    EvidenceItem(id="F2", kind="finding", text=(
        "Note-level finding COST001 (GPU capacity is all on-demand), severity note, status new, "
        "at `terraform/gpu.tf:14`: `google_container_node_pool.a100` is on-demand GPU capacity, "
        "and none of the 1 GPU pools in the tree uses spot capacity or a reservation.")),
    EvidenceItem(id="F3", kind="finding", text=(
        "Warning-level finding SPOF001 (Serving workload can run a single replica), severity "
        "warning, status new, at `k8s/llm.yaml:12`: `Deployment/llm-server` requests 8 GPUs and "
        "can run with 1 replica.")),
    EvidenceItem(id="O1.1", kind="option", makes=["proposal", "instruction"], text=(
        "An option for COST001: “Cover the steady floor with reserved capacity, burst on "
        "on-demand”. Summary: Reserve (or commit to) the GPUs the serving floor always uses; "
        "keep autoscaled replicas above the floor on demand. Cost: Lower for the floor; needs "
        "a 1–3 year commitment. Latency: Unchanged. Complexity: Low — a purchasing decision "
        "plus a reservation reference. Risk: Low if the floor is measured; Medium if usage "
        "drops.")),
    EvidenceItem(id="O2.1", kind="option", makes=["proposal"], text=(
        "An option for SRV004: “Remove `preferred_batch_size`”. Summary: Let the batcher form "
        "the largest batch available; Triton recommends this for most models. Cost: None. "
        "Latency: Usually equal or better. Complexity: Low. Risk: Low.")),
    EvidenceItem(id="O3.2", kind="option", makes=["proposal"], text=(
        "An option for COST002: “Fit the model on fewer GPUs”. Summary: Quantise "
        "(FP8/INT8/AWQ), lower the tensor-parallel degree, or shorten the maximum context, and "
        "load-test. Cost: Lower per replica. Complexity: Medium — a quality and load test. "
        "Risk: Medium — model quality must be re-checked.")),
]


@pytest.fixture(scope="module")
def check() -> SentenceChecker:
    return SentenceChecker(Evidence(items=ITEMS, parts=[]))


@pytest.mark.parametrize(("text", "cites", "passes"), [
    # `single` is the number 1: it matches `one` and `1`, and qualifies what they qualify
    ("`SPOF001` (Serving workload can run one replica) uses the threshold `min_replicas` = 2.",
     ["A3"], True),
    ("`Deployment/llm-server` can run with a single replica.", ["F3"], True),
    ("`Deployment/llm-server` requests a single GPU.", ["F3"], False),
    ("`Deployment/llm-server` can run with one GPU.", ["F3"], False),
    # a number does not qualify the words of an aside that follows it ...
    ("`COST002` (Pod requests many GPUs without a written justification) uses the threshold "
     "`min_gpus` = 4 (assumption (default), what Aria assumes).", ["A4"], True),
    # ... but still qualifies the word next to it
    ("`COST002` uses the threshold of 4 justifications.", ["A4"], False),
    # a rating or comparative qualifies words on its own side of `and`/`or`, as in its item
    ("For latency: typically equal or better.", ["O2.1"], True),
    ("For latency: typically better.", ["O2.1"], False),
    ("Latency is better.", ["O2.1"], False),
    # a negation negates a thing, not a count: `none of the 1 GPU pools` negates GPU pools
    ("None of the 1 GPU pools in the tree uses spot capacity or a reservation.", ["F2"], True),
    ("The 1 GPU pool in the tree has no on-demand capacity.", ["F2"], False),
    # a clause copied word for word from its item restates it, measurement words and all ...
    ("The risk is low if the floor is measured.", ["O1.1"], True),
    ("The complexity is medium — a quality and load test.", ["O3.2"], True),
    # ... and only word for word: lifted out of its condition it reports a measurement
    ("The floor is measured.", ["O1.1"], False),
    ("The risk is low, the floor is measured.", ["O1.1"], False),
    ("A load test measured the floor.", ["O1.1", "O3.2"], False),
    # an imperative copied from an option that is not recommended is still an instruction
    ("Reserve the GPUs the serving floor always uses.", ["O3.2", "O2.1"], False),
])
def test_rewordings_read_as_their_evidence_reads(check, text, cites, passes):
    problems = check.problems(text, cites)
    assert (problems == []) is passes, problems


def test_a_default_is_in_words_a_sentence_may_use_and_a_file_in_code():
    decision = review(DirectorySource(REVIEWS / "sdxl-serving" / "base"),
                      DirectorySource(REVIEWS / "sdxl-serving" / "head"))
    evidence = evidence_of(decision)
    figures = {i.id: i.text for i in evidence.items if i.kind == "figure"}
    default = next(k for k, t in figures.items() if t.endswith("by default, not written in "
                                                                "the files."))
    in_file = next(k for k, t in figures.items() if " in `k8s/" in t)
    check = SentenceChecker(evidence)
    assert check.problems("The livenessProbe.periodSeconds (Kubernetes default) of "
                          "`Deployment/image-gen/sdxl` is 10 s, the default, not written in "
                          "the files.", [default]) == []
    assert check.problems("The livenessProbe.periodSeconds of `Deployment/image-gen/sdxl` is "
                          "not 10 s.", [default])
    assert check.problems("The livenessProbe.initialDelaySeconds of "
                          "`Deployment/image-gen/sdxl` is not written in the files.", [in_file])


VERDICT = EvidenceItem(id="V", kind="verdict", makes=["verdict"], text=(
    "Aria's verdict on this change: Request changes. This change introduces 1 new error-level "
    "finding and 2 warnings."))


@pytest.mark.parametrize(("text", "cites", "passes"), [
    # reporting verbs of neutral stance and light verbs carry no fact of their own ...
    ("SPOF001 flags that `Deployment/llm-server` requests 8 GPUs and can run with 1 replica.",
     ["F3"], True),
    ("Aria reports that `Deployment/llm-server` requests 8 GPUs and can run with 1 replica.",
     ["F3"], True),
    ("“Fit the model on fewer GPUs” carries Medium risk.", ["O3.2"], True),
    ("For “Remove `preferred_batch_size`”, Aria gives the complexity as Low and the risk as Low.",
     ["O2.1"], True),
    ("In brief, `google_container_node_pool.a100` is on-demand GPU capacity.", ["F2"], True),
    # ... so what they report is still checked: the rating, the measurement, the verdict
    ("“Fit the model on fewer GPUs” carries Low risk.", ["O3.2"], False),
    ("A load test reports that `Deployment/llm-server` can run with 1 replica.", ["F3"], False),
    ("Aria reports that the change is fine to merge.", ["V"], False),
    ("SPOF001 flags nothing that matters.", ["F3"], False),
    # an imperative made of closed-class words is still an instruction
    ("Bring the change in as it is.", ["V"], False),
    ("Let the change go in as it is.", ["V"], False),
    ("Take the change as it is.", ["V"], False),
])
def test_closed_class_verbs_carry_no_fact_and_hide_no_claim(text, cites, passes):
    problems = SentenceChecker(Evidence(items=[*ITEMS, VERDICT], parts=[])).problems(text, cites)
    assert (problems == []) is passes, problems


FOLLOW_UPS = EvidenceItem(
    id="V", kind="verdict", makes=["verdict"], whole="Approve with follow-ups",
    text=("Aria's verdict on this change: Approve with follow-ups. This change introduces no new "
          "error-level finding but 1 new warnings."))


@pytest.mark.parametrize(("text", "passes"), [
    ("Aria's verdict is Approve with follow-ups.", True),
    ("The change can be approved with follow-ups.", True),
    ("The change introduces no new error-level finding but 1 new warnings.", True),
    # a verdict is named whole, in its own clause: `approved` alone drops the follow-ups
    ("The change can be approved.", False),
    ("Aria's verdict is Approve with follow-ups, as the change introduces no new error-level "
     "finding but 1 new warnings, so the change can be approved as it is.", False),
])
def test_a_verdict_is_restated_whole(text, passes):
    problems = SentenceChecker(Evidence(items=[FOLLOW_UPS], parts=[])).problems(text, ["V"])
    assert (problems == []) is passes, problems


def test_a_severity_word_is_not_read_as_a_negator():
    """`note` once stemmed to `not`: `a note-level finding` passed on an item saying `does not`."""
    item = EvidenceItem(id="F1", kind="finding", text=(
        "Warning-level finding SRV015 (Model sharding does not match the GPUs requested), "
        "severity warning, status new, at `k8s/llm.yaml:25`: the server needs 4 GPUs."))
    check = SentenceChecker(Evidence(items=[item], parts=[]))
    assert check.problems("SRV015 is a note-level finding.", ["F1"])
    assert check.problems("SRV015 is a warning-level finding.", ["F1"]) == []


# A decision Aria writes for COST001 (from `tests/fixtures/reviews`), as the guard's parts see it.
COST001 = [
    EvidenceItem(id="R1", kind="recommendation", makes=["recommendation", "proposal",
                                                         "instruction"], text=(
        "For COST001 (GPU capacity is all on-demand) Aria recommends the option “Cover the "
        "steady floor with reserved capacity, burst on on-demand”.")),
    EvidenceItem(id="W1", kind="rationale", text=(
        "Why COST001 (GPU capacity is all on-demand) matters: On-demand is the most expensive "
        "way to buy GPUs. A serving floor that runs around the clock is the ideal candidate for "
        "committed-use discounts or reservations.")),
    EvidenceItem(id="O1.1", kind="option", makes=["recommendation", "proposal", "instruction"],
                 text=ITEMS[4].text),  # the option COST001's R1 recommends
    EvidenceItem(id="O1.2", kind="option", makes=["proposal"], text=(
        "An option for COST001: “Stay on-demand and record why”. Summary: Keep on-demand "
        "capacity and write down why. Cost: Highest per GPU-hour. Latency: Unchanged. "
        "Complexity: Low. Risk: Low.")),
    *(i for i in ITEMS if i.id != "O1.1"),
]
COST_PART = Part(name="decision COST001", about="the options of COST001", subject=["R1", "W1"])


@pytest.mark.parametrize(("text", "cites", "passes"), [
    # `One option is …` says which option, not how many; `One GPU …` still counts
    ("One option is “Stay on-demand and record why”: keep on-demand capacity and write down "
     "why.", ["O1.2"], True),
    ("One GPU is requested by `Deployment/llm-server`.", ["F3"], False),
    ("`Deployment/llm-server` requests one GPU.", ["F3"], False),
    # a set phrase on how the rest is worded carries no claim; the rest is checked as ever
    ("In plain words, `Deployment/llm-server` requests 8 GPUs and can run with 1 replica.",
     ["F3"], True),
    ("In plain words, `Deployment/llm-server` requests 4 GPUs.", ["F3"], False),
    ("In production terms, `Deployment/llm-server` crashed twice.", ["F3"], False),
    # what a recommendation is called (`fix`, `suggested`) comes with an item that recommends,
    # and only for the option it recommends
    ("For COST001, the suggested fix is “Cover the steady floor with reserved capacity, burst "
     "on on-demand”.", ["R1"], True),
    ("For COST001, the suggested fix is “Stay on-demand and record why”.", ["R1"], False),
    ("The suggested fix is “Stay on-demand and record why”.", ["O1.2"], False),
    ("The preferred fix for COST001 is to stay on-demand.", ["R1"], False),
    ("The recommended option, “Cover the steady floor with reserved capacity, burst on "
     "on-demand”, means: reserve the GPUs the serving floor always uses.", ["O1.1"], True),
    ("The recommended option, “Stay on-demand and record why”, means: keep on-demand capacity "
     "and write down why.", ["O1.2"], False),
    # a rating after a quoted title rates the word it follows outside the title
    ("The complexity of “Cover the steady floor with reserved capacity, burst on on-demand” is "
     "low.", ["O1.1"], True),
    ("The complexity of “Cover the steady floor with reserved capacity, burst on on-demand” is "
     "medium.", ["O1.1"], False),
    ("The risk of “Fit the model on fewer GPUs” is low.", ["O3.2"], False),
    # `no cost` is what `Cost: None` says; it does not stand for another label's value
    ("“Remove `preferred_batch_size`” comes at no cost.", ["O2.1"], True),
    ("“Remove `preferred_batch_size`” comes with no risk.", ["O2.1"], False),
    ("“Fit the model on fewer GPUs” comes at no cost.", ["O3.2"], False),
])
def test_framings_a_writer_uses_and_what_they_cannot_carry(text, cites, passes):
    problems = SentenceChecker(Evidence(items=COST001, parts=[COST_PART])).problems(text, cites)
    assert (problems == []) is passes, problems


def _kept(points: list[tuple[str, list[str]]]) -> list[str]:
    narrative = Narrative(parts=[WrittenPart(part=COST_PART.name, points=[
        WrittenPoint(text=text, cites=cites) for text, cites in points])])
    accepted = guard(Evidence(items=COST001, parts=[COST_PART]), narrative).accepted
    return [p.text for e in accepted for p in e.points]


OPTION_TWO = ("One option is “Stay on-demand and record why”: keep on-demand capacity and write "
              "down why.", ["O1.2"])


def test_why_the_decision_matters_may_follow_any_point():
    why = ("Why it matters: on-demand is the most expensive way to buy GPUs.", ["W1"])
    assert _kept([OPTION_TWO, why]) == [OPTION_TWO[0], why[0]]


@pytest.mark.parametrize("text", [
    "It is what Aria recommends for COST001.",
    "Aria recommends it for COST001.",
    "That is the option Aria recommends for COST001.",
])
def test_a_pronoun_after_another_option_cannot_take_the_recommendation(text):
    assert _kept([OPTION_TWO, (text, ["R1"])]) == [OPTION_TWO[0]]


def test_this_point_names_the_part_s_decision():
    recommended = ("Aria recommends “Cover the steady floor with reserved capacity, burst on "
                   "on-demand” for this point.", ["R1"])
    flipped = ("Aria recommends “Stay on-demand and record why” for this point.", ["R1"])
    assert _kept([OPTION_TWO, recommended]) == [OPTION_TWO[0], recommended[0]]
    assert _kept([OPTION_TWO, flipped]) == [OPTION_TWO[0]]
