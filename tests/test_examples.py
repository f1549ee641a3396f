"""The bundled example corpus ingests whole and clean: it is what the README's demo runs."""

from __future__ import annotations

import json

from conftest import EXAMPLES

from newsdesk.clean import is_boilerplate
from newsdesk.store import Store


def test_example_corpus_ingests_every_article_without_failure_or_boilerplate(cli, db_path):
    inputs = [EXAMPLES / "corpus.jsonl", EXAMPLES / "articles", EXAMPLES / "feed.xml"]
    result = cli("ingest", *map(str, inputs), "--json")
    report = json.loads(result.stdout)
    assert result.exit_code == 0 and report["failures"] == []
    gold = json.loads((EXAMPLES / "gold.json").read_text(encoding="utf-8"))
    members = [m for story in gold["stories"].values() for m in story["members"]]
    assert len(report["added"]) == len(members) >= 30
    with Store(db_path) as store:
        articles = store.list_articles()
        assert len({a.source for a in articles if a.source}) >= 6
        for article in articles:
            assert article.title and article.text
            assert not [p for p in article.text.split("\n\n") if is_boilerplate(p)], article.id
            guid = article.extra.get("guid")
            assert article.id in members or guid in members
    again = cli("ingest", *map(str, inputs))
    assert f"Nothing new: all {len(members)} articles were already stored." in again.stderr
