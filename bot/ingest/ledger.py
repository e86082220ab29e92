"""What an ingest worked out per listed file and per overlay, kept with its inventory so that
the ingest of another revision of the same tree (a review's head, against its judged base)
redoes only what a changed path can reach (adr/0018, amendment "the head's ingest").

Only what git names is reused: a file is the same when its blob SHA is, so a source whose
files carry no blob (a directory, bytes held in memory: their content can change under us)
reuses nothing and every one of its paths counts as changed.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from bot.ingest.documents import Document

# path -> (its blob SHA, or None; what the loader made of it: its parse-cache key, "" for a
# file no parser reads, None for one it must handle again: a config, a Helm template, a file
# over the size limit or unreadable, a parse the supervisor decided)
Files = dict[str, tuple[str | None, str | None]]


@dataclass(eq=False)
class Layout:
    """A tree's kustomizations by directory, and what they alone decide, worked out when first
    asked (`rendered.Overlays`, `kustomize`): the patch files, the overlays and refusals, each
    overlay's chain, folders and reached files. Kept in the ledger: a review's head whose
    kustomizations are the very same documents as its base's (a change that touched none) takes
    the base's answers, not a pass per overlay (a fifth of a head's ingest at 10,000 files)."""

    kustomizations: dict[str, Document]
    patches: set[str] | None = None
    roots: tuple[list[str], dict[str, str]] | None = None
    chains: dict[str, list[Document]] = field(default_factory=dict)
    folders: dict[str, list[str]] = field(default_factory=dict)
    reached: dict[str, set[str]] = field(default_factory=dict)

    def taken(self) -> Layout:
        """A copy to add answers to (the answers themselves are read, never changed)."""
        return replace(self, chains=dict(self.chains), folders=dict(self.folders),
                       reached=dict(self.reached))


@dataclass
class Ledger:
    max_bytes: int = 0
    charts: frozenset[str] = frozenset()  # Helm chart folders: they decide each file's kind
    files: Files = field(default_factory=dict)  # every listed path, excluded ones too
    # overlay root -> (the folders of its kustomization chain, its render-cache key)
    renders: dict[str, tuple[tuple[str, ...], str]] = field(default_factory=dict)
    # the kustomizations and what they alone decide (`Layout`): worked out as asked
    layout: Layout | None = field(default=None, compare=False)

    def reusable(self, max_bytes: int, charts: frozenset[str]) -> Files:
        """The files whose handling another listing may reuse: none when a file's kind or key
        would be worked out otherwise."""
        return self.files if (max_bytes, charts) == (self.max_bytes, self.charts) else {}

    def changed_since(self, prior: Ledger) -> frozenset[str]:
        """The folders holding a path added, deleted or changed since `prior`, or a path
        without a blob: each of its parent folders up to the root (""), which holds every
        path. A folder holds a changed path exactly when it is among these (`below`), so an
        overlay is checked against them in a lookup per folder, not a scan of every changed
        path (a large change over many overlays)."""
        old = prior.files
        paths = {p for p, (blob, _) in self.files.items()
                 if blob is None or (seen := old.get(p)) is None or seen[0] != blob}
        paths.update(p for p in old if p not in self.files)
        return frozenset(folder for p in paths for folder in _parents(p))

    def render_key(self, root: str, folders: tuple[str, ...],
                   changed: frozenset[str]) -> str | None:
        """`root`'s render key as this ledger has it, where the render reads the same folders
        and none of them holds a changed path (`changed`, from `changed_since`): the same
        inputs, so the same key."""
        seen = self.renders.get(root)
        if seen is None or seen[0] != folders or not changed.isdisjoint(folders):
            return None
        return seen[1]


def _parents(path: str) -> list[str]:
    """"a/b/c.yaml" -> ["", "a", "a/b"]: the folders `below` finds the path in."""
    parts = path.split("/")[:-1]
    return ["", *("/".join(parts[:i]) for i in range(1, len(parts) + 1))]
