"""Pytest fixtures: emulator, App key, settings, and a live `aria serve` on a real port."""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from emulator.server import FIXTURES, GitHubEmulator

from bot.cli.processes import build_service
from bot.service.app import Service, create_app
from bot.service.settings import ServeSettings
from bot.service.signature import sign

SECRET = "It's a Secret to Everybody"


@pytest.fixture(scope="session")
def rsa_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(serialization.Encoding.PEM,
                             serialization.PrivateFormat.TraditionalOpenSSL,
                             serialization.NoEncryption()).decode()


@pytest.fixture
def emulator() -> Iterator[GitHubEmulator]:
    with GitHubEmulator(prefix="/api/v3") as em:
        yield em


def webhook(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / "webhooks" / name).read_text(encoding="utf-8"))


@pytest.fixture
def settings(tmp_path: Path, emulator: GitHubEmulator, rsa_pem: str) -> ServeSettings:
    return ServeSettings(
        app_id="5725", webhook_secret=SECRET, private_key=rsa_pem, state_dir=tmp_path,
        github_api_url=emulator.base_url, github_seconds_between_writes=0,
        github_secondary_rate_wait=1, workers=2,
    )


@dataclass
class LiveServer:
    url: str
    service: Service

    def post(self, event: str, payload: dict[str, Any] | bytes, *, delivery: str | None = None,
             secret: str = SECRET, signature: str | None = None) -> httpx.Response:
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        delivery = str(uuid.uuid4()) if delivery is None else delivery
        headers = {"X-GitHub-Event": event, "X-GitHub-Delivery": delivery,
                   "Content-Type": "application/json", "User-Agent": "GitHub-Hookshot/test"}
        sig = signature if signature is not None else sign(secret.encode(), body)
        if sig:
            headers["X-Hub-Signature-256"] = sig
        return httpx.post(f"{self.url}/webhook", content=body, headers=headers, timeout=10)


def wait_for(predicate: Callable[[], Any], timeout: float = 15.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError("condition not met in time")


def free_port() -> int:
    """A port nothing listens on now (for a server process the test starts)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def answers_ok(url: str) -> bool:
    """Whether `url` answers 200 now (a server still starting does not)."""
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def run_server(service: Service) -> Iterator[LiveServer]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(create_app(service), log_level="warning",
                                           lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    wait_for(lambda: server.started, 10)
    try:
        yield LiveServer(f"http://127.0.0.1:{sock.getsockname()[1]}", service)
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


@pytest.fixture
def live(settings: ServeSettings) -> Iterator[LiveServer]:
    yield from run_server(build_service(settings, poll_interval=0.05))
