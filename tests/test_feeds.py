"""Feeds and pages over real HTTP on 127.0.0.1: polling, conditional GET, full text, OPML, bad hosts."""

from __future__ import annotations

import json
from datetime import timedelta

from newsdesk.store import Store

ALLOW = {"NEWSDESK_FETCH_ALLOW_HOSTS": "127.0.0.1:*"}  # the test server's port is not 80 or 443

PARAGRAPH = (
    "Harbour officials in the invented town of Port Elsin said on Monday that the north pier would stay closed "
    "for at least three weeks while divers inspect the pilings, after a survey found cracks in two supports. "
)
PAGE = (
    "<html><head><title>North pier closed for three weeks</title>"
    "<meta name='author' content='Mira Castell'><meta property='og:site_name' content='Elsin Courier'>"
    "<meta property='article:published_time' content='2026-04-06T08:30:00+00:00'>"
    "<link rel='canonical' href='{canonical}'></head><body><nav>Home · Harbour · Weather</nav>"
    "<div class='cookie'>We use cookies to improve your experience.</div>"
    "<article><h1>North pier closed for three weeks</h1>"
    + "".join(f"<p>{PARAGRAPH}Paragraph {i}.</p>" for i in range(4))
    + "</article><footer>© 2026 Elsin Courier. All rights reserved.</footer></body></html>"
)


def rss(server, *, summary_only_link: str) -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Elsin Courier</title><link>{server.url('/')}</link><description>News</description>
<item><title>Ferry fares to rise in May</title><link>{server.url('/ferry')}</link><guid>ferry-1</guid>
<pubDate>Mon, 06 Apr 2026 07:00:00 GMT</pubDate><author>desk@elsin.example (Ana Lima)</author>
<description>&lt;p&gt;{PARAGRAPH * 4}&lt;/p&gt;&lt;p&gt;Fares rise by 5 percent.&lt;/p&gt;</description>
<source url="https://wire.example/rss">Invented Wire</source></item>
<item><title>North pier closed</title><link>{summary_only_link}</link><guid>pier-1</guid>
<pubDate>Mon, 06 Apr 2026 08:30:00 GMT</pubDate><description>The north pier is closed.</description></item>
</channel></rss>"""


ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Valley Ledger</title><id>urn:ledger</id><updated>2026-04-06T10:00:00Z</updated>
<entry><title>Dam inspection finds no leaks</title><id>urn:ledger:1</id><link href="https://ledger.example/dam"/>
<updated>2026-04-06T10:00:00Z</updated><author><name>Jon Hale</name></author>
<content type="html">&lt;p&gt;{text}&lt;/p&gt;</content></entry></feed>""".format(text=PARAGRAPH * 4)

JSON_FEED = json.dumps(
    {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "Coast Radio",
        "items": [
            {
                "id": "c1",
                "url": "https://coast.example/storm",
                "title": "Storm warning for the coast",
                "content_text": PARAGRAPH * 4 + "\n\nAT&T and the port share a mast.",
                "date_published": "2026-04-06T11:00:00Z",
            }
        ],
    }
)


def _feeds(cli) -> list[dict]:
    return json.loads(cli("feeds", "list", "--json").stdout)


