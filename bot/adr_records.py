"""The repository's `adr/` folder: numbering, file names, the index, superseding."""

from __future__ import annotations

import re
from pathlib import Path
from typing import NamedTuple

_NUMBERED = re.compile(r"^(\d{4})-(.+)\.md$")


def slug(title: str) -> str:
    text = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    return text[:60].rstrip("-") or "decision"


def next_adr_file(existing_names: list[str], title: str, folder: str = "adr") -> str:
    numbers = [int(m.group(1)) for n in existing_names if (m := _NUMBERED.match(Path(n).name))]
    return f"{folder}/{(max(numbers, default=0) + 1):04d}-{slug(title)}.md"


def _title_of(path: Path) -> str:
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return path.stem


def _status_of(path: Path) -> str:
    match = re.search(r"^status:\s*(.+)$", path.read_text(encoding="utf-8"), re.MULTILINE)
    return match.group(1).strip() if match else "unknown"


def find_record(folder: Path, number: int) -> Path | None:
    return next(iter(sorted(folder.glob(f"{number:04d}-*.md"))), None)


def mark_superseded(record: Path, by: str) -> None:
    text = record.read_text(encoding="utf-8")
    text = re.sub(r"^status:\s*.+$", f"status: superseded by {by}", text, count=1,
                  flags=re.MULTILINE)
    record.write_text(text, encoding="utf-8")


class Record(NamedTuple):
    """One record of the folder: its file name, the Markdown of its `# ` heading, its status."""

    name: str
    title: str
    status: str


def records(folder: Path) -> list[Record]:
    return [Record(path.name, _title_of(path), _status_of(path))
            for path in sorted(folder.glob("[0-9][0-9][0-9][0-9]-*.md"))]
