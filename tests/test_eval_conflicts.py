"""``newsdesk eval conflicts``: the planter, the found/missed rule and the report, on invented text and NeuS."""

from __future__ import annotations

import json
import random

import pytest
from conftest import DATA, need

from newsdesk.eval.conflicts import (
    Difference,
    difference_key,
    differences,
    evaluate_conflicts,
    plant_found,
    precision,
    read_judgements,
)
from newsdesk.eval.plant import candidates, choose_plant, numbers_in, planted_value

# invented articles: two outlets tell the same crash
CRASH_A = ("A bus left the road near Tarrow on Tuesday evening. Police said 23 people were injured when the bus "
           "overturned on the coast road near Tarrow. The driver was arrested.")
CRASH_B = ("Emergency crews worked through the night. The overturned bus injured 23 people on the coast road near "
           "Tarrow, police said. Schools in Tarrow were closed on Wednesday.")
CRASH_C = "A third outlet only says the road was closed for several hours."


def test_a_pair_stating_23_people_in_similar_sentences_gets_planted_in_one_of_them():
    plant = choose_plant([CRASH_A, CRASH_B, CRASH_C], random.Random("0:0"))
    assert plant is not None
    assert {plant.article, plant.partner} == {0, 1}
    assert (plant.original, plant.planted, plant.planted_value) == ("23", "49", 49.0)
    changed = plant.apply([CRASH_A, CRASH_B][plant.article])
    assert "49 people" in changed and "23 people" not in changed
    assert "23 people" in [CRASH_A, CRASH_B][plant.partner]
    # deterministic for a seed
    assert choose_plant([CRASH_A, CRASH_B, CRASH_C], random.Random("0:0")) == plant


def test_years_dates_times_and_ordinals_are_not_planted():
    a = ("The council approved the harbour plan in 2019 for the third time, at 6 p.m. on March 3, after the 2nd "
         "reading of the harbour plan by the council.")
    b = ("For the third time the council approved the harbour plan in 2019, at 6 p.m. on March 3, after the 2nd "
         "reading of the harbour plan.")
    assert candidates([a, b]) == []
    assert not any(n.plantable for n in numbers_in(a))


def test_unrelated_sentences_with_the_same_number_are_not_a_pair():
    a = "Police said 23 people were injured when the bus overturned on the coast road."
    b = "The festival sold tickets to 23 people from the valley on its opening night."
    assert candidates([a, b]) == []


@pytest.mark.parametrize(
    ("text", "planted"),
    [("23 people", "49"), ("57,500 troops", "115,000"), ("$4.5 billion", "$12 billion"), ("12 percent", "27"),
     ("twelve boats", "27"), ("a 60-day truce", "120")],
)
def test_the_planted_value_is_clearly_incompatible_and_written_like_the_original(text, planted):
    number = next(n for n in numbers_in(text) if n.plantable)
    assert planted_value(number) == planted


def _side(value, articles, text):
    return {"value": value, "articles": articles, "evidence": [{"article": articles[0], "text": value}],
            "context": [{"article": articles[0], "text": text}]}


def test_a_plant_is_found_only_with_the_planted_value_against_the_partner():
    found = {"topic": "people injured", "kind": "quantity",
             "values": [_side("49 people", ["s0-a0"], "Police said 49 people were injured."),
                        _side("23 people", ["s0-a1", "s0-a2"], "The bus injured 23 people.")]}
    assert plant_found({"conflicts": [found]}, "s0-a0", "s0-a1", 49.0) is found
    # the planted article on a side, but not with the planted value: missed
    other = {"kind": "quantity", "values": [_side("3 hours", ["s0-a0"], "x"), _side("5 hours", ["s0-a1"], "y")]}
    assert plant_found({"conflicts": [other]}, "s0-a0", "s0-a1", 49.0) is None
    # the partner absent from the other side: missed
    alone = {"kind": "quantity", "values": [_side("49 people", ["s0-a0"], "x"), _side("23 people", ["s0-a2"], "y")]}
    assert plant_found({"conflicts": [alone]}, "s0-a0", "s0-a1", 49.0) is None
    # a sequence conflict is never a plant; nothing reported is a miss
    assert plant_found({"conflicts": [found | {"kind": "sequence"}]}, "s0-a0", "s0-a1", 49.0) is None
    assert plant_found({}, "s0-a0", "s0-a1", 49.0) is None


