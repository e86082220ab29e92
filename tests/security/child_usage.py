"""Parse one file in a forked child and report what it cost: exit, CPU time, peak memory.

Bounds on parse cost are asserted on these resource figures of a child process, never on wall
clock time in the test process: a crash shows as a signal, a hang as the deadline passing.
"""

from __future__ import annotations

import faulthandler
import json
import os
import resource
import select
import signal
import time
import traceback
from dataclasses import dataclass

from bot.ingest.files import FileKind
from bot.ingest.loader import parse_file, warm_parsers

DEADLINE_S = 120.0  # a hang; CPU bounds are asserted separately and are far lower
warm_parsers(set(FileKind))  # children inherit the parser libraries, as parser workers do


@dataclass(frozen=True)
class ChildUsage:
    cpu_s: float
    peak_growth_mb: float  # peak RSS while parsing, over the RSS it started from
    documents: int
    problems: list[tuple[str, str]]  # (path, reason)


def _peak_kb() -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _reset_peak() -> None:
    """Start the child's peak RSS from its current RSS, not the parent's (Linux 4.0+)."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
    except OSError:
        pass


def _child(write_end: int, name: str, kind: FileKind, data: bytes, max_bytes: int) -> None:
    faulthandler.dump_traceback_later(DEADLINE_S / 2, exit=True)  # a hang shows where it is
    try:
        _reset_peak()
        start_kb = _peak_kb()
        before = resource.getrusage(resource.RUSAGE_SELF)
        result = parse_file(name, kind, data, max_bytes)
        after = resource.getrusage(resource.RUSAGE_SELF)
        report = {"cpu_s": after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime,
                  "peak_growth_mb": (_peak_kb() - start_kb) / 1024,
                  "documents": len(result.documents),
                  "problems": [(p.path, p.reason) for p in result.problems]}
        status = 0
    except BaseException:  # noqa: BLE001 - any exception is the failure being looked for
        report, status = {"error": traceback.format_exc()}, 1
    payload = json.dumps(report).encode()
    while payload:
        payload = payload[os.write(write_end, payload):]
    os._exit(status)


def parse_in_child(name: str, kind: FileKind, data: bytes, max_bytes: int) -> ChildUsage:
    """Raises AssertionError when the child crashes, raises, or passes the deadline."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        _child(write_end, name, kind, data, max_bytes)
    os.close(write_end)
    chunks, deadline = [], time.monotonic() + DEADLINE_S
    try:
        while True:
            ready, _, _ = select.select([read_end], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                os.kill(pid, signal.SIGKILL)
                raise AssertionError(f"parsing {name} ({len(data):,} bytes) hung")
            chunk = os.read(read_end, 1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(read_end)
        _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        raise AssertionError(f"parsing {name} killed the process: "
                             f"{signal.Signals(os.WTERMSIG(status)).name}")
    report = json.loads(b"".join(chunks))
    assert "error" not in report, f"parsing {name} raised:\n{report.get('error')}"
    return ChildUsage(report["cpu_s"], report["peak_growth_mb"], report["documents"],
                      [tuple(p) for p in report["problems"]])