def test_poll_stores_entries_follows_summary_links_and_uses_conditional_get(cli, http_server, db_path):
    page = http_server.route("/pier", PAGE.format(canonical=http_server.url("/pier")), headers={"Content-Type": "text/html; charset=utf-8"})
    feed_url = http_server.route("/rss", rss(http_server, summary_only_link=page), headers={"Content-Type": "application/rss+xml"}, etag='"v1"')
    assert cli("feeds", "add", feed_url, env=ALLOW).exit_code == 0

    first = cli("poll", "--json", env=ALLOW)
    assert json.loads(first.stdout) == [{"feed": 1, "url": feed_url, "outcome": "ok", "new_articles": 2, "error": None}]
    with Store(db_path) as store:
        articles = {a.title: a for a in store.list_articles()}
        ferry = articles["Ferry fares to rise in May"]
        assert ferry.source == "Elsin Courier" and ferry.published.isoformat() == "2026-04-06T07:00:00+00:00"
        assert "Fares rise by 5 percent." in ferry.text
        assert ferry.extra["origin_source"] == {"title": "Invented Wire", "url": "https://wire.example/rss"}
        pier = articles["North pier closed"]
        assert pier.extra.get("fulltext") and "divers inspect the pilings" in pier.text
        assert pier.summary == "The north pier is closed."
        assert "cookies" not in pier.text and "All rights reserved" not in pier.text
        assert pier.byline == "Mira Castell"
    requests_before = len(http_server.requests)

    second = cli("poll", "--all", "--json", env=ALLOW)
    assert json.loads(second.stdout)[0]["outcome"] == "not_modified"
    method, path, headers = http_server.requests[requests_before]
    assert path == "/rss" and headers.get("if-none-match") == '"v1"'
    assert len(http_server.requests) == requests_before + 1  # no page fetched again
    with Store(db_path) as store:
        assert store.count_articles() == 2
        outcomes = [a["outcome"] for a in store.fetch_attempts(1)]
        assert outcomes == ["not_modified", "ok"]


def test_a_changed_feed_adds_only_new_entries_and_skips_known_pages(cli, http_server, db_path):
    page = http_server.route("/pier", PAGE.format(canonical=http_server.url("/pier")), headers={"Content-Type": "text/html"})
    feed_url = http_server.route("/rss", rss(http_server, summary_only_link=page), headers={"Content-Type": "application/rss+xml"})
    cli("feeds", "add", feed_url, env=ALLOW)
    cli("poll", env=ALLOW)
    pages_fetched = http_server.paths().count("/pier")
    result = cli("poll", "--all", "--json", env=ALLOW)
    assert json.loads(result.stdout)[0]["new_articles"] == 0
    assert http_server.paths().count("/pier") == pages_fetched


def test_only_due_feeds_are_polled(cli, http_server):
    feed_url = http_server.route("/atom", ATOM, headers={"Content-Type": "application/atom+xml"})
    cli("feeds", "add", feed_url, env=ALLOW)
    cli("poll", env=ALLOW)
    result = cli("poll", env=ALLOW)
    assert "No feed is due" in result.stderr
    [feed] = _feeds(cli)
    assert feed["last_status"] == "ok" and feed["next_poll_at"] > feed["last_polled_at"]


def test_atom_and_json_feed_are_read(cli, http_server, db_path):
    cli("feeds", "add", http_server.route("/atom", ATOM, headers={"Content-Type": "application/atom+xml"}), env=ALLOW)
    cli("feeds", "add", http_server.route("/json", JSON_FEED, headers={"Content-Type": "application/feed+json"}), env=ALLOW)
    result = cli("poll", "--json", env=ALLOW)
    assert [p["new_articles"] for p in json.loads(result.stdout)] == [1, 1]
    with Store(db_path) as store:
        by_title = {a.title: a for a in store.list_articles()}
        dam = by_title["Dam inspection finds no leaks"]
        assert (dam.source, dam.byline, dam.url) == ("Valley Ledger", "Jon Hale", "https://ledger.example/dam")
        storm = by_title["Storm warning for the coast"]
        assert storm.source == "Coast Radio" and storm.published.isoformat() == "2026-04-06T11:00:00+00:00"
        assert storm.text.endswith("\n\nAT&T and the port share a mast.")
    assert [f["title"] for f in _feeds(cli)] == ["Valley Ledger", "Coast Radio"]


