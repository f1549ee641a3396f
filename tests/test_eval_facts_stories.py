"""``newsdesk eval facts`` on a multi-story gold: reading it, and scoring invented reconciliations against it."""

from __future__ import annotations

import json

import pytest
from conftest import EXAMPLES

from newsdesk.eval.facts_stories import StoryResult, read_gold, score

# an invented two-story gold in the shape of examples/gold.json
GOLD = {
    "stories": {
        "flood": {"title": "River floods Tarrow", "members": ["a1", "a2", "a3", "a4"], "origin_groups": [["a1", "a2"]]},
        "vote": {"title": "Council vote", "members": ["b1", "b2"], "origin_groups": []},
    },
    "conflicts": [
        {"story": "flood", "topic": "homes flooded",
         "sides": [{"value": "about 300 homes", "articles": ["a1", "a2", "a4"]}, {"value": "120 homes", "articles": ["a3"]}]},
        {"story": "flood", "topic": "hours the road was shut",
         "sides": [{"value": "six hours", "articles": ["a1", "a2"]}, {"value": "two hours", "articles": ["a3"]}]},
        {"story": "vote", "topic": "the rise", "resolved_by_correction": "b2",
         "sides": [{"value": "5.9%", "articles": ["b1"]}, {"value": "4.9%", "articles": ["b2"]}]},
    ],
    "sequence_conflicts": [
        {"story": "flood", "topic": "evacuation vs breach",
         "sides": [{"value": "before", "articles": ["a1"]}, {"value": "after", "articles": ["a3"]}]},
    ],
    "quote_variants": [
        {"speaker": "Mara Lind, mayor", "meaning_changed": True,
         "variants": [{"text": "We will not rebuild on the riverbank.", "articles": ["a1", "a2"]},
                      {"text": "We will rebuild on the riverbank.", "articles": ["a3"]}]},
    ],
    "corrections": [
        {"story": "vote", "corrected_article": "b1", "correcting_article": "b2", "topic": "rise",
         "wrong": "5.9%", "right": "4.9%"},
    ],
}


def side(value, articles, context=""):
    return {"value": value, "articles": articles, "context": [{"article": articles[0], "text": context or value}]}


def flood_result(**changes):
    result = {
        "conflicts": [
            # the homes conflict, a4 gave no figure: a side smaller than the gold's still matches
            {"topic": "how many homes flooded", "kind": "quantity",
             "values": [side("about 300 homes", ["a1", "a2"]), side("120 homes", ["a3"])]},
            # the same split, but about the road closure: it takes the other gold conflict
            {"topic": "how long the road was shut", "kind": "quantity",
             "values": [side("six hours", ["a1", "a2"]), side("two hours", ["a3"])]},
            # a split the gold does not have: a false conflict
            {"topic": "how many pumps", "kind": "quantity",
             "values": [side("four pumps", ["a1", "a4"]), side("nine pumps", ["a3"])]},
        ],
        "quotes": [{"speaker": "Mara Lind", "text": "We will not rebuild on the riverbank.", "articles": ["a1", "a2", "a3"],
                    "variants": [{"text": "We will not rebuild on the riverbank.", "articles": ["a1", "a2"]},
                                 {"text": "We will rebuild on the riverbank.", "articles": ["a3"], "change": "meaning"}]}],
        "quantities": [],
        "claims": [],
    }
    return result | changes


def vote_result(**changes):
    return {"conflicts": [], "quotes": [], "claims": [],
            "quantities": [{"article": "b1", "text": "5.9%", "value": 5.9, "superseded": True},
                           {"article": "b2", "text": "4.9%", "value": 4.9, "superseded": False}],
            "corrections": [{"article": "b2", "corrects": ["b1"], "retracted": [{"article": "b1", "text": "a 5.9% rise"}]}],
            } | changes


def run(flood, vote):
    gold = read_gold(GOLD)
    return score(gold, {"flood": StoryResult(1, ["flood"], flood), "vote": StoryResult(2, ["vote"], vote)})


def test_the_gold_is_read_as_typed_records():
    gold = read_gold(GOLD)
    assert gold.stories["flood"] == ["a1", "a2", "a3", "a4"]
    assert [(c.story, c.kind) for c in gold.conflicts] == [("flood", "quantity"), ("flood", "quantity"),
                                                           ("vote", "quantity"), ("flood", "sequence")]
    assert gold.quote_variants[0].story == "flood" and gold.quote_variants[0].meaning_changed
    assert gold.corrections[0].corrected == "b1"
    with pytest.raises(ValueError, match="not a multi-story gold"):
        read_gold({"stories": {"x": {}}})


def test_conflicts_match_by_split_one_to_one_and_the_rest_are_false():
    report = run(flood_result(), vote_result())
    assert (report["conflicts_found"], report["conflicts_total"]) == (3, 3)  # the vote one by its correction
    rows = report["details"]["conflicts"]
    assert rows[0]["reported"]["topic"] == "how many homes flooded"
    assert rows[1]["reported"]["topic"] == "how long the road was shut"
    assert rows[2]["as"] == "correction"
    assert report["false_conflicts"] == 1 and report["details"]["false_conflicts"][0]["topic"] == "how many pumps"
    assert (report["sequence_conflicts_found"], report["sequence_conflicts_total"]) == (0, 1)
    miss = next(m for m in report["details"]["misses"] if m["category"] == "sequence_conflict")
    assert miss["topic"] == "evacuation vs breach" and "nearest" in miss


