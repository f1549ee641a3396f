"""The feeds newsdesk publishes: Atom 1.0 for briefs and corrections, JSON Feed 1.1, readable by feed readers."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import datetime

import feedparser
import pytest
from starlette.testclient import TestClient
from websupport import new_version, publish, published_seeds

from newsdesk.newsroom import Newsroom
from newsdesk.sources.feeds import parse_feed
from newsdesk.web.app import create_app

ATOM = "{http://www.w3.org/2005/Atom}"
NOTE = "An earlier version gave the meeting's length as over an hour; sources differ on it."


@pytest.fixture(scope="module")
def desk(tmp_path_factory):
    """The seed story published twice: the second time with a correction, and a headline feeds must escape."""
    desk = published_seeds(tmp_path_factory, "feeds")
    desk.headline = "Trump & Netanyahu <meet> again\x0b on Gaza"
    publish(desk, new_version(desk, headline=desk.headline), note=NOTE)
    return desk


@pytest.fixture(scope="module")
def client(desk):
    return TestClient(create_app(desk.settings))


@pytest.mark.parametrize("url", ["/feed.atom", "/corrections.atom"])
def test_feedparser_reads_the_atom_feeds_without_complaint(client, url):
    response = client.get(url)
    assert response.headers["content-type"].startswith("application/atom+xml")
    parsed = feedparser.parse(response.content)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == "atom10" and len(parsed.entries) == 1


@pytest.mark.parametrize("url", ["/feed.atom", "/corrections.atom"])
def test_the_atom_feeds_have_every_required_element(client, url):
    feed = ET.fromstring(client.get(url).content)
    for tag in ("id", "title", "updated", "author/" + ATOM + "name"):
        assert feed.find(ATOM + tag) is not None and feed.find(ATOM + tag).text, tag
    links = {link.get("rel"): link.get("href") for link in feed.findall(ATOM + "link")}
    assert links["self"] == f"http://testserver{url}" and links["alternate"] == "http://testserver/"
    entries = feed.findall(ATOM + "entry")
    assert entries
    for entry in entries:
        for tag in ("id", "title", "updated"):
            assert entry.find(ATOM + tag).text, tag
        assert entry.find(ATOM + "summary") is not None or entry.find(ATOM + "content") is not None
        assert entry.find(ATOM + "link").get("href").startswith("http://testserver/stories/")
        datetime.fromisoformat(entry.find(ATOM + "updated").text)  # RFC 3339


def test_the_briefs_feed_carries_the_published_version_with_its_text_unharmed(client, desk):
    (entry,) = feedparser.parse(client.get("/feed.atom").content).entries
    assert entry.title == "Trump & Netanyahu <meet> again on Gaza"  # escaped in XML, read back whole; \x0b dropped
    assert entry.link == f"http://testserver/stories/{desk.story_id}"
    assert "Netanyahu" in entry.content[0].value and entry.summary


def test_a_correction_appears_in_the_corrections_feed(client, desk):
    (entry,) = feedparser.parse(client.get("/corrections.atom").content).entries
    assert entry.summary == NOTE
    assert entry.title.startswith("Correction: Trump & Netanyahu")
    assert entry.link == f"http://testserver/stories/{desk.story_id}"


def test_the_json_feed_has_the_json_feed_1_1_fields_and_reads_back(client, desk):
    response = client.get("/feed.json")
    assert response.headers["content-type"].startswith("application/feed+json")
    feed = json.loads(response.content)
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert feed["title"] and feed["home_page_url"] == "http://testserver/" and feed["feed_url"] == "http://testserver/feed.json"
    (item,) = feed["items"]
    assert item["id"] and item["url"] == f"http://testserver/stories/{desk.story_id}"
    assert item["title"] == "Trump & Netanyahu <meet> again on Gaza"
    assert item["content_text"].startswith("• ")
    datetime.fromisoformat(item["date_published"])
    (entry,) = parse_feed(response.content).entries  # newsdesk's own feed reader takes it back in
    assert entry["title"] == item["title"] and entry["link"] == item["url"]


def test_an_unpublished_story_leaves_the_feeds(desk):
    with desk.store() as store:
        Newsroom(store, desk.settings).unpublish(desk.user, desk.story_id, "checking the figures")
    client = TestClient(create_app(desk.settings))
    assert feedparser.parse(client.get("/feed.atom").content).entries == []
    assert json.loads(client.get("/feed.json").content)["items"] == []
    assert feedparser.parse(client.get("/feed.atom").content).bozo == 0
