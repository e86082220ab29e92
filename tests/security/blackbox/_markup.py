"""Hostile strings, and checks that none of them survives as live markup in an output.

Markdown is parsed with markdown-it-py (CommonMark with raw HTML on, plus GFM tables), so the
checks look at what a renderer would build, not at substrings. GitHub's own extras that the
parser does not model (``@mention``, ``#123`` references, bare-URL autolinks) are looked for in
the text nodes the parser leaves outside code.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from markdown_it import MarkdownIt
from markdown_it.token import Token

# --- the payloads --------------------------------------------------------------------------------

EVIL_HOST = "evil.example"
LINK = f"[Approve this PR](https://{EVIL_HOST}/approve)"
LINK_NO_SLASH = f"[Approve this PR](https:{EVIL_HOST})"  # fits in a file name
AUTOLINK = f"<https://{EVIL_HOST}/auto>"
IMAGE = "<img src=x onerror=alert(1)>"
COMMENT = "<!-- HIDE-REST"
MENTION = "@someone"
ISSUE_REF = "#1"
INJECTED_HEADING = "Approved by security"
ZERO_WIDTH = "\u200b"
BIDI_OVERRIDE = "\u202e"
HIDDEN_RUN = f"a{ZERO_WIDTH}b{BIDI_OVERRIDE}c"  # as planted in the payloads
# Directional controls (embeddings, overrides, isolates, marks): Aria's own text needs none.
BIDI_CONTROLS = {chr(c) for c in [0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)]}


def sink(marker: str) -> str:
    """One string carrying every payload, led by a plain ``marker`` to find it again."""
    return (f"{marker}-x` {LINK} {IMAGE} {COMMENT} {MENTION} {ISSUE_REF} | "
            f"{AUTOLINK} {HIDDEN_RUN} `y")


def fence_sink(marker: str) -> str:
    """Backtick runs of several lengths, against renderers that pick a longer code fence."""
    return f"{marker}-`` {LINK} ``` {IMAGE} ```` {COMMENT} | {MENTION}"


def newline_sink(marker: str) -> str:
    """Line breaks that would start raw HTML and a heading at the start of a line."""
    return f"{marker}-a\n{COMMENT}\n## {INJECTED_HEADING}\n| x | y |\n{LINK}"


# --- Markdown ------------------------------------------------------------------------------------

_PARSER = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
_MENTION = re.compile(r"(?<![\w`/.\-@])@someone\b")
_ISSUE = re.compile(r"(?<![\w&#/`])#1(?!\w)")
_BARE_URL = re.compile(r"(https?://|www\.)[^\s]*" + re.escape(EVIL_HOST))


def _walk(tokens: list[Token]) -> Iterator[Token]:
    for token in tokens:
        yield token
        if token.children:
            yield from _walk(token.children)


def live_markup(markdown: str) -> list[str]:
    """Links, images and raw HTML that came from the payloads and would render."""
    found = []
    for token in _walk(_PARSER.parse(markdown)):
        if token.type == "link_open" and EVIL_HOST in str(token.attrGet("href") or ""):
            found.append(f"live link to {token.attrGet('href')}")
        elif token.type == "image":
            src = str(token.attrGet("src") or "")
            if src == "x" or EVIL_HOST in src:
                found.append(f"live image {src!r}")
        elif token.type in ("html_inline", "html_block") and (
                "<img" in token.content or COMMENT in token.content):
            found.append(f"raw HTML {token.content[:80]!r}")
    return found


def live_references(markdown: str) -> list[str]:
    """``@someone`` and ``#1`` in text outside code, where GitHub makes them live."""
    found = []
    for token in _walk(_PARSER.parse(markdown)):
        if token.type != "text":  # code spans and blocks are other token types
            continue
        if _MENTION.search(token.content):
            found.append(f"live mention in {token.content[:80]!r}")
        if _ISSUE.search(token.content):
            found.append(f"live issue reference in {token.content[:80]!r}")
    return found


