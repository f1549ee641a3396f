"""Fetching from the network, safely.

Every byte newsdesk takes from the network comes through :class:`Fetcher`.
It speaks only http and https, sends a clear User-Agent and conditional GET
headers, follows redirects itself (at most ``fetch_max_redirects``), stops
reading as soon as the *decompressed* body passes ``fetch_max_bytes`` (so a
tiny gzip bomb fails after inflating no more than the limit), is polite (one
request at a time per host, ``fetch_host_delay`` seconds apart) and turns
every failure into :class:`FetchError` with a one-line reason.

The SSRF guard
--------------
Feed and page URLs come from outside, so a URL, or a redirect, must not make
newsdesk talk to loopback, private, link-local (cloud metadata at
169.254.169.254), shared/CGNAT, multicast, reserved, unspecified or other
special-purpose addresses. An address is fetched only if it is public
(:func:`newsdesk.addresses.non_public_kind`: IANA's special-purpose registries,
with every form of IPv4 inside IPv6 unwrapped first), unless the setting
``fetch_allow_hosts`` names the host, the IP or a network containing it, and
the port (80 and 443 when the entry names none). The guard works at three points:

1. before each request (and each redirect hop) the URL's scheme is checked
   and an IP-literal host is checked without any network traffic;
2. at connect time, a custom httpcore network backend resolves the host name,
   checks *every* address, and connects to the checked IP itself. Nothing
   resolves the name a second time, so DNS rebinding (public answer for a
   check, private answer for the connect) cannot sneak past. TLS still
   verifies against the host name, which httpcore passes separately as SNI;
3. proxies from the environment are never used (``trust_env=False``), since a
   proxy would do its own resolving.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
import threading
import time
import zlib
from contextlib import contextmanager
from dataclasses import dataclass
from http import HTTPStatus
from typing import Iterable, Iterator
from urllib.parse import urlsplit

import httpcore
import httpx

from newsdesk.addresses import AllowEntry, non_public_kind, parse_allow_list

_REDIRECTS = {301, 302, 303, 307, 308}
TOTAL_TIMEOUT_FACTOR = 4  # a whole fetch may take this many fetch_timeouts: stops servers that trickle


class FetchError(Exception):
    """A fetch that failed; ``reason`` is one readable line."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(url, reason)
        self.url = url
        self.reason = reason

    def __str__(self) -> str:
        return f"{self.url}: {self.reason}" if self.url else self.reason


class BlockedAddress(FetchError):
    """Refused by the SSRF guard: the address is not public and not allowed."""


@dataclass(slots=True)
class FetchResult:
    url: str
    status: int
    headers: dict[str, str]
    content: bytes
    encoding: str | None
    content_type: str | None
    etag: str | None
    last_modified: str | None
    elapsed: float

    @property
    def not_modified(self) -> bool:
        return self.status == 304


# -- the address guard --------------------------------------------------------


def port_of(url: str | httpx.URL) -> int:
    """The port a URL is reached on (its scheme's default when it names none)."""
    parts = urlsplit(str(url))
    return parts.port or (443 if parts.scheme.lower() == "https" else 80)


def check_address(ip: str, allow: Iterable[str | AllowEntry] = (), port: int = 443) -> None:
    """Raise :class:`BlockedAddress` unless ``ip`` is public (see :mod:`newsdesk.addresses`) or an
    ``allow`` entry holds it and allows ``port``."""
    blocked = _blocked(ip, parse_allow_list(allow), port)
    if blocked is not None:
        kind, holders = blocked
        raise BlockedAddress("", f"refused: {ip} is {kind}; {_how_to_allow(holders, ip, port)}")


def _blocked(ip: str, allow: list[AllowEntry], port: int) -> tuple[str, list[AllowEntry]] | None:
    """None when ``ip`` may be reached on ``port``; else why not, and the entries that hold it on other ports."""
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        raise BlockedAddress("", f"refused: {ip!r} is not an IP address") from None
    kind = non_public_kind(addr)
    if kind is None:
        return None
    holders = [entry for entry in allow if entry.holds(addr)]
    if any(entry.allows_port(port) for entry in holders):
        return None
    return kind, holders


def _how_to_allow(entries: list[AllowEntry], name: str, port: int) -> str:
    """The end of a refusal: the setting that allows it, or (when entries name it on other ports) the entry to add."""
    if not entries:
        return "allow the host with the setting fetch_allow_hosts"
    shown = f"[{name}]" if ":" in name else name
    allowed = "; ".join(f"{e.text!r} allows {e.ports_text()}" for e in entries)
    return f"in fetch_allow_hosts {allowed}, not port {port}: add {shown}:{port} to allow it"


