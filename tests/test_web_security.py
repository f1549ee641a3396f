"""Writes need an editor: every POST route of the app is refused without a session, without a CSRF token
and with a wrong one (the API without a valid token), and nothing changes in the store. Article text
renders inert; every response carries the security headers; logins are rate limited."""

from __future__ import annotations

import re

import httpx
import pytest
from fastapi.routing import iter_route_contexts
from starlette.testclient import TestClient
from websupport import (EDITOR, PASSWORD, form_token, free_port, login, new_version, page, publish, published_seeds,
                        serving, snapshot)

from newsdesk.auth import Accounts
from newsdesk.models import Article
from newsdesk.newsroom import Newsroom
from newsdesk.settings import load_settings
from newsdesk.web.app import create_app
from newsdesk.web.render import article_href
from newsdesk.web.security import CSP

A000 = "000_8bbeadb7ac7fca71.txt"
WRITES = {"POST", "PUT", "PATCH", "DELETE"}


def write_routes(app) -> list[tuple[str, str]]:
    """(method, path) of every route that changes something: a new route is covered without editing this file.

    FastAPI keeps included routers as lazy entries of ``app.routes``; ``iter_route_contexts`` flattens them."""
    return sorted((method, route.path) for route in iter_route_contexts(app.routes)
                  for method in (route.methods or set()) & WRITES)


ROUTES = write_routes(create_app(load_settings(env={}, db="/nonexistent/never-opened.db")))


def test_the_write_routes_are_found():
    paths = {path for _, path in ROUTES}
    assert {"/login", "/logout", "/review/{story_id:id}/publish", "/api/stories/{story_id}/publish"} <= paths
    assert len(ROUTES) >= 11


@pytest.fixture(scope="module")
def desk(tmp_path_factory):
    desk = published_seeds(tmp_path_factory, "security")
    desk.draft = new_version(desk, headline="Trump and Netanyahu meet again on a Gaza ceasefire")
    with desk.store() as store:
        desk.token = Accounts(store).issue_token(EDITOR, "tests")
        desk.content = store.latest_brief(desk.story_id)["content"]
    return desk


def fill(path: str, desk) -> str:
    values = {"story_id": desk.story_id, "article_id": A000, "name": "Netanyahu"}

    def value(match: re.Match) -> str:
        name = match.group(1)
        if name not in values:
            pytest.fail(f"route parameter {{{name}}} has no test value: add one to fill()")
        return str(values[name])

    return re.sub(r"\{(\w+)(?::\w+)?\}", value, path)


def form_payload(desk) -> dict:
    """Every field any form of the app takes, valid for the story's draft: only authorization can refuse it."""
    data = {"version": desk.draft, "note": "A correction note.", "reason": "A reason.", "action": "save",
            "headline": desk.content["headline"], "dek": desk.content["dek"], "override": "",
            "name": EDITOR, "password": PASSWORD, "next": "/review"}
    for i, bullet in enumerate(desk.content["quick_take"]):
        data |= {f"qt-{i}-text": bullet["text"], f"qt-{i}-cite": bullet["citations"]}
    return data


def api_payload(desk) -> dict:
    return {"version": desk.draft, "note": "A correction note.", "reason": "A reason."}


def attempts(method: str, path: str, desk):
    """(what is missing, client, request kwargs) for each way of asking without the right to write."""
    url = fill(path, desk)
    app = create_app(desk.settings, embedder=desk.embedder)
    stranger = TestClient(app)
    editor = TestClient(app)
    csrf = login(editor)
    if path.startswith("/api/"):
        body = api_payload(desk)
        yield "no token", stranger, {"json": body}
        yield "a wrong token", stranger, {"json": body, "headers": {"Authorization": "Bearer nd_not-a-token"}}
        yield "a session cookie and CSRF token but no API token", editor, {"json": body | {"csrf": csrf}}
        return
    data = form_payload(desk)
    if path == "/login":
        visitor = TestClient(app)
        token = form_token(visitor.get("/login").text)
        yield "no pre-session cookie", stranger, {"data": data | {"csrf": token}}
        yield "no CSRF token", visitor, {"data": data}
        yield "a wrong CSRF token", visitor, {"data": data | {"csrf": token[::-1]}}
        return
    yield "no session", stranger, {"data": data | {"csrf": csrf}}
    yield "no CSRF token", editor, {"data": data}
    yield "a wrong CSRF token", editor, {"data": data | {"csrf": csrf[::-1]}}


