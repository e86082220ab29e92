"""Markdown/HTML injection into what Aria posts and writes.

Everything in a PR is attacker text: object names, namespaces, labels, container and image
names, file and folder names, Triton model names, the PR title. A name such as
``x` [Approve this PR](https://evil.example/approve) <img src=x onerror=…> <!-- `` that
breaks out of its code span puts a live link, an image and an unclosed HTML comment (which hides
the rest of the comment) into the review. One hostile repository is reviewed and audited once
in every format; each test checks one property of one output with a real Markdown parser.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from . import _markup as markup
from ._harness import Run, assert_survived, risky_gpu_deployment, run_aria

NAME = markup.sink("nm7")
FENCED_NAME = markup.fence_sink("fn7")
NAMESPACE = markup.sink("ns7")
CONTAINER = markup.sink("ct7")
IMAGE = "registry.example/" + markup.sink("im7").replace(" ", "_") + ":latest"
MODEL = markup.sink("md7") + markup.newline_sink("mn7")
TITLE = markup.sink("tt7") + markup.newline_sink("tn7")
FILE_NAME = (f"fl7-x` {markup.LINK_NO_SLASH} {markup.IMAGE} {markup.COMMENT} "
             f"{markup.MENTION} {markup.ISSUE_REF} | `y.yaml")
NEWLINE_FILE = f"nl7-a\n{markup.COMMENT}\n## {markup.INJECTED_HEADING}\n.yaml"
BROKEN_FILE = "jm7-broken(1) [draft].yaml"
FOLDER = f"dr7-x` {markup.LINK_NO_SLASH} {markup.COMMENT} {markup.MENTION} | `y"
# Markers that must reach the Markdown (proof the hostile values were rendered at all).
RENDERED_MARKERS = ("nm7", "ns7", "fl7", "md7")
ALL_MARKERS = ("nm7", "fn7", "ns7", "ct7", "im7", "md7", "mn7", "fl7", "nl7", "jm7", "dr7",
               "lb7")


def _q(value: str) -> str:
    """A YAML double-quoted scalar (JSON string syntax is valid YAML)."""
    return json.dumps(value)


def _hostile_deployment(name: str, namespace: str, container: str, image: str) -> str:
    return risky_gpu_deployment(_q(name), namespace=_q(namespace), app=_q(markup.sink("lb7")),
                                container=_q(container), image=f"image: {_q(image)}")


def _pbtxt_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def build_hostile_tree(tree: Path) -> None:
    apps = tree / "apps"
    apps.mkdir(parents=True)
    (apps / "hostile.yaml").write_text(
        _hostile_deployment(NAME, NAMESPACE, CONTAINER, IMAGE) + "---\n"
        + _hostile_deployment(FENCED_NAME, "serving", "server", "vllm/vllm-openai:latest"),
        encoding="utf-8")
    (apps / FILE_NAME).write_text(risky_gpu_deployment("file-named-app"), encoding="utf-8")
    (apps / NEWLINE_FILE).write_text(risky_gpu_deployment("newline-file-app"), encoding="utf-8")
    (apps / BROKEN_FILE).write_text("metadata: {name: [unclosed\n", encoding="utf-8")
    folder = tree / FOLDER
    folder.mkdir()
    (folder / "deployment.yaml").write_text(risky_gpu_deployment("folder-app"), encoding="utf-8")
    (folder / "kustomization.yaml").write_text(
        "resources:\n  - deployment.yaml\n  - https://github.com/aria-canary/remote//base?ref=v1\n",
        encoding="utf-8")
    model = tree / "models" / "hostile-model"
    model.mkdir(parents=True)
    (model / "config.pbtxt").write_text(
        f"name: {_pbtxt_string(MODEL)}\nplatform: \"onnxruntime_onnx\"\nmax_batch_size: 8\n"
        "instance_group [ { count: 1, kind: KIND_GPU } ]\n"
        'input [ { name: "x", data_type: TYPE_FP32, dims: [ 3 ] } ]\n'
        'output [ { name: "y", data_type: TYPE_FP32, dims: [ 3 ] } ]\n', encoding="utf-8")


@dataclass
class Outputs:
    root: Path
    runs: dict[str, Run] = field(default_factory=dict)
    adr_dir: Path | None = None

    def markdown(self, name: str) -> str:
        if name.startswith("adr"):
            assert self.adr_dir is not None
            files = sorted(self.adr_dir.glob("*.md"))
            index = [f for f in files if f.name == "README.md"]
            records = [f for f in files if f.name != "README.md"]
            chosen = index if name == "adr-index" else records
            assert chosen, f"aria adr new wrote no {name}: {[f.name for f in files]}"
            return "\n\n".join(f.read_text(encoding="utf-8") for f in chosen)
        run = self.runs[name]
        assert_survived(run)
        return run.stdout


MARKDOWN_OUTPUTS = ["audit-default", "audit-markdown", "review-markdown", "adr", "adr-index"]


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> Outputs:
    root = tmp_path_factory.mktemp("injection")
    head, base = root / "head", root / "base"
    build_hostile_tree(head)
    base.mkdir()
    (base / "placeholder.yaml").write_text(risky_gpu_deployment("base-only"), encoding="utf-8")
    result = Outputs(root=root)
    audit = ["audit", str(head), "--title", TITLE]
    result.runs["audit-default"] = run_aria(audit, cwd=root)
    for fmt in ("markdown", "json", "sarif", "junit"):
        result.runs[f"audit-{fmt}"] = run_aria([*audit, "-f", fmt], cwd=root)
    review = ["review", str(base), str(head), "--title", TITLE]
    result.runs["review-markdown"] = run_aria([*review, "-f", "markdown"], cwd=root)
    result.runs["review-json"] = run_aria([*review, "-f", "json"], cwd=root)
    result.adr_dir = root / "adr-out"
    result.adr_dir.mkdir()
    result.runs["adr"] = run_aria(["adr", "new", TITLE, "--from", str(head), "--dir",
                                   str(result.adr_dir)], cwd=root)
    return result


def _rendered(outputs: Outputs, name: str) -> str:
    text = outputs.markdown(name)
    if name != "adr-index":
        present = [m for m in RENDERED_MARKERS if m in text] + (["tt7"] if "tt7" in text else [])
        assert present, f"{name}: no hostile value was rendered at all, the check would be empty"
    return text


@pytest.mark.parametrize("name", MARKDOWN_OUTPUTS)
def test_no_live_link_image_or_html(outputs: Outputs, name: str) -> None:
    """Attack: names, paths, model names and the title carry a Markdown link, an ``<img>``
    with ``onerror`` and an unclosed ``<!--`` behind a backtick that closes Aria's code span.
    No link, image or raw HTML from them may be live in the rendered Markdown."""
    found = markup.live_markup(_rendered(outputs, name))
    assert not found, f"{name}: {found}"


@pytest.mark.parametrize("name", MARKDOWN_OUTPUTS)
def test_no_live_mentions_or_issue_references(outputs: Outputs, name: str) -> None:
    """Attack: ``@someone`` and ``#1`` in object names and titles, to ping people or link
    issues from Aria's comment. They must stay inside code (or be neutralised)."""
    found = markup.live_references(_rendered(outputs, name))
    assert not found, f"{name}: {found}"


