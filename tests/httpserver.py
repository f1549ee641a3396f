"""A real HTTP server on 127.0.0.1 for tests, with a route table.

    def test_something(http_server):
        http_server.route("/feed.xml", body=b"<rss/>", etag='"v1"',
                          headers={"Content-Type": "application/rss+xml"})
        http_server.redirect("/old", "/feed.xml")
        url = http_server.url("/old")
        ...
        method, path, headers = http_server.requests[-1]

Built-in routes (a test's own route of the same path wins):

* ``/huge``  -- ``huge_size`` bytes (50 MB) of "x", chunked, no Content-Length;
* ``/bomb``  -- a gzip bomb: ~100 KB of gzip that inflates to 100 MB of zeros,
  sent with ``Content-Encoding: gzip`` and an honest (small) Content-Length.

Headers in the request log are a dict with lower-cased names;
``request_times[i]`` is the ``time.monotonic()`` at which request ``i`` arrived.
"""

from __future__ import annotations

import functools
import gzip as gzip_module
import threading
import time
import zlib
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest

BOMB_SIZE = 100 * 1024 * 1024


@functools.lru_cache(maxsize=1)
def gzip_bomb() -> bytes:
    """gzip of BOMB_SIZE zero bytes (about 100 KB), built once per test run."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    block = bytes(1024 * 1024)
    parts = [compressor.compress(block) for _ in range(BOMB_SIZE // len(block))]
    parts.append(compressor.flush())
    return b"".join(parts)


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    etag: str | None = None
    last_modified: str | None = None
    gzip: bool = False


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: "_Server"

    def log_message(self, format, *args):  # keep test output quiet
        pass

    def do_GET(self):
        self.server.owner._handle(self)

    def do_HEAD(self):
        self.server.owner._handle(self)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: "LocalHTTPServer"

    def handle_error(self, request, client_address):  # clients hanging up early is normal here
        pass


class LocalHTTPServer:
    """A threaded HTTP server on 127.0.0.1 with an ephemeral port."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self.request_times: list[float] = []
        self.huge_size = 50 * 1024 * 1024
        self._lock = threading.Lock()
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.owner = self
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), name="test-http-server", daemon=True)

    # -- lifecycle ---------------------------------------------------------
    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    def start(self) -> "LocalHTTPServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> "LocalHTTPServer":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    # -- configuration -----------------------------------------------------
    def url(self, path: str = "/", host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def route(self, path: str, body: bytes | str = b"", status: int = 200, headers: dict[str, str] | None = None,
              delay: float = 0.0, etag: str | None = None, last_modified: str | None = None,
              gzip: bool = False) -> str:
        """Register (or replace) the response for ``path``; returns its URL."""
        if isinstance(body, str):
            body = body.encode("utf-8")
        self.routes[path] = Route(body, status, dict(headers or {}), delay, etag, last_modified, gzip)
        return self.url(path)

    def redirect(self, path: str, to: str, status: int = 302) -> str:
        """Make ``path`` redirect to ``to`` (absolute or relative); returns its URL."""
        return self.route(path, status=status, headers={"Location": to})

    def paths(self) -> list[str]:
        """Paths requested so far, in order."""
        return [path for _method, path, _headers in self.requests]

    # -- serving -----------------------------------------------------------
    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        headers = {k.lower(): v for k, v in h.headers.items()}
        with self._lock:
            self.requests.append((h.command, h.path, headers))
            self.request_times.append(time.monotonic())
        path = urlsplit(h.path).path
        route = self.routes.get(path)
        if route is None and path == "/huge":
            return self._send_huge(h)
        if route is None and path == "/bomb":
            route = Route(gzip_bomb(), headers={"Content-Encoding": "gzip", "Content-Type": "text/plain"})
        if route is None:
            route = Route(b"not found", status=404)
        if route.delay:
            time.sleep(route.delay)

        status, body = route.status, route.body
        out = {"Content-Type": "text/plain; charset=utf-8", **route.headers}
        if route.etag:
            out["ETag"] = route.etag
        if route.last_modified:
            out["Last-Modified"] = route.last_modified
        if _not_modified(route, headers):
            status, body = 304, b""
            out.pop("Content-Type", None)
        elif route.gzip:
            body = gzip_module.compress(body)
            out["Content-Encoding"] = "gzip"
        h.send_response(status)
        for name, value in out.items():
            h.send_header(name, value)
        if status != 304:
            h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        if h.command != "HEAD" and body:
            try:
                h.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                h.close_connection = True

    def _send_huge(self, h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "text/plain")
        h.send_header("Transfer-Encoding", "chunked")
        h.end_headers()
        chunk = b"x" * 65536
        sent = 0
        try:
            while sent < self.huge_size:
                piece = chunk[: self.huge_size - sent]
                h.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                sent += len(piece)
            h.wfile.write(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError, OSError):
            h.close_connection = True


def _not_modified(route: Route, headers: dict[str, str]) -> bool:
    if route.status != 200:
        return False
    if "if-none-match" in headers:
        if not route.etag:
            return False
        wanted = {tag.strip().removeprefix("W/") for tag in headers["if-none-match"].split(",")}
        return "*" in wanted or route.etag.removeprefix("W/") in wanted
    if "if-modified-since" in headers and route.last_modified:
        return headers["if-modified-since"].strip() == route.last_modified
    return False


@pytest.fixture
def http_server():
    """A started :class:`LocalHTTPServer`, stopped after the test."""
    server = LocalHTTPServer().start()
    try:
        yield server
    finally:
        server.stop()


def stop_process(process, timeout: float = 20.0) -> None:
    """Ask a server subprocess to stop (SIGTERM), and kill it when it has not ended within ``timeout``."""
    import subprocess

    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
