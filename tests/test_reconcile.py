"""Reconciliation end to end, through the command line, on small invented stories.

Each story below is made of independent reports by invented outlets (different wording, different
order: not rewrites of one another), published an hour or so apart, so that ``newsdesk cluster``
puts each in one story. The module ingests them once into one store, clusters, and reads every
story with ``newsdesk stories show ID --json``; the tests check what a user sees there.
"""

from __future__ import annotations

import json
import os
import re

import pytest
from typer.testing import CliRunner

from newsdesk.cli import app

# -- the invented stories ------------------------------------------------------------------

# a storm in a harbour town: figures in words and digits, a disputed injury toll, a range, clock
# times with zones, an unnamed speaker
STORM = [
    {
        "id": "storm-a", "source": "Marrowby Gazette", "published": "2031-10-15T07:00:00+00:00",
        "title": "Storm batters Marrowby harbour, dozens hurt",
        "text": (
            "MARROWBY - A violent autumn storm tore through the harbour town of Marrowby on Tuesday, leaving wrecked boats and flooded streets behind it. "
            "The gale ripped twelve fishing boats from their moorings and threw them against the harbour wall. "
            "At least 40 people were injured, most of them by flying debris, according to the regional health board. "
            "Between 30 and 50 homes were flooded along the low-lying Quay Road. "
            "The storm made landfall at 3 PM EST (8 PM GMT), the national weather service said. "
            "Harbour master Tomas Reilly said the breakwater had held through the worst of the gusts. "
            "Schools in Marrowby will stay closed until Thursday."
        ),
    },
    {
        "id": "storm-b", "source": "Northern Coast Radio", "published": "2031-10-15T08:10:00+00:00",
        "title": "Marrowby counts the cost after storm",
        "text": (
            "Residents of Marrowby spent the day clearing mud and broken glass after the storm. "
            "In the harbour, 12 boats broke loose and drifted onto the rocks. "
            "Hospital officials said 25 people were injured in the storm. "
            "Harbour master Tomas Reilly told the station that the sea wall had done its job. "
            "\u201cWe were not warned,\u201d a resident told reporters outside the town hall. "
            "Reilly said the warning sirens had been tested in the spring. "
            "Volunteers from neighbouring villages brought sandbags and generators to Marrowby."
        ),
    },
    {
        "id": "storm-c", "source": "Tidewater Daily", "published": "2031-10-15T09:20:00+00:00",
        "title": "Storm floods homes in Marrowby",
        "text": (
            "Floodwater poured into about 40 homes in Marrowby when the storm pushed the tide over the sea wall. "
            "Emergency crews said at least 40 people were injured across the district. "
            "Fallen trees brought down power lines on the coast road north of the harbour. "
            "The storm reached the coast at 8 PM GMT, forecasters said. "
            "Electricity was restored to most streets by Wednesday morning. "
            "The regional council has promised emergency grants to families whose houses were damaged."
        ),
    },
]

