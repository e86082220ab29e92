"""A local OpenAI-compatible chat endpoint (stdlib `http.server` on 127.0.0.1) for the writer.

It answers `POST /v1/chat/completions` as vLLM or Ollama would for a request with a
`json_schema` `response_format`: the scripted answer is the message content, as JSON text. Every
request is recorded (path, headers, body) so tests can see exactly what left the process.
A scripted answer may also be a `Reply` with another status, a raw body or a delay.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    content: Any = None  # JSON-able: sent as the message content, serialised
    status: int = 200
    raw: str | None = None  # sent as the message content as it is (not JSON)
    delay_s: float = 0.0


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]  # names lower-cased
    body: dict[str, Any]


Script = Callable[[dict[str, Any]], Reply]


@dataclass
class ChatEndpoint:
    """The server and its script; `answer` queues replies, `respond` answers from the request."""

    host: str = "127.0.0.1"
    requests: list[Recorded] = field(default_factory=list)
    replies: deque[Reply] = field(default_factory=deque)
    respond: Script | None = None
    _server: ThreadingHTTPServer | None = None

    @property
    def base_url(self) -> str:
        assert self._server is not None
        return f"http://{self.host}:{self._server.server_port}/v1"

    def answer(self, *replies: Reply | Any) -> None:
        self.replies.extend(r if isinstance(r, Reply) else Reply(r) for r in replies)

    def start(self) -> ChatEndpoint:
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                endpoint.requests.append(Recorded(
                    self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                if self.path != "/v1/chat/completions":
                    return self._send(404, {"error": {"message": "not found"}})
                reply = endpoint._next(body)
                time.sleep(reply.delay_s)
                if reply.status != 200:
                    return self._send(reply.status, {"error": {"message": "scripted failure",
                                                               "type": "server_error"}})
                content = reply.raw if reply.raw is not None else json.dumps(reply.content)
                self._send(200, _completion(body, content))

            def _send(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass  # quiet: the tests assert on `requests`

        self._server = ThreadingHTTPServer((self.host, 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def _next(self, body: dict[str, Any]) -> Reply:
        fmt = body.get("response_format") or {}
        if fmt.get("type") != "json_schema":
            return Reply(status=400)  # the writer must ask for a schema-constrained answer
        if self.respond is not None:
            return self.respond(body)
        return self.replies.popleft() if self.replies else Reply(status=500)


def _completion(request: dict[str, Any], content: str) -> dict[str, Any]:
    prompt = sum(len(str(m.get("content", ""))) for m in request.get("messages", [])) // 4
    return {
        "id": "chatcmpl-local", "object": "chat.completion", "created": int(time.time()),
        "model": request.get("model", "local"),
        "choices": [{"index": 0, "finish_reason": "stop", "logprobs": None,
                     "message": {"role": "assistant", "content": content, "refusal": None}}],
        "usage": {"prompt_tokens": prompt, "completion_tokens": len(content) // 4,
                  "total_tokens": prompt + len(content) // 4},
    }
