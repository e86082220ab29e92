"""Drive the installed ``aria`` CLI from the outside, the way a CI job or the App would.

Nothing here imports ``bot``: every test sees Aria only through its command line and outputs.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MEASURE = Path(__file__).with_name("_measure.py")

# Generous guards against hangs and blow-ups, not speed targets (the machine is shared).
WALL_LIMIT_S = 30.0
RSS_LIMIT_MIB = 500.0
# Exit statuses that mean "the review ran": 0 (below --fail-on) or 1 (at or above it).
REVIEWED_EXIT = (0, 1)


def aria_executable() -> str:
    """The ``aria`` console script of the environment running the tests."""
    beside = Path(sys.executable).with_name("aria")
    if beside.exists():
        return str(beside)
    found = shutil.which("aria")
    assert found, "the aria console script is not installed (pip install -e '.[test]')"
    return found


@dataclass
class Run:
    """One finished (or killed) ``aria`` command."""

    argv: list[str]
    returncode: int
    timed_out: bool
    wall_s: float
    max_rss_mib: float
    stdout: str
    stderr: str

    def describe(self) -> str:
        tail = self.stderr[-1500:]
        return (f"argv={self.argv!r} rc={self.returncode} timed_out={self.timed_out} "
                f"wall={self.wall_s:.1f}s rss={self.max_rss_mib:.0f}MiB\nstderr tail:\n{tail}")

    def json(self) -> dict[str, Any]:
        try:
            return json.loads(self.stdout)
        except json.JSONDecodeError as error:  # a crash leaves no (or half a) report
            raise AssertionError(f"no JSON report ({error}); {self.describe()}") from None


def run_aria(args: list[str], cwd: Path, *, timeout_s: float = 60.0,
             env: dict[str, str] | None = None, prefix: list[str] | None = None) -> Run:
    """Run ``aria ARGS`` in a fresh wrapper process that measures the child's peak RSS."""
    scratch = Path(tempfile.mkdtemp(prefix="aria-run."))
    try:
        argv = [*(prefix or []), aria_executable(), *args]
        result_file, out_file, err_file = (scratch / n for n in ("r.json", "out", "err"))
        subprocess.run([sys.executable, str(MEASURE), str(result_file), str(timeout_s),
                        str(out_file), str(err_file), "--", *argv],
                       cwd=cwd, env=env, check=True, timeout=timeout_s + 30)
        measured = json.loads(result_file.read_text())
        _log_measurement(argv, measured)
        return Run(argv=argv, returncode=measured["returncode"],
                   timed_out=measured["timed_out"], wall_s=measured["wall_s"],
                   max_rss_mib=measured["max_rss_kib"] / 1024.0,
                   stdout=out_file.read_bytes().decode("utf-8", "replace"),
                   stderr=err_file.read_bytes().decode("utf-8", "replace"))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _log_measurement(argv: list[str], measured: dict[str, Any]) -> None:
    """With ARIA_BLACKBOX_LOG=FILE, append each run's exit, wall time and peak RSS (JSON lines)."""
    log = os.environ.get("ARIA_BLACKBOX_LOG")
    if log:
        with open(log, "a", encoding="utf-8") as handle:
            handle.write(json.dumps({"argv": argv[1:], **measured}) + "\n")


def assert_survived(run: Run, *, wall_limit_s: float = WALL_LIMIT_S,
                    rss_limit_mib: float = RSS_LIMIT_MIB) -> None:
    """The command finished by itself with a review verdict, within the resource guards."""
    assert not run.timed_out, f"aria did not finish: {run.describe()}"
    assert run.returncode >= 0, f"aria was killed by signal {-run.returncode}: {run.describe()}"
    assert run.returncode in REVIEWED_EXIT, f"aria did not complete the review: {run.describe()}"
    assert run.wall_s <= wall_limit_s, f"took {run.wall_s:.1f}s > {wall_limit_s}s: {run.describe()}"
    assert run.max_rss_mib <= rss_limit_mib, (
        f"peak RSS {run.max_rss_mib:.0f} MiB > {rss_limit_mib} MiB: {run.describe()}")


# --- what the reports say ---------------------------------------------------------------------

def findings(report: dict[str, Any]) -> list[dict[str, Any]]:
    return list(report.get("findings") or [])


