"""When two figures can answer one question, and whether they agree (newsdesk.facts.figures).

Sentences are invented; each figure is read by the facts stage's own quantity reader.
"""

from __future__ import annotations

import pytest

from newsdesk.facts.figures import agree, comparable, figure_topic, modality, role
from newsdesk.facts.nlp import load_pipeline, split_sentences
from newsdesk.facts.quantities import extract_quantities


@pytest.fixture(scope="module")
def read():
    nlp = load_pipeline()

    def figure(sentence: str, text: str | None = None):
        doc = nlp(sentence)
        found = extract_quantities(doc, split_sentences(doc))
        if text is not None:
            found = [q for q in found if q.text == text]
        assert found, f"no figure {text!r} read in {sentence!r}"
        return found[0]

    return figure


def test_nearly_two_dozen_agrees_with_23_and_is_not_read_as_two(read):
    dozen = read("Nearly two-dozen people were hurt in the blast.")
    assert dozen.value == 24
    assert agree(dozen, read("23 people were hurt in the blast."))


def test_a_round_figure_and_a_precise_one_are_rounding_not_a_conflict(read):
    assert agree(read("The fund raised $43,000 for the family."), read("The fund raised $43,350 for the family."))


def test_about_and_nearly_are_read_at_the_figures_own_precision(read):
    about = read("About 38,000 vehicles use the bridge on a normal weekday.")
    nearly = read("Nearly 45,000 vehicles use the bridge every day.")
    assert not agree(about, nearly)
    assert agree(read("About two hours passed."), read("Approximately two hours passed."))


def test_the_same_open_qualifier_compares_the_stated_figures(read):
    assert not agree(read("Countries should vaccinate at least 10 percent of people."),
                     read("Countries should vaccinate at least 23 percent of people."))


def test_a_vague_amount_disagrees_only_far_outside_its_range(read):
    hundreds = read("Several hundred fans marched to the ground.")
    assert not agree(hundreds, read("About 2,000 fans marched to the ground."))
    assert agree(read("The US will send millions of doses."), read("The US will send 1.5 million doses."))


def test_a_part_is_not_compared_with_a_whole(read):
    text_part = "Three other women accused him."
    text_whole = "Four women accused him."
    assert not comparable(read(text_part), read(text_whole), text_part, text_whole)
    including = "China sanctioned 11 Americans, including six lawmakers."
    whole = "China sanctioned 11 Americans."
    assert not comparable(read(including, "six lawmakers"), read(whole), including, whole)
    records = "The court ordered financial records including eight years of tax returns."
    years = "The court ordered eight years of tax returns."
    assert comparable(read(records, "eight years"), read(years), records, years)  # no total stated before


def test_the_parts_of_ten_of_the_twelve_have_their_own_roles():
    text = "He helped 10 of the 12 attackers."
    assert role_of(text, "10") == "part" and role_of(text, "12") == "total"
    assert role_of("Jobs rose by 196,000, up from 33,000 the prior month.", "33,000") == "previous"
    assert role_of("The rate fell from 5.8% to 5.2%.", "5.8%") == "previous"
    assert role_of("He read letters from three doctors.", "three") == "figure"
    assert role_of("It needs the 270 electoral votes required to win.", "270") == "threshold"


def role_of(text: str, figure: str) -> str:
    nlp = load_pipeline()
    doc = nlp(text)
    q = next(q for q in extract_quantities(doc, split_sentences(doc)) if q.text.startswith(figure))
    return role(q, text)


def test_a_forecast_is_not_a_reported_figure(read):
    forecast = "Economists had expected the unemployment rate to fall to 5.7% in July."
    result = "The unemployment rate fell to 5.4% in July."
    beat = "Employers added a better-than-expected 500,000 jobs."
    assert modality(read(forecast), forecast, 0)
    assert not modality(read(result), result, 0)
    assert not modality(read(beat), beat, 0)


def test_different_units_and_kinds_never_compare(read):
    euros, dollars = "It cost 20 euros.", "It cost 20 dollars."
    assert not comparable(read(euros), read(dollars), euros, dollars)
    count, share = "40 people came.", "40% of people came."
    assert not comparable(read(count), read(share), count, share)


def test_a_topic_is_the_question_in_the_clauses_own_words(read):
    clause = "At least 40 vessels were waiting at anchor off the port on Tuesday, the harbour master said."
    q = read(clause)
    assert figure_topic(q, 0, clause) == "how many vessels were waiting at anchor off the port on Tuesday"
    duration = "The meeting lasted over an hour."
    assert figure_topic(read(duration), 0, duration).startswith("how long")
