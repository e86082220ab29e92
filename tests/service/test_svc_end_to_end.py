"""A signed webhook through `aria serve` to the GitHub emulator and back."""

from __future__ import annotations

import time

from emulator import GitHubEmulator
from emulator.pytest_fixtures import LiveServer, wait_for, webhook
from emulator.samples import ONE_REPLICA

from bot.render.markdown import REVIEW_MARKER

REPO = "Codertocat/Hello-World"


def _job_done(live: LiveServer, count: int) -> bool:
    counts = live.service.queue.counts()
    return counts.get("done", 0) + counts.get("failed", 0) >= count


def _setup_pr(emulator: GitHubEmulator) -> None:
    emulator.add_pull(REPO, 2, {"README.md": b"hello\n"},
                      {"README.md": b"hello\n", "deploy/triton.yaml": ONE_REPLICA})


def test_signed_pull_request_gets_one_comment_and_one_check_run(
        live: LiveServer, emulator: GitHubEmulator) -> None:
    _setup_pr(emulator)
    started = time.monotonic()
    answer = live.post("pull_request", webhook("pull_request_opened.payload.json"))
    assert answer.status_code == 202
    assert time.monotonic() - started < 10.0  # GitHub drops deliveries unanswered in 10 s
    wait_for(lambda: _job_done(live, 1))

    comments = emulator.comments_on(REPO, 2)
    assert len(comments) == 1
    assert comments[0]["body"].startswith(REVIEW_MARKER)
    assert "SPOF001" in comments[0]["body"]
    runs = emulator.check_runs_on(REPO)
    assert len(runs) == 1
    assert runs[0]["name"] == "aria"
    assert runs[0]["conclusion"] == "failure"  # a new error-level finding, --fail-on error
    assert any(a["path"] == "deploy/triton.yaml" and a["annotation_level"] == "failure"
               for a in runs[0]["annotations"])
    # Only the base branch's configuration is read, never the PR's.
    config_reads = [r for r in emulator.recorded("GET", r"/contents/\.aria\.ya?ml$")]
    assert config_reads and all(r.query["ref"] == [emulator.state.pulls[(REPO, 2)].base_sha]
                                for r in config_reads)


def test_second_push_edits_the_same_comment(live: LiveServer, emulator: GitHubEmulator) -> None:
    _setup_pr(emulator)
    live.post("pull_request", webhook("pull_request_opened.payload.json"))
    wait_for(lambda: _job_done(live, 1))
    first = dict(emulator.comments_on(REPO, 2)[0])

    fixed = ONE_REPLICA.replace(b"replicas: 1", b"replicas: 3")
    emulator.push(REPO, 2, {"README.md": b"hello\n", "deploy/triton.yaml": fixed})
    assert live.post("pull_request",
                     webhook("pull_request_synchronize.payload.json")).status_code == 202
    wait_for(lambda: _job_done(live, 2))

    comments = emulator.comments_on(REPO, 2)
    assert [c["id"] for c in comments] == [first["id"]]
    assert comments[0]["edits"] == 1
    assert comments[0]["body"] != first["body"]
    assert len(emulator.recorded("POST", r"/issues/2/comments$")) == 1
    assert [r["conclusion"] for r in emulator.check_runs_on(REPO)] == ["failure", "success"]


def test_duplicate_delivery_changes_nothing(live: LiveServer, emulator: GitHubEmulator) -> None:
    _setup_pr(emulator)
    payload = webhook("pull_request_opened.payload.json")
    assert live.post("pull_request", payload, delivery="d-1").status_code == 202
    wait_for(lambda: _job_done(live, 1))
    before = len(emulator.requests)

    again = live.post("pull_request", payload, delivery="d-1")
    assert again.status_code == 200 and again.json()["status"] == "duplicate"
    time.sleep(0.3)
    assert len(emulator.requests) == before
    assert live.service.queue.counts() == {"done": 1}


def test_forged_or_missing_signature_is_refused_without_a_job(
        live: LiveServer, emulator: GitHubEmulator) -> None:
    payload = webhook("pull_request_opened.payload.json")
    assert live.post("pull_request", payload, secret="not the secret").status_code == 401
    assert live.post("pull_request", payload, signature="").status_code == 401
    assert live.post("pull_request", payload, signature="sha256=00").status_code == 401
    assert live.service.queue.counts() == {}
    assert emulator.requests == []


def test_same_head_reviewed_twice_posts_once(live: LiveServer, emulator: GitHubEmulator) -> None:
    _setup_pr(emulator)
    live.post("pull_request", webhook("pull_request_opened.payload.json"))
    wait_for(lambda: _job_done(live, 1))
    writes = [r for r in emulator.requests if r.method != "GET"]

    # A new delivery id (a reopen) for the same head SHA: no new write.
    live.post("pull_request", webhook("pull_request_synchronize.payload.json"))
    wait_for(lambda: _job_done(live, 2))
    assert [r for r in emulator.requests if r.method != "GET"] == writes


def test_unchanged_siblings_give_the_review_its_context(
        live: LiveServer, emulator: GitHubEmulator) -> None:
    """A Deployment added beside an existing PDB is not reported as lacking one."""
    deploy = ONE_REPLICA.replace(b"replicas: 1", b"replicas: 3")
    pdb = (b"apiVersion: policy/v1\nkind: PodDisruptionBudget\n"
           b"metadata: {name: triton, namespace: serving}\n"
           b"spec:\n  maxUnavailable: 1\n  selector: {matchLabels: {app: triton}}\n")
    emulator.add_pull(REPO, 2, {"deploy/pdb.yaml": pdb},
                      {"deploy/pdb.yaml": pdb, "deploy/triton.yaml": deploy})
    live.post("pull_request", webhook("pull_request_opened.payload.json"))
    wait_for(lambda: _job_done(live, 1))
    body = emulator.comments_on(REPO, 2)[0]["body"]
    assert "SPOF004" in body  # still reviewed: three replicas with no spread
    assert "SPOF002" not in body
    assert emulator.recorded("GET", r"/contents/deploy/pdb\.yaml$")