# a squall at a regatta: a figure an article corrects itself, consensus of two outlets, a fact one
# outlet tells (and a copy of it repeats), a quote whose negation changes
FLEET = [
    {
        "id": "fleet-a", "source": "Lakeside Courier", "published": "2031-06-07T15:00:00+00:00",
        "title": "Squall sinks boats at Lake Orvan regatta",
        "text": (
            "Race director Helen Marsh called off the remaining heats of the Lake Orvan summer regatta after a sudden squall on Saturday afternoon. "
            "The coastguard rescued nine sailors from the water near the northern buoy. "
            "Race officials said 15 boats sank in the squall. "
            "\u201cWe saw the squall coming across the water,\u201d Marsh said. "
            "Correction: an earlier version of this article said 12 boats sank; 15 boats sank. "
            "The regatta club said it would review its weather procedures."
        ),
    },
    {
        "id": "fleet-b", "source": "Orvan Valley Post", "published": "2031-06-07T16:05:00+00:00",
        "title": "Lake Orvan regatta abandoned after squall",
        "text": (
            "Spectators on the shore of Lake Orvan watched on Saturday as a violent squall tore the sails off the regatta fleet. "
            "Nine sailors were pulled out of the water by the coastguard. "
            "Helen Marsh, the race director, said the forecast had given no hint of trouble. "
            "\u201cWe never saw the squall coming across the water,\u201d said Marsh. "
            "In all, 15 boats went to the bottom of the lake before the wind dropped. "
            "The lake will be closed to pleasure craft until the wrecks are raised."
        ),
    },
    {
        "id": "fleet-c", "source": "Midland Sailing News", "published": "2031-06-07T17:10:00+00:00",
        "title": "Chaos on Lake Orvan as squall hits regatta",
        "text": (
            "The Lake Orvan summer regatta ended in chaos on Saturday when a squall hit the racing fleet. "
            "Officials confirmed that 15 boats sank within minutes. "
            "A bakery in the lakeside village handed out free bread and soup to the rescue crews on the pier. "
            "Organisers said insurance would cover the cost of raising the wrecks. "
            "The club has cancelled the training sessions planned for next weekend."
        ),
    },
]
# fleet-d is a syndicated copy: fleet-c's text under another outlet's name
FLEET.append(FLEET[2] | {"id": "fleet-d", "source": "Sailing Digest", "published": "2031-06-07T18:00:00+00:00"})

# a council vote on a bridge: durations that disagree, the mayor speaking before / after the
# council vote, a quote reworded (style) and a quote whose figure changes (meaning)
COUNCIL = [
    {
        "id": "council-a", "source": "Ferrisford Herald", "published": "2031-03-11T21:00:00+00:00",
        "title": "Ferrisford votes to repair Old Mill Bridge",
        "text": (
            "The Ferrisford town council voted on Monday night to spend 2 million pounds repairing the Old Mill Bridge. "
            "The mayor, Dana Whitfield, spoke to reporters before the council vote, urging councillors to back the plan. "
            "\u201cThis bridge has carried our town for ninety years and it deserves better,\u201d Whitfield said. "
            "The public hearing on the plan lasted over an hour. "
            "\u201cWe will need 3 million pounds before this is finished,\u201d said Peter Walsh, who chairs the finance committee. "
            "Work on the bridge is expected to begin in May."
        ),
    },
    {
        "id": "council-b", "source": "Ferrisford Today", "published": "2031-03-11T22:10:00+00:00",
        "title": "Council backs Old Mill Bridge repair",
        "text": (
            "Residents of Ferrisford queued for seats in a packed chamber on Monday as councillors weighed the fate of their oldest crossing. "
            "Engineers warned last year that the timber deck of the Old Mill Bridge was rotting. "
            "The mayor, Dana Whitfield, spoke to reporters after the council vote, saying the decision was overdue. "
            "\u201cThis bridge has served our town for ninety years and it deserves better,\u201d said Whitfield. "
            "In the end, a repair costing 2 million pounds was approved. "
            "Traffic will be diverted over the ring road while the work goes on."
        ),
    },
    {
        "id": "council-c", "source": "Riverside Weekly", "published": "2031-03-11T23:20:00+00:00",
        "title": "Old Mill Bridge repairs could overrun, councillor warns",
        "text": (
            "The public hearing on the Old Mill Bridge in Ferrisford lasted about three hours on Monday night. "
            "Peter Walsh, the finance chair of the council, warned that the repairs would overrun. "
            "\u201cWe will need 5 million pounds before this is finished,\u201d Walsh said. "
            "Shopkeepers near the bridge said the closure would cost them trade. "
            "The bridge, built in 1941, links the market square to the railway station. "
            "A contractor has not yet been chosen."
        ),
    },
]