def test_a_side_merging_two_gold_sides_does_not_match():
    merged = flood_result(conflicts=[{"topic": "homes", "kind": "quantity",
                                      "values": [side("300 homes", ["a1", "a3"]), side("40 homes", ["a4"])]}])
    report = run(merged, vote_result())
    assert report["conflicts_found"] == 1 and report["false_conflicts"] == 1  # only the correction one


def test_quote_variants_need_the_articles_and_the_right_meaning_judgement():
    assert run(flood_result(), vote_result())["quote_variants_found"] == 1
    styled = flood_result()
    styled["quotes"][0]["variants"][1]["change"] = "style"
    report = run(styled, vote_result())
    assert report["quote_variants_found"] == 0
    assert report["details"]["quote_variants"][0]["meaning_judged"] is False
    narrow = flood_result()
    narrow["quotes"][0]["articles"] = ["a1", "a2"]
    assert run(narrow, vote_result())["quote_variants_found"] == 0


def test_a_correction_needs_the_wrong_figure_marked_and_no_live_conflict():
    assert run(flood_result(), vote_result())["corrections_found"] == 1
    unmarked = vote_result(corrections=[], quantities=[{"article": "b1", "text": "5.9%", "value": 5.9, "superseded": False}])
    report = run(flood_result(), unmarked)
    assert report["corrections_found"] == 0
    assert report["details"]["corrections"][0]["nearest"]["figures"][0]["text"] == "5.9%"
    assert report["conflicts_found"] == 2  # nor is the resolved conflict found through it
    live = vote_result(conflicts=[{"topic": "rise", "kind": "quantity",
                                   "values": [side("5.9%", ["b1"]), side("4.9%", ["b2"])]}])
    report = run(flood_result(), live)
    assert report["corrections_found"] == 0 and report["details"]["corrections"][0]["live_conflicts"]
    assert report["conflicts_found"] == 3  # the resolved conflict, reported as a conflict, still counts


@pytest.mark.slow
def test_eval_facts_on_the_examples_reports_every_category(cli):
    result = cli("eval", "facts", str(EXAMPLES), "--gold", str(EXAMPLES / "gold.json"), "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    gold = json.loads((EXAMPLES / "gold.json").read_text())
    assert report["articles"] == 45 and report["not_ingested"] == []
    assert report["conflicts_total"] == len(gold["conflicts"])
    assert report["sequence_conflicts_total"] == len(gold["sequence_conflicts"])
    assert report["quote_variants_total"] == len(gold["quote_variants"])
    assert report["corrections_total"] == len(gold["corrections"])
    assert report["developments_total"] == len(gold["developments"])
    assert isinstance(report["false_conflicts"], int)
    assert {s["label"] for s in report["details"]["stories"]} == set(gold["stories"])
    missed = sum(report[f"{k}_total"] - report[f"{k}_found"]
                 for k in ("conflicts", "sequence_conflicts", "quote_variants", "corrections", "developments"))
    assert len(report["details"]["misses"]) == missed


# developments: a figure a later report changed, its values in time order
DEVELOPING = GOLD | {"developments": [
    {"story": "flood", "topic": "homes without power",
     "values": [{"value": "around a thousand homes (Monday)", "articles": ["a1", "a2"]},
                {"value": "2,000 / 1,800 homes (Tuesday; disputed)", "articles": ["a3", "a4"]},
                {"value": "450 homes", "articles": ["a5"]}]},
]}


def development(*values):
    return {"topic": "how many homes were without power", "kind": "quantity", "values": list(values)}


def run_developing(*developments):
    gold = read_gold(DEVELOPING)
    flood = flood_result(developments=list(developments))
    return score(gold, {"flood": StoryResult(1, ["flood"], flood), "vote": StoryResult(2, ["vote"], vote_result())})


def test_a_development_is_found_by_its_values_in_time_order_with_their_articles():
    report = run_developing(
        # a dateline's day told by the same articles: another figure, not this development
        development(side("14", ["a1"]), side("15", ["a3"]), side("16", ["a5"])),
        development(side("around a thousand homes", ["a1"]), side("2,000 homes", ["a3"]), side("1,800 homes", ["a4"]),
                    side("450 homes", ["a5"])))
    assert (report["developments_found"], report["developments_total"]) == (1, 1)
    row = report["details"]["developments"][0]
    assert row["found"] and [v["value"] for v in row["reported"]["sides"]][-1] == "450 homes"
    assert report["false_conflicts"] == 1  # developments are not conflicts, and are never counted false


def test_a_development_out_of_order_short_of_a_value_or_of_other_figures_is_not_found():
    for reported in (
        [],
        [development(side("14", ["a1"]), side("15", ["a3"]), side("16", ["a5"]))],
        [development(side("2,000 homes", ["a3"]), side("450 homes", ["a5"]))],  # no Monday value
        [development(side("450 homes", ["a5"]), side("2,000 homes", ["a3"]), side("around a thousand homes", ["a1"]))],
        [development(side("around a thousand homes", ["a1", "a3"]), side("450 homes", ["a5"]))],  # two times as one
    ):
        report = run_developing(*reported)
        assert report["developments_found"] == 0, reported
        miss = next(m for m in report["details"]["misses"] if m["category"] == "development")
        assert miss["topic"] == "homes without power" and "nearest" in miss
    with pytest.raises(ValueError, match="two values"):
        read_gold(GOLD | {"developments": [{"story": "flood", "topic": "x",
                                            "values": [{"value": "1", "articles": ["a1"]}]}]})
