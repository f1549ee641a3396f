"""A fake OpenAI-compatible chat-completions server on 127.0.0.1 for tests.

    def test_something(chat_server):
        chat_server.reply('{"headline": "...", "dek": "...", "bullets": [...]}')
        config = LLMConfig(base_url=chat_server.base_url, model="m")
        ...
        request = chat_server.requests[-1]
        request.body["model"], request.headers["authorization"]

``POST /v1/chat/completions`` answers from a queue of canned replies, first in
first out; an empty queue answers 500. Canned replies:

* ``reply(content)`` -- a proper ``chat.completion`` with ``choices[0].message.content``,
  model ``"fake-model"``;
* ``reply_raw(status, body, headers=None)`` -- exactly this status and body (str, bytes,
  or a dict/list sent as JSON);
* ``reply_delay(seconds, content)`` -- like ``reply`` after sleeping (for timeouts);
* ``reject_response_format()`` -- the next request that carries ``response_format`` gets
  ``400 {"error": ...}`` without using up a queued reply.

Every request is recorded in ``requests`` as a :class:`ChatRequest` (method, path,
parsed JSON body or None, headers with lower-cased names), rejected ones included.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

CHAT_PATH = "/v1/chat/completions"


@dataclass
class ChatRequest:
    method: str
    path: str
    body: Any  # the parsed JSON body, or None when it was not JSON
    headers: dict[str, str]
    raw: bytes = b""


@dataclass
class _Reply:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


def completion(content: str, model: str = "fake-model") -> dict:
    """A chat.completion object as OpenAI-compatible servers send it."""
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": 1700000000,
        "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
    }


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: "_Server"

    def log_message(self, format, *args):  # keep test output quiet
        pass

    def do_POST(self):
        self.server.owner._handle(self)

    def do_GET(self):
        self.server.owner._handle(self)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: "FakeChatServer"

    def handle_error(self, request, client_address):  # clients hanging up (timeouts) is normal here
        pass


class FakeChatServer:
    """A threaded chat-completions server on 127.0.0.1 with an ephemeral port."""

    def __init__(self) -> None:
        self.requests: list[ChatRequest] = []
        self._replies: list[_Reply] = []
        self._reject_response_format = False
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.owner = self
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.01,),
                                        name="fake-chat-server", daemon=True)

    # -- lifecycle ---------------------------------------------------------
    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> "FakeChatServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wakes handlers sleeping in reply_delay
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> "FakeChatServer":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    # -- canned replies ----------------------------------------------------
    def reply(self, content: str, model: str = "fake-model") -> None:
        self.reply_raw(200, completion(content, model))

    def reply_raw(self, status: int, body: str | bytes | dict | list, headers: dict[str, str] | None = None) -> None:
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
            headers = {"Content-Type": "application/json", **(headers or {})}
        if isinstance(body, str):
            body = body.encode("utf-8")
        with self._lock:
            self._replies.append(_Reply(status, body, dict(headers or {})))

    def reply_delay(self, seconds: float, content: str) -> None:
        body = json.dumps(completion(content)).encode("utf-8")
        with self._lock:
            self._replies.append(_Reply(200, body, {"Content-Type": "application/json"}, delay=seconds))

    def reject_response_format(self) -> None:
        with self._lock:
            self._reject_response_format = True

    # -- serving -----------------------------------------------------------
    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        headers = {k.lower(): v for k, v in h.headers.items()}
        length = int(headers.get("content-length") or 0)
        raw = h.rfile.read(length) if length > 0 else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        with self._lock:
            self.requests.append(ChatRequest(h.command, h.path, body, headers, raw))
            if h.command != "POST" or h.path != CHAT_PATH:
                reply = _Reply(404, b'{"error": {"message": "not found"}}', {"Content-Type": "application/json"})
            elif self._reject_response_format and isinstance(body, dict) and "response_format" in body:
                self._reject_response_format = False
                reply = _Reply(400, json.dumps({"error": {"message": "response_format is not supported",
                                                          "type": "invalid_request_error"}}).encode(),
                               {"Content-Type": "application/json"})
            elif self._replies:
                reply = self._replies.pop(0)
            else:
                reply = _Reply(500, b'{"error": {"message": "no canned reply left"}}',
                               {"Content-Type": "application/json"})
        if reply.delay and self._stopping.wait(reply.delay):
            h.close_connection = True
            return
        h.send_response(reply.status)
        for name, value in {"Content-Type": "application/json", **reply.headers}.items():
            h.send_header(name, value)
        h.send_header("Content-Length", str(len(reply.body)))
        h.end_headers()
        try:
            h.wfile.write(reply.body)
        except (BrokenPipeError, ConnectionResetError):
            h.close_connection = True


@pytest.fixture
def chat_server():
    """A started :class:`FakeChatServer`, stopped at teardown."""
    with FakeChatServer() as server:
        yield server
