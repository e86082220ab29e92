"""`aria action` as a workflow runs it: GITHUB_* environment, event file, GITHUB_TOKEN."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
from pathlib import Path

import jsonschema
import pytest
import yaml
from emulator import GitHubEmulator
from emulator.pytest_fixtures import webhook
from emulator.samples import ONE_REPLICA

from bot.cli import main
from bot.deliver.action import ActionEnv, run_action
from bot.deliver.settings import GitHubSettings
from bot.exitcodes import FINDINGS, OK, USAGE
from bot.render.markdown import REVIEW_MARKER
from tests.conftest import FIXTURES, REPO_ROOT

SARIF_SCHEMA = FIXTURES / "sarif" / "sarif-2.1.0-rtm.5.json"


@pytest.fixture(scope="module")
def sarif_schema() -> dict:
    return json.loads(SARIF_SCHEMA.read_text(encoding="utf-8-sig"))

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
    assert run_action(_env(tmp_path, emulator, event="release"), _settings(), None, out) == OK
    assert emulator.requests == [] and "pull_request" in out.getvalue()
    assert "schedule" in out.getvalue()  # and where an audit runs instead


# --- Compliance audits: schedule, push, workflow_dispatch -------------------------------------

PLATFORM = FIXTURES / "repos" / "platform-rbac"
# GitHub writes no webhook for these two; the job's event file holds what the workflow run was
# started with (docs: "Events that trigger workflows"): the cron line, or the inputs and ref.
SCHEDULE_EVENT = {"schedule": "17 3 * * *"}
DISPATCH_EVENT = {"inputs": {}, "ref": "refs/heads/main", "workflow": ".github/workflows/a.yml",
                  "repository": {"full_name": REPO}, "sender": {"login": "Codertocat"}}


def _checkout(tmp_path: Path) -> tuple[Path, str]:
    """A workspace as actions/checkout leaves it: a git clone of the repository at a commit."""
    workspace = tmp_path / "workspace"
    shutil.copytree(PLATFORM, workspace)
    for args in (["init", "-q"], ["add", "-A"],
                 ["-c", "user.email=a@example.com", "-c", "user.name=a", "commit", "-qm", "x"]):
        subprocess.run(["git", "-C", str(workspace), *args], check=True, capture_output=True)
    sha = subprocess.run(["git", "-C", str(workspace), "rev-parse", "HEAD"], check=True,
                         capture_output=True, text=True).stdout.strip()
    return workspace, sha


def _audit_env(tmp_path: Path, emulator: GitHubEmulator, event: str, payload: dict,
               workspace: Path | None, sha: str = "") -> dict[str, str]:
    event_file = tmp_path / f"{event}.json"
    event_file.write_text(json.dumps(payload))
    env = {"GITHUB_TOKEN": "ghs_workflow", "GITHUB_EVENT_NAME": event,
           "GITHUB_EVENT_PATH": str(event_file), "GITHUB_REPOSITORY": REPO,
           "GITHUB_API_URL": emulator.base_url, "GITHUB_SHA": sha,
           "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md")}
    if workspace is not None:
        env["GITHUB_WORKSPACE"] = str(workspace)
    return env


@pytest.mark.parametrize(("event", "payload"), [
    ("push", webhook("push_with-new-branch.payload.json")),
    ("schedule", SCHEDULE_EVENT),
    ("workflow_dispatch", DISPATCH_EVENT),
])
def test_audit_events_write_sarif_for_code_scanning(
        tmp_path: Path, emulator: GitHubEmulator, monkeypatch: pytest.MonkeyPatch,
        sarif_schema: dict, event: str, payload: dict) -> None:
    workspace, sha = _checkout(tmp_path)
    for key, value in _audit_env(tmp_path, emulator, event, payload, workspace, sha).items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("ARIA_FAIL_ON", "error")
    sarif = tmp_path / "aria.sarif"
    assert main(["action", "--sarif", str(sarif)]) == FINDINGS  # as action.yml runs it
    assert emulator.requests == []  # an audit posts nothing: code scanning keeps the alerts
    log = json.loads(sarif.read_text())
    jsonschema.validate(log, sarif_schema)
    results = log["runs"][0]["results"]
    assert {r["ruleId"] for r in results} >= {"RBAC001", "RBAC002"}
    assert all("baselineState" not in r for r in results)  # an audit has no baseline
    assert all((workspace / r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"])
               .is_file() for r in results), "paths are relative to the checkout root"
    rules = {r["id"]: r for r in log["runs"][0]["tool"]["driver"]["rules"]}
    assert "external/cis-kubernetes/5.1.3" in rules["RBAC001"]["properties"]["tags"]
    summary = (tmp_path / "summary.md").read_text().replace("\\", "")  # Markdown escapes
    assert f"Audit of {REPO} at {sha[:12]} on {event}" in summary and "RBAC001" in summary


def test_audit_gate_follows_fail_on(tmp_path: Path, emulator: GitHubEmulator) -> None:
    workspace, sha = _checkout(tmp_path)
    env = ActionEnv.read(_audit_env(tmp_path, emulator, "schedule", SCHEDULE_EVENT, workspace,
                                    sha))
    out = io.StringIO()
    never = GitHubSettings(fail_on="never", github_seconds_between_writes=0)
    assert run_action(env, never, None, out) == OK
    assert re.search(r"aria: audited \d+ files of .*: \d+ error", out.getvalue())


def test_a_push_that_deletes_a_ref_has_nothing_to_audit(tmp_path: Path,
                                                        emulator: GitHubEmulator) -> None:
    payload = webhook("push_payload.json")
    assert payload["deleted"] is True
    env = ActionEnv.read(_audit_env(tmp_path, emulator, "push", payload, None))
    out = io.StringIO()
    assert run_action(env, _settings(), tmp_path / "aria.sarif", out) == OK
    assert "refs/tags/simple-tag was deleted" in out.getvalue()
    assert not (tmp_path / "aria.sarif").exists()


def test_an_audit_without_a_checkout_says_how_to_add_one(tmp_path: Path,
                                                         emulator: GitHubEmulator) -> None:
    empty = tmp_path / "workspace"
    empty.mkdir()
    for workspace in (None, empty):
        env = ActionEnv.read(_audit_env(tmp_path, emulator, "schedule", SCHEDULE_EVENT,
                                        workspace))
        out = io.StringIO()
        assert run_action(env, _settings(), None, out) == USAGE
        assert out.getvalue().startswith("::error title=No checkout::")
        assert "actions/checkout" in out.getvalue()


def test_the_example_workflow_runs_a_nightly_audit_into_code_scanning() -> None:
    workflow = yaml.safe_load((REPO_ROOT / "examples" / "workflows" / "aria-audit.yml")
                              .read_text())
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as true
    assert set(triggers) == {"schedule", "push", "workflow_dispatch"}
    assert triggers["schedule"][0]["cron"]
    assert workflow["permissions"]["security-events"] == "write"
    steps = workflow["jobs"]["audit"]["steps"]
    uses = [s.get("uses", "") for s in steps]
    assert uses[0].startswith("actions/checkout@")
    aria = next(i for i, u in enumerate(uses) if u.endswith("/aria@v1"))
    upload = next(i for i, u in enumerate(uses)
                  if u.startswith("github/codeql-action/upload-sarif"))
    assert 0 < aria < upload
    assert steps[upload]["with"]["sarif_file"] == "${{ steps.aria.outputs.sarif-file }}"
    assert steps[upload]["if"] == "always()"