# a council vote on a library: "before the council vote" against "after the vote", and a quote whose
# number in words changes
LIBRARY = [
    {
        "id": "library-a", "source": "Pellworth Echo", "published": "2031-09-18T19:00:00+00:00",
        "title": "Pellworth to close Elm Street library",
        "text": (
            "The council of Pellworth voted on Thursday to close the Elm Street library at the end of the year. "
            "The mayor, Oliver Brandt, spoke to reporters before the council vote. "
            "Around two hundred protesters gathered on the steps of the town hall with placards. "
            "\u201cWe will lose three branch libraries by the spring,\u201d said Grace Adeyemi, who leads a campaign to save them. "
            "The council says the closure will save money on heating and repairs. "
            "The books will move to the central library on Castle Lane."
        ),
    },
    {
        "id": "library-b", "source": "Pellworth Radio", "published": "2031-09-18T20:15:00+00:00",
        "title": "Campaigners vow to fight Pellworth library closure",
        "text": (
            "Campaigners promised to keep fighting after Pellworth councillors backed the closure of the Elm Street library on Thursday evening. "
            "A petition against the plan had gathered thousands of signatures in a month. "
            "\u201cWe will lose five branch libraries by the spring,\u201d Grace Adeyemi told the crowd outside. "
            "The mayor, Oliver Brandt, spoke to reporters after the vote. "
            "Staff at the branch will be offered jobs elsewhere in the library service."
        ),
    },
    {
        "id": "library-c", "source": "Pellworth Weekly", "published": "2031-09-18T21:30:00+00:00",
        "title": "Elm Street readers mourn their library",
        "text": (
            "Regular readers at the Elm Street library in Pellworth learned on Thursday that their branch will shut its doors in December. "
            "The building has housed the library since 1958 and needs a new roof. "
            "Councillors said the money saved would pay for the mobile library van that serves outlying villages. "
            "Opening hours at the central library will be extended on weekday evenings. "
            "Some regulars said they would struggle to reach the town centre by bus."
        ),
    },
]

# a ferry aground: two outlets tell the same two pairs of events the other way round (one with
# "after", one with a cleft "it was only after … that …", one with "had already … when"); a third
# agrees with the first; what will happen "after" something has no order yet to dispute
FERRY = [
    {
        "id": "ferry-a", "source": "Skerrow Times", "published": "2031-05-06T08:00:00+00:00",
        "title": "Ferry runs aground off Carnholm Point",
        "text": (
            "The island ferry Maid of Skerrow ran aground off Carnholm Point on Monday evening with 140 passengers on board. "
            "Captain Ewan Dowrie sent a distress call after the ferry's engine failed in heavy swell. "
            "The passengers were moved to lifeboats shortly before the hull began taking on water. "
            "Coastguard helicopters from Ardmore lifted four people to hospital with minor injuries. "
            "The ferry will be towed to Skerrow harbour after the tide turns on Tuesday."
        ),
    },
    {
        "id": "ferry-b", "source": "West Isles Radio", "published": "2031-05-06T09:10:00+00:00",
        "title": "Questions over timing as Skerrow ferry grounds",
        "text": (
            "Crew members of the stricken Carnholm vessel are questioning the official account of Monday's grounding. "
            "It was only after Captain Ewan Dowrie had sent a distress call that the ferry's engine failed, two deckhands told the station. "
            "Passengers said the hull had already begun taking on water when they were moved to the lifeboats. "
            "A woman travelling with her grandchildren said the lights went out and nobody explained what was happening. "
            "The operator, Isles Line, has promised an independent inquiry and refunds for every ticket."
        ),
    },
    {
        "id": "ferry-c", "source": "Carnholm Courier", "published": "2031-05-06T10:30:00+00:00",
        "title": "Maid of Skerrow passengers rescued after grounding",
        "text": (
            "Volunteers at the Carnholm lifeboat station worked through the night to bring everyone ashore from the grounded island ferry. "
            "The ferry's engine failed before Captain Ewan Dowrie sent a distress call, the operator said in a statement. "
            "Four passengers needed hospital treatment in Ardmore, none of them seriously hurt. "
            "Fishermen in the harbour said the rocks off the point have claimed several boats over the years."
        ),
    },
]

