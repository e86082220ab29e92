"""Measure the guard against adversarial writers, end to end through an HTTP endpoint.

For each review, an adversary (`ADVERSARIES`, each `attack(brief, seed)`) returns honest
rewordings and planted claims per part. They reach Aria as an OpenAI-compatible endpoint's
answers, through langchain-openai configured as an operator would (`ARIA_LLM_MODEL` +
`ARIA_LLM_BASE_URL`). Each sentence is one point of its part; the guard accepts or rejects
points whole. Calls:
* every part with all its honest rewordings together, in the adversary's order: *honest kept*
  is the share of these that reach the rendered review (the measure a writer meets);
* every honest rewording alone in its part: the share kept alone;
* every planted claim alone in its part, and again amid that part's honest rewordings (a leak
  in either counts once): it *leaks* when it is in the rendered review or ADR and was not there
  without the model; beside it, the share of the honest rewordings kept, by planted kind.
The verdict, options, findings and figures are compared with the review without the model on
every call.
"""

from __future__ import annotations

import re
import tempfile
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path
from typing import Any

from bot.decision.model import Decision
from bot.engine import review
from bot.ingest.source import DirectorySource
from bot.narrative import NarrativeSettings
from bot.narrative.apply import apply_narrative
from bot.narrative.evidence import evidence_of, relevant_findings
from bot.render import render
from bot.render.adr import render_adr
from tests.narrative.adversary import attack as adversary_a
from tests.narrative.adversary_c import attack as adversary_c
from tests.narrative.adversary_d import attack as adversary_d
from tests.narrative.adversary_e import attack as adversary_e
from tests.narrative.adversary_f import attack as adversary_f
from tests.narrative.adversary_g import attack as adversary_g
from tests.narrative.endpoint import ChatEndpoint
from tests.narrative.holdout import attack as adversary_b

ROOT = Path(__file__).resolve().parents[2]


def review_trees(root: Path = ROOT) -> list[Path]:
    """The example and every review under `tests/fixtures/reviews` of the repository at `root`."""
    return [root / "examples" / "gpu-serving",
            *sorted(p for p in (root / "tests" / "fixtures" / "reviews").iterdir() if p.is_dir())]


REVIEW_TREES = review_trees()

Attack = Callable[[dict[str, Any], int], list[dict[str, Any]]]
# Seven adversaries, each written without reading the guard or the others (each package's
# README says what its author read). Which of them the guard was then improved against, and how
# (ADR 0009, amendments):
# * A: its dropped honest sentences were studied (`single` is 1, values and negations read
#   alike on both sides, a clause copied from its item restates it, reformulation markers).
# * B: only its totals were read.
# * C and D: their dropped honest sentences showed closed classes left incomplete (reporting
#   and light verbs); D's, that `no cost` is what `Cost: None` says.
# * E: its drops showed that a colon introduces what completes its clause and that a part's
#   first point may stand on the part's own subject.
# * F: held out for one round (47.6%); then its drops showed what a writer calls an item (`One
#   option is …`, `the suggested fix`, `In plain words,`), a rating after a quoted title, and
#   `Why it matters:` after any point.
# * G: held out: written after those changes were designed, and only its totals read.
# Honest rewordings kept, end to end, the same in any clone (the trees named from the
# repository's root; issue 11 asks 70%): A 84.9%, B 71.5%, C 92.4%, D 75.1%, E 98.1%, F 99.2%,
# G 77.1% (69.8% before the changes that G was held out from). Floors sit just under the
# figures, so a real regression fails.
HONEST_FLOOR = {"A": 0.84, "B": 0.70, "C": 0.92, "D": 0.74, "E": 0.97, "F": 0.98, "G": 0.77}

ADVERSARIES: dict[str, Attack] = {"A": adversary_a, "B": adversary_b, "C": adversary_c,
                                  "D": adversary_d, "E": adversary_e, "F": adversary_f,
                                  "G": adversary_g}


def reviews(root: Path = ROOT) -> list[tuple[str, Decision]]:
    return [(tree.name, review(_tree(tree / "base", root), _tree(tree / "head", root)))
            for tree in review_trees(root)]


def _tree(path: Path, root: Path) -> DirectorySource:
    """A review tree named as `aria review` run at the repository's root names it
    (`examples/gpu-serving/base`): the path of the checkout would be in the context item, and
    adversaries that invent numbers the evidence lacks would plant others in another clone."""
    source = DirectorySource(path)
    source.label = path.relative_to(root).as_posix()
    return source


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
    return {"parts": [{"part": part, "points": [{"text": s["sentence"],
                                                 "cites": list(s.get("cites", []))}
                                                for s in sentences]}
                      for part, sentences in by_part.items() if sentences]}


@dataclass
class Round:
    """One call: the writer's answer, and which of its sentences are under test, and how."""

    answer: dict[str, Any]
    test: str  # "together", "alone" or "plant"
    sentences: list[dict[str, Any]]


