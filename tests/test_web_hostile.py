"""Issue 22: hostile requests are refused with a reason (400 or 404), never a 500, on SQLite and PostgreSQL.

The set below is the hostile probe of the landed desk (NUL bytes in paths, integers past 64 bits in
paths, queries, forms and JSON) plus more of the same kind: NUL in every string a route takes, lone
surrogates (``%ED%A0%80`` and JSON ``\\ud800``), bytes that are not UTF-8, numbers too long to parse,
negative offsets, overlong strings and broken JSON. Each case says what a user sees. Hypothesis then
fuzzes every route with the same ingredients (a fixed number of examples, so it stays quick).
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import lxml.html
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient
from websupport import EDITOR, login, new_version, published_seeds, snapshot

from newsdesk.auth import Accounts
from newsdesk.web.app import create_app

A000 = "000_8bbeadb7ac7fca71.txt"
BIG = "9223372036854775808"  # 2**63: one past the largest number the store keeps
HUGE = "9" * 30
LONGEST = "9" * 5000  # past Python's 4300-digit limit on reading a number
BELOW = "-9223372036854775809"  # one below the smallest
OUT_OF_RANGE = (BIG, HUGE, LONGEST, BELOW)
IN_RANGE = ("9223372036854775807", "-9223372036854775808", "-1", "0")  # odd, but numbers the store can keep
NUL, SURROGATE, NOT_UTF8 = "%00", "%ED%A0%80", "%FF"
NOT_TEXT = (NUL, "a" + NUL + "b", SURROGATE, NOT_UTF8)
REFUSED = (400, 404)  # the request cannot be used, or names nothing that can exist
INVALID = (400, 404, 422)  # the same, or a value the route's own rules refuse (as before)
ANSWERED = tuple(range(200, 500))  # whatever the desk says of it, as long as it is not a crash


@dataclass(frozen=True)
class Case:
    """One hostile request: who sends it (a visitor, a logged-in editor, an API client with a token)."""

    who: str
    method: str
    url: str
    form: dict[str, str] | None = None  # sent percent-encoded exactly as given
    body: bytes | None = None  # sent as JSON, byte for byte
    expect: tuple[int, ...] = REFUSED

    @property
    def id(self) -> str:
        sent = self.form if self.form is not None else (self.body[:60] if self.body is not None else "")
        return f"{self.who} {self.method} {self.url[:70]} {str(sent)[:80]}"


def _json(text: str) -> bytes:
    return text.encode("utf-8")


def hostile_cases() -> list[Case]:
    """The probe's forms and our own; ``{s}`` is the story, ``{v}`` a draft version waiting for review."""
    cases = []
    # paths: NUL, lone surrogates and bytes that are not UTF-8 in every string a path takes
    for bad in NOT_TEXT:
        cases += [Case("visitor", "GET", f"/articles/{bad}"), Case("visitor", "GET", f"/entities/{bad}"),
                  Case("visitor", "GET", f"/api/articles/{bad}"), Case("editor", "GET", f"/articles/{bad}"),
                  Case("api", "GET", f"/api/articles/{bad}"), Case("visitor", "GET", f"/stories/{bad}"),
                  Case("visitor", "GET", f"/static/{bad}"), Case("editor", "GET", f"/review/{bad}")]
    # paths: numbers the store cannot hold, and odd ones it can
    for number in OUT_OF_RANGE + IN_RANGE:
        expect = INVALID if number in OUT_OF_RANGE else ANSWERED
        cases += [Case("visitor", "GET", f"/stories/{number}", expect=expect),
                  Case("editor", "GET", f"/stories/{number}", expect=expect),
                  Case("editor", "GET", f"/review/{number}", expect=expect),
                  Case("visitor", "GET", f"/api/stories/{number}", expect=expect),
                  Case("api", "POST", f"/api/stories/{number}/approve", body=b'{"version": 1}', expect=expect),
                  Case("editor", "POST", f"/review/{number}/approve", form={"version": "1"}, expect=expect),
                  Case("editor", "POST", f"/review/{number}/unpublish", form={"reason": "why"}, expect=expect)]
    # queries
    for number in OUT_OF_RANGE + IN_RANGE:
        expect = INVALID if number in OUT_OF_RANGE else ANSWERED
        cases += [Case("visitor", "GET", f"/api/stories?offset={number}", expect=expect),
                  Case("visitor", "GET", f"/api/stories?limit={number}", expect=expect),
                  Case("visitor", "GET", f"/?page={number}", expect=expect),
                  Case("editor", "GET", f"/stories/{{s}}?preview={number}", expect=expect),
                  Case("editor", "GET", f"/audit?story={number}", expect=expect)]
    cases.append(Case("visitor", "GET", "/api/stories?offset=999999999999999999999999999999"))  # the probe's own
    for bad in NOT_TEXT:
        cases += [Case("visitor", "GET", f"/search?q={bad}"), Case("visitor", "GET", f"/search?q=gaza+{bad}"),
                  Case("visitor", "GET", f"/api/stories?offset={bad}"), Case("visitor", "GET", f"/?page={bad}"),
                  Case("visitor", "GET", f"/articles/{A000}?hl={bad}&f={bad}"), Case("visitor", "GET", f"/login?next={bad}"),
                  Case("editor", "GET", f"/audit?story={bad}"), Case("editor", "GET", f"/review/{{s}}?done={bad}"),
                  Case("visitor", "GET", f"/feed.atom?x={bad}"), Case("visitor", "GET", f"/?{bad}=1")]
    cases += [Case("visitor", "GET", f"/articles/{A000}?hl=0-{HUGE}", expect=(200,)),  # explained on the page
              Case("visitor", "GET", "/search?q=" + "gaza+" * 2000, expect=INVALID)]
    # forms: numbers, NUL, surrogates and bytes that are not UTF-8 in every field an editor's form sends
    for number in OUT_OF_RANGE + IN_RANGE:
        expect = INVALID if number in OUT_OF_RANGE else ANSWERED
        cases += [Case("editor", "POST", "/review/{s}/approve", form={"version": number}, expect=expect),
                  Case("editor", "POST", "/review/{s}/publish", form={"version": number, "note": "n"}, expect=expect),
                  Case("editor", "POST", "/review/{s}/reject", form={"version": number, "reason": "r"}, expect=expect),
                  Case("editor", "POST", "/review/{s}/edit", form={"base_version": number, "headline": "H"},
                       expect=expect),
                  Case("editor", "POST", "/review/{s}/edit", form={"base_version": "{v}", "qt-0-base": number,
                                                                  "qt-0-text": "A line."}, expect=expect)]
    for bad in NOT_TEXT:
        cases += [Case("editor", "POST", "/review/{s}/approve", form={"version": bad}),
                  Case("editor", "POST", "/review/{s}/reject", form={"version": "{v}", "reason": bad}),
                  Case("editor", "POST", "/review/{s}/publish", form={"version": "{v}", "note": bad}),
                  Case("editor", "POST", "/review/{s}/unpublish", form={"reason": bad}),
                  Case("editor", "POST", "/review/{s}/edit", form={"base_version": "{v}", "headline": bad}),
                  Case("editor", "POST", "/review/{s}/edit", form={"base_version": "{v}", "qt-0-text": bad,
                                                                  "qt-0-cite": bad}),
                  Case("editor", "POST", "/review/{s}/edit", form={"base_version": "{v}", "qt-0-order": bad,
                                                                  "qt-0-text": "A line."}),
                  Case("editor", "POST", "/review/{s}/approve", form={"version": "{v}", "csrf": bad}),
                  Case("editor", "POST", "/logout", form={"csrf": bad}),
                  Case("visitor", "POST", "/login", form={"name": bad, "password": "whatever it is"}),
                  Case("visitor", "POST", "/login", form={"name": EDITOR, "password": bad}),
                  Case("visitor", "POST", "/login", form={"name": EDITOR, "password": "p", "next": bad}),
                  Case("visitor", "POST", "/login", form={"name": EDITOR, "password": "p", "csrf": bad}),
                  Case("visitor", "POST", "/login", form={bad: "x", "name": EDITOR, "password": "p"})]
    for odd in ("nan", "inf", "-1e999"):
        cases.append(Case("editor", "POST", "/review/{s}/edit", form={"base_version": "{v}", "qt-0-order": odd,
                                                                     "qt-0-text": "A line."}, expect=INVALID))
    cases += [Case("editor", "POST", "/review/{s}/approve", form={"version": "{v}", "csrf": "%C3%A9t%C3%A9"},
                   expect=(403,)),  # a token that is not ASCII is just a wrong token
              Case("visitor", "POST", "/login", form={"name": EDITOR, "password": "p", "csrf": "%C3%A9"}, expect=(403,)),
              Case("editor", "POST", "/review/{s}/reject", form={"version": "{v}", "reason": "r" * 100_000},
                   expect=INVALID),
              Case("editor", "POST", "/review/{s}/edit", form={"base_version": "{v}", "headline": "h" * 3_000_000},
                   expect=(413,))]
    # JSON: numbers past 64 bits, NUL and lone surrogates in strings, broken JSON
    for number in OUT_OF_RANGE + ("1e400", "-1e400", "NaN", "Infinity"):
        for action in ("approve", "publish", "reject"):
            cases.append(Case("api", "POST", f"/api/stories/{{s}}/{action}",
                              body=_json(f'{{"version": {number}, "reason": "r", "note": "n"}}'), expect=INVALID))
    for text in (r"\u0000", r"a\u0000b", r"\ud800", r"\udfff x", "\\ud800\\u0000"):
        cases += [Case("api", "POST", "/api/stories/{s}/reject", body=_json(f'{{"version": {{v}}, "reason": "{text}"}}')),
                  Case("api", "POST", "/api/stories/{s}/publish", body=_json(f'{{"version": {{v}}, "note": "{text}"}}')),
                  Case("api", "POST", "/api/stories/{s}/unpublish", body=_json(f'{{"reason": "{text}"}}')),
                  Case("api", "POST", "/api/stories/{s}/approve", body=_json(f'{{"version": "{text}"}}')),
                  Case("api", "POST", "/api/stories/{s}/approve", body=_json(f'{{"{text}": 1}}'))]
    for broken in (b'{"version": ', b"[]", b'"x"', b"\xff\xfe", b'{"reason": "\xff"}', b"[" * 100_000 + b"]" * 100_000,
                   b'{"version": 1, "version": ' + BIG.encode() + b"}", b'{"reason": "a\x00b"}', b"",
                   b'{"version": {"a": [1, {"b": null}]}}', b'{"version": true}', b'{"version": 1.5}'):
        cases.append(Case("api", "POST", "/api/stories/{s}/reject", body=broken, expect=INVALID))
    return cases


