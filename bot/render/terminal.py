"""The review or audit for a person at a terminal: severity in colour, `path:line` that the
terminal can open, the decisions and next steps; the Markdown stays the comment body.

Everything is built as `rich` Text, never parsed as markup, and repository text goes through
`plain_text` first, so a manifest cannot send escape sequences to the reader's terminal.
"""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.style import Style
from rich.text import Text

from bot.decision.model import Decision
from bot.findings import Finding, Location, Severity, Status
from bot.render.escape import plain_text
from bot.text import segments

SEVERITY_STYLE = {Severity.error: "bold red", Severity.warning: "bold yellow",
                  Severity.note: "bold blue"}
MAX_FINDINGS_PER_SEVERITY = 25
def prose(text: str) -> Text:
    """Stored text (`bot.text`) as styled text: quoted values in cyan, **strong** in bold."""
    out, bold = Text(), False
    for is_code, part in segments(plain_text(text, limit=2000)):
        if is_code:
            out.append(part, style=("bold " if bold else "") + "cyan")
            continue
        for index, piece in enumerate(part.split("**")):
            bold = bold != (index > 0)
            out.append(piece, style="bold" if bold else "")
    return out


def location(where: Location, link_root: Path | None) -> Text:
    """`path:line`, linked to the file when it exists under `link_root`."""
    shown = plain_text(str(where))
    if link_root is not None:
        target = (link_root / where.path).resolve()
        if target.is_relative_to(link_root.resolve()) and target.is_file():
            return Text(shown, style=Style(link=target.as_uri()))
    return Text(shown, style="underline")


def _finding(f: Finding, link_root: Path | None) -> Text:
    line = Text("  ")
    line.append(f"{f.severity.value:<8}", style=SEVERITY_STYLE[f.severity])
    line.append(f"{f.rule_id:<10}", style="bold")
    line.append_text(location(f.location, link_root))
    line.append("\n    ")
    line.append_text(prose(f.message))
    return line


def _heading(decision: Decision) -> Text:
    kind = {"review": "review", "audit": "audit"}.get(decision.mode, "decision")
    return Text.assemble((f"Aria {kind}", "bold magenta"), " — ",
                         (plain_text(decision.title), "bold"))


def _tally(decision: Decision, relevant: list[Finding]) -> Text:
    if decision.mode == "review":
        counts = {s: len(decision.active(s)) for s in (Status.new, Status.fixed, Status.unchanged)}
        text = Text.assemble((plain_text(decision.base or ""), "cyan"), " → ",
                             (plain_text(decision.head or ""), "cyan"),
                             f" · {decision.files_reviewed} files reviewed · ")
        text.append(f"{counts[Status.new]} new", style="bold")
        text.append(f" · {counts[Status.fixed]} fixed · {counts[Status.unchanged]} unchanged")
    else:
        text = Text(f"{decision.files_reviewed} files reviewed")
        for sev in Severity:
            n = sum(1 for f in relevant if f.severity is sev)
            text.append(" · ")
            text.append(f"{n} {sev.value}{'s' if n != 1 else ''}",
                        style=SEVERITY_STYLE[sev] if n else "")
    if decision.counts.suppressed:
        text.append(f" · {decision.counts.suppressed} suppressed")
    return text


def render_terminal(decision: Decision, console: Console, link_root: Path | None = None) -> None:
    """Print the decision; `link_root` is the directory whose files the paths name, if any."""
    active = decision.active()
    relevant = [f for f in active if f.status is Status.new] if decision.mode == "review" \
        else [f for f in active if f.status is not Status.fixed]
    console.print(_heading(decision))
    console.print(prose(decision.recommendation))
    console.print(_tally(decision, relevant))
    for sev in Severity:
        group = [f for f in relevant if f.severity is sev]
        if not group:
            continue
        console.print()
        console.print(Text(f"{sev.value.capitalize()}s ({len(group)})", SEVERITY_STYLE[sev]))
        for f in group[:MAX_FINDINGS_PER_SEVERITY]:
            console.print(_finding(f, link_root))
        if len(group) > MAX_FINDINGS_PER_SEVERITY:
            console.print(f"  … and {len(group) - MAX_FINDINGS_PER_SEVERITY} more "
                          "(--format json or sarif lists every one)")
    if relevant and decision.decision_points:
        console.print()
        console.print(Text("Decisions", "bold"))
        for i, point in enumerate(decision.decision_points, 1):
            title = prose(point.title)
            title.stylize("bold")
            recommended = prose(point.recommended.title)
            recommended.stylize("green")
            console.print(Text.assemble(f"  {i}. ", title, f" ({point.rule_id}) — recommended: ",
                                        recommended))
    if relevant and decision.next_steps:
        console.print()
        console.print(Text("Next steps", "bold"))
        for i, step in enumerate(decision.next_steps, 1):
            console.print(Text.assemble(f"  {i}. ", prose(step)))
    for note in decision.notes:
        console.print(Text.assemble(("note: ", "dim"), prose(note)))
