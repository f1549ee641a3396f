"""The example corpus's digest, checked against its own hand annotation (examples/gold.json).

What an editor reads must be true to the annotation: no retracted figure stated as fact, no
bullet citing the other side of an annotated conflict as its support, a dated timeline in order,
and a developing story told in its latest state.
"""

from __future__ import annotations

import json
import re
from datetime import date

import pytest

from conftest import EXAMPLES

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def digest(tmp_path_factory):
    from typer.testing import CliRunner

    from newsdesk.cli import app

    db = tmp_path_factory.mktemp("examples") / "store.db"
    (db.parent / "settings.toml").write_text("")  # the user's own settings play no part
    inputs = [EXAMPLES / "corpus.jsonl", EXAMPLES / "articles", EXAMPLES / "feed.xml"]
    result = CliRunner().invoke(app, ["--db", str(db), "digest", *map(str, inputs), "--json"],
                                env={"NEWSDESK_CONFIG": str(db.parent / "settings.toml")}, catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def gold():
    return json.loads((EXAMPLES / "gold.json").read_text(encoding="utf-8"))


def story_of(digest: dict, gold: dict, label: str) -> dict:
    members = set(gold["stories"][label]["members"])

    def held(s: dict) -> int:
        ids = {a["id"] for a in s["articles"]} | {a.get("guid") for a in s["articles"]}
        return len(ids & members)

    return max(digest["stories"], key=held)


def stated_lines(story: dict) -> list[dict]:
    """Every line the brief states as fact: Quick Take, body and timeline."""
    return story["quick_take"] + story["body_sentences"] + story["timeline"]


def test_every_brief_passes_the_gate(digest):
    assert digest["stories"] and all(s["gate"]["passed"] for s in digest["stories"]), [
        (s["id"], s["gate"]["reasons"][:3]) for s in digest["stories"] if not s["gate"]["passed"]]


def test_no_corrected_statement_is_stated_as_fact(digest, gold):
    for correction in gold["corrections"]:
        story = story_of(digest, gold, correction["story"])
        corrected = {correction["corrected_article"], *correction.get("also_affects", [])}
        # the correction is found and shown, naming the article it corrects
        assert any(set(c["corrects"]) & corrected for c in story["corrections"]), story["corrections"]
        retracted = [(e["article"], e["start"], e["end"]) for c in story["corrections"] for e in c["retracted"]]
        for line in stated_lines(story):
            for e in line["evidence"]:
                assert not any(a == e["article"] and s < e["end"] and e["start"] < end for a, s, end in retracted), (
                    line["text"])


def test_no_bullet_cites_the_other_side_of_an_annotated_conflict(digest, gold):
    for conflict in gold["conflicts"]:
        if conflict.get("resolved_by_correction"):
            continue
        story = story_of(digest, gold, conflict["story"])
        values = [(side, _numbers(side["value"])) for side in conflict["sides"]]
        for line in story["quick_take"] + story["body_sentences"]:
            told = _numbers(line["text"])
            for side, numbers in values:
                if not numbers & told:
                    continue
                others = {a for other, _ in values if other is not side for a in other["articles"]}
                others -= set(side["articles"])
                assert not others & set(line["citations"]), (line["text"], line["citations"])


def test_every_timeline_entry_is_dated_and_in_order(digest):
    for story in digest["stories"]:
        dates = [t["date"] for t in story["timeline"]]
        assert dates, f"story {story['id']} has no timeline"
        assert all(d and date.fromisoformat(d[:10]) for d in dates), story["timeline"]
        assert dates == sorted(dates), dates


def test_a_developing_story_leads_with_its_latest_state(digest, gold):
    """The port strike ended in a deal: its Quick Take opens with the newest report and states nothing
    that only the reports before it said."""
    story = story_of(digest, gold, "port-strike")
    published = {a["id"]: a["published"] for a in story["articles"]}
    newest = max(p for p in published.values() if p)
    first = story["quick_take"][0]
    assert any(published.get(a) == newest for a in first["citations"]), first
    latest_day = {a for a, p in published.items() if p and p[:10] >= newest[:10]}
    for bullet in story["quick_take"]:
        assert set(bullet["citations"]) & latest_day, bullet["text"]


def _numbers(text: str) -> set[str]:
    return {n.replace(",", "") for n in re.findall(r"\d[\d,]*(?:\.\d+)?", text)}
