"""`aria audit --by control`: the audit summary by control, as Markdown, JSON or a terminal
table."""

from __future__ import annotations

import re

from rich.console import Console
from rich.style import Style
from rich.table import Table
from rich.text import Text

from bot.decision.controls import ControlSummary
from bot.render.escape import plain_text
from bot.render.templating import environment


def controls_markdown(summary: ControlSummary) -> str:
    text = environment().get_template("controls.md.j2").render(s=summary)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def controls_json(summary: ControlSummary) -> str:
    return summary.model_dump_json(indent=2) + "\n"


def controls_terminal(summary: ControlSummary, console: Console) -> None:
    console.print(Text.assemble(("Aria audit by control", "bold magenta"), " — ",
                                (plain_text(summary.title), "bold")))
    console.print(f"{summary.files_reviewed} files reviewed · {summary.findings} findings")
    titles = list(dict.fromkeys(r.framework_title for r in summary.rows))
    for title in titles:
        table = Table(title=title, title_justify="left", title_style="bold")
        for column in ("Control", "Title", "Findings", "Rules"):
            table.add_column(column, overflow="fold")
        for r in (r for r in summary.rows if r.framework_title == title):
            table.add_row(Text(r.id, style=Style(link=r.url)), r.title,
                          Text(str(r.findings), style="bold red" if r.findings else "green"),
                          ", ".join(r.rules))
        console.print(table)
    console.print(Text("Findings per control that the rules which ran cite; no findings under a "
                       "control is not an assessment, and Aria certifies nothing.", style="dim"))
