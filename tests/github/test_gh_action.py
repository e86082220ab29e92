"""`aria action` as a workflow runs it: GITHUB_* environment, event file, GITHUB_TOKEN."""

from __future__ import annotations

import io
import json
from pathlib import Path

from emulator import GitHubEmulator
from emulator.pytest_fixtures import webhook
from emulator.samples import ONE_REPLICA

from bot.deliver.action import ActionEnv, run_action
from bot.deliver.settings import GitHubSettings
from bot.exitcodes import FINDINGS, OK
from bot.render.markdown import REVIEW_MARKER

REPO = "Codertocat/Hello-World"


def _env(tmp_path: Path, emulator: GitHubEmulator, event: str = "pull_request") -> ActionEnv:
    event_file = tmp_path / "event.json"
    event_file.write_text(json.dumps(webhook("pull_request_opened.payload.json")))
    return ActionEnv.read({"GITHUB_TOKEN": "ghs_workflow", "GITHUB_EVENT_NAME": event,
                           "GITHUB_EVENT_PATH": str(event_file), "GITHUB_REPOSITORY": REPO,
                           "GITHUB_API_URL": emulator.base_url,
                           "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md")})


def _settings() -> GitHubSettings:
    return GitHubSettings(github_seconds_between_writes=0)


def test_action_posts_comment_check_run_and_writes_sarif(tmp_path: Path,
                                                         emulator: GitHubEmulator) -> None:
    emulator.add_pull(REPO, 2, {}, {"deploy/triton.yaml": ONE_REPLICA})
    sarif = tmp_path / "out" / "aria.sarif"
    assert run_action(_env(tmp_path, emulator), _settings(), sarif) == FINDINGS
    assert all(r.headers["Authorization"] == "token ghs_workflow" for r in emulator.requests)
    (comment,) = emulator.comments_on(REPO, 2)
    assert comment["body"].startswith(REVIEW_MARKER)
    assert [r["conclusion"] for r in emulator.check_runs_on(REPO)] == ["failure"]
    log = json.loads(sarif.read_text())
    assert log["version"] == "2.1.0"
    assert any(r["ruleId"] == "SPOF001" for r in log["runs"][0]["results"])
    assert "SPOF001" in (tmp_path / "summary.md").read_text()

    # The same job again (a re-run): still one comment.
    run_action(_env(tmp_path, emulator), _settings(), sarif)
    assert len(emulator.comments_on(REPO, 2)) == 1


def test_new_errors_on_changed_lines_get_one_review(tmp_path: Path,
                                                    emulator: GitHubEmulator) -> None:
    emulator.add_pull(REPO, 2, {}, {"deploy/triton.yaml": ONE_REPLICA})
    settings = GitHubSettings(github_seconds_between_writes=0, review_comments=True)
    run_action(_env(tmp_path, emulator), settings, None)
    (review,) = emulator.state.reviews
    assert review["event"] == "COMMENT"
    assert {c["path"] for c in review["comments"]} == {"deploy/triton.yaml"}
    assert all(c["side"] == "RIGHT" and "SPOF001" in c["body"] for c in review["comments"])


def test_fork_token_degrades_to_workflow_annotations(tmp_path: Path,
                                                     emulator: GitHubEmulator) -> None:
    emulator.add_pull(REPO, 2, {}, {"deploy/triton.yaml": ONE_REPLICA},
                      head_repo="contributor/Hello-World")
    emulator.fail("POST", r"/check-runs$", 403, message="Resource not accessible by integration")
    out = io.StringIO()
    assert run_action(_env(tmp_path, emulator), _settings(), None, out) == FINDINGS
    assert emulator.comments_on(REPO, 2) == []
    assert "::error file=deploy/triton.yaml,line=" in out.getvalue()
    assert "title=SPOF001%3A " in out.getvalue()


def test_other_events_do_nothing(tmp_path: Path, emulator: GitHubEmulator) -> None:
    out = io.StringIO()
    assert run_action(_env(tmp_path, emulator, event="push"), _settings(), None, out) == OK
    assert emulator.requests == [] and "pull_request" in out.getvalue()
