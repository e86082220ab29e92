"""Which files Aria reads, and the guards every file passes before a parser sees it."""

from __future__ import annotations

import posixpath
import re
from enum import StrEnum

DEFAULT_MAX_FILE_BYTES = 5 * 1024 * 1024
CONFIG_NAMES = frozenset({".aria.yml", ".aria.yaml"})
CONFIG_MAX_BYTES = 1_000_000  # as the App reads it: GitHubSettings.max_file_bytes
KUSTOMIZATION_NAMES = frozenset({"kustomization.yaml", "kustomization.yml", "Kustomization"})


class FileKind(StrEnum):
    yaml = "yaml"
    terraform = "terraform"
    triton = "triton"
    config = "config"
    helm_template = "helm-template"
    other = "other"


def classify(path: str, chart_dirs: frozenset[str] = frozenset()) -> FileKind:
    name = posixpath.basename(path)
    if name in CONFIG_NAMES:
        return FileKind.config
    lower = name.lower()
    if lower.endswith(".tf"):
        return FileKind.terraform
    if lower.endswith(".pbtxt"):
        return FileKind.triton
    if lower.endswith((".yaml", ".yml")) or name == "Kustomization":
        if chart_dirs and _in_chart_templates(path, chart_dirs):
            return FileKind.helm_template
        return FileKind.yaml
    return FileKind.other


def _in_chart_templates(path: str, chart_dirs: frozenset[str]) -> bool:
    parent = posixpath.dirname(path)
    while parent:
        head, tail = posixpath.split(parent)
        if tail == "templates" and head in chart_dirs:
            return True
        parent = head
    return False


def chart_dirs_of(paths: list[str]) -> frozenset[str]:
    # `endswith` first: a basename per path was a sixth of loading a 10,000-file tree
    return frozenset(posixpath.dirname(p) for p in paths
                     if p.endswith("Chart.yaml") and posixpath.basename(p) == "Chart.yaml")


def is_relevant(path: str) -> bool:
    """Whether a changed path can affect a review (manifests, Terraform, serving configs)."""
    return classify(path) is not FileKind.other


def screen(data: bytes, max_bytes: int = DEFAULT_MAX_FILE_BYTES) -> tuple[str | None, str | None]:
    """(text, None) when the bytes are reviewable text, else (None, reason)."""
    if len(data) > max_bytes:
        return None, f"file is {len(data):,} bytes, over the {max_bytes:,}-byte limit"
    if b"\x00" in data[:8192]:
        return None, "binary file (NUL bytes), not a text manifest"
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        return None, f"not UTF-8 text (undecodable byte at offset {exc.start})"


_SUPPRESS = re.compile(r"#\s*aria:\s*ignore\[([A-Za-z0-9_,\- ]+)\]\s*(.*)$")


def inline_suppressions(text: str) -> list[tuple[int, str, str]]:
    """`# aria: ignore[RULE-ID,…] reason` comments as (line, rule id, reason)."""
    if "aria:" not in text:
        return []
    found: list[tuple[int, str, str]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if "aria:" not in line:
            continue
        match = _SUPPRESS.search(line)
        if match:
            reason = match.group(2).strip()
            for rule in match.group(1).split(","):
                if rule.strip():
                    found.append((number, rule.strip().upper(), reason))
    return found