@pytest.mark.parametrize(("method", "path"), ROUTES, ids=[f"{m} {p}" for m, p in ROUTES])
def test_a_write_without_the_right_credentials_is_refused_and_changes_nothing(desk, method, path):
    for missing, client, kwargs in attempts(method, path, desk):
        before = snapshot(desk.db)
        response = client.request(method, fill(path, desk), follow_redirects=False, **kwargs)
        assert response.status_code in (401, 403), f"{method} {path} with {missing}: {response.status_code}"
        assert "newsdesk_session=" not in response.headers.get("set-cookie", ""), f"{path} with {missing} logged in"
        assert snapshot(desk.db) == before, f"{method} {path} with {missing} changed the store"


@pytest.mark.parametrize(("method", "path"), ROUTES, ids=[f"{m} {p}" for m, p in ROUTES])
def test_the_same_write_with_the_right_credentials_is_done(tmp_path_factory, method, path):
    """The control: the requests refused above are valid, so only the credentials made the difference."""
    desk = published_seeds(tmp_path_factory, "control")
    desk.draft = new_version(desk)
    with desk.store() as store:
        token = Accounts(store).issue_token(EDITOR, "tests")
        desk.content = store.latest_brief(desk.story_id)["content"]
    client = TestClient(create_app(desk.settings, embedder=desk.embedder))
    if path == "/login":
        kwargs = {"data": form_payload(desk) | {"csrf": form_token(client.get("/login").text)}}
    elif path.startswith("/api/"):
        kwargs = {"json": api_payload(desk), "headers": {"Authorization": f"Bearer {token}"}}
    else:
        kwargs = {"data": form_payload(desk) | {"csrf": login(client)}}
    before = snapshot(desk.db)
    response = client.request(method, fill(path, desk), follow_redirects=False, **kwargs)
    assert response.status_code in (200, 303), f"{method} {path}: {response.status_code} {response.text[:300]}"
    assert snapshot(desk.db) != before


# ------------------------------------------------------------------ article text is inert

HOSTILE = '<script>alert(1)</script><img src=x onerror="alert(2)"><a href="javascript:alert(3)">x</a>'
EVIL_ID = "evil/<script>1"


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """A published version whose article and brief carry script tags, event handlers and javascript: links."""
    desk = published_seeds(tmp_path_factory, "hostile")
    with desk.store() as store:
        store.add_article(Article(id=EVIL_ID, title=f"Title {HOSTILE}", dek=f"Dek <svg onload=alert(4)>",
                                  text=f"Body {HOSTILE} and more.", byline='"><script>alert(5)</script>',
                                  source="<b onmouseover=alert(6)>Outlet</b>", url="javascript:alert(7)"))
        content = store.latest_brief(desk.story_id)["content"]
    bullet = content["quick_take"][0] | {"text": f"Bullet {HOSTILE}", "label": HOSTILE}
    evil = {"id": EVIL_ID, "title": HOSTILE, "source": HOSTILE, "url": "JaVaScRiPt:alert(8)", "published": None,
            "origin": EVIL_ID, "level": "original"}
    version = new_version(desk, headline=f"Headline {HOSTILE}", dek=f"Dek {HOSTILE}",
                          quick_take=[bullet, *content["quick_take"][1:]], articles=[*content["articles"], evil],
                          origins=[*content["origins"], {"origin": EVIL_ID, "articles": [EVIL_ID]}])
    publish(desk, version, note=f"Note {HOSTILE}")
    return desk


def assert_inert(html: str, where: str) -> None:
    doc = page(html)
    assert not doc.xpath("//script | //iframe | //svg | //img | //object | //embed"), f"{where}: a live tag"
    for element in doc.iter():
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on"), f"{where}: {name}= on <{element.tag}>"
            if name in ("href", "src", "action"):
                assert not re.sub(r"\s", "", value).lower().startswith(("javascript:", "data:")), f"{where}: {name}={value}"


