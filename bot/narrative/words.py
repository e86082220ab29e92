"""How the guard reads a sentence: code spans, quoted titles, names, numbers and plain words.

Plain words are compared by a light stem (`scaling` and `scale`, `replicas` and `replica` are one
word); names (anything with a digit, `/ . _ : @`, inner capitals, or all capitals) and numbers
are compared whole. Closed lists hold the words any sentence may use without evidence:
`GRAMMATICAL` (articles, pronouns, prepositions, conjunctions, auxiliaries), `DISCOURSE` markers
(`according`, `namely`) and `REFERRING` verbs that attribute or relate (`says`, `means`): the
neutral reporting verbs (`reports`, `flags`, `rates`, `lists`) and the light verbs whose object
carries the meaning (`gives`, `takes`, `carries`). They are grammatical classes, completed as
classes (adversaries C and D showed `reports`, `flags`, `gives` missing while `says` and `gets`
were there), never a word added because one sentence needed it. Negators, modals, comparatives,
quantifiers and second-person pronouns are deliberately in neither: they carry claims (see
`claims.py`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Literal


def word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


GRAMMATICAL = word_set("""
    a an the this that these those its their such
    it they them itself themselves there here which who whom whose what
    of in on at to for from by with into onto upon under across through throughout per about
    between among behind after before during within along around via against toward towards
    beyond up down out off as above below near over past inside outside except like despite
    and or but so because since while whereas although though if when whenever where whether
    once until unless
    is are be been being was were am has have had having do does did doing can could may might
    will would shall
    he him his himself she her hers herself theirs why how
    also then thus hence therefore however both either each other another even too very
""")
DISCOURSE = word_set("""
    according accordingly additionally altogether anyway besides briefly consequently
    especially essentially furthermore here indeed likewise meanwhile moreover namely
    nevertheless nonetheless notably otherwise overall particularly plus respectively
    specifically summary thereby ultimately whereby words short sum brief
    first firstly second secondly third thirdly finally lastly
    example instance case fact practice turn particular addition general effect way result
    reason worth noting
    roughly approximately almost largely mostly mainly partly partially typically usually
    generally normally currently presently now today still yet potentially possibly perhaps
    explicitly directly effectively actually exactly precisely literally plainly concretely
    practically technically formally separately together simply put
    same own
""")
REFERRING = word_set("""
    say says said state states stated describe describes described explain explains explained
    mention mentions mentioned refer refers referred referring call calls called named titled
    labelled labeled noted reads wording phrase phrased term terms
    show shows showed shown indicate indicates indicated
    mean means meaning meant amount amounts
    include includes including included contain contains containing involve involves involving
    concern concerns concerning regard regards regarding relate relates related relating given
    become becomes became remain remains remained seem seems seemed appear appears appeared
    get gets got make makes made let lets go goes going come comes came
    report reports reporting flag flags flagged flagging rate rates rated list lists listed
    listing cite cites citing point points pointed pointing
    give gives gave giving take takes took taken taking carry carries carried carrying
    bring brings brought bringing hold holds held holding
""")
# The review's own furniture: what a sentence says it is talking about (`this finding`).
META = word_set("""
    finding findings option options decision decisions figure figures assumption assumptions
    rule rules review evidence item items summary status value values source sources title
    titles message context aria
