"""Parse untrusted files in worker processes under limits, so a crash costs one file.

A worker parses one file at a time under an address-space limit and a CPU-time limit, and the
supervisor gives each file a wall-clock deadline. A worker that dies (a signal from a C
extension, the CPU limit, the out-of-memory killer) or overruns its deadline is replaced, and
its file becomes a problem naming the file and the reason; every other file is still parsed.
Workers are forked on demand, live as long as the process that started them (`aria serve`
keeps them warm between reviews), and retire once they have grown large. See
adr/0008-isolated-bounded-ingest.md.
"""

from __future__ import annotations

import faulthandler
import gc
import multiprocessing
import multiprocessing.util
import pickle
import resource
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

from bot.ingest.documents import FileResult

Job = tuple[str, Any, bytes, int]  # (path, file kind, bytes, max file bytes)
ParseFn = Callable[[str, Any, bytes, int], FileResult]  # a module-level function of a Job
Progress = Callable[[int, int], None]
# (job index, a worker's result, that result as the worker pickled it): what a caller keeps
# receives the bytes too, so storing a result does not pickle it a second time.
Keep = Callable[[int, FileResult, bytes], None]


@dataclass(frozen=True, slots=True)
class WorkerLimits:
    """What one file may cost. The slowest legitimate file `bench/test_parse_limits.py`
    measures at the App's 1 MB cap is 1 MB of HCL (python-hcl2: 15 s CPU, 290 MB peak RSS);
    these leave room for twice that, and for the CLI's 5 MB files of YAML."""

    cpu_seconds: int = 30
    wall_seconds: float = 130.0  # 4x the CPU limit + 10 s: a machine shared with other work
    memory_bytes: int = 1 << 30  # address space a worker may add to what it started with
    retire_after_growth_bytes: int = 256 << 20  # a worker this much bigger hands memory back


def _death_reason(exitcode: int | None, limits: WorkerLimits) -> tuple[str, str]:
    """(reason, problem kind) for a worker that died while it held a file."""
    if exitcode is not None and exitcode < 0:
        sig = signal.Signals(-exitcode)
        if sig is signal.SIGXCPU:
            return f"parsing it took more than {limits.cpu_seconds} s of CPU", "too-large"
        return (f"it crashed the parser (the parser process was killed by {sig.name}); "
                "nothing else was affected", "invalid")
    return f"it crashed the parser (the parser process exited with code {exitcode})", "invalid"


# How the supervisor's own verdicts begin: a file's fate under load, not a fact of its content.
_SUPERVISOR_VERDICTS = ("it crashed the parser", "parsing it took", "parsing it needed",
                        "its parsed form")


def supervised_failure(result: FileResult) -> bool:
    """Whether the worker's fate (killed, out of time or memory) decided `result`: it may go
    otherwise on a quieter machine, so caches do not keep it."""
    return any(p.reason.startswith(_SUPERVISOR_VERDICTS) for p in result.problems)


def _set_soft_limit(which: int, value: int) -> None:
    _, hard = resource.getrlimit(which)
    resource.setrlimit(which, (value if hard == resource.RLIM_INFINITY else min(value, hard),
                               hard))


def _limit_address_space(budget: int) -> None:
    """Allow `budget` bytes of address space beyond what the worker starts with (Linux)."""
    try:
        with open("/proc/self/statm") as fh:
            size = int(fh.read().split()[0]) * resource.getpagesize()
    except OSError:
        return  # no /proc: the CPU limit and the deadline still hold
    _set_soft_limit(resource.RLIMIT_AS, size + budget)


def _serve(conn: Connection, parse: ParseFn, limits: WorkerLimits) -> None:
    """Worker loop: receive a job, parse it under the limits, send one message: a byte saying
    whether it retires, then the pickled result."""
    faulthandler.disable()  # the supervisor reports a crash, naming the file
    # The worker collects its own garbage, never the supervisor's objects it was forked with
    # (a supervisor may fork while its collector is off: `engine._spared_by_collector`).
    gc.freeze()
    gc.enable()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the supervisor ends workers, not Ctrl-C
    signal.signal(signal.SIGXCPU, signal.SIG_DFL)  # the CPU limit ends the worker
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # a crash must not leave core files
    _limit_address_space(limits.memory_bytes)
    start_rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    while True:
        try:
            path, kind, data, max_bytes = conn.recv()
        except (EOFError, OSError):
            return
        usage = resource.getrusage(resource.RUSAGE_SELF)
        _set_soft_limit(resource.RLIMIT_CPU,
                        int(usage.ru_utime + usage.ru_stime) + 1 + limits.cpu_seconds)
        try:
            result = parse(path, kind, data, max_bytes)
        except MemoryError:
            result = FileResult.failed(path, f"parsing it needed more than "
                                    f"{limits.memory_bytes >> 20:,} MiB of memory", "too-large")
        del data
        grown_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - start_rss_kb
        retiring = grown_kb * 1024 >= limits.retire_after_growth_bytes
        try:
            conn.send_bytes(_message(result, retiring))
        except MemoryError:
            retiring = True
            conn.send_bytes(_message(
                FileResult.failed(path, "its parsed form is too big to hand back"), retiring))
        if retiring:
            return


