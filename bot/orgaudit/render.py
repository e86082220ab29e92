"""The organisation report as Markdown, JSON and a self-contained HTML page.

The templates (`org-audit.md.j2`, `org-audit.html.j2`) write the text; here the charts' geometry
is computed. The HTML draws its charts as inline SVG: no script, no CDN, no font download, so
the page renders offline in any browser and can be attached to a ticket or mailed as one file.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.orgaudit.report import OrgReport
from bot.render.templating import environment

SEVERITY_ICON = {"error": "🛑", "warning": "⚠️", "note": "ℹ️"}
SEVERITY_COLOUR = {"error": "#c62828", "warning": "#ef6c00", "note": "#1565c0"}
TOP_REPOS = 15
ROW, LABEL_WIDTH, BAR_WIDTH = 22, 260, 420  # horizontal bars, in pixels
TREND_WIDTH, TREND_HEIGHT, TREND_PAD = 640, 220, 40


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    count: int
    y: int
    width: int


@dataclass(frozen=True)
class BarChart:
    """Horizontal bars, one per item, labelled with the count."""

    title: str
    colour: str
    bars: list[Bar]
    row: int = ROW
    label_width: int = LABEL_WIDTH
    width: int = LABEL_WIDTH + BAR_WIDTH + 60

    @property
    def height(self) -> int:
        return len(self.bars) * self.row


@dataclass(frozen=True)
class TrendChart:
    """Findings per run, one line per severity."""

    top: int
    lines: list[tuple[str, str, str]]  # severity, colour, SVG points
    labels: list[tuple[str, int]]  # x, run id
    colours: dict[str, str] = field(default_factory=lambda: dict(SEVERITY_COLOUR))
    width: int = TREND_WIDTH
    height: int = TREND_HEIGHT
    pad: int = TREND_PAD


@dataclass(frozen=True)
class HtmlView:
    families: BarChart
    repositories: BarChart
    trend: TrendChart | None
    worst: list[list[str]]
    repos: list[list[str]]


def bar_chart(items: list[tuple[str, int]], colour: str, title: str) -> BarChart:
    top = max((n for _label, n in items), default=0) or 1
    return BarChart(title, colour, [Bar(label, n, i * ROW, max(1, round(BAR_WIDTH * n / top)))
                                    for i, (label, n) in enumerate(items)])


def trend_chart(r: OrgReport) -> TrendChart | None:
    points = r.history
    if len(points) < 2:
        return None
    top = max(max(p.by_severity.values()) for p in points) or 1
    step = (TREND_WIDTH - 2 * TREND_PAD) / (len(points) - 1)
    height = TREND_HEIGHT - 2 * TREND_PAD

    def xy(i: int, n: int) -> str:
        return f"{TREND_PAD + i * step:.1f},{TREND_HEIGHT - TREND_PAD - height * n / top:.1f}"
    lines = [(sev, colour, " ".join(xy(i, p.by_severity[sev]) for i, p in enumerate(points)))
             for sev, colour in SEVERITY_COLOUR.items()]
    labels = [(f"{TREND_PAD + i * step:.1f}", p.run_id) for i, p in enumerate(points)]
    return TrendChart(top, lines, labels)


def render_markdown(r: OrgReport) -> str:
    return environment().get_template("org-audit.md.j2").render(r=r, icons=SEVERITY_ICON)


def render_json(r: OrgReport) -> str:
    return r.model_dump_json(indent=2) + "\n"


def render_html(r: OrgReport) -> str:
    top_repos = [(row.repo, row.total) for row in sorted(r.repos, key=lambda x: -x.total)
                 if row.total][:TOP_REPOS]
    view = HtmlView(
        families=bar_chart(list(r.by_family.items()), "#5e35b1", "Findings by family"),
        repositories=bar_chart(top_repos, "#00897b", "Repositories with the most findings"),
        trend=trend_chart(r),
        worst=[[f.severity, f.rule_id, f.repo, f.where, f.title] for f in r.worst],
        repos=[[row.repo, row.status if row.error is None else f"{row.status}: {row.error}",
                str(row.files), *(str(row.by_severity[s]) for s in SEVERITY_COLOUR)]
               for row in r.repos])
    return environment().get_template("org-audit.html.j2").render(r=r, charts=view)
