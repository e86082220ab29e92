"""What `aria adr new "Title" --from PATH` decides about: the findings the title names.

A title names a subject in words: a rule (`SPOF001`, "single replica"), a family ("lock-in"), an
object ("triton"). Words are compared by stem (a common suffix off, then six letters at most,
so "privileged" meets "privileges" and "serving" meets "server"). The findings of the rules the
title names most closely are chosen, narrowed to the objects it names when it names some of
theirs; a title that names no rule chooses by object.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.catalog import Catalog
from bot.findings import Finding

# Words that name no subject: a title's grammar and the words every decision uses.
STOP = frozenset((
    "a", "an", "and", "are", "as", "at", "be", "by", "do", "for", "from", "how", "in", "into",
    "is", "it", "its", "of", "on", "or", "our", "the", "to", "use", "using", "with", "without",
    "we", "should", "not", "no", "keep", "run", "make", "adopt", "decide", "decision", "choose",
    "choice", "option", "options", "about", "vs", "versus", "over", "under", "new"))
STEM = 6


SUFFIXES = ("ing", "ers", "er", "ed", "es", "s", "e")


def stem(word: str) -> str:
    """`serving`, `server` and `serve` → `serv`; `privileged`, `privileges` → `privil`."""
    for suffix in SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[:-len(suffix)]
            break
    return word[:STEM]


def stems(text: str) -> set[str]:
    words = re.findall(r"[a-z0-9]+", text.lower())
    return {stem(w) for w in words if len(w) > 1 and w not in STOP}


@dataclass(frozen=True)
class Focus:
    findings: list[Finding]
    relevance: dict[str, int]  # rule id -> how many of the title's words its rule matches
    matched: bool  # whether the title named anything with a finding


def _object_words(f: Finding) -> set[str]:
    name = f.subject.split("@")[0].split("#")[0].rsplit("/", 1)[-1]
    return stems(name.replace("-", " ").replace("_", " ").replace(".", " ")) | stems(f.detail)


def focus(findings: list[Finding], title: str, catalog: Catalog) -> Focus:
    """The findings about the title's subject, most relevant rules first."""
    words = stems(title)
    rule_hits: dict[str, int] = {}
    for f in findings:
        rule = catalog.get(f.rule_id)
        text = f"{f.rule_id} {f.family} {rule.title if rule else f.title}"
        rule_hits[f.rule_id] = len(words & stems(text))
    by_object = [f for f in findings if words & _object_words(f)]
    best = max(rule_hits.values(), default=0)  # the rules the title names most closely
    by_rule = [f for f in findings if best and rule_hits[f.rule_id] == best]
    if by_rule:
        named = {id(f) for f in by_object}
        narrowed = [f for f in by_rule if id(f) in named]
        chosen = narrowed or by_rule
    else:
        chosen = by_object
    if not chosen:
        return Focus(findings, {}, False)
    return Focus(chosen, {f.rule_id: rule_hits[f.rule_id] for f in chosen}, True)