def test_script_tags_handlers_and_javascript_links_from_articles_render_as_inert_text(hostile):
    client = TestClient(create_app(hostile.settings))
    login(client)
    urls = ["/", f"/stories/{hostile.story_id}", article_href(EVIL_ID), article_href(EVIL_ID) + "?hl=0-10&f=title",
            "/search?q=%3Cscript%3E", "/entities/%3Cscript%3E", f"/review/{hostile.story_id}", "/review", "/audit"]
    for url in urls:
        response = client.get(url)
        assert response.status_code in (200, 404), url
        assert_inert(response.text, url)
    story = client.get(f"/stories/{hostile.story_id}").text
    assert "Headline &lt;script&gt;alert(1)&lt;/script&gt;" in story  # shown, escaped
    article = page(client.get(article_href(EVIL_ID)).text)
    assert "<script>alert(1)</script>" in article.xpath("//h1")[0].text_content()


def test_feed_html_built_from_hostile_text_is_inert(hostile):
    import xml.etree.ElementTree as ET

    client = TestClient(create_app(hostile.settings))
    feed = ET.fromstring(client.get("/feed.atom").content)
    contents = [c.text for c in feed.iter("{http://www.w3.org/2005/Atom}content")]
    assert contents and "alert(1)" in contents[0]
    for html in contents:
        assert_inert(f"<div>{html}</div>", "feed content")


# ------------------------------------------------------------------ headers, cookies, limits


@pytest.fixture(scope="module")
def client(desk):
    return TestClient(create_app(desk.settings))


@pytest.mark.parametrize("method,url", [("GET", "/"), ("GET", "/stories/1"), ("GET", "/api/stories"), ("GET", "/feed.atom"),
                                        ("GET", "/static/style.css"), ("GET", "/no/such/page"), ("GET", "/review"),
                                        ("POST", "/review/1/approve"), ("GET", "/healthz"), ("GET", "/docs"),
                                        ("GET", "/openapi.json")])
def test_every_response_carries_the_security_headers(client, method, url):
    response = client.request(method, url, follow_redirects=False)
    assert response.headers["content-security-policy"] == CSP
    assert "script-src 'self'" in CSP and "frame-ancestors 'none'" in CSP
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"


def test_a_crash_gives_a_friendly_page_with_the_security_headers(desk, monkeypatch):
    def broken(self, *args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(Newsroom, "front_page", broken)
    response = TestClient(create_app(desk.settings), raise_server_exceptions=False).get("/")
    assert response.status_code == 500 and "disk on fire" not in response.text
    assert response.headers["content-security-policy"] == CSP and response.headers["x-content-type-options"] == "nosniff"


def test_pages_carry_no_inline_script_or_style(desk):
    """The CSP would block them: every page of the app, as an editor sees it, uses the stylesheet only."""
    app = create_app(desk.settings)
    client = TestClient(app)
    login(client)
    gets = [r.path for r in iter_route_contexts(app.routes) if "GET" in (r.methods or ()) and not r.path.startswith("/api")]
    assert len(gets) >= 10
    for path in gets:
        response = client.get(fill(path, desk))
        if not response.headers["content-type"].startswith("text/html"):
            continue
        doc = page(response.text)
        assert not doc.xpath("//script[not(@src)] | //style | //*[@style]"), path


def test_the_session_cookie_is_httponly_samesite_lax_and_secure_over_https(desk):
    for base, secure in (("http://testserver", False), ("https://testserver", True)):
        client = TestClient(create_app(desk.settings), base_url=base)
        token = form_token(client.get("/login").text)
        response = client.post("/login", data={"name": EDITOR, "password": PASSWORD, "csrf": token}, follow_redirects=False)
        cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("newsdesk_session="))
        flags = {part.strip().lower() for part in cookie.split(";")}
        assert {"httponly", "samesite=lax", "path=/"} <= flags
        assert ("secure" in flags) is secure
        assert response.headers["cache-control"] == "no-store"


def test_login_is_refused_with_429_after_five_failures_even_with_the_right_password(tmp_path_factory):
    desk = published_seeds(tmp_path_factory, "limit")  # its own store: the failures are kept there
    client = TestClient(create_app(desk.settings))
    token = form_token(client.get("/login").text)
    for _ in range(5):
        wrong = client.post("/login", data={"name": EDITOR, "password": "not the password", "csrf": token})
        assert wrong.status_code == 401 and "Wrong name or password" in wrong.text
    right = client.post("/login", data={"name": EDITOR, "password": PASSWORD, "csrf": token}, follow_redirects=False)
    assert right.status_code == 429 and "Too many failed logins for this user name. Wait 15 minutes" in right.text
    assert right.headers["retry-after"] == "900"
    assert "newsdesk_session=" not in right.headers.get("set-cookie", "")
    again = TestClient(create_app(desk.settings))  # a restarted server, or another web process, remembers
    blocked = again.post("/login", data={"name": EDITOR, "password": PASSWORD, "csrf": form_token(again.get("/login").text)})
    assert blocked.status_code == 429