CASES = hostile_cases()


@pytest.fixture(scope="module")
def desk(tmp_path_factory, backend):
    desk = published_seeds(tmp_path_factory, "hostile", backend)
    desk.draft = new_version(desk, headline="Trump and Netanyahu meet again on a Gaza ceasefire")
    with desk.store() as store:
        desk.token = Accounts(store).issue_token(EDITOR, "tests")
    return desk


@pytest.fixture(scope="module")
def clients(desk):
    """A visitor, a logged-in editor and an API client; a crash is answered as a server would (500)."""
    app = create_app(desk.settings, embedder=desk.embedder)
    visitor, editor, api = (TestClient(app, raise_server_exceptions=False) for _ in range(3))
    csrf = login(editor)
    api.headers["Authorization"] = f"Bearer {desk.token}"
    visitor.get("/login")  # the pre-session cookie, so a hostile login reaches the route
    return {"visitor": visitor, "editor": editor, "api": api, "csrf": csrf}


def send(case: Case, desk, clients) -> Any:
    client = clients[case.who]
    url = case.url.replace("{s}", str(desk.story_id))
    headers, content = {}, None
    if case.form is not None:
        fields = {k: v.replace("{v}", str(desk.draft)) for k, v in case.form.items()}
        if case.who == "editor":
            fields.setdefault("csrf", clients["csrf"])
        elif case.url == "/login":
            fields.setdefault("csrf", _login_csrf(client))
        content = "&".join(f"{_encoded(k)}={_encoded(v)}" for k, v in fields.items()).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    elif case.body is not None:
        content = case.body.replace(b"{v}", str(desk.draft).encode())
        headers["Content-Type"] = "application/json"
    return client.request(case.method, url, content=content, headers=headers, follow_redirects=False)


