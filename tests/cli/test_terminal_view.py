"""The terminal view of a review or audit: what it says (rich's recording console), where it
goes by default (a real pseudo-terminal against a pipe), and how `--color`/`NO_COLOR` and
hostile repository text shape the bytes."""

from __future__ import annotations

import io
import os
import pty
import re
import select
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

from bot.cli import main
from bot.cli.console import console_for
from bot.engine import audit, review
from bot.ingest.source import DirectorySource, MemorySource
from bot.render.markdown import REVIEW_MARKER
from bot.render.terminal import render_terminal
from tests.conftest import FIXTURES, REPO_ROOT

EXAMPLE = REPO_ROOT / "examples" / "gpu-serving"
COLOUR = re.compile(r"\x1b\[[0-9;]*(3[0-7]|38;[0-9;]+|9[0-7])m")  # a foreground colour
OSC8 = re.compile(r"\x1b\]8;[^;]*;([^\x1b\x07]+)(?:\x1b\\|\x07)")  # a hyperlink's target


@pytest.fixture(scope="module")
def example_review():
    return review(DirectorySource(EXAMPLE / "base"), DirectorySource(EXAMPLE / "head"))


def recorded(decision, link_root: Path | None = None) -> Console:
    console = Console(record=True, width=120, force_terminal=True, color_system="truecolor",
                      file=io.StringIO(), markup=False, highlight=False)
    render_terminal(decision, console, link_root)
    return console


def test_review_reads_as_findings_with_severity_location_and_next_steps(example_review) -> None:
    text = " ".join(recorded(example_review, EXAMPLE / "head").export_text().split())
    assert text.startswith("Aria review — Review of ")
    new = [f for f in example_review.findings if f.status.value == "new"]
    assert f"{len(new)} new" in text
    for f in new:  # each new finding: severity, rule and its clickable place, one block each
        assert re.search(rf"{f.severity.value}\s+{f.rule_id}\s+{re.escape(str(f.location))}",
                         text), f.rule_id
    assert "Errors (" in text and "Warnings (" in text
    assert "Decisions" in text and "Next steps" in text
    # Markdown is turned into styles, not shown: no `**`, no backslash escapes, no back-ticks.
    assert "**" not in text and "\\_" not in text and "`" not in text
    assert REVIEW_MARKER not in text


def test_paths_link_to_the_files_on_disk_when_they_exist(example_review) -> None:
    out = recorded(example_review, EXAMPLE / "head").file.getvalue()
    targets = set(OSC8.findall(out))
    spof = next(f for f in example_review.findings if f.rule_id == "SPOF001")
    assert (EXAMPLE / "head" / spof.location.path).resolve().as_uri() in targets
    assert all(t.startswith("file:///") for t in targets)
    # Without a directory to point into (or for a file that is not there), plain `path:line`.
    assert OSC8.findall(recorded(example_review, None).file.getvalue()) == []
    assert OSC8.findall(recorded(example_review, EXAMPLE / "nowhere").file.getvalue()) == []


# A team's vLLM Deployment renamed with a window-title sequence, a screen clear and a
# right-to-left override.
HOSTILE = (FIXTURES / "repos" / "llm-serving" / "k8s" / "vllm.yaml").read_bytes().replace(
    b"  name: vllm-llama\n", b'  name: "evil\\e]0;owned\\a\\e[2J\\u202e"\n', 1)


def test_repository_text_cannot_send_escape_sequences_to_the_terminal() -> None:
    decision = audit(MemorySource({"deploy.yaml": HOSTILE}))
    assert any("\x1b" in f.message for f in decision.findings), "the name reached a message"
    out = recorded(decision).file.getvalue()
    assert "owned" in out  # shown, but inert:
    assert "\x1b]0;" not in out and "\x1b[2J" not in out and "\u202e" not in out
    assert "\\u001b]0;owned" in out


def test_color_never_and_no_color(example_review, monkeypatch: pytest.MonkeyPatch) -> None:
    def bytes_for(color: str) -> str:
        stream = io.StringIO()
        stream.isatty = lambda: True  # type: ignore[method-assign]
        render_terminal(example_review, console_for(stream, color), EXAMPLE / "head")
        return stream.getvalue()

    monkeypatch.delenv("NO_COLOR", raising=False)
    assert COLOUR.search(bytes_for("auto")) and OSC8.search(bytes_for("auto"))
    plain = bytes_for("never")
    assert "\x1b" not in plain and "SPOF001" in plain
    monkeypatch.setenv("NO_COLOR", "1")
    no_colour = bytes_for("auto")
    assert not COLOUR.search(no_colour) and "SPOF001" in no_colour
    assert COLOUR.search(bytes_for("always")), "--color always wins over NO_COLOR"


def test_format_terminal_in_a_pipe_is_plain_unless_colour_is_asked_for(
        capsys: pytest.CaptureFixture[str]) -> None:
    args = ["review", str(EXAMPLE / "base"), str(EXAMPLE / "head"), "--fail-on", "never"]
    assert main([*args, "-f", "terminal"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Aria review — ") and "\x1b" not in out
    assert main([*args, "-f", "terminal", "--color", "always"]) == 0
    assert COLOUR.search(capsys.readouterr().out)
    assert main(args) == 0  # a pipe gets the Markdown comment body, as before
    assert capsys.readouterr().out.startswith(REVIEW_MARKER)


def run_in_pty(args: list[str], env: dict[str, str]) -> str:
    """`aria ARGS` with stdout on a real pseudo-terminal; what the terminal received."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "bot.cli", *args], stdout=follower,
                            stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=env,
                            cwd=REPO_ROOT)
    os.close(follower)
    chunks = []
    while True:
        ready, _, _ = select.select([leader], [], [], 60)
        if not ready:
            proc.kill()
            raise AssertionError("no output from aria within 60 s")
        try:
            data = os.read(leader, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(leader)
    assert proc.wait(timeout=60) == 0, proc.stderr.read() if proc.stderr else ""
    return b"".join(chunks).decode()


@pytest.mark.parametrize("no_color", [False, True])
def test_a_terminal_gets_the_terminal_view_by_default(no_color: bool) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    env.update(TERM="xterm-256color", COLUMNS="120", **({"NO_COLOR": "1"} if no_color else {}))
    shown = run_in_pty(["review", "examples/gpu-serving/base", "examples/gpu-serving/head",
                        "--fail-on", "never"], env)
    text = re.sub(r"\x1b\[[0-9;]*m|\x1b\]8;[^\x1b\x07]*(\x1b\\|\x07)", "", shown)
    assert text.startswith("Aria review — ") and REVIEW_MARKER not in text
    assert re.search(r"error\s+SPOF001\s+k8s/serving/llm\.yaml:\d+", text)
    assert bool(COLOUR.search(shown)) is not no_color
    assert OSC8.search(shown), "paths are links on a terminal"
