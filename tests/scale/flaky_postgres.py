"""PostgreSQL behind a port that can go away and come back, as a restarting server does to its
clients, without restarting the shared cluster: `down()` cuts every open connection and refuses
new ones, `up()` forwards again."""

from __future__ import annotations

import contextlib
import socket
import threading

from emulator.pytest_fixtures import free_port
from sqlalchemy.engine import make_url


class FlakyPostgres:
    def __init__(self, host: str = "127.0.0.1", port: int = 5432) -> None:
        self.target = (host, port)
        self.port = free_port()
        self._listener: socket.socket | None = None
        self._open: list[socket.socket] = []
        self._lock = threading.Lock()

    def url(self, pg_url: str) -> str:
        """`pg_url`, reached through this port."""
        return make_url(pg_url).set(host="127.0.0.1", port=self.port).render_as_string(
            hide_password=False)

    def up(self) -> None:
        listener = socket.create_server(("127.0.0.1", self.port))  # SO_REUSEADDR: same port
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def down(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            _close(listener)  # shutdown wakes the accepting thread
        with self._lock:
            conns, self._open = self._open, []
        for conn in conns:
            _close(conn)

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # down()
            try:
                server = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._open += [client, server]
            for src, dst in ((client, server), (server, client)):
                threading.Thread(target=_pump, args=(src, dst), daemon=True).start()


def _pump(src: socket.socket, dst: socket.socket) -> None:
    try:
        while data := src.recv(65536):
            dst.sendall(data)
    except OSError:
        pass
    for end in (src, dst):
        with contextlib.suppress(OSError):
            end.shutdown(socket.SHUT_RDWR)


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()
