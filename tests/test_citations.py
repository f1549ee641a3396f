"""Every citation supports its line: each cited article gives each of the line's figures.

A line citing an article that gives another value ("Twelve coal wagons" for the line's "Eighteen
wagons") or none fails the gate, with a reason naming the article's outlet and title; the writer
leaves such a citation out and labels the line for what it still cites. One outlet's two articles
are one voice, never two sources.
"""

from __future__ import annotations

import json

import pytest

from newsdesk import pipeline
from newsdesk.brief.desk import BriefDesk
from newsdesk.brief.gate import Gate
from newsdesk.brief.model import Evidence, Line, Source, cited_label, independent_count
from newsdesk.brief.numbers import figures_in, gives
from newsdesk.facts import FactsStage
from newsdesk.settings import load_settings
from newsdesk.store import Store
from newsdesk.stories import StoryDesk, make_embedder

DERAIL = ("Eighteen wagons of a coal train left the tracks near Brenmoor on Monday morning, the rail operator said. "
          "Nobody was hurt, but the line between Brenmoor and Ashford will stay closed until Thursday. "
          "Crews used two cranes to lift the wagons back onto the rails. "
          "The operator said a broken rail was the likely cause. "
          "Passengers were offered buses between the two towns.")
# a rewrite of that report that changed the figure, and a copy of it
REWRITE = DERAIL.replace("Eighteen wagons of a coal train left", "Twelve coal wagons left")
ARTICLES = [
    {"id": "coal-post", "source": "Valley Post", "published": "2031-06-02T08:00:00+00:00",
     "title": "Coal train derails near Brenmoor", "text": DERAIL},
    {"id": "coal-herald", "source": "Brenmoor Herald", "published": "2031-06-02T09:00:00+00:00",
     "title": "Wagons derail on Ashford line", "text": REWRITE},
    {"id": "coal-wire", "source": "North Wire", "published": "2031-06-02T09:30:00+00:00",
     "title": "Coal train derails near Brenmoor", "text": DERAIL},
]


def _line(text: str, sources: dict[str, Source], cited: list[str], **kw) -> Line:
    return Line(text, cited, [Evidence(a, 0, len(sources[a].text), sources[a].text) for a in cited], **kw)


def _sources(**texts: tuple[str, str, str, str]) -> dict[str, Source]:
    """id → (outlet, title, text, origin)."""
    return {aid: Source(aid, title, text, origin, outlet) for aid, (outlet, title, text, origin) in texts.items()}


# ------------------------------------------------------------------ the gate


def test_a_citation_that_gives_another_value_fails_the_line_naming_its_outlet_and_title():
    sources = _sources(
        post=("Valley Post", "Coal train derails", "Eighteen wagons left the tracks near Brenmoor on Monday.", "o1"),
        ledger=("Valley Ledger", "Bridge closed", "Twelve goods wagons left the tracks near Brenmoor on Monday.", "o1"),
    )
    line = _line("Eighteen wagons left the tracks near Brenmoor on Monday.", sources, ["post", "ledger"],
                 label="one report, carried by 2 outlets")
    verdict = Gate(sources).check(line)
    assert not verdict.passed
    assert verdict.reasons == ["Valley Ledger — “Bridge closed” gives Twelve goods wagons, not 18"]
    assert verdict.articles == ["ledger"]
    assert line.as_dict()["evidence"][1]["gate"] == "failed" and line.as_dict()["evidence"][0]["gate"] == "passed"


def test_a_citation_that_does_not_give_the_figure_fails_the_line_whatever_the_article_is():
    sources = _sources(
        post=("Valley Post", "Coal train derails", "Eighteen wagons left the tracks near Brenmoor on Monday.", "o1"),
        copy=("North Wire", "Train derails", "Wagons left the tracks near Brenmoor on Monday.", "o1"),
    )
    verdict = Gate(sources).check(_line("Eighteen wagons left the tracks near Brenmoor on Monday.", sources,
                                        ["post", "copy"]))
    assert verdict.reasons == ["North Wire — “Train derails” does not give the number 18 (“Eighteen wagons”)"]
    assert verdict.articles == ["copy"]


def test_body_and_timeline_lines_and_edits_are_held_to_every_citation_too():
    """Whatever the section: a prose line (body sentence, timeline entry, an editor's bullet) fails alike."""
    sources = _sources(
        a=("Valley Post", "Coal train derails", "On Monday 18 wagons left the tracks near Brenmoor.", "o1"),
        b=("Hill Gazette", "Derailment", "On Monday 12 wagons left the tracks near Brenmoor.", "o2"),
    )
    gate = Gate(sources)
    for line in (_line("On Monday 18 wagons left the tracks near Brenmoor.", sources, ["a", "b"]),
                 _line("On Monday 18 wagons left the tracks near Brenmoor.", sources, ["a", "b"], consensus=True)):
        verdict = gate.check(line)
        assert "Hill Gazette — “Derailment” gives 12 wagons, not 18" in verdict.reasons, verdict
    # a template line (where sources differ) cites both sides on purpose
    assert gate.check(_line("Wagons derailed: 18 vs 12.", sources, ["a", "b"], prose=False)).passed