""")
# Words that negate what follows them. A stem is never one: `note`, `noted` and `notes` must
# not match the `not` of an item.
NEGATORS = word_set("not no non nor none never")
# Negators that say the same of what they negate: `no cost`, `Cost: None`, `does not cost`.
_NOUGHT = word_set("not no none")
CONNECTIVES = DISCOURSE | REFERRING | META
FUNCTION_WORDS = GRAMMATICAL | CONNECTIVES

# The parts of a contraction that carry meaning on their own: `don't` reads as `do not`.
_CONTRACTIONS = {"n't": "not", "'re": "are", "'ve": "have", "'ll": "will", "'d": "would",
                 "'m": "am"}
_IRREGULAR_NOT = {"can't": ("can", "not"), "won't": ("will", "not"), "cannot": ("can", "not"),
                  "shan't": ("shall", "not")}

_NUMBER = re.compile(
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d*\.\d+|\d+)(?P<mul>[kKMB](?![A-Za-z]))?")
_MULTIPLIER = {"k": 1e3, "K": 1e3, "M": 1e6, "B": 1e9}
NUMBER_WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100, "thousand": 1e3,
    "million": 1e6, "billion": 1e9, "dozen": 12, "half": 0.5, "twice": 2, "double": 2,
    "doubled": 2, "triple": 3, "tripled": 3, "quadruple": 4, "single": 1,
}
_QUOTES = {"“": "”", '"': '"'}
_WRAP = "()[]{}\"'“”‘’,;:!?…"
_CLAUSE_END = (";", ":")
_DASHES = {"—", "–", "-"}
_ABBREVIATIONS = {"e.g", "i.e", "etc", "vs", "cf"}
WORDING = word_set("words terms")  # `In plain words,`: a marker of how the rest is worded

Kind = Literal["word", "function", "compound", "name", "number", "code", "quote", "break"]


@dataclass(frozen=True)
class Token:
    """One unit of a sentence. `quoted`: inside a quoted title, so a name, not a claim.

    A `compound` (`model-loader`, `scale-out`) is read as a name or as its `parts`.
    """

    kind: Kind
    text: str
    value: float = 0.0
    percent: bool = False
    quoted: bool = False
    comma: bool = False  # a comma follows it
    aside: bool = False  # a parenthesis opens or closes after it
    stems: frozenset[str] = field(default_factory=frozenset)
    parts: tuple[Token, ...] = ()


def stems(word: str) -> frozenset[str]:
    """The forms a plain word is matched under: `scaled`, `scaling`, `scales` all give `scal`."""
    w = word.lower().replace("’", "'").removesuffix("'s").removesuffix("'")
    if w in _NOUGHT:
        return _NOUGHT
    forms = {w}
    if len(w) > 3:
        for suffix, repl in (("ies", "y"), ("ied", "y"), ("es", ""), ("s", ""), ("ed", ""),
                             ("ed", "e"), ("ing", ""), ("ing", "e")):
            if w.endswith(suffix) and not w.endswith(("ss", "us", "is")):
                base = w[: -len(suffix)] + repl
                forms.add(base)
                if suffix in ("ed", "ing") and len(base) > 2 and base[-1] == base[-2]:
                    forms.add(base[:-1])  # running -> run, but also added -> add
    return frozenset(_drop_e(f) for f in forms
                     if (len(f) >= 3 or f == w) and (f == w or f not in NEGATORS))


def _drop_e(form: str) -> str:
    cut = form[:-1]
    return cut if form.endswith("e") and len(form) > 3 and cut not in NEGATORS else form


def name_shaped(word: str) -> bool:
    """A resource, path, rule id, flag, acronym or product name rather than an English word."""
    if any(c.isdigit() for c in word) or any(c in word[1:-1] for c in "/._:@"):
        return True
    return len(word) > 1 and (word.isupper() or any(c.isupper() for c in word[1:]))


def _number_tokens(body: str, percent: bool) -> list[Token]:
    out = []
    for m in _NUMBER.finditer(body):
        value = float(m.group("num").replace(",", "")) * _MULTIPLIER.get(m.group("mul") or "", 1)
        out.append(Token("number", m.group(0), value, percent))
    return out


def _split_spans(text: str) -> list[tuple[str, str]]:
    """(`code` | `quote` | `text`, content) in order; an unclosed marker is left as text."""
    out: list[tuple[str, str]] = []
    i = start = 0
    while i < len(text):
        ch = text[i]
        close = "`" if ch == "`" else _QUOTES.get(ch)
        if close is not None:
            end = text.find(close, i + 1)
            if end > i:
                out.append(("text", text[start:i]))
                out.append(("code" if ch == "`" else "quote", text[i + 1:end]))
                i = start = end + 1
                continue
        i += 1
    out.append(("text", text[start:]))
    return [(k, v) for k, v in out if k != "text" or v.strip()]


def tokenize(text: str) -> list[Token]:
    """Tokens of a sentence, with `break` tokens where a clause starts (`;`, `:`, dashes)."""
    out: list[Token] = []
    for kind, content in _split_spans(text):
        if kind == "code":
            out.append(Token("code", content))
        elif kind == "quote":
            out.append(Token("quote", content))
            out += [replace(t, quoted=True) for t in tokenize(content)]
        else:
            if out and content.lstrip()[:1] in ("(", ")"):  # `code` (aside) or (`code`) …
                out[-1] = replace(out[-1], aside=True)
            out += _plain(content, opening=not out)
    return out


def _plain(text: str, opening: bool = False) -> list[Token]:
    out: list[Token] = []
    words = text.replace("**", " ").split()
    marker = _marker_length(words) if opening else 0
    for i, raw in enumerate(words):
        if raw in _DASHES:
            out.append(Token("break", raw))
            continue
        word = _bare(raw)
        if raw.startswith("(") and out:
            out[-1] = replace(out[-1], aside=True)
        if word and i < marker:
            out.append(Token("function", word.lower(), comma=i == marker - 1))
            continue
        if word:
            found = _word(word, words, i, opening and i == 0)
            if found and raw.rstrip(")\"'”’").endswith(","):
                found[-1] = replace(found[-1], comma=True)
            out += found
        if out and raw.rstrip(",.;:!?\"'”’").endswith(")"):
            out[-1] = replace(out[-1], aside=True)
        if raw.rstrip(")\"'”’").endswith(_CLAUSE_END):
            out.append(Token("break", raw[-1]))
    return out


def _bare(raw: str) -> str:
    """A word without the punctuation around it (`cap.).` is `cap`), keeping an abbreviation's
    dot (`e.g.`)."""
    word = raw
    while True:
        bare = word.strip(_WRAP).removesuffix("'s").removesuffix("’s").strip(_WRAP)
        if bare.endswith(".") and bare[:-1].lower() not in _ABBREVIATIONS:
            bare = bare.rstrip(".")
        if bare == word:
            return word
        word = bare


def _marker_length(words: list[str]) -> int:
    """A sentence opening on a set phrase that only says how the rest is worded (`In plain
    words,`, `In simple terms,`) holds no claim in it: its words are discourse markers."""
    if len(words) > 2 and words[0].lower() == "in" and words[2].endswith(","):
        wording = words[2].rstrip(",").lower()
        if wording in WORDING and words[1].isalpha() and words[1].islower():
            return 3
    return 0


def _word(word: str, words: list[str], i: int, first: bool = False) -> list[Token]:
    body = word.lstrip("$€£~≈+-")  # a price or an approximate figure is still a number
    if body[:1].isdigit() or (body[:1] == "." and body[1:2].isdigit()):
        if any(c.isalpha() for c in body.rstrip("%kKMBx")) and not _unit_suffix(body):
            return [Token("name", word)]  # `llama-3-8b`, `v0.6.3`, `k8s`
        numbers = _number_tokens(body, "%" in body or _next_is(words, i, "percent"))
        unit = re.sub(r"^[\d.,]+[kKMB]?", "", body).strip("%")
        return [*numbers, *([_plain_word(unit)] if unit.isalpha() else [])]
    lower = word.lower().replace("’", "'")
    if lower in _IRREGULAR_NOT:
        return [_plain_word(w) for w in _IRREGULAR_NOT[lower]]
    for suffix, expansion in _CONTRACTIONS.items():
        if lower.endswith(suffix) and len(lower) > len(suffix):
            return [_plain_word(lower[: -len(suffix)]), _plain_word(expansion)]
    if first and lower == "one" and _next_in(words, i, META):
        return [Token("function", lower)]  # `One option is …`: which one, not how many
    if lower in NUMBER_WORDS and not (lower == "one" and _next_is(words, i, "of")):
        # still a word too, for compounds (`single-zone`) and words it is part of
        return [Token("number", word, NUMBER_WORDS[lower], stems=stems(lower))]
    if name_shaped(word):
        return [Token("name", word)]
    if "-" in word:  # `scale-out`, `model-loader`: a name, or a word per part
        parts = tuple(_plain_word(p) for p in word.split("-") if p)
        return [Token("compound", word.lower(), parts=parts)]
    return [_plain_word(word)] if any(c.isalpha() for c in word) else []


def _unit_suffix(body: str) -> bool:
    """`20ms`, `16GiB`, `2x`: a number glued to its unit."""
    return re.fullmatch(r"[\d.,]+[A-Za-zµ]{1,4}", body) is not None


def _plain_word(word: str) -> Token:
    lower = word.lower()
    kind: Kind = "function" if lower in FUNCTION_WORDS else "word"
    return Token(kind, lower, stems=stems(lower))


def _next_is(words: list[str], i: int, expected: str) -> bool:
    return _next_in(words, i, frozenset({expected}))


def _next_in(words: list[str], i: int, expected: frozenset[str]) -> bool:
    return i + 1 < len(words) and words[i + 1].strip(_WRAP).lower() in expected


def normalise_phrase(text: str) -> str:
    """A quoted title or code span as compared: backticks, case and spacing do not count."""
    return " ".join(text.replace("`", "").split()).casefold()