STORIES = {"storm": STORM, "fleet": FLEET, "council": COUNCIL, "library": LIBRARY, "ferry": FERRY}


# -- running the command line once for the module -------------------------------------------


class Desk:
    """The command line against one store, and what it showed for each invented story."""

    def __init__(self, root):
        self.db = str(root / "store.db")
        config = root / "no-settings.toml"
        config.write_text("fetch_host_delay = 0\nfetch_timeout = 5\n")
        # as the conftest ``cli`` fixture: ignore the user's NEWSDESK_* settings
        self.env = {name: None for name in os.environ if name.startswith("NEWSDESK_")}
        self.env["NEWSDESK_CONFIG"] = str(config)
        self.runner = CliRunner()
        self.stories: dict[str, dict] = {}
        self._texts: dict[str, str] = {}
        self._facts: dict[str, dict] = {}

    def cli(self, *args: str):
        result = self.runner.invoke(app, ["--db", self.db, *args], env=self.env, catch_exceptions=False)
        assert result.exit_code == 0, f"newsdesk {' '.join(args)} failed:\n{result.output}"
        return result

    def json(self, *args: str):
        return json.loads(self.cli(*args, "--json").stdout)

    def text(self, article_id: str) -> str:
        if article_id not in self._texts:
            self._texts[article_id] = self.json("articles", "show", article_id)["text"]
        return self._texts[article_id]

    def facts(self, article_id: str) -> dict:
        if article_id not in self._facts:
            self._facts[article_id] = json.loads(self.cli("articles", "facts", article_id).stdout)
        return self._facts[article_id]


@pytest.fixture(scope="module")
def desk(tmp_path_factory) -> Desk:
    root = tmp_path_factory.mktemp("reconcile")
    desk = Desk(root)
    corpus = root / "invented.jsonl"
    records = [record for story in STORIES.values() for record in story]
    corpus.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")
    desk.cli("ingest", str(corpus))
    desk.cli("cluster")
    desk.listed = desk.json("stories", "list")
    shown = [desk.json("stories", "show", str(row["id"])) for row in desk.listed]
    by_articles = {tuple(sorted(a["id"] for a in story["articles"])): story for story in shown}
    wanted = {name: tuple(sorted(r["id"] for r in story)) for name, story in STORIES.items()}
    if sorted(by_articles) != sorted(wanted.values()):
        pytest.fail(
            "the invented articles did not cluster into one story per invented story:\n"
            f"  wanted {sorted(wanted.values())}\n  got    {sorted(by_articles)}"
        )
    desk.stories = {name: by_articles[ids] for name, ids in wanted.items()}
    return desk


# -- helpers ---------------------------------------------------------------------------------


def conflicts_of(story: dict, kind: str) -> list[dict]:
    return [c for c in story["conflicts"] if c["kind"] == kind]


def quantity(story: dict, article: str, text: str) -> dict:
    found = [q for q in story["quantities"] if q["article"] == article and q["text"].lower() == text.lower()]
    assert len(found) == 1, f"expected one quantity {text!r} in {article}, got {[q['text'] for q in story['quantities'] if q['article'] == article]}"
    return found[0]


def conflict_spans(story: dict) -> set[tuple[str, int, int]]:
    """(article, start, end) of every figure or phrase some conflict of the story cites."""
    return {(e["article"], e["start"], e["end"]) for c in story["conflicts"] for v in c["values"] for e in v["evidence"]}


def assert_verbatim(desk: Desk, evidence: dict) -> None:
    """An evidence span is the article's text at [start:end], verbatim."""
    body = desk.text(evidence["article"])
    assert 0 <= evidence["start"] < evidence["end"] <= len(body)
    assert body[evidence["start"]:evidence["end"]] == evidence["text"], evidence


