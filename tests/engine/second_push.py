"""The second push of a pull request, as the reviews that reuse the judged base see it: the
first review (head `head` against `main`) judges the base into a disk cache; the next one runs
as a new process would, with the disk cache only, while one function of the engine is recorded.
Its decision must equal a whole-tree review with nothing cached."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot.decision.model import Decision
from bot.engine import review
from bot.ingest.cache import ContentCache, use_cache
from bot.ingest.source import GitRevisionSource
from tests.engine.test_review_equivalence import checkout, outcome, whole_tree


def second_push(repo: Path, head: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                module: object, name: str, asked: Callable[..., str],
                ) -> tuple[Decision, list[str]]:
    """The second push's decision, and `asked(*args)` of each call of `module.name` in it."""
    cache = tmp_path / "cache"
    use_cache(ContentCache(cache, 64 << 20))
    try:
        review(GitRevisionSource(repo, "main"), GitRevisionSource(repo, head))  # judges base
        use_cache(ContentCache(cache, 64 << 20))  # the next push's process: base from disk
        seen: list[str] = []
        real = getattr(module, name)

        def recorded(*args: Any) -> Any:
            seen.append(asked(*args))
            return real(*args)

        monkeypatch.setattr(module, name, recorded)
        return review(GitRevisionSource(repo, "main"), GitRevisionSource(repo, head)), seen
    finally:
        use_cache(None)


def assert_as_whole_tree(decision: Decision, repo: Path, head: str, tmp_path: Path) -> None:
    expected = whole_tree(checkout(repo, "main", tmp_path / "base"),
                          checkout(repo, head, tmp_path / "head"))
    assert outcome(decision) == outcome(expected)
