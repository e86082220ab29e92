"""The render-time escaping boundary: every output escapes repository text here, once.

Object names, paths, parser messages, PR titles and comments are attacker-controlled. They are
stored plain (`bot.text`: Aria's sentences, repository values quoted verbatim as code spans) and
escaped here, by the output that shows them, so that nothing opens HTML, a link, an image, a
mention, an issue reference, a table cell or a code span in what Aria posts or writes, and no
zero-width or bidirectional character hides or reorders text:

- `md_text`: stored text (or any untrusted string) for Markdown prose, one line;
- `code`: a value as an inline code span; `table_cell`: rendered Markdown in a table cell;
- `fenced`: a whole file in a fence; `html`: HTML (the organisation report);
- `sarif_text`: SARIF plain-text messages; `plain_text`: a terminal, plain-text fields.
JSON carries the stored text as it is: it needs no escape.
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

from bot.text import fence_for, quote, segments

_MAX = 2000  # characters of one rendered line (a code span cut there is escaped as prose)

# Controls, zero-width characters, soft hyphen, and the directional embeddings, overrides,
# isolates and marks that make text display other than what it holds (Trojan Source).
_INVISIBLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u180e\u200b-\u200f\u202a-\u202e"
                        "\u2060-\u2064\u2066-\u2069\ufeff]")
# What GitHub makes live in plain text: autolinked URLs, @mentions, #123 references. Kept as
# code so a reader still sees them. No look-behind: once a neighbour is put in code, what
# followed it starts a new text run, where GitHub would link it.
_LIVE = re.compile(r"(?:https?://|www\.)[^\s<>()\[\]`]+|@[A-Za-z0-9][\w/-]*|#\d+", re.IGNORECASE)
_PROSE_SPECIAL = re.compile(r"([\\`\[\]])")
# What starts a block (heading, quote, list, table, setext line) at the head of a line.
_BLOCK_START = re.compile(r"^([#>+=|]|[-*](?=\s|$))|^(\d+)([.)])(?=\s|$)")


def visible(text: str) -> str:
    """Every invisible or direction-changing character shown as a visible `\\uXXXX`."""
    return _INVISIBLE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _one_line(value: object, limit: int) -> str:
    text = " ".join(str(value).split())
    return text[: limit - 1] + "…" if len(text) > limit else text


def _prose(text: str) -> str:
    """Text outside code: HTML and link brackets escaped, live references put in code."""
    out, last = [], 0
    for m in _LIVE.finditer(text):
        out += [_escaped(text[last:m.start()]), code(m.group())]
        last = m.end()
    out.append(_escaped(text[last:]))
    return "".join(out)


def _escaped(text: str) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return visible(_PROSE_SPECIAL.sub(r"\\\1", text))


def md_text(value: object, limit: int = _MAX) -> str:
    """Stored text (or any untrusted string) as one line of Markdown prose: its code spans
    re-fenced as code, the rest escaped; Aria's `**bold**` and `_emphasis_` stay."""
    text = _one_line(value, limit)
    out = "".join(code(part) if is_code else _prose(part) for is_code, part in segments(text))
    return _BLOCK_START.sub(lambda m: f"\\{m.group(1)}" if m.group(1) else
                            f"{m.group(2)}\\{m.group(3)}", out)


def code(value: object, limit: int = _MAX) -> str:
    """An inline code span holding `value` as literal text: a fence no run inside can close,
    one line (a line break would end the paragraph), invisible characters shown."""
    return quote(visible(_one_line(value, limit)))


def table_cell(markdown: object) -> str:
    """Rendered Markdown in a table cell: one line, every `|` escaped (GFM splits cells on a
    `|` even inside a code span)."""
    return re.sub(r"(?<!\\)((?:\\\\)*)\|", r"\1\\|", " ".join(str(markdown).split()))


def fenced(content: str, lang: str = "") -> str:
    """A whole file in a fence longer than any backtick run inside, so it cannot close it."""
    fence = "`" * max(3, len(fence_for(content)))
    lang = re.sub(r"[^A-Za-z0-9_+-]", "", lang)
    return f"{fence}{lang}\n{content.rstrip()}\n{fence}"


def html(value: object) -> Markup:
    """Text for HTML element content or a quoted attribute value: the escaping Jinja's
    autoescape applies to every value in an HTML template (`*.html.j2`), hidden characters
    shown."""
    return escape(visible(str(value)))


def sarif_text(value: object) -> str:
    """A SARIF plain-text message: `[text](target)` would be an embedded link (SARIF 2.1.0
    §3.11.6), so brackets and backslashes are escaped; hidden characters shown."""
    return visible(re.sub(r"([\\\[\]])", r"\\\1", str(value)))


def plain_text(value: object, limit: int = 300) -> str:
    """Text for a terminal or a plain-text field (a check run's title, an annotation): one
    line, every control and hidden character shown as a visible escape."""
    return visible(_one_line(value, limit))
