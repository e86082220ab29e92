"""Which object of the base tree is which object of the head tree.

An object keeps its identity (kind, namespace, name; a Terraform address) wherever its file
moves. When its name changes it is followed, in this order, when:

1. a Terraform `moved {}` block in the head tree says so;
2. the two names differ only by a Kustomize `namePrefix`/`nameSuffix` declared in either tree;
3. its content, with the old name written as the new one, is nearly the same as one object of
   the same kind that appeared in head (`SIMILARITY`), and no other candidate is as close.

Everything else that disappeared was removed, and everything else that appeared was added.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from bot.graph.nodepools import NodePool, PriorPool
from bot.graph.platform import PlatformGraph
from bot.graph.workloads import PriorRole
from bot.ingest.documents import Document

# Share of (field path, value) leaves two bodies must have in common to be one renamed object.
SIMILARITY = 0.8
# Above this many (removed × added) pairs of one kind, content is not compared: a tree
# rewritten wholesale is reviewed as removed and added objects.
MAX_PAIRS = 10_000
_MOVED = "moved"


@dataclass
class ObjectMap:
    """Base identities mapped to head identities; the names an object changed from and to."""

    head: set[str] = field(default_factory=set)
    renamed: dict[str, str] = field(default_factory=dict)  # base identity -> head identity
    names: dict[str, tuple[str, str]] = field(default_factory=dict)  # base identity -> names
    refs: dict[str, tuple[str, str]] = field(default_factory=dict)  # base identity -> refs

    def head_identity(self, base_identity: str) -> str:
        return self.renamed.get(base_identity, base_identity)

    def head_subject(self, subject: str) -> str:
        """A finding's subject (`identity` or `identity#group`) as the head tree names it."""
        ident, sep, group = subject.partition("#")
        return self.head_identity(ident) + sep + group

    def head_detail(self, subject: str, detail: str) -> str:
        """A finding's detail with the object's old name (say, of its container) made new."""
        names = self.names.get(subject.partition("#")[0])
        if not names or not detail:
            return detail
        return _renamed(detail, *names)

    def head_names(self, text: str) -> str:
        """Text that names base objects (`Kind/name`, as facts do), with each renamed object's
        new name. Only the object's own ref is renamed: a bare name would also rename another
        kind's object of that name, or a word of an image reference."""
        for old, new in self.refs.values():
            text = _renamed(text, old, new)
        return text

    def in_head(self, subject: str) -> bool:
        """Whether the object a base finding is about still exists in head (maybe renamed)."""
        return self.head_subject(subject).partition("#")[0] in self.head


def _renamed(text: str, old: str, new: str) -> str:
    """`old` as a whole name (not inside a longer one) written as `new`."""
    return re.sub(rf"(?<![\w.-]){re.escape(old)}(?![\w.-])", new, text)


def head_roles(objects: ObjectMap, base: PlatformGraph) -> dict[str, PriorRole]:
    """The base roles of workloads, keyed as the head tree names them (see `PriorRole`): the
    base graph's own (`PlatformGraph.roles`), those of renamed objects under their new names."""
    roles = base.roles()
    out = dict(roles.by_subject)
    for old in objects.renamed:
        for subject in roles.subjects.get(old, []):
            role = out.pop(subject, roles.by_subject[subject])
            gpus = {objects.head_detail(subject, name): value for name, value in role.gpus.items()}
            out[objects.head_subject(subject)] = PriorRole(role.serving, gpus)
    return out


def head_pools(objects: ObjectMap, pools: Iterable[NodePool]) -> dict[str, PriorPool]:
    """The base tree's node pools (what they committed to, the labels they set), keyed as the
    head tree names them."""
    return {objects.head_subject(pool.subject): pool.base_side() for pool in pools}


def _identities(docs: Iterable[Document]) -> tuple[dict[str, Document], set[str], set[str]]:
    """The objects among `docs` by identity (a `moved` or `locals` block, a Kustomization is
    not one), and the `namePrefix`es and `nameSuffix`es the Kustomizations declare (with ""):
    one pass over a tree for both (each pass over a large tree counted)."""
    out: dict[str, Document] = {}
    prefixes, suffixes = {""}, {""}
    for doc in docs:
        kind = doc.kind
        if kind == "Kustomization":
            if isinstance(doc.body, dict):
                if isinstance(doc.body.get("namePrefix"), str):
                    prefixes.add(doc.body["namePrefix"])
                if isinstance(doc.body.get("nameSuffix"), str):
                    suffixes.add(doc.body["nameSuffix"])
        elif kind != _MOVED and kind != "locals":
            out[doc.identity] = doc
    return out, prefixes, suffixes