def _encoded(text: str) -> str:
    """Percent-encoded, unless it already is (the hostile values are written as they travel)."""
    return text if "%" in text else quote(text)


def _login_csrf(client) -> str:
    return lxml.html.fromstring(client.get("/login").text).xpath("//input[@name='csrf']/@value")[0]


def stored_rows(db) -> dict[str, list[str]]:
    """Every row of every table, but the API tokens' (checking a token notes when it was last used)."""
    if isinstance(db, str):
        import psycopg

        with psycopg.connect(db) as conn:
            tables = [r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
            return {t: sorted(map(repr, conn.execute(f'SELECT * FROM "{t}"'))) for t in tables if t != "api_tokens"}
    return {table: rows for table, rows in snapshot(db).items() if table != "api_tokens"}


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_a_hostile_request_is_refused_with_a_reason_not_a_crash(desk, clients, case):
    refused = case.expect != ANSWERED
    before = stored_rows(desk.db) if refused and case.method == "POST" else None
    response = send(case, desk, clients)
    assert response.status_code != 500, f"{case.id}: the newsroom crashed"
    assert response.status_code in case.expect, f"{case.id}: {response.status_code} {response.text[:300]}"
    if refused:
        reason = response.json()["detail"] if response.headers["content-type"].startswith("application/json") else (
            " ".join(lxml.html.fromstring(response.text).text_content().split()) if response.text else "")
        assert reason, f"{case.id}: refused without saying why"
    if before is not None:
        assert stored_rows(desk.db) == before, f"{case.id}: a refused request changed the store"


def test_what_a_reader_and_an_api_client_are_told(clients, desk):
    nul = clients["visitor"].get("/articles/%00")
    assert nul.status_code == 400 and "That request cannot be used" in nul.text and "holds a NUL character" in nul.text
    assert nul.headers["content-security-policy"]  # a refusal is a page of the desk like any other
    story = clients["visitor"].get(f"/stories/{BIG}")
    assert story.status_code == 400 and "story_id is out of range" in story.text
    assert clients["visitor"].get("/stories/" + HUGE).status_code == 404  # more than 19 digits names no page
    offset = clients["visitor"].get(f"/api/stories?offset={BIG}")
    assert offset.status_code == 400 and offset.json()["detail"].startswith("The number given as offset is out of range")
    surrogate = clients["api"].post(f"/api/stories/{desk.story_id}/reject", content=b'{"version": 1, "reason": "\\ud800"}',
                                    headers={"Content-Type": "application/json"})
    assert surrogate.status_code == 400 and "lone surrogate" in surrogate.json()["detail"]
    search = clients["visitor"].get("/search?q=gaza%ED%A0%80")
    assert search.status_code == 400 and "not UTF-8 text" in search.text


# ------------------------------------------------------------------ fuzzing every route

SCALE = int(os.environ.get("NEWSDESK_PROPERTY_SCALE", "1"))  # 20: search twenty times longer (by hand)
# any code point, lone surrogates and control characters included; numbers at and past the 64-bit edges
any_text = st.text(st.characters(codec=None, min_codepoint=0, max_codepoint=0x10FFFF), max_size=30)
numbers = st.one_of(st.integers(), st.integers(min_value=2**63 - 2, max_value=2**70),
                    st.integers(min_value=-(2**70), max_value=-(2**63) + 1), st.sampled_from([0, -1, 1, 2, 10**30]))
number_text = numbers.map(str) | st.sampled_from([LONGEST, "1e999", "nan", "-0", "+1", " 1", "0x10", "١٢"])
values = any_text | number_text
json_values = st.recursive(
    st.none() | st.booleans() | any_text | numbers | st.floats(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(any_text, inner, max_size=3), max_leaves=8)
FIELD_NAMES = ["version", "note", "reason", "headline", "dek", "override", "base_version", "qt-0-text", "qt-0-cite",
               "qt-0-base", "qt-0-order", "qt-0-remove", "body-0-text", "diff-0-topic", "diff-0-side-0-value",
               "quote-0-words", "tl-0-text", "name", "password", "next", "q", "page", "preview", "story", "offset",
               "limit", "hl", "f", "done"]
field_names = st.sampled_from(FIELD_NAMES) | any_text


def encoded(text: str, safe: str = "") -> str:
    """Percent-encoded UTF-8, lone surrogates as the bytes they would be (``%ED%A0%80``)."""
    return quote(text.encode("utf-8", "surrogatepass"), safe=safe)


def route_table() -> list[tuple[str, str]]:
    from fastapi.routing import iter_route_contexts

    from newsdesk.settings import load_settings

    app = create_app(load_settings(env={}, db="/nonexistent/never-opened.db"))
    return sorted((method, route.path) for route in iter_route_contexts(app.routes)
                  for method in (getattr(route, "methods", None) or ()) if method != "HEAD")


ROUTE_TABLE = route_table()


@st.composite
def requests(draw):
    """(who, method, url, form or None, JSON body or None) for a route of the app, filled with hostile values."""
    method, path = draw(st.sampled_from(ROUTE_TABLE))

    def fill(match) -> str:
        if match.group(2) == "path":
            return encoded(draw(values), safe="/")
        return encoded(draw(number_text if match.group(2) == "id" or match.group(1) == "story_id" else values))

    url = re.sub(r"\{(\w+)(?::(\w+))?\}", fill, path)
    query = draw(st.dictionaries(field_names, values, max_size=3))
    if query:
        url += "?" + "&".join(f"{encoded(k)}={encoded(v)}" for k, v in query.items())
    form = body = None
    if method == "POST" and path.startswith("/api/"):
        body = draw(st.builds(lambda v: json.dumps(v).encode(), st.dictionaries(
            st.sampled_from(["version", "note", "reason"]) | any_text, json_values, max_size=3)) | st.binary(max_size=30))
    elif method == "POST":
        form = draw(st.dictionaries(field_names, values, max_size=5))
    who = "api" if path.startswith("/api/") else draw(st.sampled_from(["visitor", "editor"]))
    return who, method, url, form, body


@settings(max_examples=300 * SCALE, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(sent=requests())
def test_no_route_crashes_whatever_it_is_sent(desk, clients, sent):
    who, method, url, form, body = sent
    client = clients[who]
    headers, content = {}, None
    if form is not None:
        form = form | ({"csrf": clients["csrf"]} if who == "editor" else {})
        content = "&".join(f"{encoded(k)}={encoded(v)}" for k, v in form.items()).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    elif body is not None:
        content, headers["Content-Type"] = body, "application/json"
    response = client.request(method, url, content=content, headers=headers, follow_redirects=False)
    assert response.status_code < 500, f"{method} {url[:200]} {content!r:.300}: {response.status_code}"
