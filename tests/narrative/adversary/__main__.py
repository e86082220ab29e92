"""Command line: summarise (or list) the adversary's corpus for one or more briefs."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from tests.narrative.adversary import attack, summarise, template_counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.narrative.adversary",
                                     description=__doc__)
    parser.add_argument("briefs", nargs="*", type=Path, help="brief JSON files")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--records", action="store_true", help="print every record (JSON lines)")
    parser.add_argument("--templates", action="store_true", help="print template counts")
    args = parser.parse_args(argv)
    if args.templates:
        print(json.dumps(template_counts(), indent=2))
    for path in args.briefs:
        try:
            brief = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as err:
            print(f"{path}: cannot read brief: {err}", file=sys.stderr)
            return 2
        records = attack(brief, args.seed)
        if args.records:
            for record in records:
                print(json.dumps(record, ensure_ascii=False))
        else:
            print(json.dumps({"brief": str(path), **summarise(records)}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
