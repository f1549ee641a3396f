"""Throughput and memory of ingest → story, and how the cost per article grows with the store.

    python bench/cluster.py [--sizes 1000,10000,50000] [--skip-growth]

Prints, on this machine:
  1. full-text articles/s from ingest to story (ECB+ dev, 772 articles) and peak memory;
  2. headlines/s from ingest to story (UCI, 6,366 headlines) and peak memory;
  3. seconds per 1,000 new articles when the store already holds 1k, 10k and 50k articles.

For (3) the big stores are built by replicating the clustered ECB+ dev store with new ids
and dates 30 days apart (vectors copied, not recomputed), then 1,000 more replicated
articles are ingested and clustered and timed. Reads ../shared/data beside the repository.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data"
ECB = DATA / "ecbplus" / "dev.jsonl"
UCI = DATA / "uci_headlines" / "uci-news-aggregator_first6366rows.csv"

from newsdesk import pipeline  # noqa: E402
from newsdesk.eval.datasets import load, to_jsonl_records  # noqa: E402
from newsdesk.settings import load_settings  # noqa: E402
from newsdesk.store import Store  # noqa: E402
from newsdesk.stories import StoryDesk, make_embedder  # noqa: E402

EPOCH = datetime(2020, 1, 1, tzinfo=timezone.utc)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def write_jsonl(records: list[dict], path: Path) -> Path:
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records), encoding="utf-8")
    return path


def replica(records: list[dict], n: int, count: int | None = None) -> list[dict]:
    """The records with new ids, publishers and dates shifted by 30 days per replica."""
    out = []
    for i, record in enumerate(records[: count or len(records)]):
        # another publisher per replica: the same text from the same publisher would be refused as a repeat
        shifted = dict(record, id=f"r{n}-{record['id']}", source=f"{record.get('source') or 'outlet'} #{n}")
        if shifted.get("url"):
            shifted["url"] = f"{shifted['url']}?replica={n}"  # the same URL would be refused as a repeat
        shifted["published"] = (EPOCH + timedelta(days=30 * n, minutes=i)).isoformat()
        out.append(shifted)
    return out


def ingest_and_cluster(store: Store, settings, embedder, path: Path) -> tuple[int, float]:
    started = time.perf_counter()
    report = pipeline.ingest([str(path)], store, settings)
    StoryDesk(store, settings, embedder).run()
    return len(report.added), time.perf_counter() - started


def throughput(label: str, source: Path, fmt: str, embedder, tmp: Path) -> None:
    records = to_jsonl_records(load(source, fmt))
    path = write_jsonl(records, tmp / f"{fmt}.jsonl")
    settings = load_settings(env={}, db=str(tmp / f"{fmt}.db"))
    with Store(settings.db_path) as store:
        added, seconds = ingest_and_cluster(store, settings, embedder, path)
    print(f"{label:<28} {added:>6} articles  {seconds:7.1f} s  {added / seconds:8.1f} articles/s  peak RSS {peak_mb():7.0f} MB")


def copy_store(base: Path, target: Path, replicas: int) -> None:
    """A store holding ``replicas`` copies of the base store's clustered articles (SQL, for speed)."""
    shutil.copy(base, target)
    import sqlite3

    conn = sqlite3.connect(target)
    with conn:
        top = conn.execute("SELECT max(id) FROM stories").fetchone()[0]
        for n in range(1, replicas):
            shift = f"+{30 * n} days"
            conn.execute(
                f"""INSERT INTO articles (id, source, url, canonical_url, title, dek, byline, teaser, summary, published,
                      fetched, language, text, content_hash, label, feed_id, input, extra)
                    SELECT 'c{n}-' || id, source, url || '?copy={n}', canonical_url, title, dek, byline, teaser, summary,
                      strftime('%Y-%m-%dT%H:%M:%S+00:00', published, '{shift}'), fetched, language, text,
                      content_hash || '-{n}', label, feed_id, input, extra FROM articles WHERE id NOT LIKE 'c%-%'"""
            )
            conn.execute(
                f"INSERT INTO article_vectors SELECT 'c{n}-' || article_id, model, vector FROM article_vectors WHERE article_id NOT LIKE 'c%-%'"
            )
            conn.execute(
                f"""INSERT INTO stories (id, created_at, first_seen, last_seen, headline, merged_into, centroid)
                    SELECT id + {top * n}, created_at, strftime('%Y-%m-%dT%H:%M:%S+00:00', first_seen, '{shift}'),
                      strftime('%Y-%m-%dT%H:%M:%S+00:00', last_seen, '{shift}'), headline,
                      CASE WHEN merged_into IS NULL THEN NULL ELSE merged_into + {top * n} END, centroid
                    FROM stories WHERE id <= {top}"""
            )
            conn.execute(
                f"""INSERT INTO article_origins SELECT 'c{n}-' || article_id, level,
                      CASE WHEN of_article IS NULL THEN NULL ELSE 'c{n}-' || of_article END, 'c{n}-' || origin,
                      similarity, evidence, minhash FROM article_origins WHERE article_id NOT LIKE 'c%-%'"""
            )
            conn.execute(
                f"""INSERT INTO story_articles SELECT 'c{n}-' || article_id, story_id + {top * n}, score, assigned_at
                    FROM story_articles WHERE article_id NOT LIKE 'c%-%'"""
            )
    conn.close()


def growth(sizes: list[int], embedder, tmp: Path) -> None:
    records = to_jsonl_records(load(ECB, "ecbplus"))
    base_settings = load_settings(env={}, db=str(tmp / "base.db"))
    with Store(base_settings.db_path) as store:
        ingest_and_cluster(store, base_settings, embedder, write_jsonl(replica(records, 0), tmp / "base.jsonl"))
    per = len(records)
    for size in sizes:
        db = tmp / f"grown-{size}.db"
        replicas = max(1, round(size / per))
        copy_store(tmp / "base.db", db, replicas)
        settings = load_settings(env={}, db=str(db))
        new = write_jsonl(replica(records, replicas + 1, 1000) + replica(records, replicas + 2, 228), tmp / f"new-{size}.jsonl")
        with Store(db) as store:
            held = store.count_articles()
            # vectors for the new articles are computed here too: embedding is part of the cost per article
            added, seconds = ingest_and_cluster(store, settings, embedder, new)
        print(f"store holds {held:>6} articles: {seconds / added * 1000:6.1f} s per 1,000 new articles ({added} added)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000,50000", help="store sizes for the growth test")
    parser.add_argument("--skip-growth", action="store_true", help="only the throughput figures")
    args = parser.parse_args()
    if not DATA.exists():
        sys.exit(f"{DATA} is absent: the benchmark reads the shared corpora beside the repository")
    with tempfile.TemporaryDirectory(prefix="newsdesk-bench-") as tmp_name:
        tmp = Path(tmp_name)
        started = time.perf_counter()
        embedder = make_embedder(load_settings(env={}))
        embedder.encode(["warm up"])
        print(f"model loaded in {time.perf_counter() - started:.1f} s ({embedder.model_version}), peak RSS {peak_mb():.0f} MB")
        throughput("full text (ECB+ dev)", ECB, "ecbplus", embedder, tmp)
        throughput("headlines (UCI)", UCI, "uci", embedder, tmp)
        if not args.skip_growth:
            growth([int(s) for s in args.sizes.split(",")], embedder, tmp)


if __name__ == "__main__":
    main()
