"""Summaries evaluation parts: cluster loaders, the lead and LexRank baselines, the N-word cut and ROUGE.

Invented data is written to tmp_path; the real corpora are read from ../shared/data at run time (the
tests on them skip, naming the folder, when it is absent) and never copied here.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from conftest import DATA, need

from newsdesk.eval.summaries_data import (
    FORMATS,
    SummaryCluster,
    SummaryDoc,
    lead,
    lexrank,
    load_clusters,
    mean_scores,
    rouge,
    truncate,
)

# -- helpers -------------------------------------------------------------------


def write_jsonl(path: Path, records: list[object]) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records), encoding="utf-8")
    return path


def write_multinews(path: Path, rows: list[tuple[object, str]]) -> Path:
    """Rows of (documents, summary); documents as a list is written as its Python literal, a str as is."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["documents", "num_documents", "summary"])
        for documents, summary in rows:
            literal = repr(documents) if isinstance(documents, list) else documents
            writer.writerow([literal, len(documents) if isinstance(documents, list) else 0, summary])
    return path


def write_neus(folder: Path, sources: list[str], targets: list[str], stem: str = "val") -> Path:
    (folder / f"{stem}.source").write_text("".join(line + "\n" for line in sources), encoding="utf-8")
    (folder / f"{stem}.target").write_text("".join(line + "\n" for line in targets), encoding="utf-8")
    return folder / f"{stem}.source"


# -- jsonl ---------------------------------------------------------------------


def test_jsonl_clusters_keep_document_order_ids_and_normalised_paragraphs(tmp_path):
    path = write_jsonl(
        tmp_path / "mine.jsonl",
        [
            {
                "id": "a",
                "documents": ["First  article.\nSame paragraph.\n\n\nSecond para.", "Other one."],
                "reference": "Ref  one.",
            },
            "",
            {"documents": [{"title": "A  headline", "text": "Body text."}, "   "], "reference": "Ref\ntwo."},
        ],
    )
    clusters = load_clusters(path, "jsonl")
    assert clusters == [
        SummaryCluster(
            "a",
            [SummaryDoc("", "First article. Same paragraph.\n\nSecond para."), SummaryDoc("", "Other one.")],
            "Ref one.",
        ),
        # no id: file name and 1-based line number; the blank document is dropped
        SummaryCluster("mine.jsonl:3", [SummaryDoc("A headline", "Body text.")], "Ref two."),
    ]
    assert [c.id for c in load_clusters(path, "jsonl", limit=1)] == ["a"]


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("{not json", "not a JSON object"),
        (json.dumps({"documents": "one text", "reference": "r"}), "'documents' must be a non-empty list"),
        (json.dumps({"documents": ["text"]}), "'reference' must be the summary"),
        (json.dumps({"documents": ["text"], "reference": "  "}), "empty reference"),
        (json.dumps({"documents": ["", " \n\n "], "reference": "r"}), "no document with text"),
        (json.dumps({"documents": [3], "reference": "r"}), "document 0: an article must be a string"),
    ],
)
def test_a_malformed_jsonl_line_is_reported_with_file_line_and_reason(tmp_path, line, reason):
    path = write_jsonl(tmp_path / "bad.jsonl", [{"documents": ["fine"], "reference": "fine"}, line])
    with pytest.raises(ValueError, match="bad.jsonl:2: ") as error:
        load_clusters(path, "jsonl")
    assert reason in str(error.value)


def test_unknown_format_missing_file_and_empty_file_are_reported_with_the_file(tmp_path):
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"empty\.jsonl: unknown summaries format 'xml'.*jsonl, multinews, neus"):
        load_clusters(empty, "xml")
    with pytest.raises(ValueError, match=r"nowhere\.csv: no such file"):
        load_clusters(tmp_path / "nowhere.csv", "multinews")
    with pytest.raises(ValueError, match=r"empty\.jsonl: no clusters found"):
        load_clusters(empty, "jsonl")
    assert FORMATS == ("jsonl", "multinews", "neus")


# -- multinews -----------------------------------------------------------------


