"""`python -m tests.narrative.holdout BRIEF.json --seed N`: what the adversary writes, summed up."""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

from .attack import attack
from .catalog import KINDS


def _kinds_table() -> list[str]:
    lines = [f"{'kind':<20} templates  what it does"]
    lines += [f"{k.name:<20} {len(k.templates):>9}  {k.doc}" for k in KINDS]
    return lines


def _summary(sentences: list[dict], parts: list[str]) -> list[str]:
    honest = [s for s in sentences if s["honest"]]
    lines = [f"parts {len(parts)} · sentences {len(sentences)} · honest {len(honest)} · "
             f"planted {len(sentences) - len(honest)} · kinds planted "
             f"{len({s['kind'] for s in sentences if not s['honest']})}/{len(KINDS)}", "",
             f"{'part':<32} honest planted"]
    for part in parts:
        mine = [s for s in sentences if s["part"] == part]
        n_honest = sum(s["honest"] for s in mine)
        lines.append(f"{part[:32]:<32} {n_honest:>6} {len(mine) - n_honest:>7}")
    lines += ["", f"{'kind':<20} planted"]
    counts = Counter(s["kind"] for s in sentences if not s["honest"])
    lines += [f"{k.name:<20} {counts.get(k.name, 0):>7}" for k in KINDS]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.narrative.holdout",
                                     description=__doc__)
    parser.add_argument("brief", nargs="?", type=Path, help="brief JSON file")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--show", action="store_true", help="also print every sentence")
    parser.add_argument("--json", action="store_true", help="print the sentences as JSON")
    parser.add_argument("--kinds", action="store_true", help="list kinds and template counts")
    args = parser.parse_args(argv)
    if args.kinds:
        print("\n".join(_kinds_table()))
        return 0
    if args.brief is None:
        parser.error("a brief JSON file is required (or --kinds)")
    try:
        brief = json.loads(args.brief.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        print(f"cannot read brief {args.brief}: {exc}", file=sys.stderr)
        return 2
    sentences = attack(brief, args.seed)
    if args.json:
        print(json.dumps(sentences, indent=1, ensure_ascii=False))
        return 0
    parts = list(dict.fromkeys(str(p) for p in brief.get("parts") or []))
    print("\n".join(_summary(sentences, parts)))
    if args.show:
        for s in sentences:
            tag = "honest" if s["honest"] else s["kind"]
            print(f"[{s['part']}] <{tag}> {s['sentence']!r} cites={s['cites']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
