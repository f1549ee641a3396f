"""Figures two outlets tell in the same words: which differences an editor sees, and which not.

Each case is a pair of invented reports of one event, reconciled as the desk reconciles a story;
the test reads the conflicts a user would see under "Where sources differ".
"""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from newsdesk.facts import article_facts
from newsdesk.facts.nlp import load_pipeline
from newsdesk.facts.reconcile import Reconciler
from newsdesk.facts.story import params_from
from newsdesk.settings import load_settings
from newsdesk.stories import make_embedder

PUBLISHED = datetime(2031, 5, 6, 9, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def reconcile(tmp_path_factory):
    settings = load_settings(env={}, model_cache_dir=str(tmp_path_factory.mktemp("models")))
    embed = make_embedder(settings).encode
    nlp = load_pipeline()

    def run(first: str, second: str) -> list[dict[str, list[str]]]:
        texts = {"a-1": first, "b-1": second}
        facts = {aid: article_facts(aid, nlp(text), PUBLISHED) for aid, text in texts.items()}
        result = Reconciler(embed, params_from(settings)).run(
            facts, {aid: aid for aid in texts}, texts, None, {aid: PUBLISHED for aid in texts},
            {"a-1": "Harbour Gazette", "b-1": "Valley Courier"})
        return [{v["value"]: v["articles"] for v in c["values"]} for c in result["conflicts"]]

    return run


def values(conflicts: list[dict[str, list[str]]]) -> list[set[str]]:
    return [set(c) for c in conflicts]


def disputed(conflicts: list[dict[str, list[str]]], one: str, other: str) -> bool:
    """Whether a reported conflict has a side giving ``one`` and another giving ``other``."""
    return any(any(one in v for v in c) and any(other in v for v in c) for c in values(conflicts))


def test_a_time_of_day_told_differently_is_a_difference(reconcile):
    conflicts = reconcile(
        "Witnesses said the lorry struck the barrier at about 8 p.m. on the coast road near Ardley. "
        "Nobody was hurt, the fire service said.",
        "Witnesses said the lorry struck the barrier at about 11 p.m. on the coast road near Ardley. "
        "The road reopened on Tuesday.",
    )
    assert disputed(conflicts, "8 p.m.", "11 p.m."), conflicts


def test_a_score_that_differs_in_one_number_is_a_difference_and_two_scores_are_not(reconcile):
    conflicts = reconcile(
        "The Harriers beat the Comets 24-17 in Saturday's final at Lowfield. "
        "Earlier in the season the Harriers had a 9-4 record.",
        "The Harriers beat the Comets 24-21 in Saturday's final at Lowfield. "
        "The Comets finished the season 6-7.",
    )
    shown = values(conflicts)
    assert any({"17", "21"} <= c for c in shown), conflicts
    assert not any("9" in c or "4" in c or "6" in c or "7" in c for c in shown), conflicts


def test_a_day_written_after_an_abbreviated_month_is_a_date(reconcile):
    conflicts = reconcile(
        "The forward was charged with drink-driving on Jan. 6, five days before the cup tie in Brenford. "
        "His club declined to comment.",
        "The forward was charged with drink-driving on Jan. 9, five days before the cup tie in Brenford. "
        "He is due in court next month.",
    )
    assert any({"6", "9"} <= c for c in values(conflicts)), conflicts


def test_an_age_that_ends_a_sentence_is_an_age_of_that_person(reconcile):
    conflicts = reconcile(
        "Police named the two climbers found on the ridge as Tomas Reyland, 41, and Ines Marrow, 36.",
        "The two climbers found on the ridge were Tomas Reyland, 41, and Ines Marrow, 38, police said.",
    )
    assert any({"36", "38"} <= c for c in values(conflicts)), conflicts
    assert not any("41" in v for c in values(conflicts) for v in c), conflicts


def test_an_amount_given_in_two_currencies_is_not_a_difference(reconcile):
    conflicts = reconcile(
        "Thieves took jewellery worth £1.7 million from the Calder Street shop on Monday night, police said.",
        "Thieves took jewellery worth $2.2 million from the Calder Street shop on Monday night, police said.",
    )
    assert conflicts == [], conflicts


def test_counts_of_different_things_told_in_other_words_are_not_a_difference(reconcile):
    conflicts = reconcile(
        "The observatory said four rebels were killed in the fighting near Tall Hamra on Monday.",
        "The observatory earlier said that at least 18 soldiers were wounded near Tall Hamra on Monday.",
    )
    assert conflicts == [], conflicts


def test_a_round_figure_is_not_a_figure_far_from_it(reconcile):
    conflicts = reconcile(
        "The chapel, which holds congregations of up to 1,000 people, was badly damaged by smoke, the pastor said.",
        "The chapel, which holds congregations of up to 1,370 people, was badly damaged by smoke on Sunday.",
    )
    assert disputed(conflicts, "1,000", "1,370"), conflicts


def test_two_figures_of_a_list_that_both_differ_are_two_differences_and_a_name_is_no_figure(reconcile):
    conflicts = reconcile(
        "The sailors seized eleven men with six AK-47 rifles, 12 magazines and a grenade launcher off Cape Varo.",
        "The sailors seized eleven men with seven AK-47 rifles, 16 magazines and a grenade launcher off Cape Varo.",
    )
    shown = values(conflicts)
    assert disputed(conflicts, "six", "seven"), conflicts
    assert disputed(conflicts, "12", "16"), conflicts
    assert not any("47" in v for c in shown for v in c), conflicts


def test_an_ordinal_written_in_digits_is_compared_with_one_in_a_name(reconcile):
    conflicts = reconcile(
        "Marla Venn hosted the 79th Harvest Awards in 2027, for which she won a presenters' prize.",
        "Marla Venn hosted the 81st Harvest Awards in 2027, for which she won a presenters' prize.",
    )
    assert disputed(conflicts, "79", "81"), conflicts


def test_two_figures_of_one_sentence_that_both_differ_are_two_differences(reconcile):
    conflicts = reconcile(
        "Okafor threw for 205 yards on Sunday, and his late touchdown pass gave the Harriers "
        "a 20-13 win over the Comets.",
        "Okafor threw for 250 yards on Sunday, and his late touchdown pass gave the Harriers "
        "a 20-18 win over the Comets.",
    )
    shown = values(conflicts)
    assert disputed(conflicts, "205", "250"), conflicts
    assert any({"13", "18"} <= c for c in shown), conflicts


def test_counts_of_a_crowded_noun_told_in_unlike_sentences_are_not_a_difference(reconcile):
    """Each report gives many yards; "162 yards" and "205 yards" in unlike sentences are two players'."""
    conflicts = reconcile(
        "Okafor was just 10 of 22 for 162 yards with two interceptions. Brandt ran for 64 yards. "
        "The Comets gained 310 yards in all.",
        "He ended the day 17 of 35 for 205 yards and the touchdown, along with six carries for 21 yards. "
        "The Harriers were held to 280 yards.",
    )
    assert not disputed(conflicts, "162", "205"), conflicts


def test_a_count_named_alike_is_compared_however_differently_each_outlet_tells_it(reconcile):
    conflicts = reconcile(
        "The merger of the Linmouth and Carrow ferry companies will cost 340 jobs, the unions said on Monday.",
        "Union officials said about 500 jobs would be lost in the merger of the two ferry operators.",
    )
    assert disputed(conflicts, "340", "500"), conflicts


def test_a_telephone_number_and_a_dateline_are_not_figures(reconcile):
    conflicts = reconcile(
        "ARDLEY, April 27\nAnyone with information is asked to call police on 0845 125 222 about the break-in.",
        "ARDLEY, April 28\nAnyone with information is asked to call police on 0845 125 2222 about the break-in.",
    )
    assert conflicts == [], conflicts