def claim_with(story: dict, article: str, words: str) -> dict:
    """The claim one of whose statements in ``article`` contains ``words``."""
    found = [
        c for c in story["claims"]
        if any(e["article"] == article and words in e["text"] for e in c["evidence"])
    ]
    assert found, f"no claim holds a statement of {article} with {words!r}: {[c['text'] for c in story['claims']]}"
    return found[0]


def quote_by(story: dict, speaker: str) -> dict:
    found = [q for q in story["quotes"] if q["speaker"] == speaker]
    assert len(found) == 1, f"expected one quote by {speaker}, got {[(q['speaker'], q['text']) for q in story['quotes']]}"
    return found[0]


def diff_sides(diff: list[dict]) -> tuple[list[str], list[str]]:
    """The two wordings a word diff describes (main, variant), as words."""
    a, b = [], []
    for run in diff:
        if run["op"] in {"equal", "delete", "replace"}:
            a += run["a"].split()
        if run["op"] in {"equal", "insert", "replace"}:
            b += run["b" if run["op"] != "equal" else "a"].split()
    return a, b


# -- the stories -----------------------------------------------------------------------------


def test_each_invented_story_is_one_story_with_its_independent_origins(desk):
    listed = {row["id"]: row for row in desk.listed}
    assert len(listed) == len(STORIES)
    counts = {name: (listed[s["id"]]["articles"], listed[s["id"]]["origins"]) for name, s in desk.stories.items()}
    # the syndicated copy (fleet-d) is one origin with the report it copies
    assert counts == {"storm": (3, 3), "fleet": (4, 3), "council": (3, 3), "library": (3, 3), "ferry": (3, 3)}
    fleet = {a["id"]: a for a in desk.stories["fleet"]["articles"]}
    assert fleet["fleet-d"]["origin"] == fleet["fleet-c"]["origin"] == "fleet-c"
    assert fleet["fleet-d"]["level"] == "exact"
    assert len({fleet[x]["origin"] for x in ("fleet-a", "fleet-b", "fleet-c")}) == 3


# -- quantities ------------------------------------------------------------------------------


def test_a_number_in_words_agrees_with_the_same_number_in_digits(desk):
    story = desk.stories["storm"]
    words = quantity(story, "storm-a", "twelve fishing boats")
    digits = quantity(story, "storm-b", "12 boats")
    assert (words["low"], words["high"], words["what_lemma"]) == (12, 12, "boat")
    assert (digits["low"], digits["high"], digits["what_lemma"]) == (12, 12, "boat")
    spans = conflict_spans(story)
    assert (words["article"], words["start"], words["end"]) not in spans
    assert (digits["article"], digits["start"], digits["end"]) not in spans
    assert not [c for c in conflicts_of(story, "quantity") if "boat" in c["topic"]]


def test_a_disputed_injury_toll_is_a_conflict_with_each_side_and_its_evidence(desk):
    story = desk.stories["storm"]
    about_people = [c for c in conflicts_of(story, "quantity") if "people" in c["topic"]]
    assert len(about_people) == 1, story["conflicts"]
    conflict = about_people[0]
    sides = {v["value"].lower(): v["articles"] for v in conflict["values"]}
    # storm-a and storm-c say "at least 40", storm-b says 25: two sides, no article on both
    assert sides == {"25 people": ["storm-b"], "at least 40 people": ["storm-a", "storm-c"]}
    for value in conflict["values"]:
        assert sorted(e["article"] for e in value["evidence"]) == value["articles"]
        for evidence in value["evidence"] + value["context"]:
            assert_verbatim(desk, evidence)
        for evidence, context in zip(value["evidence"], value["context"]):
            assert context["start"] <= evidence["start"] < evidence["end"] <= context["end"]
    assert {e["text"] for v in conflict["values"] for e in v["evidence"]} == {"At least 40 people", "at least 40 people", "25 people"}
    # the claim about the injured carries the conflict
    claim = claim_with(story, "storm-b", "25 people were injured")
    assert claim["status"] == "conflict"
    assert story["conflicts"].index(conflict) in claim["conflicts"]


