"""Facts per article: sentences, entities with roles, linking, statements — with exact evidence spans."""

from __future__ import annotations

import json

import pytest

from newsdesk.facts import FACTS_VERSION, ArticleFacts, FactsStage, article_facts
from newsdesk.facts.entities import extract_mentions, link, same_person
from newsdesk.facts.nlp import load_pipeline, split_sentences
from newsdesk.facts.statements import extract_statements
from newsdesk.models import Article


@pytest.fixture(scope="module")
def nlp():
    return load_pipeline()


def sentences_of(nlp, text: str) -> list[str]:
    return [s.text for s in split_sentences(nlp(text))]


def test_sentences_survive_abbreviations_quotes_and_headings(nlp):
    text = (
        "Officials in the U.S. said on Monday that talks resumed at 3 p.m. local time. "
        "Mr. Dalton, the mayor, arrived late.\n\n"
        "A Quiet Harbour Town\n"
        '"We are ready. We have been ready for weeks," Mr. Dalton said. The vote is Friday.'
    )
    assert sentences_of(nlp, text) == [
        "Officials in the U.S. said on Monday that talks resumed at 3 p.m. local time.",
        "Mr. Dalton, the mayor, arrived late.",
        "A Quiet Harbour Town",
        '"We are ready. We have been ready for weeks," Mr. Dalton said.',
        "The vote is Friday.",
    ]


def test_sentence_spans_index_the_text(nlp):
    text = "  First line here.\nSecond line, with “a quote. Of two parts.” Done.\n"
    for s in split_sentences(nlp(text)):
        assert text[s.start:s.end] == s.text


def mentions(nlp, text):
    doc = nlp(text)
    return extract_mentions(doc, split_sentences(doc))


def test_roles_are_read_before_and_after_names(nlp):
    found = mentions(
        nlp,
        "Harbour Minister Elena Vasquez met the union on Tuesday. "
        "Later, Tomas Reyes, spokesperson for the port authority, said talks would continue. "
        "A senior adviser to the mayor, Dana Whitfield, declined to comment.",
    )
    roles = {m.text: m.role for m in found if m.label == "person"}
    assert roles["Elena Vasquez"] == "Harbour Minister"
    assert roles["Tomas Reyes"] == "spokesperson for the port authority"
    assert roles["Dana Whitfield"] == "senior adviser to the mayor"


def test_mention_labels_and_spans(nlp):
    text = "Prime Minister Anna Berg visited Oslo and met officials of the European Union."
    found = mentions(nlp, text)
    labels = {m.text: m.label for m in found}
    assert labels.get("Anna Berg") == "person"
    assert labels.get("Oslo") == "place"
    assert "European Union" in labels and labels["European Union"] == "organisation"
    for m in found:
        assert text[m.start:m.end] == m.text
        if m.role:
            assert text[m.role_start:m.role_end] == m.role


def test_linking_joins_surnames_to_the_one_full_name(nlp):
    a = mentions(nlp, "Prime Minister Anna Berg spoke first. Berg then left for Oslo.")
    b = mentions(nlp, "Berg said little. The finance minister, Carl Berg, disagreed with Anna Berg.")
    entities, _ = link({"a": a, "b": b})
    names = {e.name for e in entities if e.label == "person"}
    # "Berg" alone fits two full names in this story, so it joins neither
    assert {"Anna Berg", "Carl Berg"} <= names
    anna = next(e for e in entities if e.name == "Anna Berg")
    assert anna.articles == {"a", "b"}
    assert {"role": "Prime Minister", "articles": ["a"]} in anna.as_dict()["roles"]


def test_linking_a_surname_with_one_full_name(nlp):
    a = mentions(nlp, "Prime Minister Anna Berg spoke first. Berg then left for Oslo.")
    entities, of_mention = link({"a": a})
    berg = [e for e in entities if e.label == "person"]
    assert len(berg) == 1 and berg[0].name == "Anna Berg" and berg[0].mentions == 2
    assert same_person("Berg", "Anna Berg") and not same_person("Berg", "Anna Bergman")


def test_statements_split_clauses_and_carry_the_subject(nlp):
    text = (
        "Earlier that day, the mayor met with harbour officials and visited the damaged pier, "
        "where she spoke with the families of two missing fishermen."
    )
    doc = nlp(text)
    statements = extract_statements(doc, split_sentences(doc))
    texts = [s.text for s in statements]
    assert texts[0].startswith("Earlier that day, the mayor met with harbour officials")
    assert "she spoke with the families of two missing fishermen" in texts
    for s in statements:
        assert text[s.start:s.end] == s.text
    spoke = next(s for s in statements if s.text.startswith("she spoke"))
    assert spoke.parent is not None  # hangs on the main clause, so time phrases carry down


def test_article_facts_round_trip_through_json(nlp):
    text = 'Harbour Minister Elena Vasquez said on Tuesday that "at least 40 boats were damaged."'
    facts = article_facts("x", nlp(text), None)
    again = ArticleFacts.from_dict(facts.as_dict())
    assert again == facts
    for _, start, end in again.spans():
        assert 0 <= start < end <= len(text)


def test_facts_stage_stores_once_and_reuses(store):
    article = Article(id="a1", title="Pier fire", text="The mayor, Lina Park, said 12 boats burned on Monday.")
    store.add_article(article)
    stage = FactsStage(store, processes=1)
    assert stage.run() == 1
    assert stage.run() == 0  # stored, not recomputed
    facts = stage.load(["a1"])["a1"]
    assert any(m.text == "Lina Park" for m in facts.mentions)
    assert store.facts(["a1"], FACTS_VERSION)


def test_facts_command_reads_every_article_once(cli, tmp_path):
    corpus = tmp_path / "two.jsonl"
    corpus.write_text(
        '{"id": "p1", "title": "Pier fire", "text": "The mayor, Dana Whitfield, said 12 boats burned on Monday."}\n'
        '{"id": "p2", "title": "Pier fire update", "text": "Firefighters said about 40 people left their homes."}\n',
        encoding="utf-8",
    )
    cli("ingest", str(corpus))
    first = cli("facts")
    assert first.exit_code == 0 and "Read the facts of 2 articles." in first.output
    again = cli("facts")
    assert "Nothing to read" in again.output
    shown = cli("articles", "facts", "p2")
    quantities = json.loads(shown.output)["quantities"]
    assert [(q["value"], q["qualifier"], q["what"]) for q in quantities] == [(40, "about", "people")]


def test_eval_paraphrase_scores_a_pairs_file(cli, tmp_path):
    pairs = tmp_path / "pairs.txt"
    pairs.write_text(
        "Quality\t#1 ID\t#2 ID\t#1 String\t#2 String\n"
        "1\t1\t2\tThe council approved the budget on Monday.\tOn Monday the council passed the budget.\n"
        "0\t3\t4\tThe council approved the budget on Monday.\tA storm closed the harbour for two days.\n",
        encoding="utf-8",
    )
    result = cli("eval", "paraphrase", str(pairs), "--json")
    data = json.loads(result.output)
    assert data["pairs"] == 2 and data["paraphrases"] == 1
    assert data["best"]["f1"] == 1.0  # the paraphrase is far closer than the unrelated pair
    broken = tmp_path / "broken.txt"
    broken.write_text("Quality\tx\n2\tnot a pair\n", encoding="utf-8")
    failed = cli("eval", "paraphrase", str(broken))
    assert failed.exit_code == 2 and "broken.txt:2" in failed.output