def _message(result: FileResult, retiring: bool) -> bytes:
    return (b"\x01" if retiring else b"\x00") + pickle.dumps(result, pickle.HIGHEST_PROTOCOL)


class _Worker:
    def __init__(self, ctx: Any, parse: ParseFn, limits: WorkerLimits) -> None:
        parent, child = ctx.Pipe()
        self.start_method: str = ctx.get_start_method()
        self.process = ctx.Process(target=_serve, args=(child, parse, limits), daemon=True,
                                   name="aria-parser")
        self.process.start()
        child.close()
        self.conn: Connection = parent
        self.job: int | None = None  # index of the file it holds
        self.deadline = 0.0

    def stop(self) -> None:
        self.conn.close()
        if self.process.is_alive():
            self.process.kill()
        self.process.join()


def _context(parse: ParseFn) -> Any:
    """fork where it is safe (one thread and no library's after-fork hook: the CLI); else a
    clean fork server (`aria serve`, a Celery worker), which imports the parser once and forks
    workers from that. Asked at each worker's start, since a process can start threads, or
    open a broker connection, after its first worker.

    A forked child runs every hook registered with `multiprocessing.util.register_after_fork`
    before its target: kombu's closes the parent's Redis channels by reading from their shared
    socket, so a worker forked from a process that has talked to the broker blocks there and
    every file "takes longer than" the wall limit."""
    hooks = getattr(multiprocessing.util, "_afterfork_registry", None)
    if threading.active_count() == 1 and not hooks \
            and "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload([parse.__module__])
    return ctx


class ParserPool:
    """Supervised parser workers: `parse(jobs)` returns one FileResult per job, in order."""

    def __init__(self, parse: ParseFn, limits: WorkerLimits | None = None) -> None:
        self.parse_fn = parse
        self.limits = limits or WorkerLimits()
        self._idle: list[_Worker] = []
        self._lock = threading.Lock()

    def parse(self, jobs: Sequence[Job], width: int, progress: Progress | None = None,
              keep: Keep | None = None) -> list[FileResult]:
        """Parse `jobs`, biggest first, on up to `width` new workers (and any warm ones).
        `keep` sees each result a worker sent as it arrives (not the supervisor's verdicts on
        a worker that died or overran)."""
        with self._lock:
            return self._parse(jobs, width, progress, keep)

    def _parse(self, jobs: Sequence[Job], width: int, progress: Progress | None,
               keep: Keep | None) -> list[FileResult]:
        results: list[FileResult | None] = [None] * len(jobs)
        waiting = deque(sorted(range(len(jobs)), key=lambda i: -len(jobs[i][2])))
        busy: list[_Worker] = []
        slots = max(width, len(self._idle))  # warm workers cost nothing to use
        failed_starts = 0
        while waiting or busy:
            while waiting and len(busy) < slots:
                worker = self._idle.pop() if self._idle else self._start_worker()
                if not worker.process.is_alive():  # ended while idle (an OOM kill): replace it
                    worker.stop()
                    continue
                try:
                    worker.conn.send(jobs[waiting[0]])
                except OSError:  # it died idle, so the file is not to blame
                    worker.stop()
                    failed_starts += 1
                    if failed_starts > 3:
                        raise ChildProcessError("parser workers die before any work") from None
                    continue
                worker.job = waiting.popleft()
                worker.deadline = time.monotonic() + self.limits.wall_seconds
                busy.append(worker)
            timeout = max(0.0, min(w.deadline for w in busy) - time.monotonic())
            ready = set(wait([w.conn for w in busy] + [w.process.sentinel for w in busy],
                             timeout))
            for worker in list(busy):
                index = worker.job
                assert index is not None
                outcome = self._collect(worker, ready, jobs[index][0])
                if outcome is None:
                    continue
                busy.remove(worker)
                results[index], sent = outcome
                if keep and sent is not None:
                    keep(index, outcome[0], sent)
                if progress:
                    progress(len(jobs) - len(waiting) - len(busy), len(jobs))
        return [r if r is not None else FileResult() for r in results]

    def _start_worker(self) -> _Worker:
        return _Worker(_context(self.parse_fn), self.parse_fn, self.limits)

    def _collect(self, worker: _Worker, ready: set[Any],
                 path: str) -> tuple[FileResult, bytes | None] | None:
        """(the worker's result, as it pickled it) if it sent one, (a problem, None) if it
        died or overran, else None."""
        if worker.conn in ready or worker.process.sentinel in ready:
            try:
                if worker.conn.poll():
                    message = worker.conn.recv_bytes()
                    sent = message[1:]
                    result = pickle.loads(sent)  # noqa: S301 - from the worker Aria forked
                    worker.job = None
                    if message[:1] == b"\x01":
                        worker.stop()
                    else:
                        self._idle.append(worker)
                    return result, sent
            except (EOFError, OSError):
                pass
            worker.stop()
            reason, kind = _death_reason(worker.process.exitcode, self.limits)
            return FileResult.failed(path, reason, kind), None
        if time.monotonic() > worker.deadline:
            worker.stop()
            return FileResult.failed(
                path, f"parsing it took longer than {self.limits.wall_seconds:.0f} s",
                "too-large"), None
        return None

    def close(self) -> None:
        with self._lock:
            for worker in self._idle:
                worker.stop()
            self._idle.clear()