def test_older_rss_dialects_are_read(cli, http_server, db_path):
    rss091 = f"""<?xml version="1.0"?><rss version="0.91"><channel><title>Old Times</title><link>http://old.example/</link>
<description>d</description><item><title>Mill reopens</title><link>http://old.example/mill</link>
<description>{PARAGRAPH}</description></item></channel></rss>"""
    rdf = f"""<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/">
<channel rdf:about="http://rdf.example/"><title>RDF Post</title><link>http://rdf.example/</link><description>d</description></channel>
<item rdf:about="http://rdf.example/bridge"><title>Bridge repainted</title><link>http://rdf.example/bridge</link><description>{PARAGRAPH}</description></item>
</rdf:RDF>"""
    cli("feeds", "add", http_server.route("/091", rss091, headers={"Content-Type": "text/xml"}), env=ALLOW)
    cli("feeds", "add", http_server.route("/rdf", rdf, headers={"Content-Type": "application/rdf+xml"}), env=ALLOW)
    # summaries only: full text would be fetched from hosts that do not exist here
    result = cli("poll", "--json", env={**ALLOW, "NEWSDESK_FEED_FETCH_FULLTEXT": "false"})
    assert [p["outcome"] for p in json.loads(result.stdout)] == ["ok", "ok"]
    with Store(db_path) as store:
        assert {a.title for a in store.list_articles()} == {"Mill reopens", "Bridge repainted"}


def test_broken_missing_and_slow_feeds_are_recorded_and_backed_off(cli, http_server, db_path, seeds):
    cli("ingest", str(seeds))
    cli("feeds", "add", http_server.route("/broken", "<html><body>Not a feed at all</body></html>", headers={"Content-Type": "text/html"}), env=ALLOW)
    cli("feeds", "add", http_server.url("/missing"), env=ALLOW)
    cli("feeds", "add", http_server.route("/slow", ATOM, delay=2.0), env=ALLOW)
    cli("feeds", "add", http_server.route("/error", "oops", status=500), env=ALLOW)
    result = cli("poll", env={**ALLOW, "NEWSDESK_FETCH_TIMEOUT": "0.5"})
    assert result.exit_code == 1 and "no feed could be fetched (4 polled)" in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: http")]
    assert len(errors) == 4
    assert "not a readable RSS, Atom or JSON feed" in errors[0]
    assert "HTTP 404 Not Found" in errors[1]
    assert "timed out" in errors[2]
    assert "HTTP 500" in errors[3]
    for feed in _feeds(cli):
        assert feed["last_status"] == "error" and feed["error_count"] == 1
    with Store(db_path) as store:
        assert store.count_articles() == 3  # nothing already stored was lost
        assert len([f for f in store.list_failures() if f["stage"] == "feed"]) == 4
        feed = store.get_feed(2)
        assert feed.next_poll_at - feed.last_polled_at == timedelta(seconds=2 * 1800)


def test_a_failed_full_text_fetch_keeps_the_entry(cli, http_server, db_path):
    feed_url = http_server.route("/rss", rss(http_server, summary_only_link=http_server.url("/gone")), headers={"Content-Type": "application/rss+xml"})
    cli("feeds", "add", feed_url, env=ALLOW)
    result = cli("poll", env=ALLOW)
    assert "HTTP 404 Not Found; kept the feed's own text" in result.stderr
    with Store(db_path) as store:
        pier = next(a for a in store.list_articles() if a.title == "North pier closed")
        assert pier.text == "The north pier is closed."


def test_feeds_on_loopback_are_refused_by_default(cli, http_server, db_path):
    feed_url = http_server.route("/atom", ATOM, headers={"Content-Type": "application/atom+xml"})
    refused = cli("feeds", "add", feed_url)
    assert refused.exit_code == 1 and "not subscribed" in refused.stderr
    assert "refused: 127.0.0.1 is a loopback address; allow the host with the setting fetch_allow_hosts" in refused.stderr
    assert _feeds(cli) == []
    assert cli("feeds", "add", feed_url, env=ALLOW).exit_code == 0  # subscribed while allowed ...
    result = cli("poll")  # ... then polled without the setting: the guard still refuses
    assert result.exit_code == 1
    assert "refused: 127.0.0.1 is a loopback address; allow the host with the setting fetch_allow_hosts" in result.stderr
    assert http_server.requests == []  # the guard refused before connecting
    assert cli("poll", "--all", "--json", env=ALLOW).stdout.count('"ok"') == 1


