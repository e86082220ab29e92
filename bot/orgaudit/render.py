"""The organisation report as Markdown, JSON and a self-contained HTML page.

The HTML draws its charts as inline SVG: no script, no CDN, no font download, so the page
renders offline in any browser and can be attached to a ticket or mailed as one file.
"""

from __future__ import annotations

from html import escape

from bot.orgaudit.report import Located, OrgReport

SEVERITY_ICON = {"error": "🛑", "warning": "⚠️", "note": "ℹ️"}
SEVERITY_COLOUR = {"error": "#c62828", "warning": "#ef6c00", "note": "#1565c0"}
TOP_REPOS = 15


def _md_cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _where(f: Located) -> str:
    return f"{f.path}:{f.line}" if f.line else f.path


def render_markdown(r: OrgReport) -> str:
    sev = r.by_severity
    lines = [
        f"# Organisation audit of `{r.org}` (run {r.run_id})", "",
        f"**{r.repos_audited}** of **{r.repos_total}** repositories audited"
        + (f", **{r.repos_failed}** could not be read" if r.repos_failed else "")
        + f"; **{r.total}** finding(s): {sev['error']} error, {sev['warning']} warning, "
          f"{sev['note']} note.", "",
    ]
    t = r.trend
    if t.previous_run is None:
        lines += ["📊 First audit of this organisation: no trend yet.", ""]
    else:
        lines += [f"📊 Since run {t.previous_run}: **{t.new}** new, **{t.fixed}** fixed.", ""]
        if t.by_family_delta:
            lines += ["| Family | Change |", "|---|---:|"]
            lines += [f"| {fam} | {delta:+d} |" for fam, delta in t.by_family_delta.items()]
            lines.append("")
    lines += ["## Findings by family", "", "| Family | Findings |", "|---|---:|"]
    lines += [f"| {fam} | {n} |" for fam, n in r.by_family.items()]
    lines += ["", "## Repositories", "",
              "| Repository | Status | Files | Error | Warning | Note |",
              "|---|---|---:|---:|---:|---:|"]
    for row in r.repos:
        status = row.status if row.error is None else f"{row.status}: {_md_cell(row.error)}"
        lines.append(f"| `{row.repo}` | {status} | {row.files} | {row.by_severity['error']} | "
                     f"{row.by_severity['warning']} | {row.by_severity['note']} |")
    lines += ["", "## Worst findings", "", "| | Rule | Repository | Where | Title |",
              "|---|---|---|---|---|"]
    lines += [f"| {SEVERITY_ICON[f.severity]} | `{f.rule_id}` | `{f.repo}` | `{_where(f)}` | "
              f"{_md_cell(f.title)} |" for f in r.worst]
    for heading, items in (("New since the last audit", t.new_findings),
                           ("Fixed since the last audit", t.fixed_findings)):
        if items:
            lines += ["", f"## {heading}", ""]
            lines += [f"- {SEVERITY_ICON[f.severity]} `{f.rule_id}` in `{f.repo}` "
                      f"(`{_where(f)}`): {f.title}" for f in items]
    return "\n".join(lines) + "\n"


def render_json(r: OrgReport) -> str:
    return r.model_dump_json(indent=2) + "\n"


def _bars(items: list[tuple[str, int]], colour: str, title: str) -> str:
    """Horizontal bars, one per item, labelled with the count."""
    if not items:
        return f"<p>No findings for “{escape(title)}”.</p>"
    top = max(n for _label, n in items) or 1
    row, label_w, bar_w = 22, 260, 420
    rows = []
    for i, (label, n) in enumerate(items):
        y = i * row
        w = max(1, round(bar_w * n / top))
        rows.append(
            f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end">{escape(label)}</text>'
            f'<rect x="{label_w}" y="{y + 3}" width="{w}" height="{row - 6}" fill="{colour}">'
            f"<title>{escape(label)}: {n}</title></rect>"
            f'<text x="{label_w + w + 4}" y="{y + 15}">{n}</text>')
    height = len(items) * row
    return (f'<figure><figcaption>{escape(title)}</figcaption>'
            f'<svg role="img" aria-label="{escape(title)}" width="{label_w + bar_w + 60}" '
            f'height="{height}" font-size="12" font-family="sans-serif">{"".join(rows)}</svg>'
            "</figure>")


