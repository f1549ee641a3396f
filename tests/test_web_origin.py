"""Issue 14: writes sent from another site are refused (403) by their Origin (or, without one,
their Referer), before any route runs: defence in depth beside the CSRF and API tokens."""

from __future__ import annotations

import pytest
from starlette.datastructures import Headers
from starlette.testclient import TestClient
from websupport import EDITOR, login, new_version, published_seeds, snapshot

from newsdesk.auth import Accounts
from newsdesk.web.app import create_app
from newsdesk.web.security import request_origin_refusal


@pytest.fixture(scope="module")
def desk(tmp_path_factory):
    desk = published_seeds(tmp_path_factory, "origin")
    desk.draft = new_version(desk, headline="Trump and Netanyahu meet again on a Gaza ceasefire")
    with desk.store() as store:
        desk.token = Accounts(store).issue_token(EDITOR, "tests")
    return desk


FOREIGN = [
    {"Origin": "https://evil.example"},
    {"Origin": "null"},
    {"Origin": "http://testserver:8080"},
    {"Referer": "https://evil.example/page"},
]


@pytest.mark.parametrize("headers", FOREIGN, ids=lambda h: f"{next(iter(h))}={next(iter(h.values()))}")
def test_an_editor_write_from_another_site_is_refused_even_with_the_csrf_token(desk, headers):
    client = TestClient(create_app(desk.settings, embedder=desk.embedder))
    csrf = login(client)
    before = snapshot(desk.db)
    response = client.post(f"/review/{desk.story_id}/reject", data={"csrf": csrf, "version": desk.draft, "reason": "r"},
                           headers=headers, follow_redirects=False)
    assert response.status_code == 403 and "came from another site" in response.text
    assert response.headers["x-frame-options"] == "DENY"  # still wrapped by the security headers
    assert snapshot(desk.db) == before


def test_an_api_write_from_another_site_is_refused_even_with_a_token(desk):
    client = TestClient(create_app(desk.settings, embedder=desk.embedder))
    before = snapshot(desk.db)
    response = client.post(f"/api/stories/{desk.story_id}/reject", json={"version": desk.draft, "reason": "r"},
                           headers={"Authorization": f"Bearer {desk.token}", "Origin": "https://evil.example"})
    assert response.status_code == 403 and snapshot(desk.db) == before


def test_login_from_another_site_is_refused(desk):
    client = TestClient(create_app(desk.settings, embedder=desk.embedder))
    response = client.post("/login", data={"name": "x", "password": "y", "csrf": "z"}, headers={"Origin": "https://evil.example"})
    assert response.status_code == 403 and "newsdesk_session=" not in response.headers.get("set-cookie", "")


@pytest.mark.parametrize("headers", [{}, {"Origin": "http://testserver"}, {"Referer": "http://testserver/review"}])
def test_the_desks_own_forms_still_work(desk, headers):
    client = TestClient(create_app(desk.settings, embedder=desk.embedder))
    csrf = login(client)
    response = client.post("/logout", data={"csrf": csrf}, headers=headers, follow_redirects=False)
    assert response.status_code == 303


def test_reads_are_never_refused_by_origin(desk):
    client = TestClient(create_app(desk.settings, embedder=desk.embedder))
    assert client.get("/", headers={"Origin": "https://evil.example"}).status_code == 200


@pytest.mark.parametrize(
    ("headers", "scheme", "refused"),
    [
        ({"host": "desk.example", "origin": "https://desk.example"}, "http", False),  # TLS proxy forwarding plain http
        ({"host": "desk.example:8000", "origin": "http://desk.example:8000"}, "http", False),
        ({"host": "desk.example:8000", "origin": "http://desk.example:8001"}, "http", True),
        ({"host": "desk.example", "origin": "https://desk.example.evil.example"}, "https", True),
        ({"host": "desk.example", "referer": "https://desk.example/review?x=1"}, "https", False),
        ({"host": "desk.example", "referer": "not a url"}, "https", True),
        ({"host": "desk.example", "origin": "http://[::1"}, "https", True),
        ({"host": "desk.example"}, "https", False),  # scripts and API clients send neither
    ],
)
def test_the_origin_rule(headers, scheme, refused):
    assert (request_origin_refusal("POST", Headers(headers), scheme) is not None) is refused
    assert request_origin_refusal("GET", Headers(headers), scheme) is None
