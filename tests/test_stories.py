"""Stories: copies and rewrites, origin groups, online clustering with stable ids, the story commands."""

from __future__ import annotations

import json

import pytest

from newsdesk.dedupe import Deduper, minhash, rewrite_score
from newsdesk.models import Article
from newsdesk.store import Store, content_hash

WIRE = [
    "HARBOURTON, May 4 (Invented Wire) - The Harbourton city council voted 7-2 on Monday to close the Quay Street ferry terminal by June, citing repair costs of 4.2 million crowns.",
    "Mayor Elin Dahl said the vote was painful but unavoidable. \u201cWe cannot keep pouring money into a pier that is sinking,\u201d she told reporters after the meeting.",
    "Ferry operator Northsound Lines said it would move its two daily crossings to the Eastgate pier, about three kilometres away, from July 1.",
    "Opposition councillor Per Lund, who voted against the closure, said residents of the old town had not been consulted and called for a public hearing.",
    "The terminal opened in 1962 and handles about 900 passengers a day in summer, according to the council.",
]
REWRITE = [
    "Councillors in Harbourton on Monday backed the closure of the Quay Street ferry terminal by June by seven votes to two, pointing to a 4.2 million crown repair bill.",
    "The vote was painful but could not be avoided, Mayor Elin Dahl told reporters. \u201cWe cannot keep pouring money into a pier that is sinking,\u201d she said.",
    "Northsound Lines, which runs the ferries, will shift its two daily crossings to the Eastgate pier some three kilometres away from July 1.",
    "Per Lund, an opposition councillor who opposed the plan, complained that old town residents were never consulted and demanded a public hearing.",
    "Opened in 1962, the terminal sees roughly 900 passengers a day during summer, the council said.",
]
INDEPENDENT = [
    "Standing on the rotting boards of the Quay Street pier on Monday evening, commuter Sara Holm said she had taken the ferry to work for twenty years.",
    "Hours earlier the council had decided to shut the terminal, a decision Holm called short-sighted. She said the walk to Eastgate would add half an hour to her day.",
    "Engineers who surveyed the pier last winter found corroded piles under the waiting room, according to a report seen by the Harbourton Post.",
    "The report put the cost of a full repair at more than four million crowns and warned that parts of the deck could fail within two years.",
    "Northsound Lines said tickets would cost the same from the new pier.",
]


def _article(aid, paragraphs, source, **kw):
    article = Article(id=aid, title=kw.pop("title", "Ferry terminal to close"), text="\n\n".join(paragraphs), source=source, **kw)
    article.content_hash = content_hash(article)
    return article


def test_rewrite_scores_tell_one_report_retold_from_independent_reporting():
    wire, rewrite, independent = ("\n\n".join(p) for p in (WIRE, REWRITE, INDEPENDENT))
    assert rewrite_score(wire, rewrite) >= 0.6
    assert rewrite_score(wire, independent) < 0.4
    assert rewrite_score(rewrite, independent) < 0.4


def test_deduper_levels_exact_near_syndicated_original():
    deduper = Deduper(near_threshold=0.7, rewrite_threshold=0.5)
    wire = _article("w1", WIRE, "Invented Wire", url="https://wire.example/ferry")
    deduper.remember(wire, "w1", minhash(wire.text))
    exact = _article("c1", WIRE, "Coast Post")
    assert (deduper.classify(exact, minhash(exact.text)).level, deduper.classify(exact, None).of_article) == ("exact", "w1")
    copy = _article("c2", WIRE[:-1] + ["This article first appeared on Invented Wire.", WIRE[-1]], "Valley News")
    near = deduper.classify(copy, minhash(copy.text))
    assert (near.level, near.of_article, near.origin) == ("near", "w1", "w1") and near.similarity >= 0.7
    canonical = _article("c3", INDEPENDENT, "Bay Times", url="https://baytimes.example/f", canonical_url="https://wire.example/ferry")
    assert deduper.classify(canonical, minhash(canonical.text)).level == "syndicated"
    own = _article("p1", INDEPENDENT, "Harbourton Post")
    assert deduper.classify(own, minhash(own.text)).level == "original"
    rewrite = _article("r1", REWRITE, "Daily Digest")
    link = deduper.story_link(rewrite, [wire, own])
    assert (link.level, link.of_article) == ("rewrite", "w1")
    fed = _article("f1", ["A short item."], "Aggregator", extra={"origin_source": {"title": "Invented Wire", "url": None}})
    assert deduper.story_link(fed, [own, wire]).of_article == "w1"


