"""The web newsroom as a reader and an editor see it: front page, story, evidence, search, API, review."""

from __future__ import annotations

import os
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

import pytest
from starlette.testclient import TestClient
from websupport import login, new_version, page, publish, published_seeds, select, text

from newsdesk.auth import Accounts
from newsdesk.cli_serve import ensure_demo_user
from newsdesk.models import Article
from newsdesk.settings import load_settings
from newsdesk.store import Store
from newsdesk.web.app import create_app
from newsdesk.web.render import article_href

A000 = "000_8bbeadb7ac7fca71.txt"
SLASHED = "feeds/example.org/2025/07/a?b=1#c"


@pytest.fixture(scope="module")
def desk(tmp_path_factory, backend):
    desk = published_seeds(tmp_path_factory, "web", backend)
    with desk.store() as store:
        store.add_article(Article(id=SLASHED, title="An article whose id has slashes", text="Plain body text."))
    return desk


@pytest.fixture(scope="module")
def client(desk):
    with TestClient(create_app(desk.settings, embedder=desk.embedder)) as client:
        yield client


@pytest.fixture(scope="module")
def content(desk):
    with desk.store() as store:
        return store.published_brief(desk.story_id)["content"]


# ------------------------------------------------------------------ front page


def test_the_front_page_lists_the_published_story_with_its_counts_and_a_sources_differ_badge(client, desk, content):
    doc = page(client.get("/").text)
    (card,) = select(doc, "article.story-card")
    (link,) = select(card, "a.story-link")
    assert link.get("href") == f"/stories/{desk.story_id}"
    assert text(link) == content["headline"]
    assert "3 articles · 2 independent sources" in text(card)
    assert content["differences"] and select(card, "span.badge-differ")


def test_an_empty_store_shows_a_front_page_that_says_nothing_is_published(tmp_path):
    app = create_app(load_settings(env={}, db=str(tmp_path / "empty.db")))
    doc = page(TestClient(app).get("/").text)
    assert not select(doc, "article.story-card")
    assert "Nothing is published yet" in text(doc)


# ------------------------------------------------------------------ story page


def test_the_story_page_shows_every_section_of_the_published_brief(client, desk, content):
    doc = page(client.get(f"/stories/{desk.story_id}").text)
    assert text(select(doc, "h1.headline")[0]) == content["headline"]
    assert text(select(doc, "p.dek")[0]) == content["dek"]
    bullets = select(doc, "ul.quick-take > li")
    assert [b.text.strip() for b in bullets] == [b["text"] for b in content["quick_take"]]
    for name in ("body", "differences", "quotes", "timeline", "sources", "versions", "corrections"):
        assert select(doc, f"section.{name}"), f"section.{name} is missing"
    differences = text(select(doc, "section.differences")[0])
    assert all(side["value"] in differences for d in content["differences"] for side in d["sides"])
    topics = [text(t) for t in select(doc, "section.differences strong.topic")]
    assert any("Qatari" in t for t in topics), topics  # names keep their capitals
    assert len(select(doc, "section.sources li.origin")) == content["independent_origins"] == 2
    assert "Version 1" in text(select(doc, "section.versions")[0])
    assert "No corrections" in text(select(doc, "section.corrections")[0])


def test_a_citation_opens_the_article_with_exactly_the_evidence_marked(client, desk, content):
    bullet = content["quick_take"][0]
    evidence = next(e for e in bullet["evidence"] if e["article"] == bullet["citations"][0])
    doc = page(client.get(f"/stories/{desk.story_id}").text)
    cite = select(select(doc, "ul.quick-take > li")[0], "a.cite")[0]
    href = cite.get("href")
    assert unquote(urlsplit(href).path) == f"/articles/{evidence['article']}"
    assert parse_qs(urlsplit(href).query) == {"hl": [f"{evidence['start']}-{evidence['end']}"], "f": ["text"]}
    article = page(client.get(href).text)
    (mark,) = article.xpath("//mark[@id='evidence']")
    assert mark.text_content() == evidence["text"]
    assert text(select(article, "div.article-text")[0]).count(" ".join(evidence["text"].split())) >= 1
    (back,) = select(article, "a.back-to-story")
    assert back.get("href") == f"/stories/{desk.story_id}"


def test_a_highlight_outside_the_article_is_explained_not_marked(client):
    doc = page(client.get(f"/articles/{A000}?hl=99999-100000&f=text").text)
    assert not doc.xpath("//mark")
    assert "not in this article" in text(select(doc, "div.flash")[0])


def test_an_article_id_with_slashes_and_query_characters_has_its_own_page(desk):
    client = TestClient(create_app(desk.settings))
    login(client)
    response = client.get(article_href(SLASHED))
    assert response.status_code == 200
    assert text(select(page(response.text), "h1.article-title")[0]) == "An article whose id has slashes"


def test_an_article_no_published_story_cites_is_shown_to_editors_only(client, desk):
    visitor = TestClient(create_app(desk.settings))
    assert visitor.get(article_href(SLASHED)).status_code == 404
    assert visitor.get("/api" + article_href(SLASHED)).status_code == 404
    with desk.store() as store:
        token = Accounts(store).issue_token(desk.user["name"], "article test")
    served = visitor.get("/api" + article_href(SLASHED), headers={"Authorization": f"Bearer {token}"}).json()
    assert served["id"] == SLASHED and served["story_id"] is None


