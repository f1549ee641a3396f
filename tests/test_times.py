"""Times: clock times, dates, weekdays, relative dates and the order of events in an article."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from newsdesk.facts.model import TimeExpr
from newsdesk.facts.nlp import load_pipeline, split_sentences
from newsdesk.facts.times import extract_times

SEEDS = Path("/work/shared/seeds")
WEDNESDAY = datetime(2025, 7, 9, 8, 30)  # publication time used below


@pytest.fixture(scope="module")
def nlp():
    return load_pipeline()


def times(nlp, text: str, published: datetime | None = WEDNESDAY) -> list[TimeExpr]:
    doc = nlp(text)
    return extract_times(doc, split_sentences(doc), published)


def head(text: str, t: TimeExpr) -> str | None:
    return text[t.head_start:t.head_end] if t.head_start is not None else None


def orders(nlp, text: str) -> list[TimeExpr]:
    return [t for t in times(nlp, text) if t.kind == "order"]


def test_clock_times_with_zones_give_one_record_each_with_its_offset(nlp):
    found = times(nlp, "The convoy crossed the border at 4 PM EST (9 PM GMT).")
    assert [(t.kind, t.text, t.value, t.zone) for t in found] == [
        ("clock", "4 PM EST", "16:00-05:00", "EST"),
        ("clock", "9 PM GMT", "21:00+00:00", "GMT"),
    ]


def test_local_time_and_noon(nlp):
    found = times(nlp, "The ferry left at 10:30 a.m. local time and returned at noon.")
    assert [(t.text, t.value, t.zone) for t in found] == [
        ("10:30 a.m. local time", "10:30", None),
        ("noon", "12:00", None),
    ]


def test_dates_in_three_spellings_resolve_to_one_iso_date(nlp):
    found = times(nlp, "The law took effect on March 3, 2024, was amended on 3 March 2024 and again on 2024-03-03.")
    assert [(t.kind, t.text, t.value) for t in found] == [
        ("date", "March 3, 2024", "2024-03-03"),
        ("date", "3 March 2024", "2024-03-03"),
        ("date", "2024-03-03", "2024-03-03"),
    ]


def test_a_date_without_year_takes_the_publication_year_unless_that_is_months_ahead(nlp):
    found = times(nlp, "The strike began on Oct. 7 and ended June 30.")
    assert [(t.text, t.value) for t in found] == [("Oct. 7", "2024-10-07"), ("June 30", "2025-06-30")]
    assert [t.value for t in times(nlp, "The strike ended June 30.", published=None)] == [None]


@pytest.mark.parametrize(
    ("text", "written", "value"),
    [
        ("The ministers met on Monday.", "Monday", "2025-07-07"),
        ("The ministers met on Wednesday.", "Wednesday", "2025-07-09"),
        ("The ministers will meet on Monday.", "Monday", "2025-07-14"),
        ("The parliament is expected to vote on Friday.", "Friday", "2025-07-11"),
        ("The ferry sank last Tuesday evening.", "last Tuesday evening", "2025-07-08"),
    ],
)
def test_weekdays_resolve_against_publication_by_tense(nlp, text, written, value):
    (t,) = times(nlp, text)
    assert (t.kind, t.text, t.value) == ("weekday", written, value)


def test_weekday_without_publication_time_is_unresolved(nlp):
    (t,) = times(nlp, "The ministers met on Monday.", published=None)
    assert (t.kind, t.value) == ("weekday", None)


def test_relative_dates(nlp):
    found = times(nlp, "The plant closed yesterday; sales fell last week and rose this year.")
    assert [(t.kind, t.text, t.value) for t in found] == [
        ("relative", "yesterday", "2025-07-08"),
        ("relative", "last week", "2025-W27"),
        ("relative", "this year", "2025"),
    ]


def test_preposition_before_with_its_object_as_reference(nlp):
    text = "Before the vote, the senator met with donors."
    (t,) = orders(nlp, text)
    assert (t.text, t.relation, t.reference, head(text, t)) == ("Before the vote", "before", "the vote", "met")
    assert text[t.reference_start:t.reference_end] == "the vote"


def test_subordinate_clause_refers_to_the_event_that_began(nlp):
    text = "Aides were in the lobby, waiting with reporters before the hearing began."
    (t,) = orders(nlp, text)
    assert (t.text, t.relation, t.reference, head(text, t)) == (
        "before the hearing began", "before", "the hearing", "waiting")


def test_after_a_clause_that_ended(nlp):
    text = "After the talks were over, she spoke to reporters."
    (t,) = orders(nlp, text)
    assert (t.relation, t.reference, head(text, t)) == ("after", "the talks", "spoke")


def test_sentence_initial_following_modifies_the_main_verb(nlp):
    text = "Following the briefing, the minister called the governor."
    (t,) = orders(nlp, text)
    assert (t.text, t.relation, t.reference, head(text, t)) == (
        "Following the briefing", "after", "the briefing", "called")


def test_implicit_order_has_no_reference(nlp):
    text = "Earlier that day, the minister visited the port. Later that week, the port reopened."
    earlier, later = orders(nlp, text)
    assert (earlier.text, earlier.relation, earlier.reference, head(text, earlier)) == (
        "Earlier that day", "before", None, "visited")
    assert (later.relation, later.reference, head(text, later)) == ("after", None, "reopened")


def test_time_noun_in_front_of_the_marker_belongs_to_the_phrase(nlp):
    text = "A day after the strike, the vote was held."
    (t,) = orders(nlp, text)
    assert (t.text, t.relation, t.reference, head(text, t)) == ("A day after the strike", "after", "the strike", "held")


def test_no_order_for_adverbs_adjectives_or_bare_later(nlp):
    text = (
        "He had said so before. The following statement was issued. "
        "On the following day, the port reopened. Later, he left."
    )
    found = times(nlp, text)
    assert [t.kind for t in found] == ["relative"]
    assert found[0].text == "the following day"


def test_every_span_quotes_its_article(nlp):
    text = (
        "Port Ellis Talks Resume\n"
        "Union leaders and the harbour authority met on Tuesday, July 8, at 9:15 a.m. local time, "
        "two days after the strike began. Before the session, the mayor spoke with both sides; "
        "following the talks, she said an agreement could come by Friday.\n"
        "Earlier that day, dock workers had marched from the station, and the night before, "
        "the union had rejected an offer made on 30 June 2025. The meeting ended at 5 PM EDT (9 PM GMT). "
        "A vote will be held tomorrow, and results are expected next week, ahead of the holiday."
    )
    doc = nlp(text)
    sentences = split_sentences(doc)
    found = extract_times(doc, sentences, WEDNESDAY)
    assert len(found) >= 10
    for t in found:
        assert doc.text[t.start:t.end] == t.text
        sentence = sentences[t.sentence]
        assert sentence.start <= t.start and t.end <= sentence.end
        if t.reference is not None:
            assert doc.text[t.reference_start:t.reference_end] == t.reference
        if t.head_start is not None:
            assert sentence.start <= t.head_start < t.head_end <= sentence.end
    kinds = {(t.kind, t.text) for t in found}
    assert {("date", "Tuesday, July 8"), ("clock", "5 PM EDT"), ("relative", "tomorrow")} <= kinds
    assert ("date", "30 June 2025") in kinds
    ordered = {t.text for t in found if t.kind == "order"}
    assert {"Before the session", "two days after the strike began", "Earlier that day"} <= ordered
    assert "ahead of the holiday" in ordered


@pytest.mark.skipif(not SEEDS.is_dir(), reason="seed articles not available")
def test_seed_articles(nlp):
    """The three seed stories: the order of events that the outlets disagree about, and the clock times."""
    found: dict[str, tuple[str, list[TimeExpr]]] = {}
    for path in sorted(SEEDS.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        found[path.name[:3]] = (text, times(nlp, text, published=None))

    def order(article: str, written: str) -> tuple[str | None, str | None, str | None]:
        text, records = found[article]
        t = next(t for t in records if t.kind == "order" and t.text == written)
        return t.relation, t.reference, head(text, t)

    assert order("000", "before the Trump-Netanyahu talks began") == ("before", "the Trump-Netanyahu talks", "meeting")
    assert order("000", "Earlier that day") == ("before", None, "met")
    assert order("002", "Following Netanyahu's engagement") == ("after", "Netanyahu's engagement", "met")
    assert order("004", "Following the meeting") == ("after", "the meeting", "communicated")
    assert order("004", "Before Netanyahu's discussion with Trump") == (
        "before", "Netanyahu's discussion with Trump", "met")
    clocks = [(t.text, t.value) for t in found["004"][1] if t.kind == "clock"]
    assert clocks == [("5 PM EST", "17:00-05:00"), ("9 PM GMT", "21:00+00:00")]
    dates = [(t.text, t.value) for t in found["004"][1] if t.kind == "date"]
    assert ("October 7, 2023", "2023-10-07") in dates


# -- days dated against a publication time with its own offset ------------------------------------

WED_4_MARCH = datetime.fromisoformat("2026-03-04T00:30:00+01:00")  # still Tuesday in UTC


@pytest.mark.parametrize(
    ("text", "written", "value"),
    [
        ("The union walked out on Monday.", "Monday", "2026-03-02"),
        ("Talks collapsed late on Sunday.", "Sunday", "2026-03-01"),
        ("The bridge will reopen on Friday.", "Friday", "2026-03-06"),
        ("The strike is due to end on Wednesday.", "Wednesday", "2026-03-04"),
        ("The bridge is to reopen on Friday.", "Friday", "2026-03-06"),
        ("The owners agreed to meet fans on Thursday.", "Thursday", "2026-03-05"),
        ("Crews returned this morning.", "this morning", "2026-03-04"),
        ("Crews left last night.", "last night", "2026-03-03"),
    ],
)
def test_days_resolve_against_the_local_publication_date(nlp, text, written, value):
    (t,) = [t for t in times(nlp, text, WED_4_MARCH) if t.kind != "clock"]
    assert (t.text, t.value) == (written, value)


def test_a_day_next_to_a_clock_time_takes_its_hour(nlp):
    found = times(nlp, "Dockers walked out at 6 a.m. on Monday and talks resumed on Tuesday at 5 PM GMT.", WED_4_MARCH)
    assert [(t.text, t.value) for t in found if t.kind != "clock"] == [
        ("Monday", "2026-03-02T06:00"), ("Tuesday", "2026-03-03T17:00+00:00")]


def test_a_day_knows_the_verb_it_dates_and_a_year_in_passing_dates_none(nlp):
    text = "The 1968 bridge was closed on Monday after the deal announced on Friday collapsed."
    found = {t.text: head(text, t) for t in times(nlp, text, WED_4_MARCH)}
    assert found["1968"] is None and found["Monday"] == "closed"
    assert found["Friday"] is None  # it dates the deal, a clause inside a noun phrase