@pytest.mark.parametrize("name", MARKDOWN_OUTPUTS)
def test_tables_keep_their_column_count(outputs: Outputs, name: str) -> None:
    """Attack: ``|`` in names, namespaces, file paths and titles that land in table cells
    (figures, options, the ADR index) shifts columns and forges cells."""
    found = markup.broken_tables(_rendered(outputs, name))
    assert not found, f"{name}: {found}"


@pytest.mark.parametrize("name", MARKDOWN_OUTPUTS)
def test_line_breaks_open_no_heading_or_html_block(outputs: Outputs, name: str) -> None:
    """Attack: a newline in a file name, a Triton model name or the PR title, followed by
    ``<!--`` and ``## Approved by security``, starts an HTML block that hides the rest of the
    comment and a forged heading."""
    found = markup.injected_structure(_rendered(outputs, name))
    assert not found, f"{name}: {found}"


@pytest.mark.parametrize("name", MARKDOWN_OUTPUTS)
def test_hostile_urls_are_not_autolinked(outputs: Outputs, name: str) -> None:
    """Attack: even with brackets escaped, ``https://evil.example/…`` left in plain text
    becomes a clickable link on GitHub (autolink literals). Hostile text belongs in code."""
    found = markup.bare_hostile_urls(_rendered(outputs, name))
    assert not found, f"{name}: {found}"


