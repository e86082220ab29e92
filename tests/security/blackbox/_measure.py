"""Run one command as a child, bounded in wall time, and report its exit and peak memory.

Usage: python _measure.py RESULT.json TIMEOUT_S STDOUT_FILE STDERR_FILE -- ARGV...

This runs in a fresh interpreter so that ``RUSAGE_CHILDREN`` holds only the command under
test (and whatever it spawned and reaped), not other tests' children.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import time


def main() -> None:
    result_path, timeout_s, out_path, err_path, sep, *argv = sys.argv[1:]
    assert sep == "--", "argument separator missing"
    # A crashing parser must not leave core files behind in the test tree.
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    started = time.monotonic()
    timed_out = False
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        # A new session: on timeout we kill exactly the group we started, children included.
        child = subprocess.Popen(argv, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                 start_new_session=True)
        try:
            returncode = child.wait(timeout=float(timeout_s))
        except subprocess.TimeoutExpired:
            timed_out = True
            os.killpg(child.pid, signal.SIGKILL)
            returncode = child.wait()
    wall_s = time.monotonic() - started
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(result_path, "w", encoding="utf-8") as handle:
        json.dump({"returncode": returncode, "timed_out": timed_out, "wall_s": wall_s,
                   "max_rss_kib": usage.ru_maxrss}, handle)


if __name__ == "__main__":
    main()