# ------------------------------------------------------------------ search and entities


def test_search_finds_the_published_story_and_its_articles(client, desk):
    doc = page(client.get("/search", params={"q": "Netanyahu ceasefire"}).text)
    assert [a.get("href") for a in select(doc, "section.search-stories a.story-link")] == [f"/stories/{desk.story_id}"]
    assert len(select(doc, "section.search-articles a.article-link")) == 3


def test_search_with_query_syntax_characters_answers_instead_of_failing(client):
    response = client.get("/search", params={"q": 'NEAR( "unbalanced * OR'})
    assert response.status_code == 200 and "for “NEAR( &#34;unbalanced * OR”" in response.text


def test_an_entity_page_lists_the_published_stories_that_mention_it(client, desk):
    doc = page(client.get("/entities/Netanyahu").text)
    assert "Netanyahu" in text(select(doc, "h1")[0])
    assert [a.get("href") for a in select(doc, "a.story-link")] == [f"/stories/{desk.story_id}"]


# ------------------------------------------------------------------ API


def test_the_api_serves_the_published_brief_in_the_digest_shape(client, desk, content):
    served = client.get(f"/api/stories/{desk.story_id}").json()
    assert {key: value for key, value in served.items() if key in content} == content  # the digest shape, unchanged
    assert set(served) - set(content) == {"published_at"}
    (row,) = client.get("/api/stories").json()
    assert row | {"published_at": None} == {"story_id": desk.story_id, "version": 1, "headline": content["headline"],
                                           "dek": content["dek"], "articles": 3, "origins": 2,
                                           "differences": len(content["differences"]), "published_at": None,
                                           "updated": False}
    article = client.get(f"/api/articles/{A000}").json()
    assert article["id"] == A000 and article["story_id"] == desk.story_id and article["text"]


def test_the_openapi_document_describes_the_brief_and_the_review_actions(client):
    schema = client.get("/openapi.json").json()
    brief = schema["components"]["schemas"]["Brief"]["properties"]
    assert {"headline", "quick_take", "differences", "articles", "independent_origins"} <= set(brief)
    assert "post" in schema["paths"]["/api/stories/{story_id}/publish"]
    docs = page(client.get("/docs").text)
    assert "/api/stories/{story_id}/publish" in text(docs)


@pytest.mark.parametrize("url", ["/stories/999", "/articles/no-such-article", "/entities/Nobody%20Atall", "/no/such/page", "/stories/abc"])
def test_missing_pages_are_friendly_404_pages(client, url):
    response = client.get(url)
    assert response.status_code == 404 and response.headers["content-type"].startswith("text/html")
    doc = page(response.text)
    assert text(select(doc, "h1")[0]) == "Not found"
    assert select(doc, "p.error-message") and doc.xpath("//section[@class='error-page']//a[@href='/']")


@pytest.mark.parametrize("url", ["/api/stories/999", "/api/articles/no-such-article", "/api/nothing"])
def test_missing_api_objects_are_json_404s(client, url):
    response = client.get(url)
    assert response.status_code == 404 and isinstance(response.json()["detail"], str)


# ------------------------------------------------------------------ the editors' desk