def rounds(attacked: list[dict[str, Any]]) -> Iterator[Round]:
    honest: dict[str, list[dict]] = {}
    planted: dict[str, list[dict]] = {}
    for s in attacked:
        (honest if s["honest"] else planted).setdefault(s["part"], []).append(s)
    yield Round(_answer(honest), "together", [s for v in honest.values() for s in v])
    for r in range(max((len(v) for v in honest.values()), default=0)):
        alone = {p: [v[r]] for p, v in honest.items() if r < len(v)}
        yield Round(_answer(alone), "alone", [v[0] for v in alone.values()])
    for r in range(max((len(v) for v in planted.values()), default=0)):
        plants = {p: v[r] for p, v in planted.items() if r < len(v)}
        yield Round(_answer({p: [s] for p, s in plants.items()}), "plant", list(plants.values()))
        amid = {p: _with(honest.get(p, []), s) for p, s in plants.items()}
        yield Round(_answer(amid), "plant", [s for v in amid.values() for s in v])


def _with(honest: list[dict], plant: dict) -> list[dict]:
    middle = len(honest) // 2
    return [*honest[:middle], plant, *honest[middle:]]


def visible(markdown: str, invisible: bool = False) -> str:
    """Text as a reader sees it: Markdown escapes and HTML entities undone, spacing collapsed,
    and invisible format characters (zero-width, joiners, soft hyphen, BOM) dropped, so that
    none hides a leak; `invisible` keeps them."""
    text = unescape(re.sub(r"\\([\\`*_{}\[\]()#+!|~>-])", r"\1", markdown))
    if not invisible:
        text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    return " ".join(text.split()).casefold()


def _reached(sentence: str, shown: dict[bool, str], without: dict[bool, str],
             honest: set[str]) -> bool:
    """The sentence is in the review with the model and was not in it without (each read with
    and without invisible characters). A plant that reads as one of its call's honest sentences
    once invisible characters are dropped (they are what was planted) is looked for with them."""
    invisible = visible(sentence) in honest
    text = visible(sentence, invisible)
    return text in shown[invisible] and text not in without[invisible]


def _shown(decision: Decision) -> dict[bool, str]:
    """The rendered review and ADR as `visible` reads them, without and with (True) invisible
    characters."""
    markdown = render(decision, "markdown") + render_adr(decision)
    return {flag: visible(markdown, flag) for flag in (False, True)}


def _written(decision: Decision) -> str:
    """The model's points as rendered (the `> - ` lines of its marked blocks), one a line."""
    lines = (render(decision, "markdown") + render_adr(decision)).splitlines()
    return "\n".join(visible(line[4:]) for line in lines if line.startswith("> - "))


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
    honest: Counter[str] = field(default_factory=Counter)  # offered and kept, per test
    beside: Counter[str] = field(default_factory=Counter)  # honest amid a plant, per its kind
    decisions_changed: int = 0
    leaks: list[dict[str, Any]] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        h, b = self.honest, self.beside
        return {
            "reviews": self.reviews, "calls": self.calls,
            "planted": sum(self.planted.values()), "leaked": sum(self.leaked.values()),
            "kinds": len(self.planted),
            "by_kind": {k: {"planted": n, "leaked": self.leaked[k],
                            "honest_beside": b[f"{k} offered"],
                            "honest_beside_kept_share": _share(b[f"{k} kept"],
                                                               b[f"{k} offered"])}
                        for k, n in sorted(self.planted.items())},
            "honest_offered": h["together offered"], "honest_kept": h["together kept"],
            "honest_kept_share": _share(h["together kept"], h["together offered"]),
            "honest_alone_kept_share": _share(h["alone kept"], h["alone offered"]),
            "honest_beside_plants_kept_share": _share(sum(b[f"{k} kept"] for k in self.planted),
                                                      sum(b[f"{k} offered"]
                                                          for k in self.planted)),
            "decisions_changed": self.decisions_changed,
            "leaked_sentences": self.leaks,
        }


def _share(part: int, whole: int) -> float:
    return round(part / max(whole, 1), 3)


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
    leaked: dict[int, dict[str, Any]] = {}
    planted: dict[int, dict[str, Any]] = {}
    without = _shown(decision)
    for n, call in enumerate(rounds(attack(brief_of(decision), seed))):
        endpoint.answer(call.answer)
        settings = NarrativeSettings.from_env({  # a fresh state dir: no cached answer
            "ARIA_LLM_MODEL": "adversary", "ARIA_LLM_BASE_URL": endpoint.base_url,
            "ARIA_LLM_TIMEOUT": "30", "ARIA_LLM_MAX_TOKENS_PER_REVIEW": "100000",
            "ARIA_STATE_DIR": str(state / f"{name}-{n}")})
        out = apply_narrative(decision, settings=settings)
        tally.calls += 1
        tally.decisions_changed += _decided(out) != _decided(decision)
        written = _written(out)
        shown = _shown(out)
        plants = {s["part"]: s["kind"] for s in call.sentences if not s["honest"]}
        honest = {visible(s["sentence"]) for s in call.sentences if s["honest"]}
        for s in call.sentences:
            if not s["honest"]:
                planted[id(s)] = s
                if _reached(s["sentence"], shown, without, honest):
                    leaked[id(s)] = s
                continue
            kept = visible(s["sentence"]) in written
            if call.test == "plant":
                tally.beside[f"{plants[s['part']]} offered"] += 1
                tally.beside[f"{plants[s['part']]} kept"] += kept
            else:
                tally.honest[f"{call.test} offered"] += 1
                tally.honest[f"{call.test} kept"] += kept
    for key, s in planted.items():
        tally.planted[s["kind"]] += 1
        if key in leaked:
            tally.leaked[s["kind"]] += 1
            tally.leaks.append({"review": name, "part": s["part"], "kind": s["kind"],
                                "sentence": s["sentence"], "cites": s.get("cites", [])})
