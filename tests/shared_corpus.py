"""Where the shared corpus of real public manifests is, if this machine has it.

Only tests marked `corpus` (and the benches) read it; everything else uses `tests/fixtures/`.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


def find_corpus() -> Path | None:
    """`$ARIA_SHARED_DIR/corpus`, else the nearest `shared/corpus` beside the repository or one of
    its parents (a git worktree sits a level below the checkout that has it)."""
    if os.environ.get("ARIA_SHARED_DIR"):
        corpus = Path(os.environ["ARIA_SHARED_DIR"]) / "corpus"
        return corpus if corpus.is_dir() else None
    return next((p / "shared" / "corpus" for p in REPO_ROOT.parents
                 if (p / "shared" / "corpus").is_dir()), None)
