"""Evaluation parts: B-cubed and ARI on hand-worked examples, the corpus loaders, the TF-IDF baseline."""

from __future__ import annotations

import json
import random
from datetime import datetime, timezone
from pathlib import Path

import pytest
from conftest import DATA, need

from newsdesk.eval.baseline import DEFAULT_THRESHOLD, tfidf_matrix, tfidf_single_pass
from newsdesk.eval.datasets import EvalDoc, detect_format, detokenise, load, to_jsonl_records
from newsdesk.eval.metrics import adjusted_rand_index, bcubed

ECBPLUS = DATA / "ecbplus" / "dev.jsonl"
NEWSWCL50 = DATA / "newswcl50" / "newswcl50_docs.jsonl"
UCI = DATA / "uci_headlines" / "uci-news-aggregator_first6366rows.csv"


# -- metrics -------------------------------------------------------------------


def test_perfect_clustering_scores_one_whatever_the_label_names():
    gold = ["a", "a", "b", "c", "c", "c"]
    pred = [7, 7, 3, 9, 9, 9]
    assert bcubed(gold, pred) == (1.0, 1.0, 1.0)
    assert adjusted_rand_index(gold, pred) == 1.0


def test_bcubed_hand_worked_example():
    # gold a a a b b, pred 1 1 2 2 2. Cells: (a,1)=2, (a,2)=1, (b,2)=2; |1|=2, |2|=3, |a|=3, |b|=2.
    # precision per item: 1, 1, 1/3, 2/3, 2/3 -> 11/3 / 5 = 11/15
    # recall per item:  2/3, 2/3, 1/3, 1, 1   -> 11/3 / 5 = 11/15
    p, r, f = bcubed(list("aaabb"), [1, 1, 2, 2, 2])
    assert p == pytest.approx(11 / 15) and r == pytest.approx(11 / 15) and f == pytest.approx(11 / 15)


def test_bcubed_all_in_one_and_all_singletons():
    gold = list("aaaabbc")
    # one cluster: precision (4*4/7 + 2*2/7 + 1*1/7) / 7 = 21/49 = 3/7, recall 1, F1 = (6/7) / (10/7) = 0.6
    assert bcubed(gold, [0] * 7) == pytest.approx((3 / 7, 1.0, 0.6))
    # singletons: precision 1, recall (4*1/4 + 2*1/2 + 1) / 7 = 3/7, F1 0.6
    assert bcubed(gold, list(range(7))) == pytest.approx((1.0, 3 / 7, 0.6))


def test_bcubed_prefers_a_rag_bag_to_polluting_a_clean_cluster():
    # Amigó et al. (2009), constraint 3. Gold: a clean story a×4 and three unrelated items x, y, z.
    gold = ["a", "a", "a", "a", "x", "y", "z"]
    # x put into the clean cluster: P = (4*4/5 + 1/5 + 1/2 + 1/2) / 7 = 4.4/7, R = 1, F1 = 0.7719
    polluted = bcubed(gold, [1, 1, 1, 1, 1, 2, 2])
    # x put into the rag bag with y, z: P = (4 + 3 * 1/3) / 7 = 5/7, R = 1, F1 = 10/12
    rag_bag = bcubed(gold, [1, 1, 1, 1, 2, 2, 2])
    assert polluted[2] == pytest.approx(2 * (4.4 / 7) / (1 + 4.4 / 7))
    assert rag_bag[2] == pytest.approx(10 / 12)
    assert rag_bag[2] > polluted[2]


def test_ari_hand_worked_example():
    # gold a a a b b b, pred 1 1 2 2 3 3. Cells (a,1)=2 (a,2)=1 (b,2)=1 (b,3)=2: index = 1 + 0 + 0 + 1 = 2.
    # gold pairs 3 + 3 = 6, pred pairs 1 + 1 + 1 = 3, C(6,2) = 15, expected = 6*3/15 = 1.2, max = 4.5.
    # ARI = (2 - 1.2) / (4.5 - 1.2) = 0.8 / 3.3
    assert adjusted_rand_index(list("aaabbb"), [1, 1, 2, 2, 3, 3]) == pytest.approx(0.8 / 3.3)


def test_ari_degenerate_clusterings():
    assert adjusted_rand_index([0] * 5, ["x"] * 5) == 1.0  # both one cluster
    assert adjusted_rand_index(list(range(5)), list("abcde")) == 1.0  # both all singletons
    assert adjusted_rand_index(["a"], [1]) == 1.0  # one item
    assert adjusted_rand_index([0] * 5, list(range(5))) == 0.0  # one cluster against singletons
    assert adjusted_rand_index(list("aabb"), [0, 0, 0, 0]) == 0.0  # chance level