@pytest.mark.parametrize("name", [*MARKDOWN_OUTPUTS, "audit-sarif"])
def test_no_invisible_or_bidi_characters(outputs: Outputs, name: str) -> None:
    """Attack (Trojan Source): zero-width and right-to-left override characters in names make
    the review display text other than what it contains. Rendered outputs must show the
    planted ones visibly (escaped) or drop them, never pass them through raw."""
    text = outputs.runs[name].stdout if name == "audit-sarif" else _rendered(outputs, name)
    found = markup.invisible_characters(text)
    assert not found, f"{name}: raw invisible characters {found}"


def test_sarif_messages_hold_no_hostile_links(outputs: Outputs) -> None:
    """Attack: SARIF plain-text messages treat ``[text](url)`` as an embedded link (GitHub
    code scanning renders it). A name carrying one must have its brackets escaped; a Markdown
    message, if present, must pass the Markdown checks."""
    run = outputs.runs["audit-sarif"]
    assert_survived(run)
    sarif = run.json()
    messages = [r["message"] for run_ in sarif["runs"] for r in run_.get("results", [])]
    assert any("nm7" in m.get("text", "") for m in messages), "hostile object not in SARIF"
    found = []
    for message in messages:
        found += markup.sarif_embedded_links(message.get("text", ""))
        if "markdown" in message:
            found += markup.live_markup(message["markdown"])
    assert not found, found


def test_junit_is_well_formed_and_not_injected(outputs: Outputs) -> None:
    """Attack: ``<``, ``>``, ``&`` and quotes in names aimed at the JUnit XML, to forge or
    break test cases. The report must parse, list only rule ids as test cases, and carry the
    hostile object's text."""
    run = outputs.runs["audit-junit"]
    assert_survived(run)
    root = ElementTree.fromstring(run.stdout.encode("utf-8"))
    names = [case.get("name", "") for case in root.iter("testcase")]
    forged = [n for n in names if not n.replace("_", "").isalnum()]
    assert names and not forged, f"forged test cases: {forged}"
    texts = " ".join((f.text or "") + f.get("message", "") for f in root.iter("failure"))
    assert "nm7" in texts, "the hostile object is missing from the JUnit report"


def test_json_carries_plain_text(outputs: Outputs) -> None:
    """Attack (double escaping): JSON consumers (the App's inline comments, dashboards) escape
    again, so Markdown or HTML escapes stored in JSON show up as ``\\(`` or ``&lt;``. JSON must
    hold the hostile values exactly as written, with no escapes added."""
    for key in ("audit-json", "review-json"):
        run = outputs.runs[key]
        assert_survived(run)
        report = run.json()
        subjects = {str(f.get("subject")) for f in report.get("findings", [])}
        assert f"Deployment/{NAMESPACE}/{NAME}" in subjects, (
            f"{key}: object name not carried verbatim; subjects: {sorted(subjects)[:5]}")
        found = markup.escaped_strings(report, ALL_MARKERS)
        assert not found, f"{key}: {found[:5]}"


def test_adr_title_stays_in_the_adr_directory(tmp_path: Path) -> None:
    """Attack: a title (``/aria adr TITLE`` comes from a PR comment) built to escape the ADR
    directory or name an absolute path. Every file Aria writes stays in ``--dir``."""
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "d.yaml").write_text(risky_gpu_deployment("adr-app"), encoding="utf-8")
    adr_dir = tmp_path / "work" / "adr"
    adr_dir.mkdir(parents=True)
    before = {p for p in tmp_path.rglob("*")}
    titles = ["../../escape-adr7", str(tmp_path / "abs-adr7"), "..", "sub/../../up-adr7"]
    for title in titles:
        run = run_aria(["adr", "new", title, "--from", str(tree), "--dir", str(adr_dir)],
                       cwd=tmp_path)
        assert not run.timed_out and run.returncode in (0, 2), run.describe()
    created = {p for p in tmp_path.rglob("*")} - before
    outside = [str(p) for p in created if adr_dir not in p.parents and p != adr_dir]
    assert not outside, f"ADR files written outside --dir: {outside}"