def _trend_chart(r: OrgReport) -> str:
    points = r.history
    if len(points) < 2:
        return "<p>📊 The trend chart appears from the second audit on.</p>"
    w, h, pad = 640, 220, 40
    top = max(max(p.by_severity.values()) for p in points) or 1
    step = (w - 2 * pad) / (len(points) - 1)

    def xy(i: int, n: int) -> str:
        return f"{pad + i * step:.1f},{h - pad - (h - 2 * pad) * n / top:.1f}"
    lines = []
    for sev, colour in SEVERITY_COLOUR.items():
        pts = " ".join(xy(i, p.by_severity[sev]) for i, p in enumerate(points))
        lines.append(f'<polyline points="{pts}" fill="none" stroke="{colour}" stroke-width="2">'
                     f"<title>{sev}</title></polyline>")
    labels = "".join(
        f'<text x="{pad + i * step:.1f}" y="{h - pad + 16}" text-anchor="middle">'
        f"run {p.run_id}</text>" for i, p in enumerate(points))
    legend = "".join(f'<text x="{pad + 90 * k}" y="14" fill="{c}">■ {s}</text>'
                     for k, (s, c) in enumerate(SEVERITY_COLOUR.items()))
    axis = (f'<line x1="{pad}" y1="{h - pad}" x2="{w - pad}" y2="{h - pad}" stroke="#999"/>'
            f'<text x="4" y="{pad}">{top}</text><text x="4" y="{h - pad}">0</text>')
    return (f'<figure><figcaption>Findings per run, by severity</figcaption>'
            f'<svg role="img" aria-label="Findings per run" width="{w}" height="{h}" '
            f'font-size="12" font-family="sans-serif">{axis}{legend}{"".join(lines)}{labels}'
            "</svg></figure>")


def _table(headers: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>"
                   for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render_html(r: OrgReport) -> str:
    sev = r.by_severity
    top_repos = [(row.repo, row.total) for row in sorted(r.repos, key=lambda x: -x.total)
                 if row.total][:TOP_REPOS]
    t = r.trend
    trend_text = ("First audit of this organisation: no trend yet." if t.previous_run is None
                  else f"Since run {t.previous_run}: {t.new} new, {t.fixed} fixed.")
    worst = _table(["Severity", "Rule", "Repository", "Where", "Title"],
                   [[f.severity, f.rule_id, f.repo, _where(f), f.title] for f in r.worst])
    repos = _table(["Repository", "Status", "Files", "Error", "Warning", "Note"],
                   [[row.repo, row.status if row.error is None else f"{row.status}: {row.error}",
                     str(row.files), *(str(row.by_severity[s]) for s in SEVERITY_COLOUR)]
                    for row in r.repos])
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Organisation audit of {escape(r.org)} (run {r.run_id})</title>
<style>
body {{ font-family: sans-serif; margin: 2rem; color: #222; }}
table {{ border-collapse: collapse; margin: 1rem 0; }}
td, th {{ border: 1px solid #ccc; padding: 0.25rem 0.5rem; text-align: left; }}
figure {{ margin: 1.5rem 0; }} figcaption {{ font-weight: bold; margin-bottom: 0.5rem; }}
</style></head><body>
<h1>Organisation audit of {escape(r.org)} (run {r.run_id})</h1>
<p><strong>{r.repos_audited}</strong> of <strong>{r.repos_total}</strong> repositories audited,
<strong>{r.repos_failed}</strong> could not be read; <strong>{r.total}</strong> findings:
{sev['error']} error, {sev['warning']} warning, {sev['note']} note.</p>
<p>📊 {escape(trend_text)}</p>
{_bars(list(r.by_family.items()), "#5e35b1", "Findings by family")}
{_bars(top_repos, "#00897b", "Repositories with the most findings")}
{_trend_chart(r)}
<h2>Worst findings</h2>{worst}
<h2>Repositories</h2>{repos}
</body></html>
"""