def test_metrics_refuse_misaligned_or_empty_input():
    with pytest.raises(ValueError, match="aligned"):
        bcubed([1, 2, 3], [1, 2])
    with pytest.raises(ValueError, match="aligned"):
        adjusted_rand_index([1, 2, 3], [1, 2])
    with pytest.raises(ValueError, match="empty"):
        bcubed([], [])


def _pair_counting_ari(gold, pred) -> float:
    """ARI from pair counts over all O(n²) pairs: an independent check of the contingency formula."""
    tp = fp = fn = tn = 0
    for i in range(len(gold)):
        for j in range(i + 1, len(gold)):
            same_gold, same_pred = gold[i] == gold[j], pred[i] == pred[j]
            tp += same_gold and same_pred
            fn += same_gold and not same_pred
            fp += same_pred and not same_gold
            tn += not same_gold and not same_pred
    return 2 * (tp * tn - fn * fp) / ((tp + fn) * (fn + tn) + (tp + fp) * (fp + tn))


def test_ari_agrees_with_pair_counting_and_sklearn_on_random_labellings():
    rng = random.Random(7)
    labellings = [
        ([rng.randrange(k) for _ in range(60)], [rng.randrange(m) for _ in range(60)])
        for k, m in [(2, 3), (5, 5), (10, 4), (20, 30)]
    ]
    for gold, pred in labellings:
        assert adjusted_rand_index(gold, pred) == pytest.approx(_pair_counting_ari(gold, pred))
    try:
        from sklearn.metrics import adjusted_rand_score
    except ImportError:
        return  # the pair-counting check above stands alone
    for gold, pred in labellings:
        assert adjusted_rand_index(gold, pred) == pytest.approx(adjusted_rand_score(gold, pred))


# -- datasets ------------------------------------------------------------------


def test_treebank_tokens_read_back_as_running_text():
    tokenised = ("Mara Lind , 41 , said `` the fund raised 20 , 000 euros ( 3 . 5 % ) '' ; "
                 "the club 's chair did n't comment .\n\" We will appeal , '' he said .")
    assert detokenise(tokenised) == (
        "Mara Lind, 41, said “the fund raised 20,000 euros (3.5%)”; the club's chair didn't comment.\n"
        "“We will appeal,” he said.")


def test_ecbplus_loads_772_docs_in_66_events_in_file_order():
    docs = load(need(ECBPLUS), "ecbplus")
    assert len(docs) == 772
    assert len({doc.label for doc in docs}) == 66
    assert docs[0].id == "1/1ecb/1" and docs[0].label == "1ecb"
    assert docs[0].title == "Another day in Hollywood; another star in rehab."  # the first line, detokenised
    assert docs[0].text.startswith("Word comes from People magazine")
    assert all(doc.published is None and doc.source is None and doc.title for doc in docs)
    assert detect_format(ECBPLUS) == "ecbplus"


def test_newswcl50_loads_50_docs_in_10_events_with_outlet_leanings():
    docs = load(need(NEWSWCL50), "newswcl50")
    assert len(docs) == 50
    assert len({doc.label for doc in docs}) == 10
    assert {doc.source for doc in docs} == {"LL", "L", "M", "R", "RR"}
    assert docs[0].id == "0/-/0_L" and docs[0].label == "0"
    assert not any("\\n" in doc.title + doc.text for doc in docs)  # the escaped paragraph marks are gone
    assert detect_format(NEWSWCL50) == "newswcl50"


def test_uci_headlines_load_as_a_time_ordered_stream():
    docs = load(need(UCI), "uci")
    assert len(docs) == 6366
    assert len({doc.label for doc in docs}) == 87
    times = [doc.published for doc in docs]
    assert all(t is not None and t.tzinfo is not None for t in times)
    assert times == sorted(times)
    assert times[0] == datetime(2014, 3, 10, 16, 52, 50, 698000, tzinfo=timezone.utc)
    first = docs[0]
    assert first.title == "Fed official says weak data caused by weather, should not slow taper"
    assert (first.text, first.source, first.label) == ("", "Los Angeles Times", "ddUyU0VZz0BRneMioxUPQVP6sIxvM")
    assert detect_format(UCI) == "uci"