def test_feeds_add_list_remove(cli):
    assert "Subscribed" in cli("feeds", "add", "https://gazette.example/rss", "--title", "Gazette").stderr
    assert "Already subscribed" in cli("feeds", "add", "https://gazette.example/rss").stderr
    assert cli("feeds", "add", "not a url").exit_code == 2
    assert [f["title"] for f in _feeds(cli)] == ["Gazette"]
    assert "Removed feed 1" in cli("feeds", "remove", "https://gazette.example/rss").stderr
    assert cli("feeds", "remove", "1").exit_code == 1
    assert _feeds(cli) == []


def test_opml_import_and_export_round_trip(cli, tmp_path):
    opml = tmp_path / "subs.opml"
    opml.write_text(
        """<?xml version="1.0"?><opml version="1.0"><head><title>mine</title></head><body>
<outline text="Local"><outline text="Gazette" type="rss" xmlUrl="https://gazette.example/rss" htmlUrl="https://gazette.example/"/>
<outline text="Ledger" type="rss" xmlUrl="https://ledger.example/atom"/></outline>
<outline text="Radio" type="rss" xmlUrl="https://radio.example/feed.json"/>
<outline text="A folder with no feed"/></body></opml>"""
    )
    result = cli("feeds", "import-opml", str(opml))
    assert "3 feeds" in result.stderr and "3 new" in result.stderr
    assert "0 new, 3 already subscribed" in cli("feeds", "import-opml", str(opml)).stderr
    exported = tmp_path / "out.opml"
    cli("feeds", "export-opml", "-o", str(exported))
    other_db = tmp_path / "other.db"
    from typer.testing import CliRunner

    from newsdesk.cli import app

    CliRunner().invoke(app, ["--db", str(other_db), "feeds", "import-opml", str(exported)])
    with Store(other_db) as store:
        feeds = store.list_feeds()
    assert [(f.url, f.title) for f in feeds] == [
        ("https://gazette.example/rss", "Gazette"),
        ("https://ledger.example/atom", "Ledger"),
        ("https://radio.example/feed.json", "Radio"),
    ]


def test_bad_opml_is_a_clear_error(cli, tmp_path):
    bad = tmp_path / "bad.opml"
    bad.write_text("<html><body>no</body></html>")
    result = cli("feeds", "import-opml", str(bad))
    assert result.exit_code == 1 and "not an OPML document" in result.stderr


def test_ingest_url_extracts_the_page(cli, http_server, db_path):
    http_server.route("/story", PAGE.format(canonical="https://courier.example/pier"), headers={"Content-Type": "text/html"})
    http_server.redirect("/short", "/story")
    result = cli("ingest", http_server.url("/short"), env=ALLOW)
    assert result.exit_code == 0, result.stderr
    with Store(db_path) as store:
        [article] = store.list_articles()
    assert (article.title, article.byline, article.source) == ("North pier closed for three weeks", "Mira Castell", "Elsin Courier")
    assert article.published.isoformat() == "2026-04-06T08:30:00+00:00"
    assert article.canonical_url == "https://courier.example/pier"
    assert "Home · Harbour" not in article.text and "divers inspect" in article.text
    assert "Nothing new" in cli("ingest", http_server.url("/short"), env=ALLOW).stderr


def test_ingest_url_failures_are_clear(cli, http_server):
    http_server.route("/empty", "<html><body><nav>Home</nav><p>Hi.</p></body></html>", headers={"Content-Type": "text/html"})
    http_server.route("/img", b"\x89PNG....", headers={"Content-Type": "image/png"})
    cases = {
        "/empty": "no article found in the page",
        "/img": "not a web page (Content-Type image/png)",
        "/nowhere": "HTTP 404 Not Found",
    }
    for path, reason in cases.items():
        result = cli("ingest", http_server.url(path), env=ALLOW)
        assert result.exit_code == 1
        assert f"error: {http_server.url(path)}: {reason}" in result.stderr
