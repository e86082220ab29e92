"""Repositories and pull requests made from the shared corpus of real manifests (tests, benches)."""

from __future__ import annotations

from pathlib import Path

from bot.ingest.files import is_relevant

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus"
MAX_BYTES = 200_000


def corpus_files(root: Path = CORPUS) -> list[tuple[str, bytes]]:
    """Relevant corpus files (path inside the corpus, bytes), in a fixed order."""
    out = []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_file() and is_relevant(rel) and path.stat().st_size <= MAX_BYTES:
            out.append((rel, path.read_bytes()))
    return out


def org_repos(org: str, count: int, files_per_repo: int = 6) -> dict[str, dict[str, bytes]]:
    """`count` repositories of `org`, each a different slice of the corpus."""
    files = corpus_files()
    if not files:
        raise FileNotFoundError(f"no corpus at {CORPUS}")
    repos = {}
    for i in range(count):
        start = (i * files_per_repo) % len(files)
        picked = [files[(start + k) % len(files)] for k in range(files_per_repo)]
        repos[f"{org}/repo-{i:03d}"] = dict(picked)
    return repos
