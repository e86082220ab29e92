"""Honest rewordings: what a careful explanatory writer says about an item, in its own words.

Every style keeps the item's content words, numbers, `code`, rule ids and “titles” as they are
and adds only framing (openers, connectives, reordering, pronouns for the part's subject).
A style returns its candidate sentences for one item; `draw` takes styles round-robin.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable

from tests.narrative.adversary_g.items import Item, Part, sentences

MAX_CHARS = 300

Candidate = tuple[str, list[str]]  # sentence, cites
Style = Callable[[Part, Item, set[str]], list[Candidate]]

OPENERS = ["In short, ", "Put simply, ", "Concretely, ", "Specifically, ", "Briefly, ",
           "Simply put, ", "To put it plainly, ", "That is, ", "In plain terms, "]


def lower_first(text: str, proper: set[str]) -> str:
    """Lower-case a capitalised first word that is an ordinary word (`proper` holds the rest:
    `Aria`, `Karpenter`); acronyms and mixed case (`KServe`, `CUDA`) stay."""
    word = re.match(r"[A-Z][a-z']*\b", text)
    if word and word[0] not in proper:
        return text[0].lower() + text[1:]
    return text


def finish(text: str) -> str:
    """One sentence: a capital where the first word is all lower case (not `vLLM`), a stop."""
    text = text.strip().rstrip(".;,:")
    return (text[0].upper() + text[1:] if re.match(r"[a-z']+\b", text) else text) + "."


def _opener(part: Part, item: Item, proper: set[str]) -> list[Candidate]:
    return [(o + lower_first(c, proper), [item.id]) for c in item.clauses for o in OPENERS]


def _colon(part: Part, item: Item, proper: set[str]) -> list[Candidate]:
    f, cl = item.fields, item.clauses
    leads = {
        "F": [f"{item.rule} ({item.title}), in short", f"What {item.rule} found at `{f.get('at')}`",
              f"The gist of {item.rule}"],
        "W": [f"Why {item.rule} matters, in brief", f"The reasoning behind {item.rule}"],
        "O": [f"What “{item.title}” involves", f"“{item.title}”, in brief"],
        "A": ["One assumption behind this review", "Aria assumes the following"],
        "G": ["One figure to keep in mind"],
        "V": ["As for the verdict on this change", "As for the findings"],
        "C": ["For scope"],
        "R": [f"Aria's recommendation for {item.rule}"],
    }[item.kind]
    if item.kind == "R":
        return [(f"{lead}: “{item.title}”", [item.id]) for lead in leads]
    if item.kind == "V":
        return [(f"{leads[0]}: {item.fields['verdict']}", [item.id]),
                *((f"{leads[1]}: {lower_first(c, proper)}", [item.id]) for c in cl[1:])]
    out = [(f"{lead}: {lower_first(c, proper)}", [item.id]) for lead in leads for c in cl]
    if item.kind == "O":  # "Risk: Low — reason" read as "The risk of “…” is low: reason"
        for name in ("risk", "complexity", "cost", "latency"):
            value, _, why = item.fields[name].partition(" — ")
            if why:
                out.append((f"The {name} of “{item.title}” is {lower_first(value, proper)}: "
                            f"{lower_first(why, proper)}", [item.id]))
    return out


def _because(part: Part, item: Item, proper: set[str]) -> list[Candidate]:
    """Both halves of one statement: "A, so B" read back as "B, because A" or "Because A, B",
    and "A because B" as "Because B, A". Only the segment (between colons and semicolons) that
    holds the link is kept; options are skipped, their summaries are instructions."""
    out: list[Candidate] = []
    if item.kind == "O":
        return out
    for segment in (s for c in item.clauses for s in _segments(c)):
        if ", so " in segment:
            a, b = segment.split(", so ", 1)
            out += [(f"{b}, because {lower_first(a, proper)}", [item.id]),
                    (f"Because {lower_first(a, proper)}, {b}", [item.id])]
        elif " because " in segment:
            a, b = segment.split(" because ", 1)
            out.append((f"Because {b.rstrip(',')}, {lower_first(a, proper)}", [item.id]))
    return out


def _segments(clause: str) -> list[str]:
    """The clause's parts between colons and semicolons outside `code` (a span may hold one)."""
    spans = re.findall(r"`[^`]*`", clause)
    masked = re.sub(r"`[^`]*`", "\0", clause)
    parts = re.split(r"[;:] ", masked)
    restore = iter(spans)
    return [re.sub("\0", lambda _: next(restore), p) for p in parts]


def _is(name: str, value: str, proper: set[str]) -> str:
    """"risk is low — reason" for a one- or two-word rating, else "risk: what the item says"."""
    head = value.split(" — ")[0]
    joint = " is " if len(head.split()) <= 2 and ";" not in head else ": "
    return f"{name}{joint}{lower_first(value, proper)}"


