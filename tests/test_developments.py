"""A figure a later report changes is shown as a development, everywhere a brief is read.

Three short reports of one storm: on Tuesday two outlets say Kestrel airport cancelled 120 flights;
on Wednesday evening a third says 210. The brief shows "120 flights → 210 flights" with each value's
day and citations — in its JSON (and so the API), on the story page, in the Atom and JSON Feed
entries and in the Markdown digest — and "Sources agree" never lists the outdated 120.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest
from starlette.testclient import TestClient
from typer.testing import CliRunner
from websupport import page, select, text

from newsdesk import pipeline
from newsdesk.auth import Accounts
from newsdesk.brief.desk import BriefDesk
from newsdesk.brief.render import markdown
from newsdesk.cli import app
from newsdesk.facts import FactsStage
from newsdesk.newsroom import Newsroom
from newsdesk.settings import load_settings
from newsdesk.store import Store
from newsdesk.stories import StoryDesk, make_embedder
from newsdesk.web.app import create_app

ATOM = "{http://www.w3.org/2005/Atom}"
KESTREL = [
    {"id": "kestrel-ht", "source": "Harbour Times", "published": "2031-03-04T09:00:00+00:00",
     "title": "Storm grounds flights at Kestrel airport", "text": (
         "Kestrel airport cancelled 120 flights on Tuesday as a winter storm swept across the coast. "
         "About 15,000 passengers were stranded in the terminals, the airport operator said. "
         "Gusts of more than 100 kilometres an hour tore branches from trees along the harbour road. "
         "Fishing boats stayed in port for a second day. "
         "The operator hoped to reopen both runways by the evening if the wind dropped.")},
    {"id": "kestrel-cc", "source": "Coast Courier", "published": "2031-03-04T10:30:00+00:00",
     "title": "Travellers stuck as gales shut Kestrel runways", "text": (
         "Kestrel airport cancelled 120 flights on Tuesday because of the storm. "
         "Airline staff handed out blankets to travellers who spent the night on terminal floors. "
         "Farmers in the valley reported flattened barns and several roads blocked by fallen oaks. "
         "A spokeswoman for the regional council urged drivers to stay at home. "
         "Schools in three towns closed early.")},
    {"id": "kestrel-vl", "source": "Valley Ledger", "published": "2031-03-05T18:00:00+00:00",
     "title": "Kestrel storm disruption grows", "text": (
         "The storm has now forced Kestrel airport to scrap 210 flights, its operator said. "
         "The tally of stranded passengers has climbed to 27,000. "
         "Two carriers promised extra departures over the weekend to clear the backlog. "
         "Engineers also found a damaged landing light on the northern runway. "
         "Hotels near the terminal said every room was taken. "
         "The weather service expects calmer conditions by Friday.")},
]


@pytest.fixture(scope="module")
def desk(tmp_path_factory):
    """The storm story, ingested, clustered, reconciled, written and published."""
    root = tmp_path_factory.mktemp("kestrel")
    path = root / "kestrel.jsonl"
    path.write_text("\n".join(json.dumps(a) for a in KESTREL) + "\n", encoding="utf-8")
    db = root / "k.db"
    settings = load_settings(env={}, db=str(db), model_cache_dir=str(root / "models"))
    embedder = make_embedder(settings)
    with Store(db) as store:
        pipeline.ingest([str(path)], store, settings)
        StoryDesk(store, settings, embedder).run()
        FactsStage(store, processes=1).run()
        BriefDesk(store, settings, embedder).run()
        (story,) = store.list_stories()
        editor = Accounts(store).add_user("ed", "editor", "correct horse battery staple")
        Newsroom(store, settings).publish(editor, story["id"], 1)
        content = store.published_brief(story["id"])["content"]
    return {"db": db, "settings": settings, "embedder": embedder, "story": story["id"], "content": content,
            "editor": editor}


@pytest.fixture(scope="module")
def client(desk):
    with TestClient(create_app(desk["settings"], embedder=desk["embedder"])) as client:
        yield client


def _flights(developments: list[dict]) -> dict:
    (flights,) = [d for d in developments if "flight" in d["topic"]]
    return flights


def test_the_brief_json_tells_the_development_with_dates_and_citations(desk):
    content = desk["content"]
    flights = _flights(content["developments"])
    steps = [(v["value"], v["date"], sorted(v["articles"]), v["current"]) for v in flights["values"]]
    assert steps == [("120 flights", "2031-03-04", ["kestrel-cc", "kestrel-ht"], False),
                     ("210 flights", "2031-03-05", ["kestrel-vl"], True)]
    assert [v["when"] for v in flights["values"]] == ["Tue 4 Mar", "Wed 5 Mar"]
    assert flights["text"].endswith(": 120 flights → 210 flights.")
    assert flights["gate"]["passed"] and content["gate"]["passed"]
    # the outdated figure is never stated as current: no Quick Take line says 120 flights
    assert not any("120" in line["text"] for line in content["quick_take"])


def test_the_story_page_has_a_developments_section_beside_where_sources_differ(desk, client):
    doc = page(client.get(f"/stories/{desk['story']}").text)
    sections = [s.get("class") for s in doc.xpath("//article[@class='story']/section")]
    assert sections.index("developments") == sections.index("differences") + 1
    (section,) = select(doc, "section.developments")
    earlier, latest = select(section, "ol.steps > li")
    assert "120 flights" in text(earlier) and "superseded by a later report" in text(earlier)
    assert earlier.xpath(".//time/@datetime") == ["2031-03-04"]
    assert "210 flights" in text(latest) and "(latest)" in text(latest)
    assert [a.text for a in latest.xpath(".//a[@class='cite']")] == ["[3]"]


def test_the_api_serves_the_developments(desk, client):
    served = client.get(f"/api/stories/{desk['story']}").json()
    assert [v["value"] for v in _flights(served["developments"])["values"]] == ["120 flights", "210 flights"]


def test_the_atom_and_json_feed_entries_tell_the_development(client):
    feed = ET.fromstring(client.get("/feed.atom").content)
    (entry,) = feed.findall(f"{ATOM}entry")
    html = entry.find(f"{ATOM}content").text
    assert "Developments" in html and "120 flights (Tue 4 Mar) → 210 flights (Wed 5 Mar)" in html
    (item,) = client.get("/feed.json").json()["items"]
    assert "120 flights (Tue 4 Mar) → 210 flights (Wed 5 Mar)" in item["content_text"]


def test_the_markdown_digest_tells_the_development(desk):
    shown = markdown(desk["content"])
    assert "## Developments" in shown
    line = next(x for x in shown.splitlines() if "120 flights" in x and "→" in x)
    assert "120 flights (Tue 4 Mar) [2][1] → 210 flights (Wed 5 Mar) [3] *(latest)*" in line


def test_the_timeline_tells_each_value_on_its_day(desk):
    """An entry whose sentence gives no date takes its report's date; one that dates its event, that day."""
    entries = [(t["date"], t["text"]) for t in desk["content"]["timeline"]]
    assert ("2031-03-04", "Kestrel airport cancelled 120 flights on Tuesday as a winter storm swept across the coast.") \
        in entries or ("2031-03-04", "Kestrel airport cancelled 120 flights on Tuesday because of the storm.") in entries
    # "The storm has now forced … 210 flights, its operator said." dates nothing: its report's day
    assert ("2031-03-05", "The storm has now forced Kestrel airport to scrap 210 flights, its operator said.") in entries