def test_a_range_and_an_approximate_figure_inside_it_agree(desk):
    story = desk.stories["storm"]
    between = quantity(story, "storm-a", "between 30 and 50 homes")
    about = quantity(story, "storm-c", "about 40 homes")
    assert (between["low"], between["high"]) == (30, 50)
    assert between["low"] <= about["low"] <= about["high"] <= between["high"]
    spans = conflict_spans(story)
    assert (between["article"], between["start"], between["end"]) not in spans
    assert (about["article"], about["start"], about["end"]) not in spans
    assert not [c for c in story["conflicts"] if "home" in c["topic"]]


def test_durations_that_do_not_overlap_are_a_conflict(desk):
    story = desk.stories["council"]
    durations = [c for c in conflicts_of(story, "quantity") if c["topic"].startswith("how long")]
    assert len(durations) == 1, story["conflicts"]
    conflict = durations[0]
    assert "hearing" in conflict["topic"]
    sides = {v["value"]: v["articles"] for v in conflict["values"]}
    assert sides == {"over an hour": ["council-a"], "about three hours": ["council-c"]}
    for value in conflict["values"]:
        for evidence in value["evidence"] + value["context"]:
            assert_verbatim(desk, evidence)


def test_clock_times_with_zones_are_times_not_disputed_figures(desk):
    story = desk.stories["storm"]
    clocks = {
        aid: {(t["text"], t["zone"], t["value"]): t for t in desk.facts(aid)["times"] if t["kind"] == "clock"}
        for aid in ("storm-a", "storm-c")
    }
    assert set(clocks["storm-a"]) == {("3 PM EST", "EST", "15:00-05:00"), ("8 PM GMT", "GMT", "20:00+00:00")}
    assert set(clocks["storm-c"]) == {("8 PM GMT", "GMT", "20:00+00:00")}
    for aid, times in clocks.items():
        for t in times.values():
            assert desk.text(aid)[t["start"]:t["end"]] == t["text"]
            # no figure is read inside a clock time, and no conflict cites one
            assert not [
                q for q in story["quantities"]
                if q["article"] == aid and q["start"] < t["end"] and t["start"] < q["end"]
            ]
            assert not [
                s for s in conflict_spans(story) if s[0] == aid and s[1] < t["end"] and t["start"] < s[2]
            ]
    topics = [c["topic"] for c in story["conflicts"]]
    assert len(topics) == 1 and topics[0].startswith("how many people"), topics


# -- quotes ----------------------------------------------------------------------------------


def test_an_unnamed_speaker_is_kept_as_a_description_in_the_article_facts(desk):
    facts = desk.facts("storm-b")
    quotes = [q for q in facts["quotes"] if q["text"].startswith("We were not warned")]
    assert len(quotes) == 1, facts["quotes"]
    quote = quotes[0]
    # Tomas Reilly is named in the sentences before and after; the quote is not his
    assert quote["speaker"] is None and quote["speaker_start"] is None
    assert quote["description"] == "a resident"
    assert not quote["named_in_sentence"]


def test_an_unnamed_speakers_quote_is_shown_in_the_story_and_never_given_a_name(desk):
    story = desk.stories["storm"]
    people = {e["name"] for e in story["entities"] if e["label"] == "person"}
    assert "Tomas Reilly" in people
    quoted = [q for q in story["quotes"] if q["text"].startswith("We were not warned")]
    assert len(quoted) == 1, story["quotes"]
    assert quoted[0]["speaker"] in (None, "a resident")
    assert quoted[0]["speaker"] not in people
    assert quoted[0]["articles"] == ["storm-b"]


