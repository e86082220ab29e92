"""The 📊 section of a review or `aria probe` for one measured Triton model config."""

from __future__ import annotations

from bot.measurements import ProbeReport
from bot.render.templating import environment


def render_probe_markdown(report: ProbeReport) -> str:
    return environment().get_template("partials/probe.md.j2").render(report=report)
