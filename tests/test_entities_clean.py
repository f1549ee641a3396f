"""The story's entity list on invented articles: names only, each typed by what the text says, one entry each."""

from __future__ import annotations

import pytest

from newsdesk.facts import article_facts
from newsdesk.facts.entities import link
from newsdesk.facts.nlp import load_pipeline

ARTICLES = {
    "a": (
        "Dockers at Port Kell walked out at 6 a.m. on Monday (0500 GMT), the union said.\n\n"
        "Lorry drivers queued for two hours on Quarry Lane. One lorry driver said the wait was the worst he had seen.\n\n"
        "“We will stay out until the board listens,” said HDWU regional organiser Kasia Lindqvist.\n\n"
        "Spokesperson Yusuf Brennard said members were anxious. Northway Lines said its ferries would run."
    ),
    "b": (
        "The strike at Port Kell entered its second day on Tuesday, with Northway cancelling two sailings.\n\n"
        "Kasia Lindqvist, the union’s regional organiser, said talks would resume at 9 a.m. EST on Wednesday.\n\n"
        "Residents of Quarry Lane complained of the noise, and Lindqvist said the union was sorry for it."
    ),
}


@pytest.fixture(scope="module")
def entities():
    nlp = load_pipeline()
    mentions = {aid: article_facts(aid, nlp(text), None).mentions for aid, text in ARTICLES.items()}
    found, _ = link(mentions)
    return {e.name: e for e in found}


def test_time_zones_and_capitalised_common_nouns_are_not_entities(entities):
    names = {n.lower() for n in entities}
    assert not names & {"gmt", "est", "lorry", "lorry drivers"}, sorted(entities)


def test_a_name_with_a_title_or_role_is_a_person_with_that_role(entities):
    assert entities["Kasia Lindqvist"].label == "person"
    assert "Lindqvist" in entities["Kasia Lindqvist"].names  # one entry for the full name and the surname
    assert any("organiser" in role for role in entities["Kasia Lindqvist"].roles)
    assert entities["Yusuf Brennard"].label == "person" and "Spokesperson Yusuf Brennard" not in entities


def test_a_street_is_a_place_and_a_short_company_name_joins_the_full_one(entities):
    assert entities["Quarry Lane"].label == "place"
    assert "Northway" in entities["Northway Lines"].names and "Northway" not in entities
