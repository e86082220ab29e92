"""The proportional review decides what the reference decides, on changes whose effect is
indirect: an edit to a Role, a binding, a Service or PDB selector, an autoscaler, a namespace,
a node pool or a Kustomize overlay that moves findings about some other object.

Written blind to how the review picks what a change reached (tests/engine/reach_blind_repo.py
says what was and was not read). Each change is reviewed scoped in one process with a fresh
cache, and as the second push of a pull request (an earlier push judged the base into a disk
cache; the change is reviewed by a new process over that folder); both must equal
`review(..., scoped=False)` with nothing cached, findings, fact changes and rendered Markdown.
Half the changes are also reviewed the other way round (their head as the judged base); there
the disk cache also holds the forward review, where that tree was judged only as a head.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path

import pytest

from bot.decision.model import Decision
from bot.engine import review
from bot.ingest.cache import ContentCache, use_cache
from bot.ingest.source import GitRevisionSource
from bot.render.markdown import render_markdown
from tests.engine.reach_blind_repo import CHANGES, PUSH_1, build_repo
from tests.engine.test_review_equivalence import outcome

CASES = [(change.name, False) for change in CHANGES] + \
        [(change.name, True) for change in CHANGES if change.reverse]


def case_id(case: tuple[str, bool]) -> str:
    return f"{case[0]}{'-reversed' if case[1] else ''}"


def sides(name: str, reversed_: bool) -> tuple[str, str]:
    return (name, "main") if reversed_ else ("main", name)


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    path = tmp_path_factory.mktemp("reach-blind") / "platform"
    build_repo(path)
    yield path
    use_cache(None)


def decided(repo: Path, base: str, head: str, scoped: bool, cache_: ContentCache) -> Decision:
    use_cache(cache_)
    try:
        return review(GitRevisionSource(repo, base), GitRevisionSource(repo, head), scoped=scoped)
    finally:
        use_cache(None)


@pytest.fixture(scope="module")
def reference(repo: Path) -> Callable[[str, str], tuple[object, str]]:
    """Every rule over the whole head, nothing cached: (outcome, markdown), once per pair."""
    @cache
    def of(base: str, head: str) -> tuple[object, str]:
        decision = decided(repo, base, head, False, ContentCache(None, 0))
        return outcome(decision), render_markdown(decision)
    return of


@pytest.fixture(scope="module")
def warmed_main(repo: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A disk cache as the first push (push-1 against main) leaves it."""
    folder = tmp_path_factory.mktemp("warm-main") / "cache"
    decided(repo, "main", PUSH_1.name, True, ContentCache(folder, 256 << 20))
    return folder


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_scoped_review_decides_as_the_reference(case, repo, reference, warmed_main, tmp_path):
    base, head = sides(*case)
    expected = reference(base, head)

    one_process = decided(repo, base, head, True, ContentCache(None, 256 << 20))
    assert (outcome(one_process), render_markdown(one_process)) == expected

    folder = tmp_path / "cache"
    if base == "main":
        shutil.copytree(warmed_main, folder)
    else:  # the change reviewed forward (its head judged only as a head), then the first push
        # of a pull request whose base is the change's head
        decided(repo, head, base, True, ContentCache(folder, 256 << 20))
        decided(repo, base, PUSH_1.name, True, ContentCache(folder, 256 << 20))
    second_push = decided(repo, base, head, True, ContentCache(folder, 256 << 20))
    assert (outcome(second_push), render_markdown(second_push)) == expected


def test_the_changes_move_what_the_reference_decides(reference):
    """Most changes move what the reference decides (a finding's status or text, a fact
    change): the comparisons above can fail. The rest are controls: objects no rule reads."""
    unmoved = [case_id(case) for case in CASES
               if reference(*sides(*case))[0] == reference(sides(*case)[0], sides(*case)[0])[0]]
    assert len(CASES) >= 80
    assert len(unmoved) <= len(CASES) // 5, unmoved
