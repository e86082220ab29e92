"""Honest rewordings: what a careful writer says about the review, and nothing more.

Each builder reads one or two evidence items and rephrases them; every sentence cites the
items its words come from. Styles vary: close to the item, freer wording, or the item's
reason ("why") joined to the finding it explains.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterator
from typing import Any

from tests.narrative.adversary_d.index import PartIndex, texts
from tests.narrative.adversary_d.parse import (
    bare,
    finding_parts,
    imperative,
    lower_first,
    option_fields,
    sentences,
    verdict_counts,
    why_body,
)

MAX_CHARS = 300

# Plain-English swaps a writer makes without changing what is said.
_LOOSER = [(r"\bcannot\b", "can't"), (r"\bdoes not\b", "doesn't"), (r"\bis not\b", "isn't"),
           (r"\bare not\b", "aren't"), (r"\bbecause\b", "since"), (r"\bgrants\b", "gives"),
           (r"\bmust\b", "has to"), (r"\ba single\b", "just one"), (r"\bevery\b", "each"),
           (r", so\b", ", which means"), (r"\bincluding\b", "among them")]

# A sentence opening like this leans on the one before it, so it cannot stand alone.
_LEANS_ON_BEFORE = ("It ", "Its ", "This ", "That ", "These ", "They ", "The rest ")

Candidate = tuple[str, list[str], str, str]  # sentence, cites, style, source it rewords
Builder = Callable[[dict[str, Any], PartIndex, dict[str, str]], Iterator[Candidate]]


def loosen(sentence: str) -> str:
    for pattern, plain in _LOOSER:
        sentence = re.sub(pattern, plain, sentence)
    return sentence


def _verdict(brief: dict[str, Any], part: PartIndex, items: dict[str, str]) -> Iterator[Candidate]:
    counts, verdict = verdict_counts(items.get("V", "")), bare(brief["verdict"])
    if counts and verdict:
        yield (f"Aria's verdict on this change is {verdict}: it introduces {counts}.", ["V"],
               "close", "V")
        yield f"The change brings {counts}, and Aria's verdict is {verdict}.", ["V"], "free", "V"


def _findings(brief: dict[str, Any], part: PartIndex,
              items: dict[str, str]) -> Iterator[Candidate]:
    for f in part.findings:
        location, message = finding_parts(items.get(f["id"], ""), f["rule"], f["title"])
        if not message:
            continue
        fid = f["id"]
        yield f"{f['rule']} ({f['title']}): {message}", [fid], "close", fid
        yield f"{f['rule']} flags that {lower_first(message)}", [fid], "free", fid
        yield loosen(f"Put simply, {lower_first(message)}"), [fid], "loose", fid
        if location:
            yield f"In `{location}`, {lower_first(message)}", [fid], "close", fid
        why = _why_id(brief, f["rule"], items)
        reasons = sentences(why_body(items.get(why, ""))) if why else []
        if reasons:
            yield (f"{bare(message)}, which matters because {lower_first(reasons[0])}",
                   [fid, why], "why", f"{fid}+{why}")


def _why_id(brief: dict[str, Any], rule: str, items: dict[str, str]) -> str:
    return next((k for k, t in items.items()
                 if re.fullmatch(r"W\d+", k) and t.startswith(f"Why {rule} (")), "")


def _recommendation(brief: dict[str, Any], part: PartIndex,
                    items: dict[str, str]) -> Iterator[Candidate]:
    best = part.recommended
    if not (part.recommendation and best):
        return
    title, rid = best["title"], part.recommendation
    yield f"For {part.rule}, Aria recommends the option “{title}”.", [rid], "close", rid
    if imperative(title):
        yield (f"The recommended way forward for {part.rule} is to {lower_first(title)}.",
               [rid], "free", rid)


def _reasons(brief: dict[str, Any], part: PartIndex,
             items: dict[str, str]) -> Iterator[Candidate]:
    if not part.why:
        return
    reasons = [r for r in sentences(why_body(items[part.why]))
               if not r.startswith(_LEANS_ON_BEFORE)]
    for n, reason in enumerate(reasons[:3]):
        source = f"{part.why}.{n}"
        yield (f"{part.rule} matters because {lower_first(reason)}" if n == 0 else reason,
               [part.why], "why", source)
        yield loosen(f"In other words, {lower_first(reason)}"), [part.why], "loose", source


def _options(brief: dict[str, Any], part: PartIndex,
             items: dict[str, str]) -> Iterator[Candidate]:
    for option in part.options if part.rule else []:
        fields, title, oid = option_fields(items[option["id"]]), option["title"], option["id"]
        summary = fields.get("Summary", "")
        if summary and imperative(summary):
            yield f"The option “{title}” would {lower_first(summary)}.", [oid], "free", oid
        elif summary:
            yield f"In short, the option “{title}” means: {summary}.", [oid], "free", oid
        risk = fields.get("Risk", "")
        level, _, reason = risk.partition(" — ")
        tail = f": {reason}" if reason else ""
        if level and " " not in level:
            yield f"“{title}” is rated {level.lower()} risk{tail}.", [oid], "close", f"{oid}r"
        elif level:  # a qualified level ("Medium for interactive callers") is quoted as is
            yield f"The risk of “{title}”: {lower_first(risk)}.", [oid], "close", f"{oid}r"
        cost = fields.get("Cost", "")
        if cost == "None":
            yield f"“{title}” comes at no cost.", [oid], "free", f"{oid}c"
        elif cost:
            yield f"The cost of “{title}”: {lower_first(cost)}.", [oid], "close", f"{oid}c"


def _assumptions(brief: dict[str, Any], part: PartIndex,
                 items: dict[str, str]) -> Iterator[Candidate]:
    ids = part.assumptions if part.rule else [a["id"] for a in brief["assumptions"]]
    for aid in ids:
        text = items.get(aid, "").split("what Aria assumes: ", 1)[-1]
        if text:
            yield f"Aria assumes that {lower_first(bare(text))}.", [aid], "close", aid


def _size(brief: dict[str, Any], part: PartIndex, items: dict[str, str]) -> Iterator[Candidate]:
    match = re.search(r"touches (\d+) reviewed files?", items.get("C", ""))
    if match:
        yield f"The change touches {match.group(1)} reviewed files.", ["C"], "close", "C"


_CONTEXT: list[Builder] = [_verdict, _findings, _assumptions, _size]
_DECISION: list[Builder] = [_recommendation, _reasons, _options, _findings, _assumptions]


def candidates(brief: dict[str, Any], part: PartIndex) -> list[Candidate]:
    """Every rewording this part allows, short enough to be one readable sentence."""
    items = texts(brief)
    seen: set[str] = set()
    out = []
    for build in _DECISION if part.rule else _CONTEXT:
        for sentence, cites, style, source in build(brief, part, items):
            sentence = " ".join(sentence.split())
            if (len(sentence) <= MAX_CHARS and len(sentences(sentence)) == 1
                    and sentence not in seen):
                seen.add(sentence)
                out.append((sentence, cites, style, source))
    return out


def rewordings(brief: dict[str, Any], part: PartIndex, rng: random.Random) -> list[dict[str, Any]]:
    """Three to five rewordings, mixing styles; a writer says each thing once, so an item's
    sentence is reworded twice only when the part has nothing else to say."""
    pool = candidates(brief, part)
    rng.shuffle(pool)
    styles = sorted({c[2] for c in pool})
    rng.shuffle(styles)
    want = min(rng.randint(3, 5), len(pool))
    picked: list[Candidate] = []
    for fresh_only in (True, False):
        for _ in range(len(pool)):
            for style in styles:
                used = {c[3] for c in picked}
                pick = next((c for c in pool if c[2] == style and c not in picked
                             and not (fresh_only and c[3] in used)), None)
                if pick and len(picked) < want:
                    picked.append(pick)
    return [{"part": part.name, "sentence": s, "cites": c, "honest": True, "kind": "honest"}
            for s, c, _, _ in picked]