def check_host(host: str, allow: Iterable[str | AllowEntry] = (), port: int = 443) -> list[str]:
    """Resolve ``host``, check every address (to be reached on ``port``), and return them (in resolver order)."""
    entries = parse_allow_list(allow)
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise FetchError("", f"name not resolved: {host}") from None
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not addresses:
        raise FetchError("", f"name not resolved: {host}")
    named = [entry for entry in entries if entry.names_host(host)]
    if any(entry.allows_port(port) for entry in named):
        return addresses
    for address in addresses:
        blocked = _blocked(address, entries, port)
        if blocked is None:
            continue
        kind, holders = blocked
        if named and not holders:  # the host is allowed by name, on other ports
            raise BlockedAddress("", f"refused: {host} ({address}) is {kind}; {_how_to_allow(named, host, port)}")
        raise BlockedAddress("", f"refused: {address} is {kind}; {_how_to_allow(holders, address, port)}")
    return addresses


def refusal(url: str, allow: Iterable[str | AllowEntry] = ()) -> str | None:
    """Why the SSRF guard would refuse to fetch ``url`` (naming the setting that allows it), or
    None. A host name that does not resolve now is not refused: it may resolve later."""
    try:
        host = urlsplit(url).hostname or ""
        port = port_of(url)
    except ValueError as exc:
        return f"not a valid URL ({exc})"
    try:
        check_host(host, allow, port)
    except BlockedAddress as exc:
        return exc.reason
    except FetchError:
        return None
    return None


class _GuardedBackend(httpcore.SyncBackend):
    """Resolve, check every address, then connect to a checked IP."""

    def __init__(self, allow: list[AllowEntry]) -> None:
        self._allow = allow

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        failure: Exception | None = None
        for address in check_host(host, self._allow, port):
            try:
                return super().connect_tcp(address, port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        assert failure is not None
        raise failure


class _GuardedTransport(httpx.HTTPTransport):
    """httpx's transport with its connection pool rebuilt on the guarded backend."""

    def __init__(self, allow: list[AllowEntry]) -> None:
        super().__init__(trust_env=False)
        assert isinstance(self._pool, httpcore.ConnectionPool)  # no proxy in play
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(),  # env only names CA files here
            max_connections=20,
            max_keepalive_connections=10,
            network_backend=_GuardedBackend(allow),
        )


# -- decoding with a bound ----------------------------------------------------


class _Body:
    """Collect a body, undoing gzip/deflate, never holding more than ``limit`` bytes.

    Inflating is done here, not by httpx, because zlib is then told to produce
    at most one byte past the limit per call: a gzip bomb is stopped after
    ``limit`` bytes instead of being inflated a whole network read at a time.
    """

    def __init__(self, encoding: str, limit: int) -> None:
        self.limit, self.size, self.parts = limit, 0, []
        self.inflater = None
        self.may_be_raw = encoding == "deflate"  # some servers send raw deflate
        if encoding in ("gzip", "x-gzip"):
            self.inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
        elif encoding == "deflate":
            self.inflater = zlib.decompressobj()
        elif encoding not in ("", "identity"):
            raise FetchError("", f"unsupported content encoding {encoding!r}")

    def _add(self, data: bytes) -> None:
        self.size += len(data)
        if self.size > self.limit:
            raise FetchError("", f"body larger than {self.limit} bytes")
        self.parts.append(data)

    def feed(self, data: bytes) -> None:
        if self.inflater is None:
            return self._add(data)
        while data and not self.inflater.eof:
            try:
                out = self.inflater.decompress(data, self.limit - self.size + 1)
            except zlib.error as exc:
                if self.may_be_raw:
                    self.may_be_raw = False
                    self.inflater = zlib.decompressobj(-zlib.MAX_WBITS)
                    continue
                raise FetchError("", f"body could not be decompressed: {exc}") from None
            self.may_be_raw = False
            self._add(out)
            data = self.inflater.unconsumed_tail

    def content(self) -> bytes:
        return b"".join(self.parts)


# -- errors -------------------------------------------------------------------


def _reason(exc: BaseException, timeout: float) -> str:
    """One readable line for an httpx or OS error."""
    if isinstance(exc, (httpx.TimeoutException, socket.timeout, TimeoutError)):
        return f"timed out after {timeout:g} s"
    cause: BaseException | None = exc
    while cause is not None and not isinstance(cause, OSError):  # the OS/TLS error underneath
        cause = cause.__cause__ or cause.__context__
    if isinstance(cause, ssl.SSLCertVerificationError):
        return f"TLS error: {cause.verify_message or cause.reason}"
    if isinstance(cause, ssl.SSLError):
        return f"TLS error: {(cause.reason or str(cause)).replace('_', ' ').lower()}"
    if isinstance(cause, ConnectionRefusedError):
        return "connection refused"
    if isinstance(cause, ConnectionResetError):
        return "connection reset by the server"
    if isinstance(cause, OSError) and cause.strerror:
        return f"network error: {cause.strerror.lower()}"
    if isinstance(exc, httpx.RemoteProtocolError):
        return f"server broke the HTTP protocol: {exc}"
    if isinstance(exc, (httpx.ReadError, httpx.WriteError)):
        return f"connection lost: {exc or type(exc).__name__}"
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return f"network error: {text}"


