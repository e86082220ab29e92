"""Child processes the long benches start (never collected by pytest):

    python bench/roles.py webhook-server PORT STATE_DIR PROCESSED_FILE
    python bench/roles.py emulator REVIEWS READY_FILE DUMP_FILE

webhook-server: the real App (signature check, routing, SQLite queue, embedded workers) on
127.0.0.1:PORT, its job handler swapped for one that appends the job's PR number to
PROCESSED_FILE, so "processed exactly once" is counted without GitHub.
emulator: the GitHub emulator holding REVIEWS pull requests of acme/platform made from corpus
files; writes its URL to READY_FILE, and on a line on stdin dumps the comments it received (PR
path and CLOCK_MONOTONIC time) to DUMP_FILE.
"""

from __future__ import annotations

import json
import sys
import threading
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests"), str(ROOT), str(ROOT / "bench")]

WEBHOOK_SECRET = "bench-secret"
REPO = "acme/platform"


def webhook_server(port: int, state: Path, processed: Path) -> None:
    import uvicorn
    from harness import pem

    from bot.cli.processes import build_service
    from bot.service.app import create_app, favour_the_event_loop
    from bot.service.settings import ServeSettings

    favour_the_event_loop()
    lock = threading.Lock()
    out = processed.open("a", encoding="utf-8")

    def record(payload: dict[str, Any]) -> dict[str, Any]:
        with lock:
            out.write(f"{payload['pr_number']}\n")
            out.flush()
        return {"status": "recorded"}

    settings = ServeSettings(app_id="1", webhook_secret=WEBHOOK_SECRET, private_key=pem(),
                             state_dir=state, github_api_url="http://127.0.0.1:9")
    app = create_app(build_service(settings, handler=record))
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def emulator(reviews: int, ready: Path, dump: Path) -> None:
    from emulator.server import GitHubEmulator
    from scale.corpus import corpus_files

    files = corpus_files()
    em = GitHubEmulator(prefix="/api/v3").start()
    for n in range(1, reviews + 1):  # each PR adds a corpus manifest to two others
        base = dict(files[(3 * n + k) % len(files)] for k in range(2))
        head = dict(base, **dict([files[(3 * n + 2) % len(files)]]))
        em.add_pull(REPO, n, base, head)
    ready.write_text(em.base_url)
    sys.stdin.readline()  # the bench says when to dump
    with em.lock:
        posts = [(r.path, r.at) for r in em.requests
                 if r.method == "POST" and r.path.endswith("/comments")]
        per_pr: dict[int, int] = {}
        for c in em.state.comments.values():
            per_pr[c["number"]] = per_pr.get(c["number"], 0) + 1
    dump.write_text(json.dumps({"posts": posts, "comments_per_pr": per_pr}))
    em.stop()


if __name__ == "__main__":
    role, *rest = sys.argv[1:]
    if role == "webhook-server":
        webhook_server(int(rest[0]), Path(rest[1]), Path(rest[2]))
    elif role == "emulator":
        emulator(int(rest[0]), Path(rest[1]), Path(rest[2]))
    else:
        raise SystemExit(f"unknown role {role}")