def _graph_identities(graph: PlatformGraph) -> tuple[dict[str, Document], set[str], set[str]]:
    return _identities(graph.documents)


def _address(value: Any) -> str:
    """`${aws_eks_node_group.gpu}` (how HCL references read) to `aws_eks_node_group.gpu`."""
    text = str(value).strip()
    return text[2:-1] if text.startswith("${") and text.endswith("}") else text


def _moved_blocks(head: list[Document]) -> dict[str, str]:
    return {_address(d.body.get("from")): _address(d.body.get("to"))
            for d in head if d.format == "terraform" and d.kind == _MOVED
            and isinstance(d.body, dict) and d.body.get("from") and d.body.get("to")}


def _cores(name: str, prefixes: set[str], suffixes: set[str]) -> set[str]:
    """The name with any one declared prefix and suffix taken off."""
    out = set()
    for p in prefixes:
        for s in suffixes:
            if name.startswith(p) and name.endswith(s) and len(name) > len(p) + len(s):
                out.add(name[len(p):len(name) - len(s)])
    return out


def _leaves(value: Any, old: str = "", new: str = "", path: str = "") -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(item, old, new, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            key = item.get("name") if isinstance(item, dict) else None
            yield from _leaves(item, old, new, f"{path}[{key if key is not None else index}]")
    else:
        leaf = f"{path}={value}"
        yield _renamed(leaf, old, new) if old else leaf


def similarity(base: Document, head: Document) -> float:
    """Share of leaves in common once the base object's name is written as the head's."""
    a = set(_leaves(base.body, base.name, head.name))
    b = set(_leaves(head.body))
    return len(a & b) / len(a | b) if a | b else 1.0


def _kind_key(doc: Document) -> tuple[str, str]:
    return doc.format, doc.kind


def match_objects(base: PlatformGraph | list[Document], head: list[Document]) -> ObjectMap:
    """Follow the base tree's objects (`base`: its documents, or its graph) into the head
    tree. A graph's identities are worked out once, for every push against a judged base."""
    head_by_id, prefixes, suffixes = _identities(head)
    base_by_id, base_prefixes, base_suffixes = base.derived("identities", _graph_identities) \
        if isinstance(base, PlatformGraph) else _identities(base)
    prefixes, suffixes = prefixes | base_prefixes, suffixes | base_suffixes
    out = ObjectMap(head=set(head_by_id))
    gone = {i: d for i, d in base_by_id.items() if i not in head_by_id}
    arrived = {i: d for i, d in head_by_id.items() if i not in base_by_id}

    def pair(old: Document, new: Document) -> None:
        out.renamed[old.identity] = new.identity
        out.names[old.identity] = (old.name, new.name)
        out.refs[old.identity] = (old.ref, new.ref)
        gone.pop(old.identity, None)
        arrived.pop(new.identity, None)

    for source, target in _moved_blocks(head).items():
        if source in gone and target in arrived:
            pair(gone[source], arrived[target])
    if len(prefixes) > 1 or len(suffixes) > 1:
        for old in list(gone.values()):
            cores = _cores(old.name, prefixes, suffixes)
            found = [d for d in arrived.values() if _kind_key(d) == _kind_key(old)
                     and d.namespace == old.namespace
                     and cores & _cores(d.name, prefixes, suffixes)]
            if len(found) == 1:
                pair(old, found[0])
    _pair_by_content(gone, arrived, pair)
    return out


def _pair_by_content(gone: dict[str, Document], arrived: dict[str, Document],
                     pair: Callable[[Document, Document], None]) -> None:
    """Greedy best-first pairing of same-kind objects whose content is nearly the same.

    Terraform is left out: renaming a resource without a `moved` block makes Terraform destroy
    the old one and create the new one, which is a change, not a rename.
    """
    scored: list[tuple[float, str, str]] = []
    for kind in {_kind_key(d) for d in gone.values()}:
        olds = [d for d in gone.values() if _kind_key(d) == kind and d.format != "terraform"]
        news = [d for d in arrived.values() if _kind_key(d) == kind]
        if not olds or not news or len(olds) * len(news) > MAX_PAIRS:
            continue
        for old in olds:
            for new in news:
                score = similarity(old, new)
                if score >= SIMILARITY:
                    scored.append((score, old.identity, new.identity))
    for _, old_id, new_id in sorted(scored, key=lambda s: (-s[0], s[1], s[2])):
        if old_id in gone and new_id in arrived:
            pair(gone[old_id], arrived[new_id])
