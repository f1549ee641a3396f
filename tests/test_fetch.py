"""newsdesk.fetch against a real server on 127.0.0.1 (no other network is touched)."""

from __future__ import annotations

import socket
import sys
import threading
import time
import tracemalloc
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from httpserver import http_server  # noqa: E402,F401  (pytest fixture)

from newsdesk.fetch import BlockedAddress, FetchError, Fetcher, check_address, check_host  # noqa: E402
from newsdesk.settings import load_settings  # noqa: E402


def make_fetcher(**overrides) -> Fetcher:
    values = {"fetch_allow_hosts": ["127.0.0.1:*"], "fetch_host_delay": 0, "fetch_timeout": 5}
    values.update(overrides)
    return Fetcher(load_settings(env={}, **values))


@pytest.fixture
def fetcher():
    with make_fetcher() as f:
        yield f


@pytest.fixture
def fake_dns(monkeypatch):
    """Resolve made-up names (``names[host] = ip``) without touching a resolver."""
    names: dict[str, str] = {}
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host in names:
            family = socket.AF_INET6 if ":" in names[host] else socket.AF_INET
            return [(family, socket.SOCK_STREAM, 6, "", (names[host], port or 0))]
        if host in ("127.0.0.1", "localhost", "::1") or host.replace(".", "").isdigit():
            return real(host, port, *args, **kwargs)
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return names


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- the address guard, no connections ------------------------------------------


@pytest.mark.parametrize(
    "ip",
    ["10.0.0.1", "172.16.5.4", "192.168.1.1", "169.254.169.254", "100.64.0.1", "127.0.0.1", "::1",
     "fe80::1", "fc00::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "224.0.0.1", "0.0.0.0", "::", "240.0.0.1",
     "255.255.255.255"],
)
def test_check_address_refuses_non_public(ip):
    with pytest.raises(BlockedAddress) as info:
        check_address(ip)
    assert ip in info.value.reason and "fetch_allow_hosts" in info.value.reason


@pytest.mark.parametrize("ip", ["8.8.8.8", "2606:4700::1111", "93.184.216.34"])
def test_check_address_accepts_public(ip):
    check_address(ip)


def test_check_address_reason_names_the_kind():
    with pytest.raises(BlockedAddress, match="link-local"):
        check_address("169.254.169.254")
    with pytest.raises(BlockedAddress, match="carrier-grade NAT"):
        check_address("100.64.0.1")
    with pytest.raises(BlockedAddress, match="loopback"):
        check_address("::ffff:127.0.0.1")


def test_check_address_allow_list_by_ip_and_cidr():
    check_address("10.0.0.5", ["10.0.0.5"])
    check_address("10.1.2.3", ["10.0.0.0/8"])
    check_address("::ffff:10.1.2.3", ["10.0.0.0/8"])
    check_address("fd00::7", ["fd00::/8"])
    with pytest.raises(BlockedAddress):
        check_address("10.0.0.6", ["10.0.0.5", "intranet.example", "192.168.0.0/16"])