def _write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def test_generic_jsonl_sorts_by_time_and_round_trips(tmp_path):
    records = [
        {"id": "late", "title": "Bridge reopens", "text": "Traffic flows again.", "label": "bridge",
         "published": "2024-05-02T09:00:00Z", "source": "Harbour Post"},
        {"id": "early", "title": "Bridge closed", "text": "A crack was found.", "label": "bridge",
         "published": "2024-05-01T08:00:00+00:00"},
        {"id": "timeless", "title": "Festival dates", "text": "", "label": "festival"},
    ]
    path = _write_jsonl(tmp_path / "mine.jsonl", records)
    assert detect_format(path) == "jsonl"
    docs = load(path, "jsonl")
    assert [doc.id for doc in docs] == ["early", "late", "timeless"]  # by time, the untimed one last
    assert docs[1] == EvalDoc("late", "Bridge reopens", "Traffic flows again.", "bridge",
                              datetime(2024, 5, 2, 9, tzinfo=timezone.utc), "Harbour Post")
    again = load(_write_jsonl(tmp_path / "again.jsonl", to_jsonl_records(docs)), "jsonl")
    assert again == docs


def test_a_line_without_a_label_is_an_error_naming_the_line(tmp_path):
    path = _write_jsonl(tmp_path / "nolabel.jsonl", [
        {"id": "1", "title": "One", "text": "x", "label": "s"},
        {"id": "2", "title": "Two", "text": "y"},
    ])
    with pytest.raises(ValueError, match=r"nolabel\.jsonl:2: no 'label'"):
        load(path, "jsonl")


def test_unknown_format_and_mismatched_files_are_clear_errors(tmp_path):
    path = _write_jsonl(tmp_path / "generic.jsonl", [{"id": "1", "title": "One", "text": "x", "label": "s"}])
    with pytest.raises(ValueError, match="unknown evaluation format 'xml'"):
        load(path, "xml")
    with pytest.raises(ValueError, match=r"generic\.jsonl:1: no 'doc_id', 'event'.* ecbplus"):
        load(path, "ecbplus")
    with pytest.raises(ValueError, match="not the UCI News Aggregator CSV"):
        load(path, "uci")
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"label": "a"}\nnot json\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"broken\.jsonl:2: not a JSON object"):
        load(broken, "jsonl")


# -- baseline ------------------------------------------------------------------

_FERRY = [
    "Ferry runs aground off Kestrel Island, passengers safe",
    "All 212 ferry passengers rescued after the ferry ran aground near Kestrel Island",
    "Coastguard investigates why the Kestrel Island ferry ran aground in calm weather",
]
_ORCHARD = [
    "Late frost destroys apple blossom across Marlow Valley orchards",
    "Marlow Valley apple growers count frost losses as blossom is wiped out",
    "Frost in Marlow Valley: orchards expect the smallest apple harvest in decades",
]


def _tiny_corpus() -> list[EvalDoc]:
    stories = [("ferry", t) for t in _FERRY] + [("orchard", t) for t in _ORCHARD]
    order = [0, 3, 1, 4, 2, 5]  # the two stories interleaved, as a stream would bring them
    return [EvalDoc(f"d{i}", stories[i][1], "", stories[i][0], None, None) for i in order]


def test_baseline_puts_each_story_together_and_apart_from_the_other():
    docs = _tiny_corpus()
    pred = tfidf_single_pass(docs)
    assert pred == [0, 1, 0, 1, 0, 1]
    assert bcubed([doc.label for doc in docs], pred) == (1.0, 1.0, 1.0)


def test_baseline_is_deterministic_and_handles_edge_cases():
    docs = _tiny_corpus()
    assert tfidf_single_pass(docs) == tfidf_single_pass(docs)
    assert tfidf_single_pass([]) == []
    wordless = EvalDoc("z", "!!!", "", "none", None, None)
    assert tfidf_single_pass([wordless, *docs, wordless]) == [0, 1, 2, 1, 2, 1, 2, 3]
    assert tfidf_single_pass(docs, threshold=1.01) == list(range(6))  # nothing is similar enough
    assert tfidf_single_pass(docs, threshold=-1.0) == [0] * 6  # everything joins the first cluster


def test_tfidf_matches_sklearn_sublinear_tfidf():
    sklearn_text = pytest.importorskip("sklearn.feature_extraction.text")
    texts = _FERRY + _ORCHARD + ["the the the ferry", ""]
    ours = tfidf_matrix(texts)
    theirs = sklearn_text.TfidfVectorizer(sublinear_tf=True).fit_transform(texts)
    assert abs((ours @ ours.T).toarray() - (theirs @ theirs.T).toarray()).max() < 1e-12


def test_baseline_on_ecbplus_scores_what_its_docstring_says():
    docs = load(need(ECBPLUS), "ecbplus")
    _, _, f1 = bcubed([doc.label for doc in docs], tfidf_single_pass(docs, DEFAULT_THRESHOLD))
    assert f1 == pytest.approx(0.828, abs=0.005)