def test_control_characters_in_names(tmp_path: Path) -> None:
    """Attack: ESC sequences, BEL and NUL in an object name (valid in YAML double quotes:
    ``\\e``, ``\\a``, ``\\0``) to rewrite the terminal or CI log, and to break the JUnit XML.
    Markdown output must hold no raw control characters, JUnit must parse, JSON must carry the
    name verbatim."""
    name = "cc7-\x1b[2J\x1b[31mAPPROVED\x1b[0m\x07\x00end"
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "d.yaml").write_text(
        _hostile_deployment(name, "serving", "server", "vllm/vllm-openai:latest"),
        encoding="utf-8")
    markdown = run_aria(["audit", str(tree)], cwd=tmp_path)
    junit = run_aria(["audit", str(tree), "-f", "junit"], cwd=tmp_path)
    as_json = run_aria(["audit", str(tree), "-f", "json"], cwd=tmp_path)
    for run in (markdown, junit, as_json):
        assert_survived(run)
    assert "cc7" in markdown.stdout, "the object was not rendered"
    assert not markup.control_characters(markdown.stdout), (
        f"raw control characters in Markdown: {markup.control_characters(markdown.stdout)}")
    ElementTree.fromstring(junit.stdout.encode("utf-8"))
    subjects = {f.get("subject") for f in as_json.json().get("findings", [])}
    assert f"Deployment/serving/{name}" in subjects, "control characters altered in JSON"


def test_checks_find_nothing_in_a_benign_review(tmp_path: Path) -> None:
    """Control: on a review of ordinary files, every Markdown check above finds nothing, so a
    failure above comes from the hostile values, not from Aria's own templates."""
    tree = tmp_path / "tree"
    (tree / "apps").mkdir(parents=True)
    (tree / "apps" / "d.yaml").write_text(risky_gpu_deployment("plain-app"), encoding="utf-8")
    run = run_aria(["audit", str(tree), "--title", "Plain audit"], cwd=tmp_path)
    assert_survived(run)
    assert "plain-app" in run.stdout
    for check in (markup.live_markup, markup.live_references, markup.broken_tables,
                  markup.injected_structure, markup.bare_hostile_urls,
                  markup.invisible_characters, markup.control_characters):
        assert not check(run.stdout), check.__name__


Check = Callable[[str], list[str]]
KNOWN_INJECTIONS: list[tuple[Check, str]] = [
    (markup.live_markup, f"name: x {markup.LINK}"),
    (markup.live_markup, f"name: `x` {markup.IMAGE}"),
    (markup.live_markup, f"text\n\n{markup.COMMENT}\nrest of the comment\n"),
    (markup.live_references, f"ping {markup.MENTION} about {markup.ISSUE_REF}"),
    (markup.broken_tables, "| a | b |\n| --- | --- |\n| `x|y` | z |\n"),
    (markup.injected_structure, f"x\n## {markup.INJECTED_HEADING}\n"),
    (markup.bare_hostile_urls, "\\[x\\](https://evil.example/approve)"),
    (markup.invisible_characters, f"a{markup.BIDI_OVERRIDE}b"),
    (markup.sarif_embedded_links, f"object {markup.LINK}"),
]
NEUTRALISED: list[tuple[Check, str]] = [
    (markup.live_markup, f"name: `x {markup.LINK} {markup.IMAGE} {markup.COMMENT}`"),
    (markup.live_references, f"`{markup.MENTION} {markup.ISSUE_REF}`"),
    (markup.broken_tables, "| a | b |\n| --- | --- |\n| `x\\|y` | z |\n"),
    (markup.sarif_embedded_links, "object \\[Approve\\](https://evil.example/approve)"),
    (markup.invisible_characters, f"`@{markup.ZERO_WIDTH}someone`"),
]


def _ids(cases: list[tuple[Check, str]]) -> list[str]:
    return [f"{check.__name__}-{index}" for index, (check, _) in enumerate(cases)]


@pytest.mark.parametrize("check, sample", KNOWN_INJECTIONS, ids=_ids(KNOWN_INJECTIONS))
def test_checks_catch_known_injections(check: Check, sample: str) -> None:
    """Control: each check flags a hand-written instance of the injection it looks for."""
    assert check(sample)


@pytest.mark.parametrize("check, sample", NEUTRALISED, ids=_ids(NEUTRALISED))
def test_checks_accept_neutralised_text(check: Check, sample: str) -> None:
    """Control: the same payloads kept in code (or escaped as each format requires) pass."""
    assert not check(sample)
