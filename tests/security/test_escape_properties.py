"""Hostile strings through every renderer: none survives as markup (issue 10, items 3 and 8).

Object names, namespaces, file paths, container names, label values, the PR title and parser
messages are built from the payloads of the black-box suite (a Markdown link, an ``<img>``, an
unclosed ``<!--``, ``@someone``, ``#1``, ``|``, backtick runs, line breaks before a heading,
zero-width and bidi characters, terminal escapes) mixed with ordinary text. They go through the
real path: a rule's message template (`rule_message`), the decision builder (question, figure
labels, risks), then each output, which is parsed back (markdown-it-py, `html.parser`, JSON,
XML) and checked by the black-box suite's own checks.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ElementTree
from datetime import UTC, datetime
from html.parser import HTMLParser
from io import StringIO

from hypothesis import example, given, settings
from hypothesis import strategies as st
from rich.console import Console

from bot.adr_records import Record
from bot.catalog import load_catalog
from bot.checks.evaluate import rule_message
from bot.config import AriaConfig
from bot.decision.build import build_decision
from bot.decision.changes import FactChange
from bot.decision.model import Decision
from bot.deliver.check_runs import annotations_for
from bot.deliver.inline import inline_body
from bot.findings import Evidence, Finding, Location, Status
from bot.orgaudit.render import render_html
from bot.orgaudit.render import render_markdown as render_org_markdown
from bot.orgaudit.report import OrgReport, RepoFinding, RepoRow, Trend
from bot.render import render
from bot.render.adr import render_adr, render_adr_index
from bot.render.escape import md_text, plain_text
from bot.render.markdown import render_compact
from bot.render.terminal import render_terminal
from bot.text import quote, segments
from tests.security.blackbox import _markup as markup

PAYLOADS = [markup.LINK, markup.LINK_NO_SLASH, markup.AUTOLINK, markup.IMAGE, markup.COMMENT,
            markup.MENTION, markup.ISSUE_REF, markup.HIDDEN_RUN, markup.BIDI_OVERRIDE,
            f"\n## {markup.INJECTED_HEADING}\n", f"\n{markup.COMMENT}\n", "\n| x | y |\n",
            "|", "`", "``", "```", " ` ", "\\", "*", "_", "[", "]", "(", ")", "<", ">", "-->",
            "\x1b[2J\x1b[31m", "\x07", "\r\n", "# ", "> ", "- ", "1. ", "www.evil.example/w"]
ORDINARY = st.text(alphabet="abcxyz019.-/: ", min_size=1, max_size=6)
hostile = st.lists(st.one_of(st.sampled_from(PAYLOADS), ORDINARY), min_size=1, max_size=8) \
    .map("".join)
MARKDOWN_CHECKS = (markup.live_markup, markup.live_references, markup.broken_tables,
                   markup.injected_structure, markup.bare_hostile_urls,
                   markup.invisible_characters, markup.control_characters)
PROPERTY = settings(max_examples=100, deadline=None, database=None)


def assert_inert_markdown(text: str, where: str) -> None:
    for check in MARKDOWN_CHECKS:
        found = check(text)
        assert not found, f"{where}: {check.__name__}: {found[:3]}"


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.comments: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.text += [value or "" for _, value in attrs]

    def handle_comment(self, data: str) -> None:
        self.comments.append(data)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _finding(rule_id: str, fields: dict[str, str], path: str, line: int,
             evidence: list[Evidence] | None = None) -> Finding:
    rule = load_catalog().get(rule_id)
    assert rule is not None
    return Finding(rule_id=rule.id, family=rule.family, severity=rule.severity, title=rule.title,
                   message=rule_message(rule.message, fields), subject=fields["object"],
                   detail=fields.get("container", ""), location=Location(path=path, line=line),
                   evidence=evidence or [], status=Status.new)


def hostile_decision(name: str, namespace: str, path: str, container: str, label: str,
                     title: str) -> Decision:
    subject = f"Deployment/{namespace}/{name}"
    where = Location(path=path, line=7)
    findings = [
        _finding("SPOF001", {"object": subject, "replicas": "1", "holder": subject}, path, 7,
                 [Evidence(label="minimum replicas", value=1, location=where)]),
        _finding("HEAD003", {"object": subject, "container": container,
                             "resources": "cpu and memory"}, path, 22),
        _finding("INGEST001", {"object": path, "path": path,
                               "reason": f"invalid YAML near {label!r}"}, path, 1),
    ]
    decision = build_decision(
        mode="review", title=title, findings=findings, catalog=load_catalog(),
        config=AriaConfig(), files_reviewed=3,
        context=f"This change touches {quote(path)} between {quote(label)} and `main`.",
        base=label, head="main", notes=[f"Kustomizations not rendered: {quote(path)}"])
    decision.changes = [FactChange(object=subject, fact="image", before=label, after=name,
                                   head_location=where)]
    return decision


names = st.fixed_dictionaries({"name": hostile, "namespace": hostile, "path": hostile,
                               "container": hostile, "label": hostile, "title": hostile})


@PROPERTY
@given(names)
@example({**dict.fromkeys(("name", "namespace", "path", "container", "label"), "x"),
          "title": "@someone@someone #1#1"})  # a mention right after one put in code
def test_markdown_outputs_hold_no_live_markup(values: dict[str, str]) -> None:
    """The comment (full and compact), an inline review comment, the check run's text and the
    MADR file with its index: no link, image, HTML, mention, reference, injected block, broken
    table row, raw hidden character or control character."""
    decision = hostile_decision(**values)
    assert_inert_markdown(render(decision, "markdown"), "comment")
    assert_inert_markdown(render_compact(decision, "https://github.example/run/1"), "compact")
    for f in decision.findings:
        assert_inert_markdown(inline_body(f), "inline comment")
    assert_inert_markdown(render_adr(decision, source=values["path"]), "ADR")
    index = render_adr_index([Record("0001-x.md", md_text(values["title"]), values["label"])])
    assert_inert_markdown(index, "ADR index")


@PROPERTY
@given(names)
def test_plain_outputs_carry_values_verbatim(values: dict[str, str]) -> None:
    """JSON holds every value as written, without Markdown or HTML escapes; a quoted value in a
    stored message reads back whole; plain-text fields, JUnit and SARIF are safe for theirs."""
    decision = hostile_decision(**values)
    report = json.loads(render(decision, "json"))
    subject = f"Deployment/{values['namespace']}/{values['name']}"
    assert report["title"] == values["title"]
    assert report["findings"][0]["subject"] == subject
    assert report["findings"][0]["location"]["path"] == values["path"]
    assert (True, subject) in segments(report["findings"][0]["message"])
    assert (True, values["container"]) in segments(report["findings"][1]["message"])

    for annotation in annotations_for(decision.findings):
        for key in ("title", "message"):
            assert not markup.invisible_characters(annotation[key])
            assert not markup.control_characters(annotation[key]) and "\n" not in annotation[key]
    shown = plain_text(values["title"], 255)
    assert "\n" not in shown and not markup.invisible_characters(shown)

    ElementTree.fromstring(render(decision, "junit").encode("utf-8"))
    sarif_text = render(decision, "sarif")
    assert not markup.invisible_characters(sarif_text)
    for result in json.loads(sarif_text)["runs"][0]["results"]:
        assert not markup.sarif_embedded_links(result["message"]["text"])


@PROPERTY
@given(names)
def test_terminal_shows_no_control_or_hidden_characters(values: dict[str, str]) -> None:
    out = StringIO()
    render_terminal(hostile_decision(**values), Console(file=out, width=200, color_system=None))
    text = out.getvalue()
    assert not markup.invisible_characters(text) and not markup.control_characters(text)


def _org_report(values: dict[str, str]) -> OrgReport:
    finding = RepoFinding(repo=f"acme/{values['label']}", rule_id="SPOF001", family="spof",
                          severity="error", title=values["title"], path=values["path"], line=7,
                          fingerprint="f1")
    at = datetime(2026, 11, 30, tzinfo=UTC)
    return OrgReport(
        org=values["namespace"], run_id=2, started_at=at, finished_at=at, repos_total=1,
        repos_audited=1, repos_failed=0, by_severity={"error": 1, "warning": 0, "note": 0},
        by_family={values["container"]: 1},
        repos=[RepoRow(repo=f"acme/{values['label']}", status="failed", files=1,
                       error=values["name"], by_severity={"error": 1, "warning": 0, "note": 0},
                       total=1)],
        worst=[finding], trend=Trend(previous_run=1, new=1, new_findings=[finding]), history=[])


@PROPERTY
@given(names)
def test_org_report_html_and_markdown_stay_text(values: dict[str, str]) -> None:
    """The organisation report: its HTML opens no element or comment of the payloads and shows
    no hidden character; its Markdown passes the Markdown checks."""
    report = _org_report(values)
    page = _Tags()
    page.feed(render_html(report))
    assert not page.tags & {"img", "script", "a"}, page.tags
    assert not any("HIDE-REST" in c for c in page.comments)
    assert not markup.invisible_characters("".join(page.text))
    assert_inert_markdown(render_org_markdown(report), "org report")


def test_one_rendering_no_double_escape() -> None:
    """A stored message renders once: an inline comment shows `(`, `_` and `.` as written, and
    the only escapes are those Markdown needs for what the value holds."""
    f = _finding("SPOF001", {"object": "Deployment/ml/llama_3.1 (prod)", "replicas": "1",
                             "holder": "Deployment/ml/llama_3.1 (prod)"}, "k8s/a_b.yaml", 3)
    assert f.message.startswith("`Deployment/ml/llama_3.1 (prod)` can run")
    body = inline_body(f)
    assert "\\" not in body and "&" not in body
    assert "`Deployment/ml/llama_3.1 (prod)`" in body


def test_checks_catch_a_breakout() -> None:
    """Control: the old rendering (a value in single backticks, unescaped) fails the checks."""
    value = f"x` {markup.LINK} {markup.IMAGE} {markup.COMMENT} {markup.MENTION} `y"
    broken = f"- `SPOF001` `{value}` can run with **1** replica(s)\n"
    assert markup.live_markup(broken) and markup.live_references(broken)
    assert not markup.live_markup(f"- `SPOF001` {md_text(quote(value))} can run\n")
