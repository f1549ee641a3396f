"""Clustering quality on the real dev corpora must not fall below the pinned floors (tests/eval_floors.json)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import DATA, REPO, need

from newsdesk.eval.clustering import evaluate_clustering
from newsdesk.eval.facts import evaluate_facts
from newsdesk.settings import load_settings

FLOORS = json.loads((Path(__file__).parent / "eval_floors.json").read_text())["clustering"]


@pytest.fixture(scope="module")
def embedder(tmp_path_factory):
    from newsdesk.stories import make_embedder

    settings = load_settings(env={}, model_cache_dir=str(tmp_path_factory.mktemp("models")))
    return make_embedder(settings)


@pytest.mark.slow
@pytest.mark.parametrize("fmt", sorted(FLOORS))
def test_clustering_scores_stay_above_their_floors_and_beat_the_baseline(fmt, embedder, tmp_path):
    floor = FLOORS[fmt]
    path = need(DATA / floor["path"])
    result = evaluate_clustering(path, fmt, load_settings(env={}, db=str(tmp_path / "unused.db")), embedder=embedder)
    assert result["articles"] == {"ecbplus": 772, "newswcl50": 50, "uci": 6366}[fmt]
    assert result["b3_f1"] >= floor["b3_f1"], result
    assert result["ari"] >= floor["ari"], result
    assert result["b3_f1"] >= result["baseline"]["b3_f1"] + 0.02, result


FACT_FLOORS = json.loads((Path(__file__).parent / "eval_floors.json").read_text())["facts"]


def _place(name: str) -> Path:
    """A floor's folder or gold: in the repository (examples/) when it is there, else in ../shared."""
    return REPO / name if (REPO / name).exists() else need(DATA.parent / name)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(FACT_FLOORS))
def test_fact_scores_stay_within_their_floors(name, embedder, tmp_path):
    floor = FACT_FLOORS[name]
    folder, gold = _place(floor["folder"]), _place(floor["gold"])
    result = evaluate_facts(folder, gold, load_settings(env={}, db=str(tmp_path / "unused.db")), embedder=embedder)
    if "story_articles" in result:  # a one-story gold: the gold story is one story
        assert result["story_articles"] == result["articles"], result
    for key, bound in floor.items():
        if key.endswith("_min"):
            assert result[key[:-4]] >= bound, (key, result[key[:-4]], result["details"])
        elif key.endswith("_max"):
            assert result[key[:-4]] <= bound, (key, result[key[:-4]], result["details"])


SUMMARY_FLOORS = json.loads((Path(__file__).parent / "eval_floors.json").read_text())["summaries"]


@pytest.mark.slow
@pytest.mark.parametrize("fmt", sorted(SUMMARY_FLOORS))
def test_brief_bodies_beat_lead_and_lexrank_and_every_sentence_passes_the_gate(fmt, embedder, tmp_path):
    from newsdesk.eval.summaries import evaluate_summaries

    floor = SUMMARY_FLOORS[fmt]
    path = need(DATA / floor["path"])
    result = evaluate_summaries(path, fmt, load_settings(env={}, db=str(tmp_path / "unused.db")), embedder=embedder)
    assert result["clusters"] == floor["clusters"], result
    ours = result["systems"]["newsdesk"]
    for metric in ("rouge1", "rouge2"):
        assert ours[metric] >= floor[metric], result
        for baseline in ("lead", "lexrank"):
            assert ours[metric] > result["systems"][baseline][metric], (metric, baseline, result)
    assert result["gate_pass_rate"] >= floor["gate_pass_rate"], result


CONFLICT_FLOORS = json.loads((Path(__file__).parent / "eval_floors.json").read_text()).get("conflicts", {})


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(CONFLICT_FLOORS))
def test_planted_conflicts_are_found_and_other_differences_stay_few(name, embedder, tmp_path):
    from newsdesk.eval.conflicts import default_judgements, evaluate_conflicts

    floor = CONFLICT_FLOORS[name]
    path = need(DATA / floor["path"])
    fmt = floor.get("format", path.parent.name)
    result = evaluate_conflicts(path, fmt, load_settings(env={}, db=str(tmp_path / "unused.db")), embedder=embedder,
                                limit=floor.get("limit"), judgements=default_judgements(path, fmt))
    assert result["planted"] > 0, result
    brief = {k: v for k, v in result.items() if k not in ("plants", "differences")}
    if "recall_min" in floor:
        assert result["recall"] >= floor["recall_min"], brief
    if "other_per_100_max" in floor:
        assert result["other_differences_per_100_stories"] <= floor["other_per_100_max"], brief
    if "precision_min" in floor:
        assert result["precision"] is not None and result["precision"] >= floor["precision_min"], brief


STYLE_FLOORS = json.loads((Path(__file__).parent / "eval_floors.json").read_text()).get("style", {})


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(STYLE_FLOORS))
def test_quick_takes_and_bodies_read_like_a_desks_own_summary(name, embedder, tmp_path):
    """Short bullets that stand alone (no dateline, connective or pronoun opening, quotes whole and
    attributed) and bodies with no dateline after their first sentence, every line through the gate."""
    from newsdesk.eval.style import evaluate_style

    floor = STYLE_FLOORS[name]
    path = need(DATA / floor["path"])
    result = evaluate_style(path, floor["format"], load_settings(env={}, db=str(tmp_path / "unused.db")),
                            embedder=embedder, limit=floor.get("limit"))
    brief = {k: v for k, v in result.items() if k != "briefs"}
    assert result["stories"] == floor["stories"] and result["bullets"] >= floor["bullets_min"], brief
    for key, bound in floor.items():
        if key.endswith("_max"):
            assert result[key[:-4]] <= bound, (key, brief)
        elif key.endswith("_min") and key != "bullets_min":
            assert result[key[:-4]] >= bound, (key, brief)


PLANTED_FLOORS = {k: v for k, v in json.loads((Path(__file__).parent / "eval_floors.json").read_text())
                  .get("planted", {}).items() if k != "about"}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(PLANTED_FLOORS))
def test_conflicts_another_tool_planted_are_found_and_other_differences_stay_few(name, embedder, tmp_path):
    """The held-out check's own planting (../shared/tools/plant_conflicts.py), on a fixed subset."""
    import subprocess
    import sys

    from newsdesk.eval.planted import evaluate_planted

    floor = PLANTED_FLOORS[name]
    path = need(DATA / floor["path"])
    planter = need(DATA.parent / "tools" / "plant_conflicts.py")
    out = tmp_path / f"{name}.jsonl"
    subprocess.run([sys.executable, str(planter), str(path), str(out), "--format", floor["format"],
                    "--seed", str(floor["seed"]), "--limit", str(floor["limit"])], check=True, capture_output=True)
    result = evaluate_planted(out, tmp_path / f"{name}.key.json", load_settings(env={}, db=str(tmp_path / "unused.db")),
                              embedder=embedder)
    brief = {k: v for k, v in result.items() if k != "others"}
    assert result["planted"] > 0, brief
    assert result["recall"] >= floor["recall_min"], brief
    assert result["other_per_story"] <= floor["other_per_story_max"], brief
