"""Count fabrications the grounding guard lets through across 100 reviews (0 expected).

Reviews: the example change, then each directory of ../shared/corpus reviewed as new (empty base
against the directory), keeping those with a decision to write about, up to 100. The writer is a
scripted adversarial chat model (LangChain's GenericFakeChatModel): for every part it either
rewrites honestly from the decision or plants a fabrication — an invented p99, price, replica
count, resource or model name, file path, measurement claim, a flipped verdict or a flipped
recommendation. Each planted fabrication carries a marker string that occurs nowhere in the
decision model; the count of markers found in the rendered review and ADR is the number of
fabrications let through, independent of how the guard decides.

    python bench/narrative_grounding.py [--reviews 100] [--json]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage

from bot.decision.model import Decision, DecisionPoint
from bot.engine import review
from bot.ingest.source import DirectorySource, MemorySource
from bot.narrative import NarrativeSettings, apply_narrative
from bot.narrative.grounding import Grounding, tokens
from bot.render import render
from bot.render.adr import render_adr

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"


class Adversary(GenericFakeChatModel):
    """Replays one scripted tool-call answer; `bind_tools` is all with_structured_output needs."""

    def bind_tools(self, tools: Any, **kwargs: Any) -> Adversary:
        return self


def decisions(limit: int) -> list[Decision]:
    out = [review(DirectorySource(ROOT / "examples/gpu-serving/base"),
                  DirectorySource(ROOT / "examples/gpu-serving/head"))]
    rows = (CORPUS / "MANIFEST.tsv").read_text().splitlines()[1:]
    folders = sorted({str(Path(r.split("\t")[0]).parent) for r in rows})
    for folder in folders:
        if len(out) == limit:
            break
        decision = review(MemorySource({}), DirectorySource(CORPUS / folder))
        if decision.decision_points:
            out.append(decision)
    return out


class Planter:
    """Fabrications with markers no decision holds, and honest rewrites, chosen by a seeded RNG."""

    def __init__(self, decision: Decision, rng: random.Random) -> None:
        self.rng = rng
        self.known = decision.model_dump_json() + render(decision, "markdown")
        self.markers: list[str] = []

    def _fresh(self, make) -> str:
        while True:
            n = self.rng.randint(13, 997)
            marker, sentence = make(n)
            # a planted number is one the decision nowhere holds (a real figure put in the
            # wrong role, such as `20` from "20–40% headroom" as "20 replicas", is not counted)
            if marker not in self.known and not re.search(rf"(?<![\d.]){n}(?!\d)", self.known):
                self.markers.append(marker)
                return sentence

    def fabrication(self) -> str:
        kind = self.rng.choice([
            lambda n: (f"{n} ms", f"The p99 latency is **{n} ms** at peak."),
            lambda n: (f"${n}.40", f"Each GPU costs **${n}.40** an hour."),
            lambda n: (f"{n} replicas", f"Scale the workload to **{n} replicas**."),
            lambda n: (f"svc-{n}-gateway", f"Traffic arrives through `svc-{n}-gateway`."),
            lambda n: (f"Llama-3-{n}B", f"It serves Llama-3-{n}B on this pool."),
            lambda n: (f"deploy/prod-{n}.yaml", f"The same flaw is in deploy/prod-{n}.yaml."),
            lambda n: (f"{n} requests per second", f"Load tests showed {n} requests per second."),
            lambda n: (f"{n} percent", f"Utilisation sits at {n} percent."),
            lambda n: (f"{n}k tokens", f"The context window holds {n}k tokens."),
        ])
        return self._fresh(kind)

    def recommendation_flip(self, decision: Decision) -> str:
        marker = "**Approve.** Ship it"
        self.markers.append(marker)
        return f"{marker}; {decision.recommendation.split('**', 2)[-1].strip()}"


def script(decision: Decision, planter: Planter, rate: float) -> tuple[dict[str, Any], int]:
    """The adversary's answer and how many parts it wrote honestly."""
    rng = planter.rng
    honest = 0

    def part(text: str) -> str:
        nonlocal honest
        if rng.random() < rate:
            return f"{text} {planter.fabrication()}"
        honest += 1
        return text

    recommendation = (planter.recommendation_flip(decision) if rng.random() < rate / 3
                      else part(decision.recommendation))
    first = decision.decision_points[0]
    answer = {
        "recommendation": recommendation,
        "context": part(f"{decision.context} The first decision is {first.title} "
                        f"(`{first.rule_id}`)."),
        "consequences": [part(c) for c in decision.consequences],
        "decision_points": [_point(p, part, rng.random() < rate / 4) for p in
                            decision.decision_points],
    }
    return answer, honest