def test_editor_pages_send_a_visitor_to_the_login_form(desk):
    client = TestClient(create_app(desk.settings))
    response = client.get("/review", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login?next=%2Freview"


def test_an_editor_sees_a_new_version_in_the_queue_and_publishes_it_with_a_correction(client, desk, content):
    version = new_version(desk, headline="A newer headline about the Gaza ceasefire talks")
    csrf = login(client)
    queue = page(client.get("/review").text)
    (row,) = select(queue, "tr.queue-item")
    assert select(row, "a.review-link")[0].get("href") == f"/review/{desk.story_id}"

    refused = client.post(f"/review/{desk.story_id}/publish", data={"csrf": csrf, "version": version})
    assert refused.status_code == 409 and "correction note" in text(select(page(refused.text), "div.flash")[0])

    done = client.post(f"/review/{desk.story_id}/publish", data={"csrf": csrf, "version": version, "note": "New headline."})
    assert "Published" in text(select(page(done.text), "div.flash")[0])
    story = page(client.get(f"/stories/{desk.story_id}").text)
    assert text(select(story, "h1.headline")[0]) == "A newer headline about the Gaza ceasefire talks"
    assert "New headline." in text(select(story, "section.corrections")[0])
    assert select(page(client.get("/").text), "span.badge-updated")
    audit = text(page(client.get("/audit").text))
    assert "publish" in audit and "New headline." in audit


def test_an_edit_the_gate_refuses_shows_its_reasons_and_saves_nothing(client, desk, content):
    csrf = login(client)
    with desk.store() as store:
        before = store.latest_brief(desk.story_id)["version"]
    form = {"csrf": csrf, "headline": content["headline"], "dek": content["dek"], "action": "save",
            "qt-0-text": "Netanyahu said 999 hostages were freed on Sunday.", "qt-0-cite": A000}
    response = client.post(f"/review/{desk.story_id}/edit", data=form)
    assert response.status_code == 422
    flash = select(page(response.text), "div.flash")[0]
    assert select(flash, "ul.gate-reasons > li") and "999" in text(flash)
    with desk.store() as store:
        assert store.latest_brief(desk.story_id)["version"] == before


def test_an_edit_that_keeps_cited_bullets_is_saved_as_a_version_to_review(client, desk, content):
    csrf = login(client)
    form = [("csrf", csrf), ("headline", "Trump and Netanyahu meet again on a Gaza ceasefire"), ("dek", content["dek"]),
            ("action", "save")]
    for i, bullet in enumerate(content["quick_take"][:3]):
        form += [(f"qt-{i}-text", bullet["text"])] + [(f"qt-{i}-cite", a) for a in bullet["citations"]]
    response = client.post(f"/review/{desk.story_id}/edit", content=urlencode(form),
                           headers={"content-type": "application/x-www-form-urlencoded"})
    assert response.status_code == 200, text(page(response.text))
    assert "Saved as a new version" in text(select(page(response.text), "div.flash")[0])
    with desk.store() as store:
        latest = store.latest_brief(desk.story_id)
    assert latest["status"] == "needs_review" and latest["writer"] == f"editor:{desk.user['name']}"
    assert len(latest["content"]["quick_take"]) == 3


def test_the_api_review_queue_needs_a_token_and_lists_versions_waiting(client, desk):
    with desk.store() as store:
        token = Accounts(store).issue_token(desk.user["name"], "web tests")
    assert client.get("/api/review").status_code == 401
    queue = client.get("/api/review", headers={"Authorization": f"Bearer {token}"}).json()
    assert all({"story_id", "version", "status", "gate_passed", "reasons"} <= set(item) for item in queue)
    assert [item["story_id"] for item in queue] == [desk.story_id]  # the edit above waits for review


def test_healthz_says_the_store_answers(client):
    assert client.get("/healthz").json() == {"status": "ok", "store": "ok", "process": os.getpid(), "scheduler": None}


# ------------------------------------------------------------------ newsdesk serve


def test_serve_demo_user_creates_an_editor_once_with_an_owner_only_password_file(tmp_path):
    db = tmp_path / "desk.db"
    with Store(db) as store:
        said = ensure_demo_user(store, db)
        saved = (tmp_path / "demo-login.txt").read_text()
        password = saved.split("password: ")[1].strip()
        assert password in said and len(password) >= 10
        assert (tmp_path / "demo-login.txt").stat().st_mode & 0o777 == 0o600
        assert Accounts(store).authenticate("demo", password)["role"] == "editor"
        again = ensure_demo_user(store, db)
        assert "exists" in again and password not in again
        assert [u["name"] for u in Accounts(store).list_users()] == ["demo"]


def test_serve_is_a_documented_command(cli):
    result = cli("serve", "--help")
    assert result.exit_code == 0
    for option in ("--host", "--port", "--no-scheduler", "--demo-user"):
        assert option in result.output


def test_head_requests_answer_like_get_without_a_body(client, desk):
    for url in ("/", f"/stories/{desk.story_id}", "/healthz", "/feed.atom"):
        got, head = client.get(url), client.head(url)
        assert head.status_code == got.status_code == 200 and head.content == b""
        assert head.headers["content-type"] == got.headers["content-type"]


def test_a_story_page_links_the_people_and_places_it_names_to_their_entity_pages(client, desk):
    doc = page(client.get(f"/stories/{desk.story_id}").text)
    links = {text(a): a.get("href") for a in select(doc, "section.entities a.entity-link")}
    netanyahu = next(name for name in links if "Netanyahu" in name)
    listed = page(client.get(links[netanyahu]).text)
    assert [a.get("href") for a in select(listed, "a.story-link")] == [f"/stories/{desk.story_id}"]


def test_the_story_page_shows_what_the_sources_corrected_escaped(tmp_path_factory):
    desk = published_seeds(tmp_path_factory, "web-source-corrections")
    notice = {"article": A000, "start": 0, "end": 10, "text": "Correction: <b>two</b> were hurt, not three."}
    retracted = {"article": A000, "start": 20, "end": 30, "text": "Three people were hurt."}
    version = new_version(desk, corrections=[{"article": A000, "outlet": "The <i>Herald</i>",
                                              "published": "2026-03-05T10:00:00+00:00", "notice": notice,
                                              "corrects": [A000], "retracted": [retracted]}])
    publish(desk, version, note="A source corrected a figure.")
    with TestClient(create_app(desk.settings, embedder=desk.embedder)) as client:
        html = client.get(f"/stories/{desk.story_id}").text
    (section,) = select(page(html), "section.source-corrections")
    shown = text(section)
    assert "The <i>Herald</i>" in shown and "Correction: <b>two</b> were hurt, not three." in shown
    assert "No longer stated as fact: “Three people were hurt.”" in shown
    assert "<b>two</b>" not in html  # escaped, never markup
