"""Every stored evidence span is an exact substring of its article, on every dev corpus."""

from __future__ import annotations

import json

import pytest
from conftest import DATA, EXAMPLES, SEEDS, need

from newsdesk import pipeline
from newsdesk.facts import FACTS_VERSION, FactsStage
from newsdesk.facts.model import ArticleFacts
from newsdesk.settings import load_settings
from newsdesk.store import Store

CORPORA = {
    "seeds": SEEDS,
    "examples": EXAMPLES / "corpus.jsonl",
    "ecbplus": DATA / "ecbplus" / "dev.jsonl",
    "newswcl50": DATA / "newswcl50" / "newswcl50_docs.jsonl",
    "uci": DATA / "uci_headlines" / "uci-news-aggregator_first6366rows.csv",
}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(CORPORA))
def test_every_evidence_span_is_an_exact_substring_of_its_article(name, tmp_path):
    path = CORPORA[name] if name == "examples" else need(CORPORA[name])
    settings = load_settings(env={}, db=str(tmp_path / "facts.db"))
    with Store(settings.db_path) as store:
        if name == "uci":
            from newsdesk.eval.datasets import load, to_jsonl_records

            records = tmp_path / "uci.jsonl"
            records.write_text("\n".join(json.dumps(r) for r in to_jsonl_records(load(path, "uci"))), encoding="utf-8")
            path = records
        pipeline.ingest([str(path)], store, settings)
        articles = {a.id: a for a in store.list_articles()}
        assert articles, f"nothing ingested from {path}"
        FactsStage(store, processes=2).run()
        stored = store.facts(list(articles), FACTS_VERSION)
        assert set(stored) == set(articles)
        checked = 0
        for article_id, blob in stored.items():
            facts = ArticleFacts.from_dict(json.loads(blob))
            text = articles[article_id].text
            for record, start, end in facts.spans():
                assert 0 <= start <= end <= len(text), (article_id, record)
                checked += 1
            for name_ in ("sentences", "mentions", "quotes", "quantities", "times", "statements"):
                for record in getattr(facts, name_):
                    assert text[record.start:record.end] == record.text, (article_id, name_, record)
                    if getattr(record, "role", None):
                        assert text[record.role_start:record.role_end] == record.role
                    if getattr(record, "reference", None) and record.reference_start is not None:
                        assert text[record.reference_start:record.reference_end] == record.reference
        if name not in {"uci"}:  # headlines have no body
            assert checked > len(articles)
