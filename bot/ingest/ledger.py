"""What an ingest worked out per listed file and per overlay, kept with its inventory so that
the ingest of another revision of the same tree (a review's head, against its judged base)
redoes only what a changed path can reach (adr/0018, amendment "the head's ingest").

Only what git names is reused: a file is the same when its blob SHA is, so a source whose
files carry no blob (a directory, bytes held in memory: their content can change under us)
reuses nothing and every one of its paths counts as changed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.ingest.source import below

# path -> (its blob SHA, or None; what the loader made of it: its parse-cache key, "" for a
# file no parser reads, None for one it must handle again: a config, a Helm template, a file
# over the size limit or unreadable, a parse the supervisor decided)
Files = dict[str, tuple[str | None, str | None]]


@dataclass
class Ledger:
    max_bytes: int = 0
    charts: frozenset[str] = frozenset()  # Helm chart folders: they decide each file's kind
    files: Files = field(default_factory=dict)  # every listed path, excluded ones too
    # overlay root -> (the folders of its kustomization chain, its render-cache key)
    renders: dict[str, tuple[tuple[str, ...], str]] = field(default_factory=dict)

    def reusable(self, max_bytes: int, charts: frozenset[str]) -> Files:
        """The files whose handling another listing may reuse: none when a file's kind or key
        would be worked out otherwise."""
        return self.files if (max_bytes, charts) == (self.max_bytes, self.charts) else {}

    def changed_since(self, prior: Ledger) -> set[str]:
        """Paths added, deleted or changed since `prior`, and every path without a blob."""
        old = prior.files
        out = {p for p, (blob, _) in self.files.items()
               if blob is None or (seen := old.get(p)) is None or seen[0] != blob}
        out.update(p for p in old if p not in self.files)
        return out

    def render_key(self, root: str, folders: tuple[str, ...], changed: set[str]) -> str | None:
        """`root`'s render key as this ledger has it, where the render reads the same folders
        and no changed path lies below them: the same inputs, so the same key."""
        seen = self.renders.get(root)
        if seen is None or seen[0] != folders or any(below(p, folders) for p in changed):
            return None
        return seen[1]