def test_one_quote_in_two_wordings_is_one_quote_with_a_style_variant(desk):
    quote = quote_by(desk.stories["council"], "Dana Whitfield")
    assert quote["articles"] == ["council-a", "council-b"]
    assert len(quote["variants"]) == 2
    main, other = quote["variants"]
    assert "diff" not in main and main["text"] == quote["text"]
    assert {tuple(main["articles"]), tuple(other["articles"])} == {("council-a",), ("council-b",)}
    assert other["change"] == "style"
    changed = [run for run in other["diff"] if run["op"] != "equal"]
    assert changed == [{"op": "replace", "a": "carried", "b": "served"}] or changed == [
        {"op": "replace", "a": "served", "b": "carried"}
    ]
    assert diff_sides(other["diff"]) == (main["text"].split(), other["text"].split())
    for variant in quote["variants"]:
        for evidence in variant["evidence"]:
            assert_verbatim(desk, evidence)


@pytest.mark.parametrize(
    ("story", "speaker", "articles", "changed"),
    [
        ("council", "Peter Walsh", ["council-a", "council-c"], {"3", "5"}),  # a figure changes
        ("fleet", "Helen Marsh", ["fleet-a", "fleet-b"], {"never"}),  # a negation appears
    ],
    ids=["number", "negation"],
)
def test_a_quote_whose_figure_or_negation_changes_is_a_meaning_variant(desk, story, speaker, articles, changed):
    quote = quote_by(desk.stories[story], speaker)
    assert quote["articles"] == articles
    assert len(quote["variants"]) == 2
    main, other = quote["variants"]
    assert other["change"] == "meaning"
    words = {w for run in other["diff"] if run["op"] != "equal" for side in ("a", "b") for w in run.get(side, "").split()}
    assert changed <= words
    assert diff_sides(other["diff"]) == (main["text"].split(), other["text"].split())


def test_a_quote_whose_number_in_words_changes_is_a_meaning_variant(desk):
    quote = quote_by(desk.stories["library"], "Grace Adeyemi")
    assert quote["articles"] == ["library-a", "library-b"]
    assert len(quote["variants"]) == 2
    other = quote["variants"][1]
    assert [run for run in other["diff"] if run["op"] != "equal"] == [{"op": "replace", "a": "three", "b": "five"}]
    assert other["change"] == "meaning"


# -- corrections -----------------------------------------------------------------------------


def test_a_figure_the_article_corrects_is_superseded_and_not_a_conflict(desk):
    story = desk.stories["fleet"]
    text = desk.text("fleet-a")
    corrected = text.index("Correction:")
    figures = {(q["text"], q["start"] > corrected): q for q in story["quantities"] if q["article"] == "fleet-a" and q["what_lemma"] == "boat"}
    assert set(figures) == {("15 boats", False), ("12 boats", True), ("15 boats", True)}
    assert figures[("12 boats", True)]["superseded"] is True
    assert figures[("15 boats", True)]["superseded"] is False
    assert figures[("15 boats", False)]["superseded"] is False
    # the others say 15 and are not superseded
    others = [q for q in story["quantities"] if q["article"] != "fleet-a" and q["what_lemma"] == "boat"]
    assert sorted((q["article"], q["value"], q["superseded"]) for q in others) == [
        ("fleet-b", 15, False), ("fleet-c", 15, False), ("fleet-d", 15, False),
    ]
    assert not [c for c in conflicts_of(story, "quantity") if "boat" in c["topic"]]
    assert (
        "fleet-a", figures[("12 boats", True)]["start"], figures[("12 boats", True)]["end"]
    ) not in conflict_spans(story)


# -- order of events -------------------------------------------------------------------------


