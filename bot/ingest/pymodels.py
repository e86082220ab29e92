"""Triton Python-backend models: the libraries their `model.py` imports.

A Python model that drives an inference engine (vLLM's AsyncLLMEngine, TensorRT-LLM) batches in
flight inside that engine, so the Triton settings that matter for plain Python models do not
apply to it. The script is read as text, a bounded prefix of it, and never run.
"""

from __future__ import annotations

import posixpath
import re

from bot.ingest.documents import Document
from bot.ingest.source import SourceFile

SCRIPT_NAME = "model.py"
MAX_SCRIPT_BYTES = 256 * 1024
_IMPORT = re.compile(r"^[ \t]*(?:from[ \t]+([A-Za-z_]\w*)|import[ \t]+([A-Za-z_][\w.]*"
                     r"(?:[ \t]*,[ \t]*[A-Za-z_][\w.]*)*))", re.MULTILINE)


def imported_modules(text: str) -> frozenset[str]:
    """Top-level modules a Python source imports (`from a.b import c` and `import a, b` give a)."""
    found: set[str] = set()
    for match in _IMPORT.finditer(text):
        if match.group(1):
            found.add(match.group(1))
        else:
            found.update(name.strip().split(".")[0] for name in match.group(2).split(","))
    return frozenset(found)


def _model_dir_of_script(path: str) -> tuple[str, ...]:
    """Model directories a script can belong to: `<model>/model.py` or `<model>/<version>/…`."""
    parent = posixpath.dirname(path)
    return (parent, posixpath.dirname(parent))


def model_imports(documents: list[Document], scripts: list[SourceFile]
                  ) -> dict[str, frozenset[str]]:
    """Config path -> modules imported by the `model.py` of each Python-backend model."""
    by_dir: dict[str, list[SourceFile]] = {}
    for script in scripts:
        for directory in _model_dir_of_script(script.path):
            by_dir.setdefault(directory, []).append(script)
    out: dict[str, frozenset[str]] = {}
    for doc in documents:
        if doc.kind != "TritonModelConfig" or doc.body.get("backend") != "python":
            continue
        modules: set[str] = set()
        for script in by_dir.get(posixpath.dirname(doc.path), []):
            try:
                data = script.read(MAX_SCRIPT_BYTES)
            except OSError:
                continue  # an unreadable script only means no exemption for its model
            modules |= imported_modules(data.decode("utf-8", "replace"))
        if modules:
            out[doc.path] = frozenset(modules)
    return out


def is_model_script(path: str) -> bool:
    return path.endswith(SCRIPT_NAME) and posixpath.basename(path) == SCRIPT_NAME