def test_multinews_rows_become_clusters_with_dash_stripped_paragraphs_normalised_and_empty_articles_dropped(tmp_path):
    long_article = "Word " * 40_000  # one field above csv's default 128 kB limit
    path = write_multinews(
        tmp_path / "mn.csv",
        [
            (
                ["Headline here \n \n First  paragraph. \n \n \n \n Second.", "", "Other article."],
                "– The summary.  Done.",
            ),
            ([long_article], "– Second summary."),
        ],
    )
    first, second = load_clusters(path, "multinews")
    assert first == SummaryCluster(
        "0",
        [SummaryDoc("", "Headline here\n\nFirst paragraph.\n\nSecond."), SummaryDoc("", "Other article.")],
        "The summary. Done.",
    )
    assert second.id == "1" and second.reference == "Second summary."
    assert len(second.documents[0].text.split()) == 40_000


def test_multinews_reports_a_row_that_is_not_a_list_literal_and_a_csv_without_its_columns(tmp_path):
    path = write_multinews(tmp_path / "mn.csv", [(["fine"], "– ok"), ("['unclosed", "– ok")])
    with pytest.raises(ValueError, match=r"mn\.csv: row 1 .*'documents' is not a Python list literal"):
        load_clusters(path, "multinews")
    other = tmp_path / "other.csv"
    other.write_text("text,label\nabc,1\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"other\.csv: not a Multi-News CSV \(no column documents, summary\)"):
        load_clusters(other, "multinews")


# -- neus ----------------------------------------------------------------------

SOURCE = (
    "TITLE=> Left  headline. ARTICLE=> Left body.  More. [SEP] "
    "TITLE=> Centre headline. ARTICLE=>  [SEP]"  # headline only: dropped
    " ARTICLE=> Right body without a title."
)


def test_neus_lines_pair_with_the_target_keeping_titles_and_taking_the_reference_article(tmp_path):
    source = write_neus(
        tmp_path,
        [SOURCE, "TITLE=> T1. ARTICLE=> A1. [SEP] TITLE=> T2. ARTICLE=> A2. [SEP] TITLE=> T3. ARTICLE=> A3."],
        ["TITLE=> Roundup headline. ARTICLE=> The  neutral roundup.", "TITLE=> X. ARTICLE=> Second roundup."],
    )
    first, second = load_clusters(source, "neus")
    assert first == SummaryCluster(
        "0",
        [SummaryDoc("Left headline.", "Left body. More."), SummaryDoc("", "Right body without a title.")],
        "The neutral roundup.",
    )
    assert second.id == "1" and [d.title for d in second.documents] == ["T1.", "T2.", "T3."]
    assert [c.id for c in load_clusters(source, "neus", limit=1)] == ["0"]


def test_neus_reports_a_missing_target_file_and_unequal_line_counts(tmp_path):
    source = write_neus(tmp_path, [SOURCE, SOURCE], ["TITLE=> R. ARTICLE=> Roundup."])
    with pytest.raises(ValueError, match=r"val\.source has 2 lines but .*val\.target has 1"):
        load_clusters(source, "neus")
    (tmp_path / "val.target").unlink()
    with pytest.raises(ValueError, match=r"val\.source: its reference file .*val\.target does not exist"):
        load_clusters(source, "neus")


# -- the real corpora ----------------------------------------------------------


def assert_usable(clusters: list[SummaryCluster]) -> None:
    for cluster in clusters:
        assert cluster.documents and cluster.reference.strip(), cluster.id
        assert all(doc.text.strip() for doc in cluster.documents), cluster.id
        assert all("  " not in doc.text and "\n\n\n" not in doc.text for doc in cluster.documents), cluster.id


def test_the_multinews_sample_loads_250_clusters_with_text_and_dashless_references():
    clusters = load_clusters(need(DATA / "multinews" / "validation_250.csv"), "multinews")
    assert len(clusters) == 250
    assert [c.id for c in clusters[:3]] == ["0", "1", "2"]
    assert_usable(clusters)
    assert not any(c.reference.startswith("–") for c in clusters)
    assert all(" \n" not in doc.text and "\n " not in doc.text for c in clusters for doc in c.documents)


def test_the_neus_validation_split_loads_307_clusters_with_titles_and_roundups():
    clusters = load_clusters(need(DATA / "neus" / "val.source"), "neus")
    assert len(clusters) == 307
    assert_usable(clusters)
    assert all(2 <= len(c.documents) <= 3 for c in clusters)
    assert all(doc.title and "TITLE=>" not in doc.title for c in clusters for doc in c.documents)
    assert not any("TITLE=>" in c.reference or "ARTICLE=>" in c.reference for c in clusters)


# -- baselines -----------------------------------------------------------------


def test_lead_takes_sentences_round_robin_until_the_word_budget_is_reached():
    pool = [["a1 a1.", "a2 a2.", "a3 a3."], ["b1 b1."], ["c1 c1.", "  ", "c3 c3."]]
    assert lead(pool, 7) == [(0, 0), (1, 0), (2, 0), (0, 1)]  # 8 words: the last sentence crosses 7
    assert lead(pool, 8) == [(0, 0), (1, 0), (2, 0), (0, 1)]
    # the empty sentence is never chosen; the pool runs out before 100 words
    assert lead(pool, 100) == [(0, 0), (1, 0), (2, 0), (0, 1), (0, 2), (2, 2)]
    assert lead(pool, 0) == [] and lead([], 10) == []


LEXRANK_POOL = [
    ["Heavy rain hit the coast overnight.", "The storm flooded the city centre.", "A bakery sold bread."],
    [
        "Jazz fans gathered downtown.",
        "Officials said the storm flooded the city centre and closed roads near the river.",
    ],
    ["Roads near the river were closed.", "Tickets sold out quickly."],
    ["Officials said the storm flooded the city centre.", "Schools reopen next week."],
]


def test_lexrank_starts_with_the_sentence_most_similar_to_the_others_and_skips_near_duplicates():
    chosen = lexrank(LEXRANK_POOL, 30)
    # (1, 1) shares words with three other sentences: it is the most central
    assert chosen[0] == (1, 1)
    # its near-copies (0, 1) and (3, 0) and its second half (2, 0) are skipped while others fill the budget
    assert not {(0, 1), (3, 0), (2, 0)} & set(chosen)
    assert sum(len(LEXRANK_POOL[d][i].split()) for d, i in chosen) >= 30
    assert lexrank(LEXRANK_POOL, 30) == chosen  # deterministic
    # only when the distinct sentences run out are the skipped ones added, last
    everything = lexrank(LEXRANK_POOL, 1000)
    assert len(everything) == 9 and set(everything[-3:]) == {(0, 1), (3, 0), (2, 0)}
    assert lexrank([[]], 10) == [] and lexrank(LEXRANK_POOL, 0) == []


def test_truncate_gives_exactly_n_words():
    sentences = ["One two three.", "Four\nfive  six.", "Seven."]
    assert truncate(sentences, 5) == "One two three. Four five"
    assert len(truncate(sentences, 7).split()) == 7
    assert truncate(sentences, 50) == "One two three. Four five six. Seven."
    assert truncate(sentences, 0) == ""


# -- ROUGE ---------------------------------------------------------------------


def test_rouge_is_100_for_identical_text_and_0_for_disjoint_text():
    text = "The storm flooded the city centre on Monday."
    assert rouge(text, text) == pytest.approx({"rouge1": 100.0, "rouge2": 100.0, "rougeL": 100.0})
    assert rouge("Apples grow in orchards.", text) == {"rouge1": 0.0, "rouge2": 0.0, "rougeL": 0.0}
    # stemming: "flooding" matches "flooded"
    assert rouge("storm flooding", "storm flooded")["rouge1"] == pytest.approx(100.0)


def test_mean_scores_averages_each_metric_to_two_decimals():
    scores = [{"rouge1": 10.0, "rouge2": 1.0, "rougeL": 5.0}, {"rouge1": 20.0, "rouge2": 2.0, "rougeL": 6.333}]
    assert mean_scores(scores) == {"rouge1": 15.0, "rouge2": 1.5, "rougeL": 5.67}
    with pytest.raises(ValueError, match="no scores"):
        mean_scores([])