def test_before_and_after_the_same_vote_is_a_sequence_conflict(desk):
    story = desk.stories["council"]
    sequences = conflicts_of(story, "sequence")
    assert len(sequences) == 1, story["conflicts"]
    conflict = sequences[0]
    assert "spoke to reporters" in conflict["topic"] and "vote" in conflict["topic"]
    sides = {v["value"]: v for v in conflict["values"]}
    assert set(sides) == {"before", "after"}
    assert sides["before"]["articles"] == ["council-a"]
    assert sides["after"]["articles"] == ["council-b"]
    for relation, value in sides.items():
        assert value["evidence"] and {e["article"] for e in value["evidence"]} == set(value["articles"])
        for evidence in value["evidence"]:
            assert_verbatim(desk, evidence)
            assert evidence["text"] == f"{relation} the council vote"
        assert any("Dana Whitfield, spoke to reporters" in c["text"] for c in value["context"])
        for context in value["context"]:
            assert_verbatim(desk, context)
    # the event is agreed, its timing is not: the claim keeps its status and points to the conflict
    claim = claim_with(story, "council-b", "Dana Whitfield, spoke to reporters after")
    assert claim["articles"] == ["council-a", "council-b"]
    assert claim["status"] == "consensus"
    assert story["conflicts"].index(conflict) in claim["conflicts"]


def test_before_the_council_vote_and_after_the_vote_is_a_sequence_conflict(desk):
    story = desk.stories["library"]
    sequences = conflicts_of(story, "sequence")
    assert len(sequences) == 1, story["conflicts"]
    sides = {v["value"]: v["articles"] for v in sequences[0]["values"]}
    assert sides == {"before": ["library-a"], "after": ["library-b"]}


def test_sentences_that_tell_two_events_the_other_way_round_are_a_sequence_conflict(desk):
    story = desk.stories["ferry"]
    sequences = conflicts_of(story, "sequence")
    sides = {}
    for conflict in sequences:
        split = tuple(sorted(tuple(v["articles"]) for v in conflict["values"]))
        sides[split] = conflict
    # the engine and the distress call: ferry-a and ferry-c against ferry-b
    engine = sides.get((("ferry-a", "ferry-c"), ("ferry-b",)))
    assert engine is not None, [c["topic"] for c in sequences]
    assert "distress call" in engine["topic"] and "engine failed" in engine["topic"]
    # the water and the lifeboats: ferry-a against ferry-b
    water = sides.get((("ferry-a",), ("ferry-b",)))
    assert water is not None, [c["topic"] for c in sequences]
    assert "water" in water["topic"] and "lifeboats" in water["topic"]
    assert len(sequences) == 2, [c["topic"] for c in sequences]  # the tow "after the tide turns" is no dispute
    for conflict in (engine, water):
        for value in conflict["values"]:
            for evidence in value["evidence"] + value["context"]:
                assert_verbatim(desk, evidence)
        # the topic quotes the articles' own words (a brief's gate checks every quoted word)
        contexts = [c["text"] for v in conflict["values"] for c in v["context"]]
        for quoted in re.findall(r"“([^”]+)”", conflict["topic"]):
            assert any(quoted.removesuffix(" …") in c for c in contexts), (quoted, contexts)
    cues = {e["text"] for v in water["values"] for e in v["evidence"]}
    assert "had already begun taking on water when" in cues


# -- consensus and single source -------------------------------------------------------------


def test_two_independent_outlets_make_consensus_and_a_copy_does_not(desk):
    story = desk.stories["fleet"]
    rescued = claim_with(story, "fleet-b", "Nine sailors were pulled out of the water")
    assert rescued["articles"] == ["fleet-a", "fleet-b"]
    assert (rescued["status"], rescued["origins"]) == ("consensus", 2)
    assert any("coastguard rescued nine sailors" in e["text"] for e in rescued["evidence"] if e["article"] == "fleet-a")
    for evidence in rescued["evidence"]:
        assert_verbatim(desk, evidence)

    told_once = claim_with(story, "fleet-a", "review its weather procedures")
    assert told_once["articles"] == ["fleet-a"]
    assert (told_once["status"], told_once["origins"]) == ("single-source", 1)

    # fleet-d is fleet-c under another outlet's name: two articles, one origin, still single-source
    bakery = claim_with(story, "fleet-c", "bakery in the lakeside village")
    assert bakery["articles"] == ["fleet-c", "fleet-d"]
    assert (bakery["status"], bakery["origins"]) == ("single-source", 1)
    for evidence in bakery["evidence"]:
        assert_verbatim(desk, evidence)
