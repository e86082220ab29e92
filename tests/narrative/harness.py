"""Measure the guard against an adversarial writer, end to end through an HTTP endpoint.

For each review, the adversary (`attack(brief, seed)`) returns honest rewordings and planted
claims per part. They reach Aria as an OpenAI-compatible endpoint's answers, through
langchain-openai configured as an operator would (`ARIA_LLM_MODEL` + `ARIA_LLM_BASE_URL`):
* one call where every part holds only its honest sentences (how much honest text is kept);
* then one call per planted sentence of a part, each mixed into that part's honest sentences
  (parts are dropped whole, so each plant gets its own chance to get through).
A planted sentence *leaks* when it is in the rendered review or ADR and was not there without
the model. The verdict, options and findings are compared with the review without the model on
every call.
"""

from __future__ import annotations

import re
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path
from typing import Any

from bot.decision.model import Decision
from bot.engine import review
from bot.ingest.source import DirectorySource
from bot.narrative import NarrativeSettings, apply_narrative
from bot.narrative.evidence import evidence_of, relevant_findings
from bot.render import render
from bot.render.adr import render_adr
from tests.narrative.endpoint import ChatEndpoint

ROOT = Path(__file__).resolve().parents[2]
REVIEW_TREES = [ROOT / "examples" / "gpu-serving",
                *sorted(p for p in (ROOT / "tests" / "fixtures" / "reviews").iterdir()
                        if p.is_dir())]

Attack = Callable[[dict[str, Any], int], list[dict[str, Any]]]


def reviews() -> list[tuple[str, Decision]]:
    return [(tree.name, review(DirectorySource(tree / "base"), DirectorySource(tree / "head")))
            for tree in REVIEW_TREES]


def brief_of(decision: Decision) -> dict[str, Any]:
    """What the adversary is told about a review: Aria's decision and the writer's evidence."""
    evidence = evidence_of(decision)
    options = [{"id": f"O{n}.{k}", "title": o.title, "recommended": o.recommended,
                "summary": o.summary}
               for n, p in enumerate(decision.decision_points, 1)
               for k, o in enumerate(p.options, 1)]
    first = decision.decision_points[0].recommended.title if decision.decision_points else ""
    return {
        "verdict": (decision.recommendation.split("**")[1:2] or [""])[0],
        "recommended_option": first,
        "options": options,
        "findings": [{"id": f"F{n}", "rule": f.rule_id, "severity": f.severity.value,
                      "status": f.status.value, "title": f.title, "message": f.message}
                     for n, f in enumerate(relevant_findings(decision), 1)
                     if evidence.item(f"F{n}") is not None],
        "figures": [{"id": f"G{n}", "label": g.label, "value": str(g.value),
                     "source": g.source} for n, g in enumerate(decision.figures, 1)],
        "assumptions": [{"id": f"A{n}", "text": a.text}
                        for n, a in enumerate(decision.assumptions, 1)],
        "evidence": [{"id": i.id, "text": i.text} for i in evidence.items],
        "parts": [p.name for p in evidence.parts],
    }


