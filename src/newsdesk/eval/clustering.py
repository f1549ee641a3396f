"""``newsdesk eval clustering``: story clustering measured against gold labels.

The input is ingested into a fresh temporary store through the normal ingest path,
then dedupe and clustering run in the input's time order with the given settings.
Documents the store refuses as repeats (the same text from the same publisher) take
the story of the article they repeat. The TF-IDF single-pass baseline runs on the
same documents in the same process, so the two are comparable.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path
from typing import Any

from newsdesk import pipeline
from newsdesk.eval.baseline import DEFAULT_THRESHOLD, tfidf_single_pass
from newsdesk.eval.datasets import load, to_jsonl_records
from newsdesk.eval.metrics import adjusted_rand_index, bcubed
from newsdesk.settings import Settings
from newsdesk.store import Store
from newsdesk.stories import StoryDesk, make_embedder


def scores(gold: list[str], pred: list[Any]) -> dict[str, float]:
    p, r, f = bcubed(gold, pred)
    return {
        "clusters": len(set(pred)),
        "b3_precision": round(p, 4),
        "b3_recall": round(r, 4),
        "b3_f1": round(f, 4),
        "ari": round(adjusted_rand_index(gold, pred), 4),
    }


def evaluate_clustering(path: Path, fmt: str, settings: Settings, *, embedder=None) -> dict[str, Any]:
    docs = load(path, fmt)
    gold = [d.label for d in docs]
    embedder = embedder or make_embedder(settings)
    with tempfile.TemporaryDirectory(prefix="newsdesk-eval-") as tmp:
        records = Path(tmp) / "input.jsonl"
        with records.open("w", encoding="utf-8") as fh:
            for record in to_jsonl_records(docs):
                fh.write(json.dumps(record, ensure_ascii=False) + "\n")
        run_settings = settings.replace(db=str(Path(tmp) / "eval.db"))
        with Store(run_settings.db_path) as store:
            started = time.perf_counter()
            report = pipeline.ingest([str(records)], store, run_settings)
            StoryDesk(store, run_settings, embedder).run()
            seconds = time.perf_counter() - started
            labels = store.story_labels()
        repeats = {d.input.rsplit(":", 1)[-1]: d.article_id for d in report.duplicates}
    pred = []
    for line, doc in enumerate(docs, 1):
        article_id = doc.id if doc.id in labels else repeats.get(str(line))
        pred.append(labels.get(article_id, f"missing:{doc.id}"))
    started = time.perf_counter()
    baseline = tfidf_single_pass(docs, DEFAULT_THRESHOLD)
    baseline_seconds = time.perf_counter() - started
    result = {"format": fmt, "articles": len(docs), "gold_clusters": len(set(gold)), **scores(gold, pred)}
    result.update(
        seconds=round(seconds, 2),
        articles_per_s=round(len(docs) / seconds, 1) if seconds else None,
        failures=len(report.failures),
        baseline={"method": f"tfidf-single-pass@{DEFAULT_THRESHOLD}", **scores(gold, baseline), "seconds": round(baseline_seconds, 2)},
    )
    return result
