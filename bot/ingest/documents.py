"""Typed documents: what ingest hands to the platform graph."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from bot.ingest.yamlload import YList, YMap

T = TypeVar("T")


@dataclass(slots=True)
class SourceMap:
    """Where each line of a rendered document (Kustomize output) was written in the tree."""

    home: tuple[str, int, int]  # file, first and last line of the object as written
    lines: dict[int, tuple[str, int]] = field(default_factory=dict)  # output line -> file, line

    def locate(self, line: int | None) -> tuple[str, int]:
        """The file and line that wrote an output line (or the nearest mapped line above)."""
        if line is not None:
            for at in range(line, 0, -1):
                if at in self.lines:
                    return self.lines[at]
        return self.home[0], self.home[1]


@dataclass(slots=True)
class Document:
    """One object read from one file.

    `format` is "k8s", "terraform", "triton" or "helm-values"; `kind` is the Kubernetes kind,
    the Terraform block type (e.g. `aws_eks_node_group`) or `TritonModelConfig`.
    """

    format: str
    kind: str
    name: str
    path: str
    line: int
    end_line: int
    body: Any
    namespace: str = ""
    api_version: str = ""
    origin: str = ""  # "" for a file as written; "kustomize:<dir>" for rendered output
    text_lines: dict[str, int] = field(default_factory=dict)  # field -> line (pbtxt, HCL)
    source_map: SourceMap | None = None  # rendered output: where its lines were written
    # Values worked out from this document alone (`derived`), kept with it: an unchanged
    # file's documents are the judged base's own objects, so a review works them out only for
    # the files its change touched, not for every kustomization of the tree.
    _derived: dict[str, Any] | None = field(default=None, compare=False, repr=False)

    def derived(self, name: str, make: Callable[[Document], T]) -> T:
        """`make(self)`, worked out once per document (`make` must read this document only,
        and its value is shared: never changed by a caller)."""
        if self._derived is None:
            self._derived = {}
        if name not in self._derived:
            self._derived[name] = make(self)
        value: T = self._derived[name]
        return value

    @property
    def identity(self) -> str:
        """The object's identity: the same whether written as is or rendered by an overlay."""
        if self.format == "k8s":
            return f"{self.kind}/{self.namespace or '-'}/{self.name}"
        if self.format == "terraform":
            return self.name  # the resource address
        return f"{self.kind}/{self.name}"

    @property
    def written_at(self) -> tuple[str, int, int]:
        """The file and lines where the object is written (a rendered one: its source)."""
        if self.source_map is not None:
            return self.source_map.home
        return self.path, self.line, self.end_line

    @property
    def ref(self) -> str:
        """Short human name, as used in messages."""
        if self.format == "k8s":
            return f"{self.kind}/{self.name}"
        return self.name if self.format == "terraform" else f"{self.kind} {self.name}"

    def line_at(self, *keys: Any) -> int:
        """Line of a nested key path, falling back to the nearest known ancestor.

        Triton, Terraform and objects read from Terraform keep a line per field name instead.
        """
        if self.format in ("triton", "terraform") or self.text_lines:
            for key in reversed(keys):
                if isinstance(key, str) and key in self.text_lines:
                    return self.text_lines[key]
            return self.line
        node: Any = self.body
        line = self.line
        for key in keys:
            if type(node) is YMap:  # most steps: `YMap.line_of` inlined (every rule asks lines)
                try:
                    line = node.key_lines.get(key, node.line)
                    node = node[key]
                except (KeyError, TypeError):
                    return line
            elif isinstance(node, YList):
                try:
                    line = node.line_of(key)
                    node = node[key]
                except (IndexError, TypeError):
                    return line
            elif isinstance(node, dict | list):
                try:
                    node = node[key]
                except (KeyError, IndexError, TypeError):
                    return line
            else:
                return line
        if isinstance(node, YMap | YList) and not keys:
            return node.line
        return line


@dataclass(slots=True)
class ParseProblem:
    """A file (or part of one) that could not be read; becomes an INGEST finding."""

    path: str
    reason: str
    line: int | None = None
    kind: str = "invalid"  # invalid | too-large | binary | encoding | template | unrendered


@dataclass(slots=True)
class FileResult:
    documents: list[Document] = field(default_factory=list)
    problems: list[ParseProblem] = field(default_factory=list)
    suppressions: list[tuple[int, str, str]] = field(default_factory=list)  # line, rule, reason

    @classmethod
    def failed(cls, path: str, reason: str, kind: str = "invalid",
               line: int | None = None) -> FileResult:
        """The result for a file that yields no documents, only this problem."""
        return cls(problems=[ParseProblem(path, reason, line, kind)])
