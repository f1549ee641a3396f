"""Where sources differ, on a story written for these tests: what a user sees in ``stories show``.

One invented story, told by four outlets: a wire-style report, a rewrite of it that changes one
figure, an independent report, and one outlet's two articles (a first report and its later update,
with a correction of its own). Each test reads what ``newsdesk stories show ID --json`` gives.
"""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from newsdesk.cli import app

WIRE = (
    "A cargo ferry ran aground on a sandbank outside the port of Quellmouth early on Monday, its operator said. "
    "The Ostrava Star was carrying 14 refrigerated containers and 31 crew when it struck the bank in fog. "
    "Coastguard skipper Mirela Danton, 44, led the tug crews that reached the ferry within the hour. "
    "Port officials said the channel would stay closed until February 11 while divers checked the hull. "
    "No one was hurt, and no fuel leaked into the estuary, the harbour authority said. "
    "The operator said it would hold an inquiry into how the ferry left the marked channel."
)
REWRITE = (
    "A cargo ferry ran aground on a sandbank outside the port of Quellmouth early on Monday, the operator said. "
    "The Ostrava Star was carrying 19 refrigerated containers and 31 crew when it hit the bank in thick fog. "
    "Coastguard skipper Mirela Danton, 44, led the tug crews that reached the ferry within an hour. "
    "Port officials said the channel would stay closed until February 11 while divers inspected the hull. "
    "Nobody was hurt and no fuel leaked into the estuary, according to the harbour authority. "
    "The operator said it would open an inquiry into how the ferry strayed from the marked channel."
)
INDEPENDENT = (
    "Fog and a falling tide left the Ostrava Star stuck fast on the Quellmouth bar on Monday morning. "
    "The 44-year-old Mirela Danton, who commands the coastguard station, told us the tugs had a narrow window. "
    "Some 300 people living along the harbour lanes left their homes for the night while the tide turned. "
    "Agents for the shipping lines counted seven ships queuing beyond the bar. "
    "The harbour authority said the channel would stay closed until February 15 at the earliest."
)
FIRST = (
    "The stranded ferry Ostrava Star has blocked the only deep channel into Quellmouth since Monday. "
    "About 500 residents of the harbour lanes were evacuated as a precaution on Monday, the council said. "
    "Shipping agents said seven vessels were waiting outside the bar for the channel to reopen. "
    "Councillor Anselm Roke said the town would review its fog warnings."
)
UPDATE = (
    "Councillor Anselm Roke said again that the town would review its fog warnings. "
    "Three tugs freed the ferry Ostrava Star from the Quellmouth bar on Wednesday, two days after it grounded in fog. "
    "Correction: an earlier version of this report said 500 residents were evacuated; 300 residents were evacuated. "
    "By Wednesday twelve ships were anchored off the bar, agents said. "
    "Divers found no damage below the waterline, according to the harbour authority."
)
ARTICLES = [
    {"id": "q-wire", "source": "Meridian Wire", "published": "2032-02-09T08:00:00+00:00",
     "title": "Cargo ferry aground off Quellmouth", "text": WIRE},
    {"id": "q-rewrite", "source": "Coast Herald", "published": "2032-02-09T09:30:00+00:00",
     "title": "Ferry aground in fog off Quellmouth", "text": REWRITE},
    {"id": "q-indep", "source": "Quellmouth Post", "published": "2032-02-09T11:00:00+00:00",
     "title": "Ostrava Star stuck on Quellmouth bar", "text": INDEPENDENT},
    {"id": "q-first", "source": "Estuary Times", "published": "2032-02-09T12:00:00+00:00",
     "title": "Stranded ferry blocks Quellmouth channel", "text": FIRST},
    {"id": "q-update", "source": "Estuary Times", "published": "2032-02-11T16:00:00+00:00",
     "title": "Ostrava Star refloated off Quellmouth", "text": UPDATE},
]


