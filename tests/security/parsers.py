"""Parse functions for parser-pool tests: each misbehaves the way a real parser can.

They live in a module of their own so that a fork-server worker can import them by name.
"""

from __future__ import annotations

import os
import time
from typing import Any

from bot.ingest.documents import FileResult
from bot.ingest.loader import parse_file


def with_ruamel_c_composer(path: str, kind: Any, data: bytes, max_bytes: int) -> FileResult:
    """Aria's YAML reading before issue 10: ruamel.yaml.clib's C composer, which recurses on
    the C stack and overflows it on a flow list nested ~30,000 deep (SIGSEGV)."""
    if path.endswith("crash.yaml"):
        from ruamel.yaml import YAML

        list(YAML(typ="safe", pure=False).compose_all(data.decode()))
    return parse_file(path, kind, data, max_bytes)


def misbehaving(path: str, kind: Any, data: bytes, max_bytes: int) -> FileResult:
    """Spins, hoards memory, hangs or reports its process id, as the file name says."""
    if path == "spin":
        while True:
            pass
    if path == "hoard":
        hoard = [bytearray(1 << 20) for _ in range(4096)]  # 4 GiB, a page touched per MiB
        return FileResult.failed(path, f"{len(hoard)} MiB held")
    if path == "hang":
        time.sleep(3600)
    if path.startswith("pid"):
        return FileResult.failed(path, str(os.getpid()))
    return parse_file(path, kind, data, max_bytes)