def _answer(by_part: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    return {"parts": [{"part": part, "sentences": [{"text": s["sentence"],
                                                    "cites": list(s.get("cites", []))}
                                                   for s in sentences]}
                      for part, sentences in by_part.items() if sentences]}


def rounds(attacked: list[dict[str, Any]]) -> Iterator[tuple[dict[str, Any], list[dict]]]:
    """(the writer's answer, the sentences it plants) for each call of one review."""
    honest: dict[str, list[dict]] = {}
    planted: dict[str, list[dict]] = {}
    for s in attacked:
        (honest if s["honest"] else planted).setdefault(s["part"], []).append(s)
    yield _answer(honest), []
    for r in range(max((len(v) for v in planted.values()), default=0)):
        plants = {p: v[r] for p, v in planted.items() if r < len(v)}
        mixed = {p: _with(honest.get(p, []), plant) for p, plant in plants.items()}
        yield _answer(mixed), list(plants.values())


def _with(honest: list[dict], plant: dict) -> list[dict]:
    middle = len(honest) // 2
    return [*honest[:middle], plant, *honest[middle:]]


def visible(markdown: str) -> str:
    """Text as a reader sees it: Markdown escapes and HTML entities undone, spacing collapsed."""
    text = unescape(re.sub(r"\\([\\`*_{}\[\]()#+!|~>-])", r"\1", markdown))
    return " ".join(text.replace("\u200b", "").split()).casefold()


def _reached(sentence: str, shown: str, without: str) -> bool:
    """The sentence is in the review with the model and was not in it without."""
    text = visible(sentence)
    return text in shown and text not in without


def _shown(decision: Decision) -> str:
    return visible(render(decision, "markdown") + render_adr(decision))


def _decided(decision: Decision) -> dict[str, Any]:
    """Everything but the model's explanations and the notes about them: verdict, options and
    flags, findings, figures, risks, context, consequences."""
    return decision.model_dump(exclude={"explanations", "machine_written", "notes"})


@dataclass
class Tally:
    reviews: int = 0
    calls: int = 0
    planted: Counter[str] = field(default_factory=Counter)
    leaked: Counter[str] = field(default_factory=Counter)
    honest_offered: int = 0
    honest_kept: int = 0
    decisions_changed: int = 0
    leaks: list[dict[str, Any]] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {
            "reviews": self.reviews, "calls": self.calls,
            "planted": sum(self.planted.values()), "leaked": sum(self.leaked.values()),
            "kinds": len(self.planted),
            "by_kind": {k: {"planted": n, "leaked": self.leaked[k]}
                        for k, n in sorted(self.planted.items())},
            "honest_offered": self.honest_offered, "honest_kept": self.honest_kept,
            "honest_kept_share": round(self.honest_kept / max(self.honest_offered, 1), 3),
            "decisions_changed": self.decisions_changed,
            "leaked_sentences": self.leaks,
        }


def measure(attack: Attack, seed: int = 11,
            cases: list[tuple[str, Decision]] | None = None) -> Tally:
    tally = Tally()
    endpoint = ChatEndpoint().start()
    try:
        with tempfile.TemporaryDirectory() as state:
            for i, (name, decision) in enumerate(cases or reviews()):
                _measure_review(tally, attack, seed + i, name, decision, endpoint, Path(state))
    finally:
        endpoint.stop()
    return tally


def _measure_review(tally: Tally, attack: Attack, seed: int, name: str, decision: Decision,
                    endpoint: ChatEndpoint, state: Path) -> None:
    tally.reviews += 1
    without = _shown(decision)
    attacked = attack(brief_of(decision), seed)
    for n, (answer, plants) in enumerate(rounds(attacked)):
        endpoint.answer(answer)
        settings = NarrativeSettings.from_env({  # a fresh state dir: no cached answer
            "ARIA_LLM_MODEL": "adversary", "ARIA_LLM_BASE_URL": endpoint.base_url,
            "ARIA_LLM_TIMEOUT": "30", "ARIA_LLM_MAX_TOKENS_PER_REVIEW": "100000",
            "ARIA_STATE_DIR": str(state / f"{name}-{n}")})
        out = apply_narrative(decision, settings=settings)
        tally.calls += 1
        tally.decisions_changed += _decided(out) != _decided(decision)
        shown = _shown(out)
        if not plants:
            honest = [s for s in attacked if s["honest"]]
            tally.honest_offered += len(honest)
            tally.honest_kept += sum(_reached(s["sentence"], shown, without) for s in honest)
        for plant in plants:
            tally.planted[plant["kind"]] += 1
            if _reached(plant["sentence"], shown, without):
                tally.leaked[plant["kind"]] += 1
                tally.leaks.append({"review": name, "part": plant["part"],
                                    "kind": plant["kind"], "sentence": plant["sentence"],
                                    "cites": plant.get("cites", [])})