def test_five_wrong_passwords_for_one_editor_do_not_lock_out_another_at_the_same_address(tmp_path_factory):
    """Issue 22: the limit by address is far higher than by name; one name guessed at locks out that name only."""
    desk = published_seeds(tmp_path_factory, "same-address")
    with desk.store() as store:
        Accounts(store).add_user("ann", "editor", PASSWORD)
    client = TestClient(create_app(desk.settings))  # every request from the same address
    token = form_token(client.get("/login").text)
    for _ in range(5):
        assert client.post("/login", data={"name": EDITOR, "password": "not the password", "csrf": token}).status_code == 401
    assert client.post("/login", data={"name": EDITOR, "password": PASSWORD, "csrf": token}).status_code == 429
    other = client.post("/login", data={"name": "ann", "password": PASSWORD, "csrf": token}, follow_redirects=False)
    assert other.status_code == 303 and "newsdesk_session=" in other.headers["set-cookie"]


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil.example"])
def test_login_never_redirects_off_the_site(desk, target):
    client = TestClient(create_app(desk.settings))
    token = form_token(client.get("/login").text)
    response = client.post("/login", data={"name": EDITOR, "password": PASSWORD, "csrf": token, "next": target},
                           follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/review"


@pytest.mark.parametrize("trusted,secure", [("*", True), ("10.9.8.7", False)])
def test_x_forwarded_proto_makes_the_cookie_secure_only_from_a_trusted_proxy(desk, trusted, secure):
    """What ``newsdesk serve --forwarded-allow-ips`` sets up: uvicorn's proxy headers middleware before the app."""
    from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

    client = TestClient(ProxyHeadersMiddleware(create_app(desk.settings), trusted_hosts=trusted))
    form = client.get("/login", headers={"X-Forwarded-Proto": "https"})
    pre_session = form.headers["set-cookie"].split(";")[0]  # a Secure cookie the http test client would not send
    client.cookies.clear()
    headers = {"X-Forwarded-Proto": "https", "Cookie": pre_session}
    response = client.post("/login", data={"name": EDITOR, "password": PASSWORD, "csrf": form_token(form.text)},
                           headers=headers, follow_redirects=False)
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("newsdesk_session="))
    assert ("secure" in cookie.lower()) is secure


@pytest.mark.parametrize("settings,believed", [("", False), ('forwarded_allow_ips = ["127.0.0.1"]\n', True)],
                         ids=["no proxy named (the default)", "the proxy named"])
def test_serve_believes_x_forwarded_headers_only_from_a_proxy_the_settings_name(tmp_path, settings, believed):
    """Issue 22: by default no address is a proxy's, so a client's own X-Forwarded-For does not change the address
    the login limit counts and the log shows, and its X-Forwarded-Proto does not make the cookies Secure."""
    with serving(tmp_path, tmp_path / "store.db", "--no-scheduler", settings=settings) as base:
        form = httpx.get(f"{base}/login", headers={"X-Forwarded-For": "10.9.8.7", "X-Forwarded-Proto": "https"})
    flags = {part.strip().lower() for part in form.headers["set-cookie"].split(";")}
    assert ("secure" in flags) is believed
    log = (tmp_path / "serve.log").read_text()
    assert ('10.9.8.7:0 - "GET /login' in log) is believed
    assert ('127.0.0.1:' in log.split('"GET /login')[0].splitlines()[-1]) is not believed


@pytest.mark.parametrize("option", [["--forwarded-allow-ips", "proxy.internal"], []])
def test_serve_refuses_a_proxy_named_by_anything_but_its_address(cli, tmp_path, option):
    env = {} if option else {"NEWSDESK_FORWARDED_ALLOW_IPS": "10.0.0.5,proxy.internal"}
    result = cli("serve", "--no-scheduler", "--port", str(free_port()), *option, env=env)
    assert result.exit_code == 2
    assert "'proxy.internal' is not an IP address or network" in result.output
