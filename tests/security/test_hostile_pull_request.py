"""One pull request holding every hostile file at once, sent to a real `aria serve` process.

The process runs as the App runs (`python -m bot.cli serve`, settings from `ARIA_*`), against
the GitHub emulator on 127.0.0.1. The pull request holds a YAML flow list nested 30,000 deep
(the C composer's stack overflow), an alias bomb, a binary file, a file over the App's size
limit, a malformed Triton config, a symbolic link out of the repository (git stores links; it
stores no FIFO, so none can reach the App), an object whose name carries Markdown and HTML,
and a kustomization with a remote base. The server must stay up, review that pull request
naming each hostile file, post nothing live, and then review the next pull request.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from emulator import GitHubEmulator
from emulator.pytest_fixtures import SECRET, LiveServer, answers_ok, free_port, webhook
from emulator.samples import ONE_REPLICA
from emulator.server import Symlink

from bot.render.markdown import REVIEW_MARKER
from tests.security.blackbox import _markup as markup
from tests.security.blackbox._harness import risky_gpu_deployment

ROOT = Path(__file__).resolve().parents[2]
REPO = "Codertocat/Hello-World"
MAX_FILE_BYTES = 200_000
HOSTILE_NAME = markup.sink("e2e7")
HOSTILE_TITLE = markup.sink("tt8") + markup.newline_sink("tn8")

DEEP = ("a: " + "[" * 30_000 + "]" * 30_000 + "\n").encode()
ALIAS_BOMB = ("a: &a [" + ",".join(["x"] * 10) + "]\n"
              + "".join(f"{c}: &{c} [" + ",".join([f"*{p}"] * 10) + "]\n"
                        for p, c in zip("abcdefgh", "bcdefghi", strict=True))).encode()
BINARY = b"\x00\x01\xff\xfe" + bytes(range(256)) * 8
HUGE = b"# padding\n" * (MAX_FILE_BYTES // 10 + 10)
BAD_PBTXT = b'name: "broken"\nmax_batch_size: 8\ninstance_group [ { count: 1, kind: \n'
HOSTILE_OBJECT = risky_gpu_deployment(json.dumps(HOSTILE_NAME)).encode()
REMOTE_KUSTOMIZATION = b"resources:\n  - deployment.yaml\n  - https://github.com/e2e7/remote//base?ref=v1\n"

HOSTILE_FILES: dict[str, bytes] = {
    "deploy/deep.yaml": DEEP,
    "deploy/alias-bomb.yaml": ALIAS_BOMB,
    "deploy/binary.yaml": BINARY,
    "deploy/huge.yaml": HUGE,
    "models/broken/config.pbtxt": BAD_PBTXT,
    "deploy/link.yaml": Symlink(b"/etc/passwd"),
    "deploy/hostile-name.yaml": HOSTILE_OBJECT,
    "overlays/remote/kustomization.yaml": REMOTE_KUSTOMIZATION,
    "overlays/remote/deployment.yaml": ONE_REPLICA,
}
# How the review names each: its path, or for the remote kustomization, its overlay's folder.
NAMED_AS = {**{path: path for path in HOSTILE_FILES},
            "overlays/remote/kustomization.yaml": "`overlays/remote`"}
MARKDOWN_CHECKS = (markup.live_markup, markup.live_references, markup.broken_tables,
                   markup.injected_structure, markup.bare_hostile_urls,
                   markup.invisible_characters, markup.control_characters)


@pytest.fixture
def aria_serve(tmp_path: Path, emulator: GitHubEmulator, rsa_pem: str) -> Iterator[LiveServer]:
    """`aria serve` in its own process, configured through the environment like a deployment."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARIA_")}
    env.update(ARIA_APP_ID="1", ARIA_WEBHOOK_SECRET=SECRET, ARIA_PRIVATE_KEY=rsa_pem,
               ARIA_STATE_DIR=str(tmp_path), ARIA_GITHUB_API_URL=emulator.base_url,
               ARIA_GITHUB_SECONDS_BETWEEN_WRITES="0", ARIA_GITHUB_SECONDARY_RATE_WAIT="1",
               ARIA_MAX_FILE_BYTES=str(MAX_FILE_BYTES), ARIA_WORKERS="1",
               PYTHONPATH=str(ROOT))
    log = (tmp_path / "serve.log").open("wb")
    process = subprocess.Popen([sys.executable, "-m", "bot.cli", "serve", "--port", str(port)],
                               env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while not answers_ok(f"{url}/readyz"):
            assert process.poll() is None, f"aria serve exited: {_tail(tmp_path)}"
            assert time.monotonic() < deadline, f"aria serve not ready: {_tail(tmp_path)}"
            time.sleep(0.2)
        server = LiveServer(url, service=None)  # type: ignore[arg-type]  # another process
        server.process = process  # type: ignore[attr-defined]
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _tail(tmp_path: Path) -> str:
    return (tmp_path / "serve.log").read_bytes().decode(errors="replace")[-3000:]


def _opened(number: int, head_sha: str) -> dict[str, Any]:
    payload = copy.deepcopy(webhook("pull_request_opened.payload.json"))
    payload["number"] = number
    payload["pull_request"]["number"] = number
    payload["pull_request"]["head"]["sha"] = head_sha
    return payload


def _posted(emulator: GitHubEmulator, number: int, timeout: float = 150.0) -> str:
    """The review comment on pull request `number`, once the check run is there too."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        comments = emulator.comments_on(REPO, number)
        head = emulator.state.pulls[(REPO, number)].head_sha
        runs = [r for r in emulator.check_runs_on(REPO) if r.get("head_sha") == head]
        if comments and runs:
            return str(comments[-1]["body"])
        time.sleep(0.2)
    raise AssertionError(f"no review on #{number} within {timeout:.0f} s")


@pytest.mark.timeout(420)
def test_a_pull_request_of_hostile_files_is_reviewed_and_the_server_stays_up(
        aria_serve: LiveServer, emulator: GitHubEmulator, tmp_path: Path) -> None:
    process: subprocess.Popen[bytes] = aria_serve.process  # type: ignore[attr-defined]
    hostile = emulator.add_pull(REPO, 2, {"README.md": b"hello\n"},
                                {"README.md": b"hello\n", **HOSTILE_FILES}, title=HOSTILE_TITLE)
    assert aria_serve.post("pull_request", _opened(2, hostile.head_sha)).status_code == 202
    body = _posted(emulator, 2)

    assert process.poll() is None, f"aria serve died: {_tail(tmp_path)}"
    assert body.startswith(REVIEW_MARKER)
    (run,) = [r for r in emulator.check_runs_on(REPO) if r.get("head_sha") == hostile.head_sha]
    unnamed = [path for path, named in NAMED_AS.items() if named not in body]
    assert not unnamed, f"the review does not name {unnamed}:\n{body[:3000]}"
    assert "e2e7" in body and "tt8" in body, "the hostile object or title is not in the review"
    for text in (body, run["output"]["text"], run["output"]["summary"]):
        for check in MARKDOWN_CHECKS:
            assert not check(text), f"{check.__name__}: {check(text)[:3]}"
    plain = [run["output"]["title"], *(a["message"] for a in run.get("annotations", []))]
    assert "tt8" in plain[0] and "\n" not in plain[0]
    assert not any(markup.invisible_characters(t) or markup.control_characters(t) for t in plain)

    benign = emulator.add_pull(REPO, 3, {"README.md": b"hello\n"},
                               {"README.md": b"hello\n", "deploy/triton.yaml": ONE_REPLICA})
    assert aria_serve.post("pull_request", _opened(3, benign.head_sha)).status_code == 202
    assert "SPOF001" in _posted(emulator, 3)
    assert process.poll() is None and answers_ok(f"{aria_serve.url}/healthz")