def test_seeds_form_one_story_with_two_independent_origins(cli, seeds, db_path):
    cli("ingest", str(seeds))
    result = cli("cluster")
    assert result.exit_code == 0, result.output
    assert "Clustered 3 articles" in result.stderr
    stories = json.loads(cli("stories", "list", "--json").stdout)
    assert [(s["articles"], s["origins"]) for s in stories] == [(3, 2)]
    story = json.loads(cli("stories", "show", str(stories[0]["id"]), "--json").stdout)
    origin = {a["id"][:3]: a["origin"] for a in story["articles"]}
    assert origin["002"] == origin["004"] != origin["000"]
    levels = {a["id"][:3]: a["level"] for a in story["articles"]}
    assert levels["000"] == "original" and {levels["002"], levels["004"]} == {"original", "rewrite"}
    shown = cli("stories", "show", str(stories[0]["id"])).stdout
    assert "2 independent origins" in shown and "rewrite of" in shown


def test_clustering_again_changes_nothing_and_vectors_are_reused(cli, seeds, db_path):
    cli("ingest", str(seeds))
    cli("cluster")
    with Store(db_path) as store:
        before = store.story_labels()
        vectors = store.conn.execute("SELECT count(*) FROM article_vectors").fetchone()[0]
    assert "Nothing to cluster" in cli("cluster").stderr
    with Store(db_path) as store:
        assert store.story_labels() == before
        assert store.conn.execute("SELECT count(*) FROM article_vectors").fetchone()[0] == vectors == 3


def test_story_ids_are_stable_as_articles_arrive(cli, tmp_path, db_path):
    from conftest import EXAMPLES

    records = [json.loads(line) for line in (EXAMPLES / "corpus.jsonl").read_text(encoding="utf-8").splitlines()]
    records.sort(key=lambda r: r["published"])
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    half = len(records) // 2
    first.write_text("\n".join(json.dumps(r) for r in records[:half]))
    second.write_text("\n".join(json.dumps(r) for r in records[half:]))
    cli("ingest", str(first))
    cli("cluster")
    with Store(db_path) as store:
        early = store.story_labels()
    cli("ingest", str(second))
    cli("cluster")
    with Store(db_path) as store:
        late = store.story_labels()
        for article_id, story_id in early.items():
            # an article keeps its story, or its story was merged into an older one
            assert late[article_id] == story_id or store.get_story(story_id)["id"] == late[article_id]
        assert store.count_articles() == len(records) == len(late)


def test_similar_but_different_events_stay_apart(cli, tmp_path, db_path):
    """Two invented storms a month apart, told with the same words but different places and names."""
    def storm(n, town, person, day, speed):
        return {
            "id": f"{town}-{n}",
            "title": f"Storm batters {town}",
            "published": f"2026-{day}T0{n}:00:00+00:00",
            "source": f"Outlet {n}",
            "text": (
                f"A storm with winds of {speed} kilometres an hour battered {town} overnight, tearing roofs from houses and "
                f"cutting power to thousands of homes. {person}, who leads the {town} emergency service, said crews had "
                f"worked through the night. \u201cWe have never seen gusts like this in {town},\u201d {person} said. "
                f"Schools in {town} will stay closed on {'Monday' if n % 2 else 'Tuesday'} while engineers check buildings."
            ),
        }

    path = tmp_path / "storms.jsonl"
    records = [storm(n, "Valdria", "Ines Morrow", "01-10", 140 + n) for n in range(1, 4)]
    records += [storm(n, "Korrin", "Tomas Eberly", "02-12", 120 + n) for n in range(1, 4)]
    path.write_text("\n".join(json.dumps(r) for r in records))
    cli("ingest", str(path))
    cli("cluster")
    with Store(db_path) as store:
        labels = store.story_labels()
    assert len({labels[f"Valdria-{n}"] for n in range(1, 4)}) == 1
    assert len({labels[f"Korrin-{n}"] for n in range(1, 4)}) == 1
    assert labels["Valdria-1"] != labels["Korrin-1"]


def test_stories_show_unknown_id(cli):
    result = cli("stories", "show", "99")
    assert result.exit_code == 1 and "no story with id 99" in result.stderr


