"""Kustomize output as the objects under review, each line traced back to where it was written.

What a cluster receives from a kustomization is its rendered output, not its files: a base's
Deployment with the overlay's `images:` tag, patches merged in, a namespace set. So:

- a rendered object replaces the raw documents of the files its overlay reached (they are kept
  in `Inventory.sources`, not judged again as written): one finding per object, never one on the
  raw base and another on the overlay;
- a patch file is never judged as a whole object (`set_aside_patches`), rendered or not;
- every line of a rendered object is traced to the file and line that wrote it (`SourceMap`):
  the raw base when it holds the value as rendered, else the patch file that set it, else the
  kustomization field (`images`, `namespace`, `replicas`, `patches`, …) that changed it.
  Findings cite those.
"""

from __future__ import annotations

import posixpath
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from bot.ingest.documents import Document, SourceMap
from bot.ingest.files import KUSTOMIZATION_NAMES
from bot.ingest.kubernetes import parse_yaml_file
from bot.ingest.kustomize_refs import is_remote
from bot.ingest.ledger import Layout
from bot.ingest.loader import Inventory
from bot.ingest.yamlload import YList, YMap

_BASES = ("resources", "bases", "components")
# Kustomization fields that rewrite a rendered field, by the rendered field's key.
_TRANSFORMERS = {"image": ("images",), "newTag": ("images",), "namespace": ("namespace",),
                 "replicas": ("replicas",), "labels": ("labels", "commonLabels"),
                 "matchLabels": ("labels", "commonLabels"),
                 "annotations": ("commonAnnotations",), "name": ("namePrefix", "nameSuffix")}
_PATCH_FIELDS = ("patches", "patchesStrategicMerge", "patchesJson6902")


def kustomizations(docs: list[Document]) -> dict[str, Document]:
    """A tree's kustomizations by directory."""
    return {posixpath.dirname(d.path): d for d in docs
            if d.kind == "Kustomization" and posixpath.basename(d.path) in KUSTOMIZATION_NAMES}


def _entries(doc: Document, keys: tuple[str, ...]) -> Iterator[str]:
    """Local paths a kustomization names under `keys` (remote ones are never rendered: the
    kustomization is refused, `kustomize_refs.refusal`)."""
    body = doc.body if isinstance(doc.body, dict) else {}
    for key in keys:
        for entry in body.get(key) or []:
            value = entry.get("path") if isinstance(entry, dict) else entry
            if isinstance(value, str) and not is_remote(value):
                yield posixpath.normpath(posixpath.join(posixpath.dirname(doc.path), value))


def included(kustomization: Document) -> tuple[str, ...]:
    """The local paths a kustomization includes (`resources`, `bases`, `components`): what makes
    a kustomization an overlay's base (`kustomize._roots`), and an overlay's chain."""
    return kustomization.derived("included", lambda k: tuple(_entries(k, _BASES)))


def _patches(kustomization: Document) -> tuple[str, ...]:
    """The local patch files a kustomization names."""
    return kustomization.derived("patches", lambda k: tuple(_entries(k, _PATCH_FIELDS)))


def layout(inventory: Inventory, prior: Inventory | None = None) -> Layout:
    """The inventory's layout (noted in its ledger): the prior's where its kustomizations are
    the very same documents, else a new one."""
    if inventory.ledger.layout is not None:
        return inventory.ledger.layout
    found = kustomizations(inventory.documents)
    seen = prior.ledger.layout if prior is not None else None
    same = seen is not None and seen.kustomizations.keys() == found.keys() and all(
        doc is found[d] for d, doc in seen.kustomizations.items())
    made = inventory.ledger.layout = seen.taken() if seen is not None and same else \
        Layout(found)
    return made


def set_aside_patches(inventory: Inventory, prior: Inventory | None = None) -> None:
    """Patch files hold only the fields they change: never judge them as whole objects."""
    found = layout(inventory, prior)
    if found.patches is None:
        found.patches = {p for k in found.kustomizations.values() for p in _patches(k)}
    _set_aside(inventory, found.patches)


def _set_aside(inventory: Inventory, paths: set[str]) -> None:
    """Move the documents of `paths` (kustomizations excepted) from judged to sources."""
    kept: list[Document] = []
    for doc in inventory.documents:
        aside = doc.path in paths and doc.kind != "Kustomization"
        (inventory.sources if aside else kept).append(doc)
    inventory.documents[:] = kept


