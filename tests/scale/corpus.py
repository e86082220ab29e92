"""Repositories for organisation audits: the project's own fixture repositories (tests), or
slices of the shared corpus of real public manifests (benches, which need volume)."""

from __future__ import annotations

from pathlib import Path

from shared_corpus import find_corpus

from bot.ingest.files import is_relevant

FIXTURE_REPOS = Path(__file__).resolve().parents[1] / "fixtures" / "repos"
MAX_BYTES = 200_000


def tree_files(root: Path) -> list[tuple[str, bytes]]:
    """Relevant files under `root` (path inside it, bytes), in a fixed order."""
    out = []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_file() and is_relevant(rel) and path.stat().st_size <= MAX_BYTES:
            out.append((rel, path.read_bytes()))
    return out


def fixture_repos() -> list[dict[str, bytes]]:
    """Each repository under tests/fixtures/repos (in name order), as path -> bytes."""
    return [dict(tree_files(repo)) for repo in sorted(FIXTURE_REPOS.iterdir()) if repo.is_dir()]


def org_repos(org: str, count: int) -> dict[str, dict[str, bytes]]:
    """`count` repositories of `org`; repository i holds fixture repository i mod N."""
    repos = fixture_repos()
    return {f"{org}/repo-{i:03d}": repos[i % len(repos)] for i in range(count)}


def corpus_files() -> list[tuple[str, bytes]]:
    """Relevant files of the shared corpus (benches only)."""
    corpus = find_corpus()
    if corpus is None:
        raise FileNotFoundError("no shared/corpus beside the repository (set ARIA_SHARED_DIR)")
    return tree_files(corpus)


def corpus_org_repos(org: str, count: int, files_per_repo: int = 6
                     ) -> dict[str, dict[str, bytes]]:
    """`count` repositories of `org`, each a different slice of the shared corpus (benches)."""
    files = corpus_files()
    repos = {}
    for i in range(count):
        start = (i * files_per_repo) % len(files)
        picked = [files[(start + k) % len(files)] for k in range(files_per_repo)]
        repos[f"{org}/repo-{i:03d}"] = dict(picked)
    return repos
