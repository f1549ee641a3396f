"""Quantities: what a reader of the facts sees for numbers written in an article."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from newsdesk.facts.model import Quantity
from newsdesk.facts.nlp import load_pipeline, split_sentences
from newsdesk.facts.quantities import extract_quantities, overlaps, to_base

SEEDS = Path("/work/shared/seeds")


@pytest.fixture(scope="module")
def nlp():
    return load_pipeline()


def quantities(nlp, text: str) -> list[Quantity]:
    doc = nlp(text)
    return extract_quantities(doc, split_sentences(doc))


def only(nlp, text: str) -> Quantity:
    found = quantities(nlp, text)
    assert len(found) == 1, [q.text for q in found]
    return found[0]


def test_digits_with_an_open_qualifier_read_as_an_open_range(nlp):
    q = only(nlp, "Officials said at least 12,300 homes were destroyed in the floods.")
    assert q.text == "at least 12,300 homes"
    assert (q.kind, q.value, q.low, q.high) == ("count", 12300, 12300, math.inf)
    assert (q.qualifier, q.what, q.what_lemma) == ("at least", "homes", "home")


def test_numbers_in_words_count_the_noun_with_its_adjectives(nlp):
    first, second = quantities(nlp, "The deal frees seven wounded soldiers and the remains of four fallen pilots.")
    assert (first.text, first.value, first.what, first.what_lemma) == (
        "seven wounded soldiers", 7, "wounded soldiers", "soldier")
    assert (second.value, second.what, second.what_lemma) == (4, "fallen pilots", "pilot")


@pytest.mark.parametrize(
    ("text", "written", "value"),
    [
        ("Rescuers found a dozen survivors.", "a dozen survivors", 12),
        ("The fund holds 1.5 million shares.", "1.5 million shares", 1.5e6),
        ("Twenty-five delegates voted.", "Twenty-five delegates", 25),
        ("They freed two hundred and fifty prisoners.", "two hundred and fifty prisoners", 250),
    ],
)
def test_scales_and_compound_number_words(nlp, text, written, value):
    q = only(nlp, text)
    assert (q.text, q.kind, q.value) == (written, "count", value)


def test_over_an_hour_and_approximately_two_hours_do_not_overlap(nlp):
    short = only(nlp, "The cabinet session lasted over an hour.")
    long = only(nlp, "The cabinet session went on for approximately two hours.")
    assert (short.text, short.kind, short.unit, short.low, short.high) == ("over an hour", "duration", "hour", 1, 1.5)
    assert (long.text, long.low, long.high) == ("approximately two hours", 1.75, 2.25)
    assert short.what == long.what == "cabinet session"
    assert to_base(short) == (3600, 5400)
    assert not overlaps(short, long)


def test_duration_of_names_the_event_that_lasted(nlp):
    q = only(nlp, "The duration of the ministers' talks was approximately two hours.")
    assert (q.kind, q.what, q.what_lemma) == ("duration", "talks", "talk")


def test_hyphenated_duration_describes_the_noun_after_it(nlp):
    q = only(nlp, "Both sides accepted a 90-day truce.")
    assert (q.text, q.kind, q.value, q.unit, q.what) == ("90-day", "duration", 90, "day", "truce")


def test_ordinal_ranks_the_noun(nlp):
    q = only(nlp, "It was the minister's fourth visit to Cairo this year.")
    assert (q.text, q.kind, q.value, q.what, q.what_lemma) == ("fourth visit", "ordinal", 4, "visit", "visit")


def test_a_bare_number_inherits_the_counted_noun_before_it(nlp):
    before, after = quantities(nlp, "Negotiators had six open questions on Monday and are now down to two.")
    assert (before.value, before.what) == (6, "open questions")
    assert (after.text, after.value, after.what, after.what_lemma) == ("two", 2, "open questions", "question")


def test_a_corrected_figure_and_the_correction_count_the_same_thing(nlp):
    old, new = quantities(nlp, "The ministry corrected the death toll from 14 to 17.")
    assert (old.value, new.value) == (14, 17)
    assert old.what == new.what == "death toll"
    assert old.low == old.high == 14  # "from 14 to 17" is a change, not a range


def test_money_carries_a_currency_code_and_a_scale(nlp):
    text = "The council approved $2.5 billion in flood aid, a €40m grant and £3bn of bonds."
    aid, grant, bonds = quantities(nlp, text)
    assert (aid.text, aid.kind, aid.unit, aid.value, aid.what) == ("$2.5 billion", "money", "USD", 2.5e9, "flood aid")
    assert (grant.text, grant.unit, grant.value, grant.what) == ("€40m", "EUR", 40e6, "grant")
    assert (bonds.unit, bonds.value, bonds.what) == ("GBP", 3e9, "bonds")


def test_percentages_with_sign_or_word(nlp):
    share, before = quantities(nlp, "Turnout reached 40% of registered voters, up from 35 percent.")
    assert (share.kind, share.unit, share.value, share.what) == ("percent", "percent", 40, "registered voters")
    assert (before.text, before.kind, before.value) == ("35 percent", "percent", 35)


def test_vague_amounts_read_as_documented_ranges(nlp):
    hours, people = quantities(nlp, "The search lasted several hours as dozens of volunteers joined.")
    assert (hours.kind, hours.unit, hours.low, hours.high, hours.what) == ("duration", "hour", 3, 9, "search")
    assert (people.low, people.high, people.what) == (24, 99, "volunteers")


@pytest.mark.parametrize(
    ("text", "written", "low", "high"),
    [
        ("Between 10 and 20 people were hurt.", "Between 10 and 20 people", 10, 20),
        ("Rescuers said 10-20 boats sank.", "10-20 boats", 10, 20),
        ("Police said 15 to 25 cars burned.", "15 to 25 cars", 15, 25),
        ("The storm lasted two or three days.", "two or three days", 2, 3),
    ],
)
def test_ranges(nlp, text, written, low, high):
    q = only(nlp, text)
    assert (q.text, q.low, q.high, q.qualifier) == (written, low, high, "range")


@pytest.mark.parametrize(
    ("text", "qualifier", "low", "high"),
    [
        ("About 200 people came.", "about", 175, 225),
        ("Nearly 200 people left.", "nearly", 170, 200),
        ("More than 200 people stayed.", "more than", 200, 300),
        ("No fewer than 200 people waited.", "no fewer than", 200, math.inf),
        ("Up to 200 people sang.", "up to", 0, 200),
        ("Fewer than 200 people ate.", "fewer than", 100, 200),
    ],
)
def test_qualifier_readings(nlp, text, qualifier, low, high):
    q = only(nlp, text)
    assert (q.qualifier, q.low, q.high, q.what) == (qualifier, pytest.approx(low), pytest.approx(high), "people")


def test_about_as_a_preposition_is_not_a_qualifier(nlp):
    q = only(nlp, "They talked about two issues.")
    assert (q.qualifier, q.low, q.high) == (None, 2, 2)


def test_ninety_minutes_and_an_hour_and_a_half_compare_in_seconds(nlp):
    minutes = only(nlp, "The hearing took 90 minutes.")
    hours = only(nlp, "The vote took an hour and a half.")
    half = only(nlp, "The recess lasted half an hour.")
    assert (hours.value, hours.unit) == (1.5, "hour")
    assert to_base(minutes) == to_base(hours) == (5400, 5400)
    assert overlaps(minutes, hours)
    assert to_base(half) == (1800, 1800)


def test_quantities_of_different_kinds_never_overlap(nlp):
    days = only(nlp, "The strike lasted 12 days.")
    count = only(nlp, "The strike closed 12 schools.")
    assert not overlaps(days, count)


def test_dates_clock_times_urls_identifiers_ages_and_pronouns_are_not_quantities(nlp):
    text = (
        "On October 12, 2021, at 6 PM, the mayor, Ana Lopez, 41, wrote on https://example.org/report/2021 "
        "that no one knew; the one who called said one of the pumps failed, and COVID-19 cases fell. "
        "The two met in Geneva. At first, he declined."
    )
    assert quantities(nlp, text) == []


def test_every_record_quotes_its_article_and_sits_in_its_sentence(nlp):
    text = (
        "Harbour Strike Ends After Nine Days\n"
        "Dock workers in Port Ellis ended a nine-day strike on Friday after the union accepted a 4.5% raise, "
        "about $1.2 million a year for the 1,800 members. The talks lasted more than 14 hours.\n"
        "More than 300 ships had been held at anchor, and dozens of lorries queued for up to three days. "
        "It was the third stoppage since 2019; the first two lasted under a week each. "
        "The harbour authority, which handles roughly 40 percent of the region's grain, said exports "
        "fell by a quarter and that fewer than 12 of its 30 cranes were working.\n"
        "Officials first reported 6 injuries; the count is now 9."
    )
    doc = nlp(text)
    sentences = split_sentences(doc)
    found = extract_quantities(doc, sentences)
    assert len(found) >= 10
    for q in found:
        assert doc.text[q.start:q.end] == q.text
        sentence = sentences[q.sentence]
        assert sentence.start <= q.start and q.end <= sentence.end
        assert q.low <= q.value <= q.high or q.qualifier in ("up to", "under", "nearly")
    written = {q.text for q in found}
    expected = {"nine-day", "4.5%", "about $1.2 million", "1,800 members", "more than 14 hours", "third stoppage"}
    assert expected <= written
    assert not any("2019" in q.text for q in found)


@pytest.mark.skipif(not SEEDS.is_dir(), reason="seed articles not available")
def test_seed_articles(nlp):
    """The three seed stories: the figures a desk editor would check across outlets."""
    found: dict[str, list[Quantity]] = {}
    for path in sorted(SEEDS.glob("*.txt")):
        found[path.name[:3]] = quantities(nlp, path.read_text(encoding="utf-8"))

    def has(article: str, text: str, **fields) -> bool:
        return any(q.text == text and all(getattr(q, k) == v for k, v in fields.items()) for q in found[article])

    assert has("000", "over an hour", kind="duration", what="meeting", low=1, high=1.5)
    assert has("002", "approximately two hours", what="discussions", low=1.75, high=2.25)
    assert has("004", "approximately two hours", what="discussions")
    for article in ("000", "002", "004"):
        assert has(article, "60-day", kind="duration", value=60, what="ceasefire")
    for article in ("002", "004"):
        assert has(article, "ten living hostages", value=10, what_lemma="hostage")
        assert has(article, "nine deceased individuals", value=9, what="deceased individuals")
    assert has("000", "third visit", kind="ordinal", value=3)
    issues = [q for q in found["004"] if q.what_lemma == "issue"]
    assert [q.value for q in issues][-2:] == [4, 1]
    assert has("004", "1,200 lives", value=1200)
    assert has("004", "251 hostages", value=251)
    assert has("004", "at least 57,500 lives", low=57500, high=math.inf)
    assert not any("2023" in q.text or q.text.startswith("5 PM") for q in found["004"])