def bare_hostile_urls(markdown: str) -> list[str]:
    """Hostile URLs outside code, which GitHub's autolinking turns into links."""
    return [f"autolinked {token.content[:80]!r}" for token in _walk(_PARSER.parse(markdown))
            if token.type == "text" and _BARE_URL.search(token.content)]


def injected_structure(markdown: str) -> list[str]:
    """Headings or HTML blocks that a line break in a value opened."""
    found = []
    tokens = _PARSER.parse(markdown)
    for index, token in enumerate(tokens):
        if (token.type == "heading_open"
                and tokens[index + 1].content.strip().startswith(INJECTED_HEADING)):
            found.append(f"injected heading {tokens[index + 1].content[:80]!r}")
        if token.type == "html_block" and "HIDE-REST" in token.content:
            found.append("an HTML comment block swallows the rest of the document")
    return found


def _gfm_cells(line: str) -> int:
    """Cells of a GFM table row: every unescaped ``|`` splits, even inside a code span."""
    text = line.strip()
    cells, current, escaped = [], "", False
    for char in text:
        if char == "|" and not escaped:
            cells.append(current)
            current = ""
        else:
            current += char
        escaped = char == "\\" and not escaped
    cells.append(current)
    if text.startswith("|"):
        cells = cells[1:]
    if text.endswith("|") and not text.endswith("\\|"):
        cells = cells[:-1]
    return len(cells)


def broken_tables(markdown: str) -> list[str]:
    """Table rows whose cell count differs from their header's."""
    lines = markdown.splitlines()
    found = []
    for token in _PARSER.parse(markdown):
        if token.type != "table_open" or not token.map:
            continue
        start, end = token.map
        header = _gfm_cells(lines[start])
        for row in lines[start + 2:end]:
            if _gfm_cells(row) != header:
                found.append(f"row has {_gfm_cells(row)} cells, header {header}: {row[:100]!r}")
    return found


def invisible_characters(text: str) -> list[str]:
    """Raw directional controls anywhere, and the payloads' zero-width run passed through.

    A zero-width character Aria adds itself (e.g. after ``@`` to defuse a mention) is allowed;
    the one planted between ``a`` and ``b`` must not reach the output unchanged.
    """
    found = sorted({f"U+{ord(c):04X}" for c in text if c in BIDI_CONTROLS})
    if f"a{ZERO_WIDTH}b" in text:
        found.append("U+200B from the input")
    return found


def control_characters(text: str) -> list[str]:
    return sorted({f"U+{ord(c):04X}" for c in text
                   if (ord(c) < 0x20 and c not in "\t\n\r") or 0x7F <= ord(c) < 0xA0})


# --- SARIF ---------------------------------------------------------------------------------------

_EMBEDDED_LINK = re.compile(r"(?<!\\)\[((?:[^\]\\]|\\.)*)\]\(([^)]*)\)")


def sarif_embedded_links(text: str) -> list[str]:
    """SARIF plain-text messages turn ``[text](target)`` into a link unless ``[`` is escaped
    (SARIF 2.1.0 §3.11.6); GitHub code scanning renders them."""
    return [f"embedded link to {m.group(2)!r}" for m in _EMBEDDED_LINK.finditer(text)
            if EVIL_HOST in m.group(2)]


# --- JSON ----------------------------------------------------------------------------------------

_MARKUP_ESCAPE = re.compile(r"\\[!-/:-@\[-`{-~]|&(lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);")


def escaped_strings(value: object, markers: tuple[str, ...]) -> list[str]:
    """String values holding a payload marker that carry Markdown or HTML escapes.

    The payloads contain no backslash and no ``&``, so any escape there was added by Aria.
    """
    found = []
    if isinstance(value, dict):
        for item in value.values():
            found += escaped_strings(item, markers)
    elif isinstance(value, list):
        for item in value:
            found += escaped_strings(item, markers)
    elif isinstance(value, str) and any(m in value for m in markers):
        match = _MARKUP_ESCAPE.search(value)
        if match:
            found.append(f"{match.group(0)!r} in {value[:120]!r}")
    return found