def ingest_findings_for(report: dict[str, Any], rel_path: str) -> list[dict[str, Any]]:
    """INGEST* findings that name ``rel_path`` (by location, subject or message)."""
    named = []
    for finding in findings(report):
        if not str(finding.get("rule_id", "")).startswith("INGEST"):
            continue
        location = finding.get("location") or {}
        texts = (str(location.get("path", "")), str(finding.get("subject", "")),
                 str(finding.get("message", "")))
        if location.get("path") == rel_path or any(rel_path in text for text in texts[1:]):
            named.append(finding)
    return named


def rule_ids_for_object(report: dict[str, Any], name: str,
                        statuses: frozenset[str] | None = None) -> set[str]:
    """Rule ids of current findings whose subject is an object called ``name``.

    A review also lists ``fixed`` findings (gone in head); they never count as seen. With
    ``statuses``, only findings in one of those states count (e.g. ``{"new"}``).
    """
    ids = set()
    for finding in findings(report):
        status = str(finding.get("status", ""))
        if status == "fixed" or (statuses is not None and status not in statuses):
            continue
        subject = str(finding.get("subject", ""))
        if subject.split("/")[-1] == name or subject.endswith("/" + name):
            ids.add(str(finding.get("rule_id")))
    return ids


def assert_ingest_names(report: dict[str, Any], rel_path: str) -> None:
    hits = ingest_findings_for(report, rel_path)
    summary = [(f.get("rule_id"), (f.get("location") or {}).get("path")) for f in findings(report)]
    assert hits, f"no INGEST finding names {rel_path!r}; findings: {summary}"


def assert_reviewed_or_refused(report: dict[str, Any], rel_path: str) -> None:
    """Some finding sits in ``rel_path``: it was reviewed, or an INGEST finding refuses it."""
    located = [f for f in findings(report) if (f.get("location") or {}).get("path") == rel_path]
    assert located, f"{rel_path} was neither reviewed nor reported as unreadable"


def mentioned_anywhere(report: dict[str, Any], needle: str) -> bool:
    """``needle`` appears in an INGEST finding or in the report's notes."""
    texts = [json.dumps(note, ensure_ascii=False) for note in report.get("notes") or []]
    texts += [json.dumps(f, ensure_ascii=False) for f in findings(report)
              if str(f.get("rule_id", "")).startswith("INGEST")]
    return any(needle in text for text in texts)


# --- the ordinary, clearly risky neighbour --------------------------------------------------

RISKY_RULES = {"SEC001", "SPOF001", "SEC008"}  # privileged, one replica, moving tag


# Container fields sit at 10 spaces: a value passed in indents its own continuation lines.
_DEPLOYMENT = textwrap.dedent("""\
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: {name}
      namespace: {namespace}
    spec:
      {replicas}
      selector:
        matchLabels:
          app: {app}
      template:
        metadata:
          labels:
            app: {app}
        spec:
          containers:
            - name: {container}
              {image}
              {args_line}
              {security}
              resources:
                limits:
                  nvidia.com/gpu: 1
    """)


def risky_gpu_deployment(name: str, *, namespace: str = "serving", app: str | None = None,
                         container: str = "server", replicas: str = "replicas: 1",
                         image: str = "image: vllm/vllm-openai:latest",
                         args_line: str = 'args: ["--model", "meta-llama/Llama-3.1-8B"]',
                         security: str = "securityContext:\n            privileged: true") -> str:
    """A privileged, single-replica GPU model server on a moving tag.

    The keyword arguments replace one line each (already YAML), for tests that write the same
    object in another YAML form or with hostile values.
    """
    return _DEPLOYMENT.format(name=name, namespace=namespace, app=app or name,
                              container=container, replicas=replicas, image=image,
                              args_line=args_line, security=security)


def write_neighbour(tree: Path, name: str) -> Path:
    """Place the risky Deployment beside whatever hostile file the test puts in ``tree``."""
    path = tree / "neighbour" / f"{name}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(risky_gpu_deployment(name), encoding="utf-8")
    return path


def assert_risky_seen(report: dict[str, Any], name: str) -> None:
    seen = rule_ids_for_object(report, name)
    missing = RISKY_RULES - seen
    assert not missing, (
        f"Deployment {name!r} lost its findings {sorted(missing)}; has {sorted(seen)}")


# --- git ---------------------------------------------------------------------------------------

def git(repo: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid",
           "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(repo)}
    return subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True,
                          text=True).stdout.strip()


def init_repo(repo: Path) -> None:
    repo.mkdir(parents=True, exist_ok=True)
    git(repo, "init", "-q", "-b", "main")


def commit_all(repo: Path, message: str) -> str:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD")