@pytest.mark.parametrize("line,article", [
    ("The fire crews saved two libraries.", "Fire crews saved two Brenmoor libraries on Sunday."),
    ("Eighteen wagons left the rails.", "Officials said 18 wagons left the rails."),
    ("18 wagons left the rails.", "Officials said eighteen wagons left the rails."),
    ("About 300 people were evacuated.", "Police evacuated 300 people."),
    ("300 people were evacuated.", "Police evacuated about 300 people."),
    ("The project costs 1.2 million euros.", "The project costs 1,230,000 euros."),
])
def test_a_figure_is_given_in_digits_or_words_at_the_precision_the_line_gives_it(line, article):
    sources = _sources(a=("Valley Post", "Title", article, "o1"))
    assert Gate(sources).check(_line(line, sources, ["a"])).passed


@pytest.mark.parametrize("ours,theirs,given", [
    ("Eighteen", "18", True), ("18", "12", False), ("1.2 million", "1,230,000", True),
    ("1,230,000", "1.2 million", False), ("third", "3rd", True), ("third", "3", False), ("a dozen", "12", True),
])
def test_gives_compares_values_at_the_line_s_precision(ours, theirs, given):
    (a,), (b,) = figures_in(ours), figures_in(theirs)
    assert gives(a, b) is given


def test_one_outlet_s_two_articles_are_one_voice_not_two_sources():
    text_a = "The council approved the new bridge on Monday, the mayor said."
    text_b = "The council approved the new bridge on Monday, officials said."
    # two origins by dedupe, but one outlet
    sources = _sources(a=("Valley Post", "Bridge approved", text_a, "o1"),
                       b=("Valley Post", "Council backs bridge", text_b, "o2"))
    assert independent_count(sources, ["a", "b"]) == 1
    verdict = Gate(sources).check(_line(text_a, sources, ["a", "b"], consensus=True))
    assert not verdict.passed and any("1 independent origin" in r for r in verdict.reasons), verdict
    assert cited_label(sources, ["a", "b"]) == "reported by one outlet"


# ------------------------------------------------------------------ the writer


@pytest.fixture(scope="module")
def derailment(tmp_path_factory):
    root = tmp_path_factory.mktemp("derail")
    path = root / "derail.jsonl"
    path.write_text("\n".join(json.dumps(a) for a in ARTICLES) + "\n", encoding="utf-8")
    settings = load_settings(env={}, db=str(root / "d.db"), model_cache_dir=str(root / "models"))
    embedder = make_embedder(settings)
    with Store(root / "d.db") as store:
        pipeline.ingest([str(path)], store, settings)
        StoryDesk(store, settings, embedder).run()
        FactsStage(store, processes=1).run()
        BriefDesk(store, settings, embedder).run()
        (story,) = store.list_stories()
        origins = {a["origin"] for a in store.get_story(story["id"])["articles"]}
        yield store.latest_brief(story["id"])["content"], origins


def test_the_writer_cites_only_articles_that_give_the_line_s_figures(derailment):
    content, origins = derailment
    assert len(origins) == 1  # one report: an original, its copy and a rewrite that changed the figure
    assert content["gate"]["passed"]
    texts = {a["id"]: a for a in ARTICLES}
    lines = content["quick_take"] + content["body_sentences"] + content["timeline"]
    for line in lines:
        for ours in figures_in(line["text"]):
            for cited in line["citations"]:
                assert any(gives(ours, f) for f in figures_in(texts[cited]["text"])), (line["text"], cited)
    # lines whose figures all three give still cite all three
    (cranes,) = [b for b in content["quick_take"] if "two cranes" in b["text"]]
    assert sorted(cranes["citations"]) == ["coal-herald", "coal-post", "coal-wire"]
    assert cranes["label"] == "one report, carried by 3 outlets"
    wagons = [b for b in content["quick_take"] if "wagons" in b["text"] and "left the tracks" in b["text"]]
    if not wagons:
        # the rewrite's figure against the report's is a difference of its own: told there, not as fact
        told = [d for d in content["differences"] if "wagon" in d["topic"].lower() or any(
            "wagon" in side["value"].lower() for side in d["sides"])]
        assert told, (content["quick_take"], content["differences"])
        return
    (wagons,) = wagons
    if wagons["text"].startswith("Eighteen"):
        assert wagons["citations"] == ["coal-post", "coal-wire"]
        assert wagons["label"] == "one report, carried by 2 outlets"  # the outlets it still cites
    else:
        assert wagons["citations"] == ["coal-herald"] and wagons["label"] == "reported by one outlet"