@pytest.fixture(scope="module")
def story(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("differences")
    corpus = root / "ferry.jsonl"
    corpus.write_text("".join(json.dumps(a) + "\n" for a in ARTICLES), encoding="utf-8")
    runner = CliRunner()
    env = {"NEWSDESK_DB": str(root / "desk.db"), "NEWSDESK_CONFIG": str(root / "none.toml")}
    (root / "none.toml").write_text("")

    def cli(*args: str) -> str:
        result = runner.invoke(app, list(args), env=env, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.stdout

    cli("ingest", str(corpus))
    cli("cluster")
    listed = json.loads(cli("stories", "list", "--json"))
    shown = [json.loads(cli("stories", "show", str(row["id"]), "--json")) for row in listed]
    ours = [s for s in shown if {a["id"] for a in s["articles"]} == {a["id"] for a in ARTICLES}]
    assert ours, f"the five articles did not make one story: {[[a['id'] for a in s['articles']] for s in shown]}"
    return ours[0]


def sides(conflict: dict) -> dict[str, list[str]]:
    return {v["value"]: v["articles"] for v in conflict["values"]}


def conflict_with(story: dict, text: str) -> dict | None:
    found = [c for c in story["conflicts"] if any(text in v["value"] for v in c["values"])]
    return found[0] if found else None


def test_a_rewrite_that_changes_a_figure_is_a_difference(story):
    """The rewrite retells the wire report almost word for word but gives 19 containers, not 14."""
    conflict = conflict_with(story, "19")
    assert conflict is not None, [sides(c) for c in story["conflicts"]]
    values = sides(conflict)
    assert values.get("19 refrigerated containers") == ["q-rewrite"] or any(
        "19" in v and arts == ["q-rewrite"] for v, arts in values.items())
    assert any("14" in v and "q-wire" in arts for v, arts in values.items()), values


def test_an_age_given_after_a_name_and_before_it_are_compared_and_agree(story):
    """"Mirela Danton, 44," and "The 44-year-old Mirela Danton" agree: no conflict on her age."""
    assert conflict_with(story, "44") is None, [sides(c) for c in story["conflicts"]]


def test_a_date_two_outlets_give_differently_is_a_difference(story):
    """"closed until February 11" against "closed until February 15"."""
    conflict = conflict_with(story, "15")
    assert conflict is not None, [sides(c) for c in story["conflicts"]]
    values = sides(conflict)
    assert any("q-indep" in arts for arts in values.values()) and any("q-wire" in arts for arts in values.values())


def test_one_outlets_later_article_is_its_update_not_a_second_source(story):
    """The Estuary Times' two articles are one voice: their 7 and 12 waiting vessels are a
    development, never a conflict between them."""
    for c in story["conflicts"]:
        outlets = {a for v in c["values"] for a in v["articles"]}
        assert outlets != {"q-first", "q-update"}, sides(c)
    # a claim only the Estuary Times' two articles make is one source
    own = [c for c in story["claims"] if set(c["articles"]) == {"q-first", "q-update"}]
    assert own, [(c["text"], c["articles"]) for c in story["claims"]]
    assert all(c["origins"] == 1 and c["status"] != "consensus" for c in own), [(c["text"], c["origins"]) for c in own]


def test_a_correction_retracts_only_the_correcting_outlets_statement(story):
    """The Estuary Times corrects its own "about 500 residents" to 300; the Quellmouth Post's "some 300
    people" was right all along and stays a statement of fact."""
    corrections = story["corrections"]
    assert corrections, "the correction was not found"
    retracted = {(e["article"], e["text"]) for c in corrections for e in c["retracted"]}
    assert any(a == "q-first" and "500" in t for a, t in retracted), retracted
    assert not any(a == "q-indep" for a, _ in retracted), retracted
    assert any(c.get("summary") and "300" in c["summary"] and "500" in c["summary"] for c in corrections), corrections
    assert conflict_with(story, "500") is None, [sides(c) for c in story["conflicts"]]
