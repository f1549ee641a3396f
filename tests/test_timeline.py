"""The story timeline: dated entries only, each dated by its own clause, in time order."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from newsdesk.brief.model import Source
from newsdesk.brief.timeline import story_timeline, when
from newsdesk.brief.writer import Material, WriterParams
from newsdesk.facts import article_facts
from newsdesk.facts.nlp import load_pipeline

CET = timezone(timedelta(hours=1))
WEDNESDAY = datetime(2026, 3, 4, 9, 30, tzinfo=CET)  # Wednesday 4 March
THURSDAY = datetime(2026, 3, 5, 18, 0, tzinfo=CET)


@pytest.fixture(scope="module")
def nlp():
    return load_pipeline()


def material(nlp, articles: dict[str, tuple[str, datetime | None]], reconciled: dict | None = None) -> Material:
    facts, sources = {}, {}
    for aid, (text, published) in articles.items():
        facts[aid] = article_facts(aid, nlp(text), published)
        sources[aid] = Source(aid, f"Title {aid}", text, aid, published=published)
    return Material("s", sources, facts, reconciled or {}, {})


def timeline(m: Material) -> list[tuple[str, str, str]]:
    return [(t["date"], t["when"], t["line"].text) for t in story_timeline(m, [], WriterParams())]


def test_weekdays_are_dated_against_publication_and_entries_come_out_in_order(nlp):
    m = material(nlp, {
        "a": ("The footbridge will reopen on Friday, engineers said. "
              "Engineers closed the Kellow footbridge on Monday after finding a cracked beam. "
              "Inspectors examined the beam on Tuesday evening.", WEDNESDAY),
    })
    assert timeline(m) == [
        ("2026-03-02", "Mon 2 Mar", "Engineers closed the Kellow footbridge on Monday after finding a cracked beam."),
        ("2026-03-03", "Tue 3 Mar", "Inspectors examined the beam on Tuesday evening."),
        ("2026-03-06", "Fri 6 Mar", "The footbridge will reopen on Friday, engineers said."),
    ]


def test_a_clock_time_next_to_the_day_orders_entries_within_it(nlp):
    m = material(nlp, {
        "a": ("Ferry crews walked off the job at 6 p.m. on Monday in a row over rotas. "
              "Managers met union officials at 9 a.m. on Monday to avert the walkout.", WEDNESDAY),
    })
    assert [(d, w) for d, w, _ in timeline(m)] == [("2026-03-02", "Mon 2 Mar, 9 a.m."), ("2026-03-02", "Mon 2 Mar, 6 p.m.")]


def test_later_reports_come_after_earlier_ones_on_the_same_day(nlp):
    m = material(nlp, {
        "late": ("The harbour office said on Tuesday that eleven trawlers had returned safely.", THURSDAY),
        "early": ("Coastguards launched a search for the missing trawlers on Tuesday.", WEDNESDAY),
    })
    assert [text.split()[0] for _, _, text in timeline(m)] == ["Coastguards", "The"]


def test_a_year_or_month_in_passing_or_a_deadline_dates_no_entry(nlp):
    m = material(nlp, {
        "a": ("Workers shut the 1968 bridge to traffic on Tuesday. "
              "The toll rise takes effect from April under the plan approved by councillors. "
              "Its last major repair, in 2011, took four months. "
              "The contractor must finish the work by Friday.", WEDNESDAY),
    })
    assert timeline(m) == [("2026-03-03", "Tue 3 Mar", "Workers shut the 1968 bridge to traffic on Tuesday.")]


def test_a_quoted_remark_and_background_dates_give_no_entry(nlp):
    m = material(nlp, {
        "a": ("“My grandfather opened this shop on March 3, 1979,” the owner told reporters on Monday. "
              "The shop first closed for repairs on June 2, 2009, after a flood.", WEDNESDAY),
    })
    assert [(d, text.split()[-1]) for d, _, text in timeline(m)] == [("2026-03-02", "Monday.")]


def test_without_publication_time_only_explicit_dates_date_entries(nlp):
    m = material(nlp, {
        "a": ("Rescuers reached the village on Monday. "
              "The dam burst on March 3, 2009, flooding three valleys.", None),
    })
    assert [(d, w) for d, w, _ in timeline(m)] == [("2009-03-03", "Tue 3 Mar 2009")]


def test_a_superseded_statement_is_not_in_the_timeline(nlp):
    text = ("Councillors approved a 7.5% rise in parking fees on Monday. "
            "Residents packed the public gallery on Monday evening to protest.")
    m = material(nlp, {"a": (text, WEDNESDAY)},
                 {"superseded": [{"article": "a", "start": text.index("7.5%"), "end": text.index("7.5%") + 4,
                                  "reason": "corrected"}]})
    assert [text for _, _, text in timeline(m)] == [
        "Residents packed the public gallery on Monday evening to protest."]


def test_each_value_of_a_developing_figure_is_an_entry(nlp):
    first = "Officials said nine people were missing after the landslide."
    second = "The number of people missing rose to fourteen on Wednesday, officials said."
    m = material(nlp, {"a": (first, datetime(2026, 3, 2, 8, 0, tzinfo=CET)), "b": (second, THURSDAY)})

    def span(aid, text, word):
        return {"article": aid, "start": text.index(word), "end": text.index(word) + len(word), "text": word}

    sentence = [{"article": "a", "start": 0, "end": len(first), "text": first}]
    m.reconciled["developments"] = [{"topic": "people missing", "kind": "quantity", "values": [
        {"value": "nine", "articles": ["a"], "published": "2026-03-02T08:00:00+01:00",
         "evidence": [span("a", first, "nine")], "context": sentence},
        {"value": "fourteen", "articles": ["b"], "published": THURSDAY.isoformat(),
         "evidence": [span("b", second, "fourteen")],
         "context": [{"article": "b", "start": 0, "end": len(second), "text": second}]},
    ]}]
    assert [(d, text) for d, _, text in timeline(m)] == [("2026-03-02", first), ("2026-03-04", second)]


def test_when_reads_like_a_calendar():
    day = datetime(2026, 3, 3).date()
    assert when(day) == "Tue 3 Mar 2026"
    assert when(day, (6, 0), 2026) == "Tue 3 Mar, 6 a.m."
    assert when(day, (18, 30), 2026) == "Tue 3 Mar, 6:30 p.m."