def test_check_host_checks_every_address(monkeypatch):
    def getaddrinfo(host, port, *args, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("8.8.8.8", 0)),
                (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.9", 0))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    with pytest.raises(BlockedAddress, match="10.0.0.9"):
        check_host("mixed.example")
    assert check_host("mixed.example", ["10.0.0.0/24"]) == ["8.8.8.8", "10.0.0.9"]
    assert check_host("Mixed.Example", ["mixed.example"]) == ["8.8.8.8", "10.0.0.9"]


def test_check_host_unresolvable(fake_dns):
    with pytest.raises(FetchError, match="name not resolved"):
        check_host("nowhere.invalid")


# IPv4 inside IPv6 in every form, and special-purpose blocks Python's is_global lets through
# (issue 22: the first five passed the guard and a connection was attempted)
SSRF_FORMS = [
    ("::127.0.0.1", "loopback"),                       # IPv4-compatible (deprecated)
    ("::ffff:0:127.0.0.1", "loopback"),                # IPv4-translated (SIIT)
    ("fec0::1", "site-local"),                         # deprecated site-local
    ("64:ff9b:1::a00:1", "private"),                   # local-use NAT64 of 10.0.0.1
    ("192.0.0.8", "IETF protocol assignment"),         # 192.0.0.0/24
    ("::ffff:7f00:1", "loopback"),                     # IPv4-mapped, written in hex
    ("64:ff9b::a9fe:a9fe", "link-local"),              # NAT64 of the cloud metadata address
    ("2002:a9fe:a9fe::1", "link-local"),               # 6to4 of the cloud metadata address
    ("2001:0:a00:1::f5ff:fffe", "private"),            # Teredo: server 10.0.0.1, client 10.0.0.1
    ("2001:0:4136:e378:8000:63bf:3fff:fdd2", "documentation"),  # Teredo, client 192.0.2.45
    ("::ffff:0:8.8.8.8", "IPv4-translated"),           # SIIT refused whatever it carries
    ("::8.8.8.8", "IPv4-compatible"),
    ("64:ff9b:1::808:808", "local-use NAT64"),       # refused whatever it carries
    ("198.18.0.1", "benchmarking"),
    ("100.64.0.1", "carrier-grade NAT"),
    ("192.88.99.1", "6to4 relay anycast"),
    ("5f00::1", "segment routing"),
    ("3fff::1", "documentation"),
    ("100::1", "discard-only"),
    ("4000::1", "outside 2000::/3"),
    ("2001:2::1", "IETF protocol assignment"),
]


@pytest.mark.parametrize(("ip", "kind"), SSRF_FORMS, ids=[ip for ip, _ in SSRF_FORMS])
def test_every_form_of_a_non_public_address_is_refused(ip, kind):
    with pytest.raises(BlockedAddress) as info:
        check_address(ip)
    assert f"refused: {ip} is" in info.value.reason and kind in info.value.reason
    assert "fetch_allow_hosts" in info.value.reason


@pytest.mark.parametrize(("ip", "_kind"), SSRF_FORMS[:10], ids=[ip for ip, _ in SSRF_FORMS[:10]])
def test_no_connection_is_attempted_to_a_refused_form(ip, _kind, monkeypatch):
    import httpcore

    attempts = []
    monkeypatch.setattr(httpcore.SyncBackend, "connect_tcp", lambda self, *a, **k: attempts.append(a) or 1 / 0)
    literal = f"[{ip}]" if ":" in ip else ip
    with make_fetcher(fetch_allow_hosts=[]) as f, pytest.raises(BlockedAddress):
        f.get(f"http://{literal}/latest/meta-data/")
    assert attempts == []


@pytest.mark.parametrize("ip", ["8.8.8.8", "2606:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1"])
def test_public_addresses_and_their_public_ipv6_forms_pass(ip):
    check_address(ip)


def test_an_allow_entry_names_its_ports_and_a_bare_one_means_80_and_443():
    check_address("10.0.0.5", ["10.0.0.5"], port=80)
    check_address("10.0.0.5", ["10.0.0.5"], port=443)
    with pytest.raises(BlockedAddress) as info:
        check_address("10.0.0.5", ["10.0.0.5", "10.0.0.0/8:8443"], port=6379)
    assert "'10.0.0.5' allows ports 80 and 443" in info.value.reason and "add 10.0.0.5:6379" in info.value.reason
    check_address("10.0.0.5", ["10.0.0.5:6379"], port=6379)
    check_address("10.1.2.3", ["10.0.0.0/8:*"], port=22)
    check_address("fd00::7", ["[fd00::/8]:8080"], port=8080)
    with pytest.raises(BlockedAddress, match=r"add \[fd00::7\]:81"):
        check_address("fd00::7", ["[fd00::/8]:8080"], port=81)
    check_address("::ffff:10.1.2.3", ["10.0.0.0/8:8080"], port=8080)  # the IPv4 it carries is allowed


def test_a_host_allowed_by_name_is_allowed_on_its_ports_only(fake_dns):
    fake_dns["feeds.intranet"] = "10.0.0.9"
    assert check_host("feeds.intranet", ["feeds.intranet"], port=443) == ["10.0.0.9"]
    assert check_host("feeds.intranet", ["FEEDS.intranet:8080"], port=8080) == ["10.0.0.9"]
    with pytest.raises(BlockedAddress) as info:
        check_host("feeds.intranet", ["feeds.intranet"], port=8080)
    assert "refused: feeds.intranet (10.0.0.9) is a private address" in info.value.reason
    assert "add feeds.intranet:8080" in info.value.reason


def test_a_bare_allowed_host_is_not_fetched_on_another_port(http_server):
    url = http_server.route("/ok", body=b"fine")
    with make_fetcher(fetch_allow_hosts=["127.0.0.1"]) as f, pytest.raises(BlockedAddress) as info:
        f.get(url)
    assert f"add 127.0.0.1:{http_server.port} to allow it" in info.value.reason
    assert http_server.requests == []
    for allow in ([f"127.0.0.1:{http_server.port}"], [f"localhost:{http_server.port}"], ["127.0.0.0/8:*"]):
        with make_fetcher(fetch_allow_hosts=allow) as f:
            assert f.get(url.replace("127.0.0.1", "localhost")).content == b"fine"


def test_a_redirect_to_another_port_of_an_allowed_host_is_refused(http_server):
    url = http_server.redirect("/go", f"http://127.0.0.1:{closed_port()}/admin")
    with make_fetcher(fetch_allow_hosts=[f"127.0.0.1:{http_server.port}"]) as f, pytest.raises(BlockedAddress):
        f.get(url)
    assert http_server.paths() == ["/go"]


# -- fetching -------------------------------------------------------------------


def test_fetch_returns_body_and_headers(http_server, fetcher):
    url = http_server.route("/page", body="héllo".encode(), headers={"Content-Type": "Text/HTML; charset=UTF-8",
                                                                       "X-Thing": "yes"})
    result = fetcher.get(url, accept="text/html")
    assert result.status == 200 and not result.not_modified
    assert result.content == "héllo".encode()
    assert result.url == url
    assert result.content_type == "text/html"
    assert result.encoding.lower() == "utf-8"
    assert result.headers["x-thing"] == "yes"
    assert result.elapsed >= 0
    _method, _path, sent = http_server.requests[-1]
    assert sent["user-agent"].startswith("newsdesk/")
    assert sent["accept"] == "text/html"


def test_gzip_body_is_decoded(http_server, fetcher):
    url = http_server.route("/gz", body=b"compressed " * 1000, gzip=True)
    result = fetcher.get(url)
    assert result.content == b"compressed " * 1000
    assert result.headers["content-encoding"] == "gzip"


def test_loopback_refused_by_default(http_server):
    with make_fetcher(fetch_allow_hosts=[]) as f:
        for host in ("127.0.0.1", "localhost"):
            with pytest.raises(BlockedAddress) as info:
                f.get(http_server.url("/x", host=host))
            assert "127.0.0.1" in str(info.value) and "fetch_allow_hosts" in str(info.value)
    assert http_server.requests == []


@pytest.mark.parametrize("allow", [["LOCALHOST:*"], ["127.0.0.1:*"], ["127.0.0.0/8:*"]])
def test_allow_list_by_name_ip_and_cidr(http_server, allow):
    url = http_server.route("/ok", body=b"fine")
    with make_fetcher(fetch_allow_hosts=allow) as f:
        assert f.get(url.replace("127.0.0.1", "localhost")).content == b"fine"


def test_resolved_name_connects_to_checked_ip(http_server, fake_dns):
    fake_dns["feeds.test"] = "127.0.0.1"
    http_server.route("/feed", body=b"<rss/>")
    with make_fetcher() as f:
        result = f.get(http_server.url("/feed", host="feeds.test"))
    assert result.content == b"<rss/>"
    assert http_server.requests[-1][2]["host"] == f"feeds.test:{http_server.port}"


def test_name_resolving_to_private_address_refused(http_server, fake_dns):
    fake_dns["metadata.test"] = "169.254.169.254"
    with make_fetcher() as f, pytest.raises(BlockedAddress, match="169.254.169.254"):
        f.get("http://metadata.test/latest/meta-data/")


def test_redirect_to_ip_literal_refused_before_connecting(http_server, fetcher, monkeypatch):
    url = http_server.redirect("/go", "http://10.0.0.1/admin")
    attempts = []
    real_connect = socket.create_connection
    monkeypatch.setattr(socket, "create_connection", lambda addr, *a, **k: attempts.append(addr) or real_connect(addr, *a, **k))
    with pytest.raises(BlockedAddress) as info:
        fetcher.get(url)
    assert "10.0.0.1" in info.value.reason and info.value.url == "http://10.0.0.1/admin"
    assert all(host == "127.0.0.1" for host, _port in attempts)


def test_redirect_to_name_of_blocked_address_refused(http_server, fetcher, fake_dns):
    fake_dns["evil.test"] = "127.0.0.2"  # loopback, but not the allowed 127.0.0.1
    url = http_server.redirect("/go", f"http://evil.test:{http_server.port}/x")
    with pytest.raises(BlockedAddress, match="127.0.0.2"):
        fetcher.get(url)
    assert http_server.paths() == ["/go"]


def test_redirects_followed_relative_location(http_server, fetcher):
    http_server.route("/final", body=b"done")
    http_server.redirect("/b", "final", status=301)
    url = http_server.redirect("/a", "/b", status=307)
    result = fetcher.get(url)
    assert result.content == b"done" and result.url == http_server.url("/final")
    assert http_server.paths() == ["/a", "/b", "/final"]


def test_too_many_redirects(http_server):
    for i in range(5):
        http_server.redirect(f"/r{i}", f"/r{i + 1}")
    http_server.route("/r5", body=b"end")
    with make_fetcher(fetch_max_redirects=4) as f:
        with pytest.raises(FetchError, match=r"too many redirects \(more than 4\)"):
            f.get(http_server.url("/r0"))
    with make_fetcher(fetch_max_redirects=5) as f:
        assert f.get(http_server.url("/r0")).content == b"end"


@pytest.mark.parametrize("status, text", [(404, "HTTP 404 Not Found"), (500, "HTTP 500 Internal Server Error")])
def test_error_status(http_server, fetcher, status, text):
    url = http_server.route("/err", body=b"oops", status=status)
    with pytest.raises(FetchError) as info:
        fetcher.get(url)
    assert info.value.reason == text and info.value.url == url
    assert text in str(info.value)


def test_slow_route_times_out(http_server):
    url = http_server.route("/slow", body=b"late", delay=1.5)
    with make_fetcher(fetch_timeout=0.3) as f:
        start = time.monotonic()
        with pytest.raises(FetchError, match="timed out after 0.3 s"):
            f.get(url)
    assert time.monotonic() - start < 1.2


def test_huge_streamed_body_stops_at_limit(http_server):
    with make_fetcher(fetch_max_bytes=1_000_000) as f:
        start = time.monotonic()
        with pytest.raises(FetchError, match="body larger than 1000000 bytes"):
            f.get(http_server.url("/huge"))
    assert time.monotonic() - start < 5


def test_declared_content_length_over_limit_rejected(http_server):
    url = http_server.route("/big", body=b"y" * 200_000)
    with make_fetcher(fetch_max_bytes=100_000) as f, pytest.raises(FetchError, match="body larger than 100000"):
        f.get(url)


def test_gzip_bomb_fails_fast_without_inflating(http_server):
    with make_fetcher(fetch_max_bytes=5_000_000) as f:
        f.get(http_server.route("/warmup", body=b"ok"))  # connection set up before measuring
        tracemalloc.start()
        start = time.monotonic()
        try:
            with pytest.raises(FetchError, match="body larger than 5000000 bytes"):
                f.get(http_server.url("/bomb"))
            _current, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert time.monotonic() - start < 10
    assert peak < 30_000_000  # far below the 100 MB the bomb inflates to


def test_etag_round_trip(http_server, fetcher):
    url = http_server.route("/feed", body=b"<rss/>", etag='"v1"', last_modified="Sat, 01 Jun 2024 10:00:00 GMT")
    first = fetcher.get(url)
    assert first.etag == '"v1"' and first.last_modified == "Sat, 01 Jun 2024 10:00:00 GMT"
    second = fetcher.get(url, etag=first.etag, last_modified=first.last_modified)
    assert second.status == 304 and second.not_modified and second.content == b""
    _method, _path, sent = http_server.requests[-1]
    assert sent["if-none-match"] == '"v1"'
    assert sent["if-modified-since"] == "Sat, 01 Jun 2024 10:00:00 GMT"
    changed = fetcher.get(url, etag='"v0"')
    assert changed.status == 200 and changed.content == b"<rss/>"


def test_last_modified_alone(http_server, fetcher):
    url = http_server.route("/lm", body=b"x", last_modified="Sat, 01 Jun 2024 10:00:00 GMT")
    assert fetcher.get(url, last_modified="Sat, 01 Jun 2024 10:00:00 GMT").not_modified


def test_connection_refused_is_readable(fetcher):
    url = f"http://127.0.0.1:{closed_port()}/"
    with pytest.raises(FetchError) as info:
        fetcher.get(url)
    assert info.value.reason == "connection refused"
    assert str(info.value) == f"{url}: connection refused"


def test_unresolvable_name_is_readable(fetcher, fake_dns):
    with pytest.raises(FetchError) as info:
        fetcher.get("http://nowhere.invalid/feed")
    assert info.value.reason == "name not resolved: nowhere.invalid"
    assert info.value.url == "http://nowhere.invalid/feed"


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.com/x", "gopher://127.0.0.1:70/"])
def test_unsupported_scheme(fetcher, url, fake_dns):
    with pytest.raises(FetchError, match="unsupported scheme") as info:
        fetcher.get(url)
    assert not isinstance(info.value, BlockedAddress)


def test_politeness_delay_between_requests(http_server):
    http_server.route("/a", body=b"a")
    http_server.route("/b", body=b"b")
    with make_fetcher(fetch_host_delay=0.3) as f:
        f.get(http_server.url("/a"))
        f.get(http_server.url("/b"))
    first, second = http_server.request_times
    assert second - first >= 0.3


def test_politeness_one_request_at_a_time_across_threads(http_server):
    http_server.route("/p", body=b"p", delay=0.1)
    with make_fetcher(fetch_host_delay=0.2) as f, ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(lambda _: f.get(http_server.url("/p")), range(3)))
    assert [r.content for r in results] == [b"p"] * 3
    times = sorted(http_server.request_times)
    # each request lasts >= 0.1 s and the next starts >= 0.2 s after it ended
    assert all(b - a >= 0.3 for a, b in zip(times, times[1:]))