def test_example_corpus_clusters_into_its_gold_stories_with_gold_origins(cli, db_path):
    """The bundled corpus: eight stories (two similar warehouse fires among them), rewrites and copies."""
    from conftest import EXAMPLES

    cli("ingest", str(EXAMPLES / "corpus.jsonl"), str(EXAMPLES / "articles"), str(EXAMPLES / "feed.xml"))
    cli("cluster")
    _assert_gold_stories(db_path)


@pytest.mark.xfail(reason="known: with the storm story in the example corpus, the two warehouse fires (Kessington, "
                          "Ashby) sit at the merge threshold (-0.002 in one run, +0.003 in two) and merge when the "
                          "corpus is clustered in two runs; clustering that holds across runs and corpora is issue 25",
                   strict=False)
def test_clustering_in_two_runs_finds_the_same_stories_as_one_run(cli, tmp_path, db_path):
    """Stories loaded back from the store weigh their members' words as stories built in this run do."""
    from conftest import EXAMPLES

    records = [json.loads(line) for line in (EXAMPLES / "corpus.jsonl").read_text(encoding="utf-8").splitlines()]
    records.sort(key=lambda r: r["published"])
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    first.write_text("\n".join(json.dumps(r) for r in records[: len(records) // 2]))
    second.write_text("\n".join(json.dumps(r) for r in records[len(records) // 2:]))
    cli("ingest", str(first))
    cli("cluster")
    cli("ingest", str(second))
    cli("cluster")
    cli("--db", str(tmp_path / "one.db"), "ingest", str(EXAMPLES / "corpus.jsonl"))
    cli("--db", str(tmp_path / "one.db"), "cluster")
    partitions = []
    for path in (db_path, tmp_path / "one.db"):
        with Store(path) as store:
            stories: dict[int, set[str]] = {}
            for article_id, story_id in store.story_labels().items():
                stories.setdefault(story_id, set()).add(article_id)
            partitions.append(sorted(sorted(members) for members in stories.values()))
    assert partitions[0] == partitions[1]


def _assert_gold_stories(db_path):
    from conftest import EXAMPLES

    gold = json.loads((EXAMPLES / "gold.json").read_text(encoding="utf-8"))
    with Store(db_path) as store:
        gold_key = {a.id: a.extra.get("guid", a.id) for a in store.list_articles()}
        found = {}
        for row in store.list_stories():
            story = store.get_story(row["id"])
            members = frozenset(gold_key[a["id"]] for a in story["articles"])
            found[members] = story["independent_origins"]
    for label, story in gold["stories"].items():
        members = frozenset(story["members"])
        assert members in found, f"story {label} was not found whole"
        expected = len(members) - sum(len(group) - 1 for group in story["origin_groups"])
        assert found[members] == expected, f"story {label}: {found[members]} origins, gold {expected}"
    assert len(found) == len(gold["stories"])


def test_headlines_on_one_topic_a_day_apart_are_two_stories(cli, tmp_path, db_path):
    """A headline alone cannot tell a follow-up from the next day's news on the same topic: past the
    headline window (12 h) the topic starts a new story, even in the very same words, which stay an
    exact copy of the earlier headline."""
    def headline(aid, title, hours):
        return {"id": aid, "title": title, "text": "", "source": f"Outlet {aid}",
                "published": f"2026-03-{10 + hours // 24:02d}T{hours % 24:02d}:15:00+00:00"}

    records = [
        headline("a1", "Port Halvard dockworkers strike over pay", 8),
        headline("a2", "Dockworkers walk out at Port Halvard after pay talks fail", 8),
        headline("a3", "Strike at Port Halvard halts container traffic", 9),
        headline("a4", "Port Halvard strike enters second shift as pay talks stall", 12),  # same day: the same story
        headline("b1", "Port Halvard dockworkers strike over pay", 38),  # the same words 30 hours later
        headline("b2", "Port Halvard dockers extend strike over pay", 38),
        headline("b3", "Container traffic still halted by Port Halvard strike", 39),
    ]
    path = tmp_path / "headlines.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in records))
    cli("ingest", str(path))
    cli("cluster")
    with Store(db_path) as store:
        labels = store.story_labels()
        levels = {row[0]: row[1] for row in store.conn.execute("SELECT article_id, level FROM article_origins")}
    assert len({labels[a] for a in ("a1", "a2", "a3", "a4")}) == 1
    assert len({labels[b] for b in ("b1", "b2", "b3")}) == 1
    assert labels["a1"] != labels["b1"]
    assert levels["b1"] == "exact"
