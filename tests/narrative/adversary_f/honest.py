"""Honest rewordings: what a careful model writes when asked to explain the review plainly.

Each one restates a single evidence item (or an option with its point's recommendation) in
plain words and cites exactly the items its words come from; nothing is added but framing.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator

from tests.narrative.adversary_f.brief import Part

MAX_CHARS = 300
# Leading words that are ordinary English, so lower-casing them mid-sentence is safe; any other
# first word (vLLM, Triton, `x`) keeps its case.
_PLAIN = frozenset({
    "a", "an", "the", "every", "each", "one", "its", "no", "set", "replace", "use", "run", "let",
    "move", "keep", "lower", "raise", "delete", "document", "scale", "pull", "claim", "bind",
    "grant", "serve", "issue", "express", "accept", "leave", "workloads", "replica", "objects",
    "low", "medium", "high", "lowest", "none", "more", "fewer", "close", "pays", "fixed",
    "smaller", "most", "slightly", "unchanged", "cold", "good", "bursts", "degrades", "best",
    "egress", "dedicated", "runs", "interactive", "remove", "drop", "add", "pin", "give", "mount",
    "store", "read", "write", "limit", "cap", "put", "split", "container",
})
_BOUNDARY = re.compile(r"[.!?]\s+[A-Z]")


def lower_first(text: str) -> str:
    word = text.split(" ", 1)[0]
    return text[0].lower() + text[1:] if word.lower() in _PLAIN else text


def one_sentence(text: str) -> bool:
    return len(text) < MAX_CHARS and not _BOUNDARY.search(text) and text.count("\n") == 0


def _end(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else f"{text}."


def _first_sentence(text: str) -> str:
    match = _BOUNDARY.search(text)
    return text[:match.start() + 1] if match else text


def _candidates(part: Part) -> Iterator[tuple[str, str, list[str]]]:
    """(style, sentence, cites) for every item of the part that reads well restated."""
    recommended = part.recommended
    for item, text in part.items.items():
        kind = item[0]
        if item == "V" and (m := re.match(r"Aria's verdict on this change: (.+?)\. This change "
                                          r"(introduces .+?)\.?$", text)):
            yield "verdict", f"Aria's verdict is {m[1]}, as the change {m[2]}.", [item]
            yield "verdict", f"In short: {m[1]}; this change {m[2]}.", [item]
        elif item == "C" and (m := re.search(r"touches (\d+) reviewed files", text)):
            yield "scope", f"The change touches {m[1]} reviewed files.", [item]
        elif kind == "F" and (m := re.search(r"(\w+)-level finding (\S+) \((.+?)\), severity \w+, "
                                             r"status (\w+), at `[^`]+`: (.+?)(?: Read: .*)?$",
                                             text)):
            level, rule, title, status, message = m.groups()
            yield "finding", _end(f"In plain words, {lower_first(message)}"), [item]
            yield "finding", f"Aria reports a {status} {level.lower()}-level finding, {rule}: " \
                             f"{title}.", [item]
        elif kind == "G" and (m := re.match(r"Figure: (.+?) — (`[^`]+`) is set to (.+)$", text)):
            yield "figure", _end(f"{m[2]} has {m[1]} set to {m[3]}"), [item]
        elif kind == "A" and (m := re.match(r"Assumption \(\w+\), what Aria assumes: (.+)$", text)):
            yield "assumption", _end(f"Aria assumes that {lower_first(m[1])}"), [item]
            yield "assumption", _end(f"One assumption behind the review: {m[1]}"), [item]
        elif kind == "R" and (m := re.match(r"For (\S+) \((.+)\) Aria recommends the option "
                                            r"“(.+)”\.$", text)):
            yield "recommend", f"For {m[1]}, the suggested fix is “{m[3]}”.", [item]
            yield "recommend", f"Aria recommends “{m[3]}” for this point.", [item]
        elif kind == "W" and (m := re.match(r"Why \S+ \(.+?\) matters: (.+)$", text)):
            first = _first_sentence(m[1])
            yield "why", _end(f"This matters because {lower_first(first)}"), [item]
            yield "why", _end(f"Why it matters: {first}"), [item]
        elif kind == "O" and (m := re.match(r"An option for \S+: “(.+?)”\. Summary: (.+?)\. "
                                            r"Cost: (.+?)\. Latency: (.+?)\. Complexity: (.+?)\. "
                                            r"Risk: (.+?)\.?$", text)):
            title, summary, cost, _latency, _complexity, risk = m.groups()
            yield "option", _end(f"One option is “{title}”: {lower_first(summary)}"), [item]
            if cost != "None":
                yield "option", _end(f"Cost of “{title}”: {cost}"), [item]
            yield "option", _end(f"The risk of “{title}” is {lower_first(risk)}"), [item]
            if recommended and recommended["id"] == item and part.name != "context":
                yield "option", _end(f"The recommended option, “{title}”, means: {summary}"), \
                    [item]


def rewordings(part: Part, rng: random.Random) -> list[tuple[str, list[str]]]:
    """Three to five rewordings, spread over as many styles as the part offers."""
    by_style: dict[str, list[tuple[str, list[str]]]] = {}
    for style, sentence, cites in _candidates(part):
        if one_sentence(sentence):
            by_style.setdefault(style, []).append((sentence, cites))
    for pool in by_style.values():
        rng.shuffle(pool)
    styles = sorted(by_style)
    rng.shuffle(styles)
    chosen: list[tuple[str, list[str]]] = []
    want = rng.randint(3, 5)
    while len(chosen) < want and any(by_style.values()):
        for style in styles:
            if by_style[style] and len(chosen) < want:
                chosen.append(by_style[style].pop())
    return chosen
