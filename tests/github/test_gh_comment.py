"""The sticky comment: found by marker, edited in place, one copy even under a race."""

from __future__ import annotations

import threading

from emulator import GitHubEmulator

from bot.deliver.client import AppClients
from bot.deliver.comment import MAX_CHARS, fit_body, fits, upsert_sticky
from bot.deliver.settings import GitHubSettings

REPO = "octo/serving"
MARK = "<!-- aria:review -->"


def _issue(emulator: GitHubEmulator, rsa_pem: str):  # type: ignore[no-untyped-def]
    settings = GitHubSettings(github_api_url=emulator.base_url, github_seconds_between_writes=0)
    return AppClients(settings, "1", rsa_pem).for_installation(1).get_repo(REPO).get_issue(3)


def test_two_racing_writers_leave_one_comment(emulator: GitHubEmulator, rsa_pem: str) -> None:
    barrier = threading.Barrier(2)
    results = []

    def write(body: str) -> None:
        issue = _issue(emulator, rsa_pem)
        list(issue.get_comments())  # warm up the token, then start together
        barrier.wait()
        results.append(upsert_sticky(issue, body, MARK))

    threads = [threading.Thread(target=write, args=(f"{MARK}\nreview {i}",)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    comments = emulator.comments_on(REPO, 3)
    assert len(comments) == 1
    assert {r.id for r in results} == {comments[0]["id"]}


def test_a_writer_whose_comment_the_other_deleted_reports_the_kept_one(
        emulator: GitHubEmulator, rsa_pem: str) -> None:
    """The interleaving the race above can take: the other writer's comment is older, and it
    deletes ours between our create and our second listing."""
    issue = _issue(emulator, rsa_pem)
    create = issue.create_comment

    def racing_create(body: str):  # type: ignore[no-untyped-def]
        emulator.add_comment(REPO, 3, f"{MARK}\nreview A")
        ours = create(body)
        with emulator.lock:
            del emulator.state.comments[ours.id]  # the other writer keeps the oldest
        return ours

    issue.create_comment = racing_create  # type: ignore[method-assign]
    result = upsert_sticky(issue, f"{MARK}\nreview B", MARK)
    comments = emulator.comments_on(REPO, 3)
    assert [c["id"] for c in comments] == [result.id]
    assert comments[0]["body"] == f"{MARK}\nreview B" and result.action == "updated"


def test_existing_copies_collapse_to_the_oldest(emulator: GitHubEmulator, rsa_pem: str) -> None:
    emulator.add_comment(REPO, 3, f"someone quoting {MARK}", login="octocat", user_type="User")
    oldest = emulator.add_comment(REPO, 3, f"{MARK}\nold")
    emulator.add_comment(REPO, 3, f"{MARK}\nduplicate")
    result = upsert_sticky(_issue(emulator, rsa_pem), f"{MARK}\nnew", MARK)
    assert (result.id, result.action) == (oldest, "updated")
    bodies = sorted(c["body"] for c in emulator.comments_on(REPO, 3))
    assert bodies == [f"{MARK}\nnew", f"someone quoting {MARK}"]


def test_identical_body_is_not_edited_and_a_deleted_one_is_recreated(
        emulator: GitHubEmulator, rsa_pem: str) -> None:
    issue = _issue(emulator, rsa_pem)
    first = upsert_sticky(issue, f"{MARK}\nsame", MARK)
    again = upsert_sticky(issue, f"{MARK}\nsame", MARK, known_id=first.id)
    assert (again.id, again.action) == (first.id, "unchanged")
    assert emulator.recorded("PATCH") == []
    emulator.state.comments.clear()  # a maintainer deleted it
    recreated = upsert_sticky(issue, f"{MARK}\nsame", MARK, known_id=first.id)
    assert recreated.action == "created" and recreated.id != first.id


def test_an_overlong_body_falls_back_to_the_compact_one() -> None:
    full = "x" * (MAX_CHARS + 1)
    body = fit_body(full, lambda: "compact: see the check run", MARK)
    assert body == f"{MARK}\ncompact: see the check run"
    multibyte = "😀" * 60_000  # under the character cap, over the byte cap
    assert not fits(multibyte)
    assert fit_body(f"{MARK}\nshort", lambda: "unused", MARK) == f"{MARK}\nshort"
