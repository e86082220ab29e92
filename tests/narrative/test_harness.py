"""The harness measures the same thing wherever the repository is cloned."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.narrative.harness import REVIEW_TREES, ROOT, brief_of, reviews


def test_the_adversaries_are_told_the_same_in_any_clone(tmp_path: Path) -> None:
    """Adversaries D and G invent numbers among those the evidence lacks, so a digit of the
    checkout's path in an item's text would change what they plant (a clone under
    `/tmp/tmp.2fyn6s7xUX` made C's '6 engineer-hours' look stated)."""
    briefs = []
    for clone in (tmp_path / "tmp.2fyn6s7xUX", tmp_path / "clone-1138"):
        for tree in REVIEW_TREES:
            shutil.copytree(tree, clone / tree.relative_to(ROOT))
        briefs.append([brief_of(decision) for _, decision in reviews(clone)])
    assert briefs[0] == briefs[1]
    assert str(tmp_path) not in json.dumps(briefs, ensure_ascii=False)
    assert {"id": "C", "text": "Context: This change touches 3 reviewed files between "
            "`examples/gpu-serving/base` and `examples/gpu-serving/head`. Head: 9 objects, 1 "
            "workloads (1 serving, 1 requesting GPUs), 1 node pools; 4 files read."} \
        in briefs[0][0]["evidence"]