# -- the fetcher --------------------------------------------------------------


class Fetcher:
    """A guarded, polite HTTP client; safe to share between a few threads."""

    def __init__(self, settings) -> None:
        self.timeout = float(settings.fetch_timeout)
        self.max_bytes = int(settings.fetch_max_bytes)
        self.max_redirects = int(settings.fetch_max_redirects)
        self.host_delay = float(settings.fetch_host_delay)
        try:
            self.allow = parse_allow_list(str(a) for a in settings.fetch_allow_hosts)
        except ValueError as exc:
            raise FetchError("", f"bad value for fetch_allow_hosts: {exc}") from None
        self._client = httpx.Client(
            transport=_GuardedTransport(self.allow),
            timeout=httpx.Timeout(self.timeout),
            follow_redirects=False,
            trust_env=False,
            headers={"User-Agent": settings.fetch_user_agent, "Accept-Encoding": "gzip, deflate"},
        )
        self._guard = threading.Lock()
        self._host_locks: dict[str, threading.Lock] = {}
        self._last_done: dict[str, float] = {}

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> "Fetcher":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def _check_url(self, url: httpx.URL) -> None:
        if url.scheme not in ("http", "https"):
            raise FetchError("", f"unsupported scheme {url.scheme or '(none)'!r}; only http and https")
        if not url.host:
            raise FetchError("", "no host in URL")
        try:
            ipaddress.ip_address(url.host)
        except ValueError:
            return  # a name: checked after resolution, at connect time
        check_address(url.host, self.allow, port_of(url))

    @contextmanager
    def _polite(self, host: str) -> Iterator[None]:
        with self._guard:
            lock = self._host_locks.setdefault(host, threading.Lock())
        with lock:
            wait = self._last_done.get(host, float("-inf")) + self.host_delay - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            try:
                yield
            finally:
                self._last_done[host] = time.monotonic()

    def get(self, url: str, *, etag: str | None = None, last_modified: str | None = None,
            accept: str | None = None) -> FetchResult:
        """Fetch ``url``; 2xx or 304 gives a :class:`FetchResult`, anything else raises FetchError."""
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        if accept:
            headers["Accept"] = accept
        start = time.monotonic()
        current = url
        try:
            try:
                target = httpx.URL(url)
            except (httpx.InvalidURL, TypeError, ValueError) as exc:
                raise FetchError(url, f"invalid URL: {exc}") from None
            for _hop in range(self.max_redirects + 1):
                current = str(target)
                self._check_url(target)
                with self._polite(target.host.lower()):
                    result_or_next = self._one(target, headers, start)
                if isinstance(result_or_next, FetchResult):
                    return result_or_next
                target = result_or_next
            raise FetchError(url, f"too many redirects (more than {self.max_redirects})")
        except FetchError as exc:
            exc.url = exc.url or current
            raise exc from None
        except (httpx.HTTPError, OSError) as exc:
            raise FetchError(current, _reason(exc, self.timeout)) from None

    def _one(self, url: httpx.URL, headers: dict[str, str], start: float) -> FetchResult | httpx.URL:
        """One request: a result, or the URL a redirect points to."""
        request = self._client.build_request("GET", url, headers=headers)
        response = self._client.send(request, stream=True)
        try:
            status = response.status_code
            if status in _REDIRECTS and response.headers.get("location"):
                try:
                    return url.join(response.headers["location"])
                except (httpx.InvalidURL, ValueError) as exc:
                    raise FetchError(str(url), f"bad redirect location: {exc}") from None
            if status != 304 and not 200 <= status < 300:
                try:
                    phrase = HTTPStatus(status).phrase
                except ValueError:
                    phrase = response.reason_phrase
                raise FetchError(str(url), f"HTTP {status} {phrase}".rstrip())
            content = b""
            if status != 304:
                declared = response.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > self.max_bytes:
                    raise FetchError(str(url), f"body larger than {self.max_bytes} bytes")
                encoding = response.headers.get("content-encoding", "").strip().lower()
                body = _Body(encoding, self.max_bytes)
                for chunk in response.iter_raw():
                    if time.monotonic() - start > self.timeout * TOTAL_TIMEOUT_FACTOR:
                        raise FetchError(str(url), f"timed out after {self.timeout * TOTAL_TIMEOUT_FACTOR:g} s (body still arriving)")
                    body.feed(chunk)
                content = body.content()
            content_type = response.headers.get("content-type")
            return FetchResult(
                url=str(url),
                status=status,
                headers={k.lower(): v for k, v in response.headers.items()},
                content=content,
                encoding=response.charset_encoding,
                content_type=(content_type.split(";")[0].strip().lower() or None) if content_type else None,
                etag=response.headers.get("etag"),
                last_modified=response.headers.get("last-modified"),
                elapsed=time.monotonic() - start,
            )
        finally:
            response.close()