def test_other_hosts_are_not_delayed(http_server, fake_dns):
    fake_dns["other.test"] = "127.0.0.1"
    http_server.route("/a", body=b"a")
    with make_fetcher(fetch_host_delay=2.0, fetch_allow_hosts=["127.0.0.1:*"]) as f:
        start = time.monotonic()
        f.get(http_server.url("/a"))
        f.get(http_server.url("/a", host="other.test"))
    assert time.monotonic() - start < 1.0


def test_fetcher_is_thread_safe_for_many_hosts(http_server, fake_dns):
    for i in range(4):
        fake_dns[f"h{i}.test"] = "127.0.0.1"
    http_server.route("/t", body=b"t")
    with make_fetcher(fetch_host_delay=0.05) as f, ThreadPoolExecutor(max_workers=4) as pool:
        urls = [http_server.url("/t", host=f"h{i % 4}.test") for i in range(12)]
        assert [r.content for r in pool.map(f.get, urls)] == [b"t"] * 12
    assert threading.active_count() < 50


def test_tls_error_is_readable(http_server, fetcher):
    with pytest.raises(FetchError) as info:
        fetcher.get(http_server.url("/").replace("http://", "https://"))
    assert info.value.reason.startswith("TLS error: ")
    assert "\n" not in str(info.value)


def test_dns_rebinding_cannot_swap_the_address(http_server, monkeypatch):
    """The name is resolved once, checked, and the socket goes to that very IP."""
    http_server.route("/r", body=b"same")
    answers = iter(["127.0.0.1", "10.0.0.1", "10.0.0.1"])
    lookups, connects = [], []
    real_getaddrinfo, real_connect = socket.getaddrinfo, socket.create_connection

    def getaddrinfo(host, port, *args, **kwargs):
        if host != "rebind.test":
            return real_getaddrinfo(host, port, *args, **kwargs)
        lookups.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (next(answers), port or 0))]

    def create_connection(address, *args, **kwargs):
        connects.append(address[0])
        return real_connect(address, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket, "create_connection", create_connection)
    with make_fetcher() as f:
        assert f.get(http_server.url("/r", host="rebind.test")).content == b"same"
    assert lookups == ["rebind.test"] and connects == ["127.0.0.1"]
