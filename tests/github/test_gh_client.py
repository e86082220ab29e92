"""The production PyGithub client against the emulator: retries, waits, token cache."""

from __future__ import annotations

import time

import pytest
from emulator import GitHubEmulator
from github.GithubException import GithubException, RateLimitExceededExceedsMaxWait

from bot.deliver.client import AppClients
from bot.deliver.settings import GitHubSettings

REPO = "octo/serving"


def _clients(emulator: GitHubEmulator, rsa_pem: str, **kw: object) -> AppClients:
    settings = GitHubSettings(github_api_url=emulator.base_url,
                              github_seconds_between_writes=0, **kw)
    return AppClients(settings, "5725", rsa_pem)


def test_403_with_retry_after_is_retried_after_the_wait(emulator: GitHubEmulator,
                                                        rsa_pem: str) -> None:
    emulator.add_pull(REPO, 1, {}, {"a.yaml": b"a: 1\n"})
    emulator.fail("GET", r"/pulls/1$", 403, headers={"Retry-After": "1"},
                  message="You have exceeded a secondary rate limit.")
    gh = _clients(emulator, rsa_pem).for_installation(1)
    assert gh.get_repo(REPO).get_pull(1).title
    first, second = emulator.recorded("GET", r"/pulls/1$")
    assert second.at - first.at >= 1.0


def test_5xx_is_retried_for_reads_but_never_for_a_create(emulator: GitHubEmulator,
                                                         rsa_pem: str) -> None:
    emulator.add_pull(REPO, 1, {}, {"a.yaml": b"a: 1\n"})
    emulator.fail("GET", r"/pulls/1$", 502, times=2)
    emulator.fail("POST", r"/issues/1/comments$", 502)
    gh = _clients(emulator, rsa_pem).for_installation(1)
    repo = gh.get_repo(REPO)
    assert repo.get_pull(1).state == "open"
    assert len(emulator.recorded("GET", r"/pulls/1$")) == 3
    with pytest.raises(GithubException) as info:
        repo.get_issue(1).create_comment("hello")
    assert info.value.status == 502
    assert len(emulator.recorded("POST", r"/issues/1/comments$")) == 1


def test_a_wait_past_the_cap_reschedules_instead_of_sleeping(emulator: GitHubEmulator,
                                                             rsa_pem: str) -> None:
    emulator.add_pull(REPO, 1, {}, {})
    reset = str(int(time.time()) + 3600)
    emulator.fail("GET", r"/pulls/1$", 403, message="API rate limit exceeded for installation.",
                  headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": reset})
    gh = _clients(emulator, rsa_pem, github_max_wait=5).for_installation(1)
    started = time.monotonic()
    with pytest.raises(RateLimitExceededExceedsMaxWait) as info:
        gh.get_repo(REPO).get_pull(1).title  # noqa: B018 - the lazy object fetches here
    assert info.value.wait > 3000 and time.monotonic() - started < 5


def test_installation_tokens_are_cached_until_shortly_before_expiry(emulator: GitHubEmulator,
                                                                    rsa_pem: str) -> None:
    emulator.add_pull(REPO, 1, {}, {})
    clients = _clients(emulator, rsa_pem)
    for _ in range(3):
        clients.for_installation(1).get_repo(REPO).get_pull(1).title  # noqa: B018
    assert emulator.state.tokens_issued == 1
    grant = emulator.recorded("POST", r"/app/installations/1/access_tokens$")[0]
    assert grant.headers["Authorization"].startswith("Bearer ey")  # the App JWT
    use = emulator.recorded("GET", r"/pulls/1$")[-1]
    assert use.headers["Authorization"] == "token ghs_emulated0001"

    emulator.token_ttl = 60  # inside the refresh margin: every use needs a new token
    clients.for_installation(2).get_repo(REPO).get_pull(1).title  # noqa: B018
    clients.for_installation(2).get_repo(REPO).get_pull(1).title  # noqa: B018
    assert emulator.state.tokens_issued == 3