class Overlays:
    """A tree's kustomizations and written objects, indexed once for all of its overlays."""

    def __init__(self, inventory: Inventory, prior: Inventory | None = None) -> None:
        self.layout = layout(inventory, prior)
        self.kustomizations = self.layout.kustomizations
        # indexed when an overlay is rendered (`objects`), not for those taken from the cache
        self._documents = (*inventory.documents, *inventory.sources)
        self._by_path: dict[str, list[Document]] | None = None
        # Each overlay's chain is asked for twice or more, and overlays share their bases:
        # working them out again per question was most of a review's render bookkeeping.
        self._chains = self.layout.chains

    def folders(self, root: str) -> list[str]:
        """The folders of the root kustomization and every local one it includes: with
        kustomize's load restrictions (files stay within a kustomization's root), all that a
        render of `root` can read."""
        known = self.layout.folders
        if root not in known:
            known[root] = [posixpath.dirname(k.path) for k in self.chain(root)]
        return known[root]

    def reached(self, root: str) -> set[str]:
        """The files whose objects the overlay renders (judged as rendered, not as written)."""
        known = self.layout.reached
        if root not in known:
            known[root] = {p for k in self.chain(root) for p in included(k)
                           if p not in self.kustomizations}
        return known[root]

    def chain(self, root: str) -> list[Document]:
        """The root kustomization and every local one it includes, root first (worked out
        once per root: callers read it, never change it)."""
        if root in self._chains:
            return self._chains[root]
        out, seen, stack = [], set(), [root]
        while stack:
            here = stack.pop(0)
            if here in seen or here not in self.kustomizations:
                continue
            seen.add(here)
            out.append(self.kustomizations[here])
            stack.extend(e for e in included(self.kustomizations[here])
                         if e in self.kustomizations)
        self._chains[root] = out
        return out

    def _written(self) -> dict[str, list[Document]]:
        """The tree's written Kubernetes documents by path."""
        if self._by_path is None:
            self._by_path = defaultdict(list)
            for doc in self._documents:
                if doc.format == "k8s":
                    self._by_path[doc.path].append(doc)
        return self._by_path

    def objects(self, root: str, path: str, output: str) -> list[Document]:
        """The rendered objects of one overlay, each line traced to the file that wrote it."""
        chain = self.chain(root)
        patch_files = {p for k in chain for p in _patches(k)}
        written = self._written()
        raws = [d for p in sorted(self.reached(root)) for d in written.get(p, ())]
        patches = [d for p in sorted(patch_files) for d in written.get(p, ())]
        out = []
        for doc in parse_yaml_file(f"{path}#build", output).documents:
            raw = _written_as(doc, raws)
            home = (raw.path, raw.line, raw.end_line) if raw else (path, 1, 1)
            source = SourceMap(home=home)
            _trace(doc.body, raw.body if raw else None, raw.path if raw else "",
                   [(p.path, p.body) for p in patches if _same_object(doc, p)], chain, source)
            doc.origin = f"kustomize:{root or '.'}"
            doc.source_map = source
            out.append(doc)
        return out


def add_rendered(inventory: Inventory, rendered: dict[str, list[Document]],
                 reached: set[str]) -> None:
    """Overlays' rendered objects (by the virtual path of each build) in place of the files
    they reach."""
    for virtual, docs in rendered.items():
        inventory.documents.extend(docs)
        inventory.rendered.setdefault(virtual, []).extend(docs)
    _set_aside(inventory, reached)


def _same_object(rendered: Document, written: Document) -> bool:
    """Whether a written document is the rendered one before prefixes and suffixes."""
    return rendered.kind == written.kind and written.name in rendered.name


def _written_as(rendered: Document, raws: list[Document]) -> Document | None:
    exact = [d for d in raws if d.kind == rendered.kind and d.name == rendered.name]
    named = exact or sorted((d for d in raws if _same_object(rendered, d)),
                            key=lambda d: -len(d.name))
    return named[0] if named else None


def _item(container: Any, item: Any, index: int) -> Any:
    """The element of a written list that a rendered element came from: by `name`, else index."""
    if not isinstance(container, list):
        return None
    if isinstance(item, dict) and "name" in item:
        return next((x for x in container if isinstance(x, dict)
                     and x.get("name") == item["name"]), None)
    return container[index] if index < len(container) else None


def _transformer(key: Any, chain: list[Document], root_path: str) -> tuple[str, int]:
    """The kustomization field that most likely wrote a value no file holds as rendered."""
    fields = _TRANSFORMERS.get(key, ()) + _PATCH_FIELDS
    for kustomization in chain:
        body = kustomization.body if isinstance(kustomization.body, YMap) else None
        for name in fields:
            if body is not None and name in body:
                return kustomization.path, body.line_of(name)
    return (chain[0].path, 1) if chain else (root_path, 1)


def _scalar(value: Any) -> bool:
    return not isinstance(value, dict | list)


def _trace(node: Any, raw: Any, raw_path: str, patches: list[tuple[str, Any]],
           chain: list[Document], out: SourceMap) -> None:
    """Map each line of a rendered subtree to the file and line that wrote it."""
    if isinstance(node, YMap):
        steps: list[tuple[Any, Any, int]] = [(k, v, node.line_of(k)) for k, v in node.items()]

        def child(container: Any, key: Any, value: Any) -> Any:
            return container.get(key) if isinstance(container, dict) else None
    elif isinstance(node, YList):
        steps = [(i, v, node.line_of(i)) for i, v in enumerate(node)]

        def child(container: Any, key: Any, value: Any) -> Any:
            return _item(container, value, key)
    else:
        return
    for key, value, line in steps:
        raw_child = child(raw, key, value)
        patch_children = [(p, child(n, key, value), n) for p, n in patches]
        patch_children = [(p, c, n) for p, c, n in patch_children if c is not None]
        # A list element and its first key share a line: the element (say, a container) keeps it.
        out.lines.setdefault(line, _origin(key, value, raw, raw_child, raw_path,
                                           patch_children, chain))
        _trace(value, raw_child, raw_path, [(p, c) for p, c, _ in patch_children], chain, out)


def _origin(key: Any, value: Any, raw: Any, raw_child: Any, raw_path: str,
            patch_children: list[tuple[str, Any, Any]], chain: list[Document]
            ) -> tuple[str, int]:
    """Who wrote a rendered value: the base when it holds it as rendered, else the last patch
    that does, else a field of the kustomization (`images`, `namespace`, `patches`, …)."""
    if raw_child is not None and (not _scalar(value) or str(raw_child) == str(value)):
        return raw_path, _line(raw, key, raw_child)
    for path, patched, parent in reversed(patch_children):
        if not _scalar(value) or str(patched) == str(value):
            return path, _line(parent, key, patched)
    return _transformer(key, chain, raw_path)


def _line(parent: Any, key: Any, child: Any) -> int:
    if isinstance(parent, YMap):
        return parent.line_of(key)
    if isinstance(parent, YList):
        index = next((i for i, x in enumerate(parent) if x is child), None)
        return parent.line_of(index) if index is not None else parent.line
    return 1
