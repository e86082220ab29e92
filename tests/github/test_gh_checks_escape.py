"""Check-run batching within GitHub's limits, and hostile text in what the bot posts."""

from __future__ import annotations

from emulator import GitHubEmulator

from bot.deliver.check_runs import MAX_OUTPUT, clip, publish_check_run
from bot.deliver.client import AppClients
from bot.deliver.commands import parse
from bot.deliver.inline import commentable_lines
from bot.deliver.settings import GitHubSettings
from bot.render.escape import code, fenced, md_text

REPO = "octo/serving"


def test_annotations_go_out_fifty_at_a_time(emulator: GitHubEmulator, rsa_pem: str) -> None:
    settings = GitHubSettings(github_api_url=emulator.base_url, github_seconds_between_writes=0)
    repo = AppClients(settings, "1", rsa_pem).for_installation(1).get_repo(REPO)
    notes = [{"path": f"k8s/{i}.yaml", "start_line": 1, "end_line": 1,
              "annotation_level": "warning", "message": f"finding {i}"} for i in range(120)]
    publish_check_run(repo, head_sha="a" * 40, conclusion="failure", title="t",
                      summary="s" * (MAX_OUTPUT + 10), annotations=notes)
    writes = emulator.recorded("POST", "/check-runs$") + emulator.recorded("PATCH", "/check-runs/")
    assert [len(w.body["output"]["annotations"]) for w in writes] == [50, 50, 20]
    assert all(len(w.body["output"]["summary"]) == MAX_OUTPUT for w in writes)
    (run,) = emulator.check_runs_on(REPO)
    assert [a["message"] for a in run["annotations"]] == [n["message"] for n in notes]


def test_clip_keeps_short_text() -> None:
    assert clip("short") == "short"


HOSTILE = ("@octo-org/admins <img src=x onerror=alert(1)> [click](https://evil.example) "
           "![pixel](https://evil.example/p.png) `code` <!-- hide --> **bold**\n# heading")


def test_hostile_text_cannot_mention_link_or_inject_html() -> None:
    safe = md_text(HOSTILE)
    assert "\n" not in safe
    assert "<img" not in safe and "<!--" not in safe
    assert "](" not in safe.replace("\\](", "") and "![" not in safe  # brackets escaped
    assert safe.startswith("`@octo-org/admins`")  # in code, the mention is not live
    assert "`code`" in safe  # a code span stays one
    span = code(HOSTILE)
    assert span.startswith("``@") and span.endswith("heading``") and "``" not in span[2:-2]


def test_fenced_content_cannot_close_its_fence() -> None:
    content = "before\n````\n# not a heading\n````\nafter"
    block = fenced(content, "markdown\n<script>")
    assert block.splitlines()[0] == "`````markdownscript"
    assert block.endswith("\n`````")


def test_command_parsing() -> None:
    assert parse("/aria review").verb == "review"
    assert parse("/ARIA adr Use KServe for serving\nmore text").arg == "Use KServe for serving"
    assert parse("/aria explain spof001").arg == "SPOF001"
    assert parse("/aria explain <img src=x>").problem
    assert parse("/aria frobnicate").problem
    assert parse("/aria").verb == "help"
    assert parse("/ariafoo") is None and parse("please /aria review") is None


def test_commentable_lines_follow_the_patch() -> None:
    patch = ("@@ -1,3 +1,4 @@\n a\n-b\n+c\n+d\n e\n"
             "@@ -10,2 +11,2 @@\n x\n+y\n\\ No newline at end of file")
    assert commentable_lines(patch) == {1, 2, 3, 4, 11, 12}
    assert commentable_lines(None) == set()