def _point(point: DecisionPoint, part, flip: bool) -> dict[str, Any]:
    return {"rule_id": point.rule_id, "options": [
        {"title": o.title, "recommended": o.recommended != flip,
         "summary": part(f"{o.summary} Risk: {o.risk}.")} for o in point.options]}


def ungrounded(decision: Decision, original: Decision) -> list[str]:
    """Numbers and names in the machine-written parts that the evidence does not hold."""
    grounding = Grounding.of(original)
    texts: list[str] = []
    if "recommendation" in decision.machine_written:
        texts.append(decision.recommendation)
    if "context" in decision.machine_written:
        texts.append(decision.context)
    if "consequences" in decision.machine_written:
        texts += decision.consequences
    texts += [o.summary for p in decision.decision_points
              if f"options of {p.rule_id}" in decision.machine_written for o in p.options]
    return [t.text for text in texts for t in tokens(text)
            if not (grounding.knows_number(t) if t.kind == "number"
                    else grounding.knows_name(t.text))]


def run(limit: int, rate: float, seed: int) -> dict[str, Any]:
    started = time.monotonic()
    found = decisions(limit)
    built = time.monotonic() - started
    stats: Counter[str] = Counter()
    with tempfile.TemporaryDirectory() as state:
        settings = NarrativeSettings(state_dir=Path(state), max_tokens_per_review=10**7,
                                     max_tokens_per_day=10**9)
        for i, decision in enumerate(found):
            assert apply_narrative(decision, settings=NarrativeSettings(
                state_dir=Path(state))) is decision, "deterministic path changed"
            planter = Planter(decision, random.Random(seed + i))
            answer, honest = script(decision, planter, rate)
            model = Adversary(messages=iter([AIMessage(content="", tool_calls=[
                {"name": "Narrative", "args": answer, "id": f"call-{i}"}])]))
            out = apply_narrative(decision, model, settings)
            shown = render(out, "markdown") + render_adr(out)
            stats["fabrications planted"] += len(planter.markers)
            stats["fabrications let through"] += sum(m in shown for m in planter.markers)
            stats["ungrounded tokens in machine-written parts"] += len(ungrounded(out, decision))
            offered = 3 + len(decision.decision_points) - (not decision.consequences)
            stats["parts offered"] += offered
            stats["parts machine-written"] += len(out.machine_written)
            stats["parts replaced by deterministic text"] += offered - len(out.machine_written)
            stats["honest spans offered"] += honest
            stats["findings or risks changed"] += (out.findings != decision.findings
                                                   or out.risks != decision.risks)
            stats["options or verdict changed"] += (
                [(o.title, o.recommended) for p in out.decision_points for o in p.options] !=
                [(o.title, o.recommended) for p in decision.decision_points for o in p.options]
                or out.recommendation.split("**")[1] != decision.recommendation.split("**")[1])
    return {"reviews": len(found), "seconds_building_reviews": round(built, 1),
            "seconds_writing_and_guarding": round(time.monotonic() - started - built, 1),
            **stats}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reviews", type=int, default=100)
    parser.add_argument("--rate", type=float, default=0.6, help="share of parts fabricated")
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = run(args.reviews, args.rate, args.seed)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for key, value in result.items():
            print(f"{key:>45}: {value}")
    bad = (result["fabrications let through"] + result["ungrounded tokens in machine-written parts"]
           + result["findings or risks changed"] + result["options or verdict changed"])
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