def test_stories_show_lists_the_outdated_value_as_superseded_not_agreed(desk, tmp_path):
    runner = CliRunner()
    (tmp_path / "settings.toml").write_text(f'model_cache_dir = "{desk["settings"].model_cache_dir}"\n')
    env = {"NEWSDESK_CONFIG": str(tmp_path / "settings.toml")}
    args = ["--db", str(desk["db"]), "stories", "show", str(desk["story"])]
    shown = runner.invoke(app, args, env=env, catch_exceptions=False).stdout
    agreed = shown.split("Sources agree")[1].split("Where sources differ")[0]
    assert "120" not in agreed and "15,000" not in agreed
    developments = shown.split("Developments")[-1]
    assert "120 flights" in developments and "superseded by a later report" in developments
    assert "210 flights" in developments and "latest" in developments
    story = json.loads(runner.invoke(app, [*args, "--json"], env=env, catch_exceptions=False).stdout)
    assert not any("120" in c["text"] for c in story["agreed"])


def test_a_development_from_hostile_text_is_escaped_everywhere(desk, client):
    """What reconciliation read from an article is shown as text, never markup, on the page and in the feeds."""
    with Store(desk["db"]) as store:
        latest = store.latest_brief(desk["story"])
        content = json.loads(json.dumps(latest["content"]))
        flights = _flights(content["developments"])
        flights["topic"] = "flights <script>alert(1)</script>"
        flights["values"][0]["value"] = "<b>120</b> flights"
        version = store.save_brief(desk["story"], writer="test", signature=latest["signature"], status="draft",
                                   content=content, changes={"summary": ["test"]}, note=None, lines=[])
        Newsroom(store, desk["settings"]).publish(desk["editor"], desk["story"], version, note="Test of escaping.")
    html = client.get(f"/stories/{desk['story']}").text
    assert "<script>alert(1)</script>" not in html and "<b>120</b>" not in html
    assert "&lt;b&gt;120&lt;/b&gt; flights" in html
    atom = client.get("/feed.atom").text
    assert "<script>" not in atom and "<b>120" not in atom
    assert "<b>120</b> flights" in client.get("/feed.json").json()["items"][0]["content_text"]  # JSON: plain text
    assert "\\<b\\>120\\</b\\> flights" in markdown(content)
