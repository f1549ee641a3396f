"""Corrections that come as a new version of an article (same id, URL or feed GUID, changed text).

What a user sees: ingest says "revised", the article's text is the new one with the old one kept as
an earlier version, its facts are read again, it stays in its story, and the story page says it was
updated. The same text again, or an earlier version again, changes nothing.
"""

from __future__ import annotations

import json

import pytest

from newsdesk import scheduler
from newsdesk.models import Article
from newsdesk.store import PENDING_BRIEFS_KEY, Store

ALLOW = {"NEWSDESK_FETCH_ALLOW_HOSTS": "127.0.0.1:*"}  # the test server's port is not 80 or 443

LEAD = (
    "A fire broke out in a warehouse on the harbour front of the invented town of Port Elsin on Tuesday night, "
    "and crews from three stations fought it for four hours before it was under control."
)
BEFORE = "Two firefighters were taken to hospital with burns."
AFTER = "No firefighter was hurt; an earlier version of this article wrongly said two were taken to hospital."
TAIL = "The cause of the fire is not yet known, the harbour authority said on Wednesday."


def record(body: str, **extra) -> dict:
    return {"id": "courier-fire", "title": "Warehouse fire on the harbour front", "source": "Elsin Courier",
            "published": "2026-04-07T06:00:00+00:00", "text": f"{LEAD}\n\n{body}\n\n{TAIL}"} | extra


def write(path, *records: dict):
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    return str(path)


def facts_text(cli, article_id: str) -> str:
    found = json.loads(cli("articles", "facts", article_id).stdout)
    return " ".join(s["text"] for s in found["sentences"])


def test_a_changed_text_under_the_same_id_is_a_revision_whose_facts_are_read_again(cli, tmp_path, db_path):
    first = cli("ingest", write(tmp_path / "v1.jsonl", record(BEFORE)))
    assert "Stored 1 new article" in first.stderr
    cli("cluster")
    assert "Read the facts of 1 articles" in cli("facts").stderr
    assert BEFORE in facts_text(cli, "courier-fire")
    with Store(db_path) as store:
        story_id = store.story_of("courier-fire")
    assert story_id is not None

    second = cli("ingest", write(tmp_path / "v2.jsonl", record(AFTER)))
    assert second.exit_code == 0
    assert "revised: courier-fire (revision 2)" in second.stderr
    assert "1 new version of stored articles" in second.stderr and "Stored" not in second.stderr

    shown = json.loads(cli("articles", "show", "courier-fire", "--json").stdout)
    assert AFTER in shown["text"] and BEFORE not in shown["text"]
    [earlier] = shown["revisions"]
    assert earlier["revision"] == 1 and BEFORE in earlier["text"] and earlier["replaced_at"]
    assert "Earlier versions" in cli("articles", "show", "courier-fire").stdout
    assert len(json.loads(cli("articles", "list", "--json").stdout)) == 1

    # its facts are read again from the new text
    assert "Read the facts of 1 articles" in cli("facts").stderr
    sentences = facts_text(cli, "courier-fire")
    assert AFTER in sentences and BEFORE not in sentences

    with Store(db_path) as store:
        assert store.story_of("courier-fire") == story_id  # it stays in its story
        # and the story's brief is to be written again by the scheduler
        assert scheduler.PENDING_KEY == PENDING_BRIEFS_KEY
        assert story_id in json.loads(store.meta_value(PENDING_BRIEFS_KEY))
        latest = store.revised_articles(["courier-fire", "unknown"])
        assert list(latest) == ["courier-fire"]
        assert latest["courier-fire"]["revision"] == 2 and latest["courier-fire"]["source"] == "Elsin Courier"
        assert store.conn.execute("SELECT count(*) FROM article_vectors").fetchone()[0] == 0

    # the next clustering run gives it a vector and signature of its new text, in the same story
    assert "Nothing to cluster" in cli("cluster").stderr
    with Store(db_path) as store:
        assert store.conn.execute("SELECT count(*) FROM article_vectors").fetchone()[0] == 1
        assert store.conn.execute("SELECT minhash FROM article_origins").fetchone()[0] is not None
        assert store.revised_without_derivations() == []
        assert store.story_of("courier-fire") == story_id


def test_the_same_text_again_is_a_duplicate_and_an_earlier_version_again_changes_nothing(cli, tmp_path, db_path):
    v1 = write(tmp_path / "v1.jsonl", record(BEFORE))
    cli("ingest", v1)
    spaced = write(tmp_path / "spaced.jsonl", record(BEFORE.replace(" ", "   ") + "  "))
    again = cli("ingest", spaced)
    assert "Nothing new" in again.stderr and "revised" not in again.stderr
    assert cli("articles", "show", "courier-fire").stdout.count("Earlier versions") == 0

    v2 = write(tmp_path / "v2.jsonl", record(AFTER))
    assert "revised: courier-fire (revision 2)" in cli("ingest", v2).stderr
    # running the same ingest again (old file and new file) adds no revision
    rerun = json.loads(cli("ingest", v1, v2, "--json").stdout)
    assert rerun["added"] == [] and rerun["revised"] == []
    assert [d["reason"] for d in rerun["already_stored"]] == ["same id, an earlier version (revision 1)", "same id"]
    shown = json.loads(cli("articles", "show", "courier-fire", "--json").stdout)
    assert AFTER in shown["text"] and len(shown["revisions"]) == 1


