"""Typed documents: what ingest hands to the platform graph."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.ingest.yamlload import YList, YMap


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

    @property
    def identity(self) -> str:
        if self.format == "k8s":
            ns = self.namespace or "-"
            ident = f"{self.kind}/{ns}/{self.name}"
        elif self.format == "terraform":
            ident = self.name  # the resource address
        else:
            ident = f"{self.kind}/{self.name}"
        return f"{ident}@{self.origin}" if self.origin else ident

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
            if isinstance(node, YMap | YList):
                try:
                    line = node.line_of(key)
                    node = node[key]
                except (KeyError, IndexError, TypeError):
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
