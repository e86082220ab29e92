"""Bench: parse time of Terraform `.tf` files, Aria's reader (tree-sitter-hcl: documents and
lines) vs python-hcl2 (the reader Aria used before; parse only).

    pytest bench --benchmark-only -k hcl

Files: every `.tf` of the shared corpus (`ARIA_SHARED_DIR`), else the fixture repositories in
tests/fixtures/repos. One round parses every file once; both readers must read every file.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from harness import ROOT
from shared_corpus import find_corpus

from bot.ingest.terraform import parse_terraform


def _files() -> list[tuple[str, str]]:
    tree = find_corpus() or ROOT / "tests" / "fixtures" / "repos"
    return [(p.name, p.read_text(encoding="utf-8")) for p in sorted(Path(tree).rglob("*.tf"))]


def _aria() -> Callable[[str, str], object]:
    return parse_terraform


def _hcl2() -> Callable[[str, str], object]:
    import hcl2
    options = hcl2.SerializationOptions(with_comments=False)
    return lambda _name, text: hcl2.loads(text, serialization_options=options)


@pytest.mark.parametrize("reader", [_aria, _hcl2], ids=["tree-sitter-hcl", "python-hcl2"])
def test_parse_every_tf_file(benchmark, reader):
    files = _files()
    parse = reader()
    parse("warm.tf", 'resource "a" "b" {}\n')  # grammar build / language load, not per file
    for name, text in files:  # every file parses, so no failed parse is timed
        result = parse(name, text)
        assert not getattr(result, "problems", None), (name, result)
    benchmark.pedantic(lambda: [parse(n, t) for n, t in files], rounds=3, iterations=1)
    benchmark.extra_info.update(files=len(files),
                                kib=round(sum(len(t) for _, t in files) / 1024))
