"""Launch a local `tritonserver` from the `nvidia-pytriton` wheel (tests and bench).

The wheel ships a Triton 2.51 binary with the Python backend. Running it outside pytriton
needs three things (see `reference/triton.md` §0):

* a backend directory holding `python/libtriton_python.so` *and* the stub built for this
  interpreter's version — prepared once into a cache directory, never into the source tree;
* `LD_LIBRARY_PATH` with the wheel's `nvidia_pytriton.libs` (the stub's RPATH is relative,
  so it breaks once copied) and the interpreter's `LIBDIR` (pyenv keeps libpython there);
* the venv's `bin` first on `PATH`, or the stub embeds pyenv's global interpreter and its
  numpy, and every request fails.

The server runs in its own session so `TritonServer.stop` can end it and its backend
stubs by PID (the process group it leads) without touching anything else.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from bot.probes.errors import ProbeServerError
from bot.probes.settings import ProbeSettings

# Triton's own grace period on SIGTERM; without it the server waits up to 30 s for clients.
_EXIT_TIMEOUT_S = 3


def _pytriton_dir() -> Path:
    try:
        import pytriton
    except ImportError as exc:  # the `probe` extra is not installed
        raise ProbeServerError(
            "nvidia-pytriton is not installed; install the project's `probe` extra "
            '(pip install -e ".[probe]") to run a local tritonserver'
        ) from exc
    return Path(pytriton.__file__).parent


def _site_packages() -> Path:
    return _pytriton_dir().parent


def cache_dir() -> Path:
    """Where prepared server files live: `$ARIA_CACHE_DIR` or `$XDG_CACHE_HOME/aria`."""
    return ProbeSettings.from_env().cache_dir


def prepare_backends(root: Path | None = None) -> Path:
    """Build (once) a backend directory with the Python backend and this interpreter's stub.

    Built in a temporary sibling and renamed into place, so concurrent test sessions never see
    a half-copied directory.
    """
    ts = _pytriton_dir() / "tritonserver"
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    stub = ts / "python_backend_stubs" / version / "triton_python_backend_stub"
    if not stub.is_file():
        raise ProbeServerError(f"nvidia-pytriton ships no Python backend stub for Python {version}")
    # Key on the wheel's location and the binary's mtime so an upgraded wheel is re-prepared.
    binary = ts / "bin" / "tritonserver"
    key = f"py{version}-{int(binary.stat().st_mtime)}"
    target = (root or cache_dir()) / "triton-backends" / key
    if (target / "python" / "triton_python_backend_stub").is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=target.parent))
    try:
        shutil.copytree(
            ts / "backends" / "python",
            staging / "python",
            ignore=shutil.ignore_patterns("__pycache__"),
        )
        shutil.copy2(stub, staging / "python" / "triton_python_backend_stub")
        try:
            staging.rename(target)
        except OSError:  # another session won the race; its copy is identical
            if not (target / "python" / "triton_python_backend_stub").is_file():
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def server_env(base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment tritonserver and its Python stubs need (see the module docstring)."""
    env = dict(os.environ if base is None else base)
    libs = [str(_site_packages() / "nvidia_pytriton.libs")]
    libdir = sysconfig.get_config_var("LIBDIR")
    if libdir:
        libs.append(libdir)
    if env.get("LD_LIBRARY_PATH"):
        libs.append(env["LD_LIBRARY_PATH"])
    env["LD_LIBRARY_PATH"] = ":".join(libs)
    env["PATH"] = f"{Path(sys.executable).parent}:{env.get('PATH', '')}"
    return env


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class TritonServer:
    """A running local tritonserver; stop it with `stop` (or use it as a context)."""

    process: subprocess.Popen[bytes]
    http_port: int
    grpc_port: int
    metrics_port: int
    log_path: Path
    _log_file: IO[bytes] | None = field(repr=False, default=None)

    @property
    def pid(self) -> int:
        return self.process.pid

    def url(self, protocol: str = "http") -> str:
        port = self.grpc_port if protocol == "grpc" else self.http_port
        return f"127.0.0.1:{port}"

    def alive(self) -> bool:
        return self.process.poll() is None

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def stop(self, timeout_s: float = _EXIT_TIMEOUT_S + 7) -> None:
        """SIGTERM the server's process group, then SIGKILL it if it outlives `timeout_s`."""
        if self.alive():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.pid, signal.SIGKILL)
                self.process.wait(timeout=5)
        # Backend stubs share the group; reap any that outlived the server itself.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, signal.SIGKILL)
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    def kill(self) -> None:
        """End the server abruptly (SIGKILL), as a crash would."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid, signal.SIGKILL)
        self.process.wait(timeout=5)

    def __enter__(self) -> TritonServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _ready(http_port: int, timeout_s: float) -> bool:
    try:
        with urllib.request.urlopen(
            f"http://127.0.0.1:{http_port}/v2/health/ready", timeout=timeout_s
        ) as resp:
            return resp.status == 200
    except (urllib.error.URLError, OSError):
        return False


def launch(
    model_repository: Path,
    models: list[str],
    *,
    log_path: Path | None = None,
    startup_timeout_s: float = 60.0,
    lifetime_s: float = 7200.0,
    extra_args: list[str] | None = None,
) -> TritonServer:
    """Start tritonserver in explicit model-control mode on free loopback ports.

    Explicit mode is what the probe's A/B needs (`load_model` with a config override is
    refused otherwise). Raises `ProbeServerError` with the server log's tail when the
    server exits or is not ready within `startup_timeout_s`. Under coreutils `timeout`
    the server ends after `lifetime_s` even if its parent is killed before `stop`.
    """
    binary = _pytriton_dir() / "tritonserver" / "bin" / "tritonserver"
    backends = prepare_backends()
    http_port, grpc_port, metrics_port = free_port(), free_port(), free_port()
    log_path = log_path or Path(tempfile.mkstemp(prefix="tritonserver-", suffix=".log")[1])
    watchdog = shutil.which("timeout")
    args = [
        *([watchdog, "-k", "10", f"{lifetime_s:g}"] if watchdog else []),
        str(binary),
        f"--model-repository={model_repository}",
        f"--backend-directory={backends}",
        f"--cache-directory={binary.parent.parent / 'caches'}",
        "--http-address=127.0.0.1",
        f"--http-port={http_port}",
        "--grpc-address=127.0.0.1",
        f"--grpc-port={grpc_port}",
        "--metrics-address=127.0.0.1",
        f"--metrics-port={metrics_port}",
        "--allow-gpu-metrics=false",
        f"--exit-timeout-secs={_EXIT_TIMEOUT_S}",
        "--model-control-mode=explicit",
        *[f"--load-model={m}" for m in models],
        *(extra_args or []),
    ]
    log_file = log_path.open("wb")
    process = subprocess.Popen(
        args,
        env=server_env(),
        stdout=log_file,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    server = TritonServer(process, http_port, grpc_port, metrics_port, log_path, log_file)
    deadline = time.monotonic() + startup_timeout_s
    while time.monotonic() < deadline:
        if not server.alive():
            server.stop()
            raise ProbeServerError(
                f"tritonserver exited with code {process.returncode} during start-up:\n"
                f"{server.log_tail()}"
            )
        if _ready(http_port, timeout_s=1.0):
            return server
        time.sleep(0.2)
    server.stop()
    raise ProbeServerError(
        f"tritonserver was not ready within {startup_timeout_s:.0f} s:\n{server.log_tail()}"
    )