def test_the_same_id_from_another_publisher_is_not_a_revision(store):
    assert store.add_article(Article(id="a", title="T", text=f"{LEAD} {BEFORE}", source="Elsin Courier")).added
    other = store.add_article(Article(id="a", title="T", text=f"{LEAD} {AFTER}", source="Coast Radio"))
    assert not other.added and not other.revised and "the stored version is kept" in other.reason
    assert BEFORE in store.get_article("a").text and store.article_revisions("a") == []


def test_a_third_version_keeps_both_earlier_ones_newest_first(store):
    for n, body in enumerate((BEFORE, AFTER, TAIL), 1):
        result = store.add_article(Article(id="a", title=f"Version {n}", text=f"{LEAD} {body}", source="Courier"))
    assert result.revised and result.revision == 3 and result.reason.endswith("(revision 3)")
    assert [(r["revision"], r["title"]) for r in store.article_revisions("a")] == [(2, "Version 2"), (1, "Version 1")]
    assert store.get_article("a").title == "Version 3"
    assert store.search_articles('"wrongly"', published_only=False) == []  # the search index forgot the old text


RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Elsin Courier</title><link>{home}</link><description>News</description>
<item><title>Warehouse fire on the harbour front</title><link>{home}fire</link><guid>fire-1</guid>
<pubDate>Tue, 07 Apr 2026 06:00:00 GMT</pubDate><description>&lt;p&gt;{lead}&lt;/p&gt;&lt;p&gt;{body}&lt;/p&gt;</description></item>
<item><title>Pier update</title><link>{home}pier</link><guid>pier-1</guid>
<pubDate>Tue, 07 Apr 2026 07:00:00 GMT</pubDate><description>{pier}</description></item>
</channel></rss>"""
PAGE = "<html><head><title>Pier</title></head><body><article><h1>Pier update</h1>{}</article></body></html>".format(
    "".join(f"<p>{LEAD} Paragraph {i} on the pier.</p>" for i in range(4)))


def test_a_feed_entry_whose_text_changed_between_polls_is_stored_as_a_revision(cli, http_server, db_path):
    http_server.route("/pier", PAGE, headers={"Content-Type": "text/html"})

    def serve(body: str, pier: str = "The pier is closed.") -> str:
        feed = RSS.format(home=http_server.url("/"), lead=LEAD * 5, body=body, pier=pier)
        return http_server.route("/rss", feed, headers={"Content-Type": "application/rss+xml"})

    assert cli("feeds", "add", serve(BEFORE), env=ALLOW).exit_code == 0
    assert json.loads(cli("poll", "--json", env=ALLOW).stdout)[0]["new_articles"] == 2
    pages = http_server.paths().count("/pier")
    assert pages == 1
    with Store(db_path) as store:
        fire = next(a.id for a in store.list_articles() if a.title.startswith("Warehouse fire"))

    serve(AFTER)
    second = cli("poll", "--all", env=ALLOW)
    assert f"revised: {fire} (revision 2)" in second.stderr and "warning" not in second.stderr
    assert http_server.paths().count("/pier") == pages  # the unchanged entry's page is not fetched again
    with Store(db_path) as store:
        assert store.count_articles() == 2
        assert AFTER in store.get_article(fire).text
        [earlier] = store.article_revisions(fire)
        assert BEFORE in earlier["text"] and earlier["revision"] == 1

    third = cli("poll", "--all", env=ALLOW)  # nothing changed: no revision, no page
    assert "revised" not in third.stderr and http_server.paths().count("/pier") == pages

    # a summary-only entry whose summary changed: its page is read again, and the same page is no revision
    serve(AFTER, pier="The pier is still closed.")
    fourth = cli("poll", "--all", env=ALLOW)
    assert "revised" not in fourth.stderr and http_server.paths().count("/pier") == pages + 1
    cli("poll", "--all", env=ALLOW)
    assert http_server.paths().count("/pier") == pages + 1


def test_the_story_page_and_the_article_page_show_that_an_article_was_updated(tmp_path_factory):
    from starlette.testclient import TestClient
    from websupport import page, published_seeds, select, text

    from newsdesk.web.app import create_app

    desk = published_seeds(tmp_path_factory, "revisions")
    with desk.store() as store:
        [first, *_] = store.story_members(desk.story_id)
        old_title = first.title
        first.title, first.text = "<b>Corrected</b> headline", first.text + "\n\nCorrection: <script>alert(1)</script>"
        first.content_hash = None
        assert store.add_article(first).revised
    with TestClient(create_app(desk.settings, embedder=desk.embedder)) as client:
        story = page(client.get(f"/stories/{desk.story_id}").text)
        [note] = select(story, ".sources .revised")
        assert text(note).startswith("updated ") and text(note).endswith("earlier version kept")
        html = client.get(f"/articles/{first.id}").text
        assert "<script>alert" not in html and "<b>Corrected</b>" not in html
        article = page(html)
        [earlier] = select(article, "section.revisions li.revision")
        assert "earlier version kept" in text(earlier) and old_title in text(earlier)