def test_differences_have_keys_from_the_story_and_the_sorted_evidence():
    conflict = {"topic": "t", "kind": "quantity",
                "values": [_side("1", ["a"], "One sentence."), _side("2", ["b"], "Another sentence.")]}
    swapped = conflict | {"values": conflict["values"][::-1]}
    assert difference_key(4, conflict) == difference_key(4, swapped) != difference_key(5, conflict)
    rows = differences(4, "original", {"conflicts": [conflict]})
    assert [(r.story, r.run, r.kind, r.key) for r in rows] == [(4, "original", "quantity", difference_key(4, conflict))]
    assert rows[0].sides[0]["context"] == ["One sentence."]


def test_precision_counts_judged_differences_and_found_plants(tmp_path):
    path = tmp_path / "judgements.jsonl"
    path.write_text('{"key": "1:a", "verdict": "real", "why": "two counts of one toll"}\n\n'
                    '{"key": "2:b", "verdict": "false", "why": "different things"}\n')
    judged = read_judgements(path)
    rows = [Difference("1:a", 1, "original", "quantity", "", []), Difference("2:b", 2, "original", "quantity", "", []),
            Difference("3:c", 3, "original", "quantity", "", [])]
    assert precision(rows, 2, judged) == {"judged": 2, "judged_real": 1, "judged_plants": 0, "precision": 0.75}
    assert precision(rows, 2, {})["precision"] is None
    # a found plant judged false as reported (a wrong topic or side) no longer counts as real
    path.write_text('{"key": "1:a", "verdict": "real", "why": "two counts of one toll"}\n'
                    '{"key": "2:b", "verdict": "false", "why": "different things"}\n'
                    '{"key": "9:p", "verdict": "false", "why": "the plant set against another figure"}\n'
                    '{"key": "8:q", "verdict": "real", "why": "the plant against the original"}\n')
    judged = read_judgements(path)
    assert precision(rows, ["9:p", "8:q", "7:r"], judged) == {
        "judged": 4, "judged_real": 2, "judged_plants": 2, "precision": 0.6}
    assert read_judgements(tmp_path / "absent.jsonl") == {}
    path.write_text('{"key": "1:a", "verdict": "maybe"}\n')
    with pytest.raises(ValueError, match="judgements.jsonl:1"):
        read_judgements(path)


@pytest.mark.slow
def test_eval_conflicts_on_the_first_neus_val_stories_reports_recall_and_differences(cli, tmp_path):
    path = need(DATA / "neus" / "val.source")
    rows = tmp_path / "differences.jsonl"
    result = cli("eval", "conflicts", str(path), "--format", "neus", "--limit", "10", "--json",
                 "--differences", str(rows))
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["stories"] == 10 and report["articles"] >= 20
    assert 1 <= report["planted"] == report["eligible"] <= 10
    assert isinstance(report["recall"], float) and 0.0 <= report["recall"] <= 1.0
    assert report["found"] == sum(p["found"] for p in report["plants"])
    for plant in report["plants"]:
        assert plant["original"] in plant["sentence"] and plant["original"] != plant["planted"]
    assert report["other_differences"] == len(report["differences"])
    assert report["other_differences_per_100_stories"] == round(10 * report["other_differences"], 1)
    written = [json.loads(line) for line in rows.read_text().splitlines()]
    assert [w["key"] for w in written] == [d["key"] for d in report["differences"]]
    for row in written:
        assert row["key"].startswith(f"{row['story']}:") and all(side["context"] for side in row["sides"])
    # the same seed gives the same plants, reusing the facts already extracted
    cache: dict = {}
    from newsdesk.settings import load_settings

    settings = load_settings(env={}, db=str(tmp_path / "unused.db"))
    once = evaluate_conflicts(path, "neus", settings, limit=3, facts_cache=cache)
    again = evaluate_conflicts(path, "neus", settings, limit=3, facts_cache=cache)
    assert once["plants"] == again["plants"] and once["differences"] == again["differences"]
