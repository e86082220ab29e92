"""Render: the decision model to Markdown, JSON, SARIF 2.1.0 and JUnit XML."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the command line reads FORMATS before it builds any decision
    from bot.decision.model import Decision

FORMATS = ("markdown", "json", "sarif", "junit")


def render(decision: Decision, fmt: str) -> str:
    if fmt == "markdown":
        from bot.render.markdown import render_markdown
        return render_markdown(decision)
    if fmt == "json":
        return decision.model_dump_json(indent=2) + "\n"
    if fmt == "sarif":
        from bot.render.sarif import render_sarif
        return render_sarif(decision) + "\n"
    if fmt == "junit":
        from bot.render.junit import render_junit
        return render_junit(decision)
    raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