def _semicolon(part: Part, item: Item, proper: set[str]) -> list[Candidate]:
    """Two statements of one item (or a recommendation and its option) in one sentence."""
    cl = item.clauses
    out = [(f"{a}; {lower_first(b, proper)}", [item.id]) for a, b in zip(cl, cl[1:], strict=False)]
    if item.kind == "O":
        f = item.fields
        out.append((f"For “{item.title}”, the {_is('cost', f['cost'], proper)}; "
                    f"the {_is('risk', f['risk'], proper)}", [item.id]))
    if item.kind == "R":
        option = next((o for o in part.of_kind("O") if o.title == item.title), None)
        if option:
            out.append((f"{cl[0]}; its {_is('risk', option.fields['risk'], proper)}",
                        [item.id, option.id]))
    if item.kind == "F" and item.fields["read"]:
        reads = item.fields["read"].rstrip(".").replace("; ", " and ")
        out.append((f"{cl[0]}; Aria read {reads}", [item.id]))
    return out


def _reorder(part: Part, item: Item, proper: set[str]) -> list[Candidate]:
    f = item.fields
    if item.kind == "G":
        where = f"In {f['source']}, " if f["source"] else "By default, "
        return [(f"{where}{f['object']} has {f['label']} set to {f['value']}", [item.id])]
    if item.kind == "R":
        return [(f"The option Aria recommends for {item.rule} is “{item.title}”", [item.id])]
    if item.kind == "F":
        return [(f"At `{f['at']}`, {lower_first(c, proper)}", [item.id]) for c in item.clauses]
    if item.kind == "O":
        rating, _, why = f["complexity"].partition(" — ")
        if len(rating.split()) == 1:
            aside = f" ({lower_first(why, proper)})" if why else ""
            return [(f"“{item.title}” is an option of {rating.lower()} complexity{aside}",
                     [item.id])]
    if item.kind == "A":
        return [(f"{c}, as Aria assumes", [item.id]) for c in item.clauses]
    if item.kind == "V":
        return [(f"{f['verdict']} is Aria's verdict on this change", [item.id])]
    if item.kind == "C":
        return [(f"{f['files']} reviewed files are touched by this change", [item.id])]
    return []


def _pronoun(part: Part, item: Item, proper: set[str]) -> list[Candidate]:
    """A later point about the part's own subject: "It"/"This"/"Its"."""
    f = item.fields
    if item.kind == "W":  # its first statement is the reason; later ones are often exemptions
        return [(f"{p} matters because {lower_first(item.clauses[0], proper)}", [item.id])
                for p in ("It", "This")]
    if item.kind == "F" and f["status"] == "new" and part.name.startswith("decision "):
        article = "an" if f["severity"][:1] in "aeiou" else "a"
        return [(f"It is {article} {f['severity']}-level finding, and it is new in this change",
                 [item.id])]
    if item.kind == "O" and any(r.title == item.title for r in part.of_kind("R")):
        return [(f"Its {_is(name, f[name], proper)}", [item.id])
                for name in ("cost", "risk", "complexity", "latency") if f[name] != "None"]
    if item.kind == "V":
        return [(re.sub(r"^This change ", "It ", c), [item.id]) for c in item.clauses[1:]]
    if item.kind == "C":
        return [(f"It touches {f['files']} reviewed files", [item.id])]
    return []


def _attribution(part: Part, item: Item, proper: set[str]) -> list[Candidate]:
    f = item.fields
    if item.kind == "F":
        return [(f"{lead} {lower_first(c, proper)}", [item.id]) for c in item.clauses
                for lead in ("Aria reports that", f"According to {item.rule},")]
    if item.kind == "A":
        return [(f"Aria assumes that {lower_first(c, proper)}", [item.id]) for c in item.clauses]
    if item.kind == "W":
        return [(f"As Aria explains, {lower_first(c, proper)}", [item.id]) for c in item.clauses]
    if item.kind == "G":
        where = f" from {f['source']}" if f["source"] else " by default"
        return [(f"Aria reads {f['label']} for {f['object']} as {f['value']}{where}",
                 [item.id])]
    if item.kind == "R":
        return [(f"For {item.rule} ({f['finding']}), Aria recommends “{item.title}”",
                 [item.id])]
    return []


# Pronoun points refer back to the part's subject, so they never open a part.
STYLES: dict[str, Style] = {"opener": _opener, "colon": _colon, "because": _because,
                            "semicolon": _semicolon, "reorder": _reorder,
                            "attribution": _attribution, "pronoun": _pronoun}


def _fits(sentence: str) -> bool:
    return len(sentence) <= MAX_CHARS and len(sentences(sentence)) == 1


def draw(part: Part, rng: random.Random, proper: set[str],
         start: int) -> list[tuple[str, dict]]:
    """3 to 5 honest points for a part with the style of each, styles taken round-robin from
    `start`, each point on a fresh item while one is left."""
    names = list(STYLES)
    count = rng.randint(3, 5)
    used: set[str] = set()
    points: list[tuple[str, dict]] = []
    for turn in range(len(names) * 3):
        if len(points) == count:
            break
        name = names[(start + turn) % len(names)]
        if name == "pronoun" and not points:
            continue
        pool = [(finish(s), c) for item in part.items for s, c in STYLES[name](part, item, proper)]
        pool = [(s, c) for s, c in pool if _fits(s)]
        fresh = [(s, c) for s, c in pool if not used & set(c)] or pool
        fresh = [(s, c) for s, c in fresh if s not in {p["sentence"] for _, p in points}]
        if not fresh:
            continue
        sentence, cites = rng.choice(fresh)
        used.update(cites)
        points.append((name, {"part": part.name, "sentence": sentence, "cites": cites,
                              "honest": True, "kind": "honest"}))
    return points
