"""A render that must fail, known before kubectl starts: a named local file that is not there.

Half of a large tree's overlays can fail on a file the repository leaves out (a generated CRD
folder, a `.env` kept out of git). Each such render is a kubectl process that only reports it,
so the chain of kustomizations is looked at first, in the very tree kubectl would be given.
Only fields that kustomize always loads are looked at, and only a missing path counts: whatever
else could go wrong is left for kubectl to say.
"""

from __future__ import annotations

import os
import posixpath
from pathlib import Path

from bot.ingest.documents import Document
from bot.ingest.kustomize_refs import named_paths

# Fields whose every path kustomize loads, failing when it is not there: resources, bases and
# components are accumulated; `patches`/`patchesJson6902` paths are read when their transformer
# is configured; generator files and env files are read when the generators run. Left out:
# `patchesStrategicMerge` (an entry is first tried as an inline patch), and `crds`,
# `configurations`, `replacements`, `openapi` (rare; kubectl says).
ALWAYS_LOADED = frozenset({"resources", "bases", "components", "patches", "patchesJson6902",
                           "configMapGenerator", "secretGenerator"})


def absent_reference(tree: Path, chain: list[Document]) -> str | None:
    """Why rendering the overlay whose kustomizations are `chain` must fail, or None: the first
    path one of them names under `ALWAYS_LOADED` that does not exist below `tree`."""
    for doc in chain:
        if not isinstance(doc.body, dict):
            continue
        here = posixpath.dirname(doc.path)
        for field, entry in named_paths(doc.body):
            if field not in ALWAYS_LOADED or not entry or any(c < " " for c in entry):
                continue  # a control character: whatever kubectl makes of it, it says
            # kustomize joins and cleans the path before any file is looked up (Go's
            # filepath.Join), so `missing/../x.yaml` names `x.yaml`
            target = posixpath.normpath(posixpath.join(here, entry))
            if not os.path.exists(tree / target):  # follows links, as kustomize does
                return (f"`{target}`, named under `{field}` in `{doc.path}`, does not exist "
                        "(no such file or directory; found before running kubectl)")
    return None
