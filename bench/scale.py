"""Articles per second for ingest → cluster → facts: the local pool, and 1 and 2 Dask workers; SQLite and PostgreSQL.

    python bench/scale.py [--articles 300] [--per-file 10] [--postgres postgresql://postgres@127.0.0.1:5432]

The corpus is the first ARTICLES ECB+ dev articles (../shared/data beside the repository),
written as files of PER-FILE articles each (a folder of inputs, so that file extraction
has files to spread over workers). For each store and each way of running, a fresh store:

    ingest    read the files, extract, store                          (per file: on workers with Dask)
    cluster   embed, MinHash, dedupe and cluster into stories        (vectors and MinHash on workers)
    facts     sentences, entities, quotes, figures, times, statements (per batch: on workers)

and prints seconds per stage and articles/s for the whole road. The Dask scheduler and
workers (``dask worker --nthreads 1``) are started here on 127.0.0.1 and warmed up first
(each worker loads its models once, as a running desk's do); the local pool spawns its
facts processes each run (as ``newsdesk facts`` does). Also printed: clustering alone once
vectors are stored (one ordered consumer, always in this process).

PostgreSQL rows need a server (a fresh database is created and dropped for each run) and a
build of newsdesk whose store speaks PostgreSQL; otherwise the rows say why they are missing.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ECB = REPO.parent / "shared" / "data" / "ecbplus" / "dev.jsonl"
BIN = Path(sys.executable).parent

from newsdesk import distributed, pipeline  # noqa: E402
from newsdesk.dask_local import LocalCluster  # noqa: E402
from newsdesk.eval.datasets import load, to_jsonl_records  # noqa: E402
from newsdesk.facts import FactsStage  # noqa: E402
from newsdesk.settings import load_settings  # noqa: E402
from newsdesk.store import Store  # noqa: E402
from newsdesk.stories import StoryDesk, ensure_vectors, make_embedder  # noqa: E402


def write_corpus(folder: Path, articles: int, per_file: int) -> int:
    records = list(to_jsonl_records(load(ECB, "ecbplus")))[:articles]
    folder.mkdir(parents=True, exist_ok=True)
    for start in range(0, len(records), per_file):
        lines = (json.dumps(r, ensure_ascii=False) for r in records[start : start + per_file])
        (folder / f"part-{start // per_file:04d}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(records)


@contextmanager
def fresh_store(kind: str, tmp: Path, server: str):
    if kind == "sqlite":
        path = tmp / f"{uuid.uuid4().hex[:8]}.db"
        with Store(path) as store:
            yield str(path), store
        return
    import psycopg

    name = f"newsdesk_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(f"{server}/postgres", autocommit=True, connect_timeout=5) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        url = f"{server}/{name}"
        with Store(url) as store:
            yield url, store
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True, connect_timeout=5) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def postgres_missing(server: str) -> str | None:
    """Why the PostgreSQL rows cannot run (None when they can)."""
    try:
        from newsdesk.store import is_postgres  # noqa: F401  (the store speaks PostgreSQL in this build)
        import psycopg
    except ImportError:
        return "not available in this build"
    try:
        psycopg.connect(f"{server}/postgres", connect_timeout=5).close()
    except Exception as exc:  # noqa: BLE001
        return f"no server at {server} ({' '.join(str(exc).split())[:80]})"
    return None


def run_once(corpus: Path, kind: str, tmp: Path, server: str, scheduler: str | None) -> dict:
    with fresh_store(kind, tmp, server) as (db, store):
        settings = load_settings(tmp / "none.toml", env={}, db=db, dask_scheduler=scheduler)
        times = {}
        started = time.perf_counter()
        report = pipeline.ingest([str(corpus)], store, settings)
        times["ingest"] = time.perf_counter() - started
        mark = time.perf_counter()
        StoryDesk(store, settings, make_embedder(settings)).run()
        times["cluster"] = time.perf_counter() - mark
        mark = time.perf_counter()
        FactsStage.for_settings(store, settings).run()
        times["facts"] = time.perf_counter() - mark
        times["total"] = time.perf_counter() - started
        times["articles"] = len(report.added)
        times["stories"] = len(store.list_stories())
        return times


def clustering_alone(corpus: Path, tmp: Path, server: str) -> tuple[int, float, float]:
    """Articles, seconds to embed them, and seconds to cluster them once their vectors are stored."""
    with fresh_store("sqlite", tmp, server) as (db, store):
        settings = load_settings(tmp / "none.toml", env={}, db=db)
        pipeline.ingest([str(corpus)], store, settings)
        embedder = make_embedder(settings)
        articles = store.unclustered_articles()
        started = time.perf_counter()
        ensure_vectors(store, embedder, articles)
        embedding = time.perf_counter() - started
        started = time.perf_counter()
        StoryDesk(store, settings, embedder).run()
        return len(articles), embedding, time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--per-file", type=int, default=10)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432", help="PostgreSQL server (no database name)")
    parser.add_argument("--stores", default="sqlite,postgres")
    args = parser.parse_args()
    if not ECB.exists():
        print(f"{ECB} is absent: the shared corpora live in ../shared beside the repository", file=sys.stderr)
        return 2
    server = args.postgres.rstrip("/")
    with tempfile.TemporaryDirectory(prefix="newsdesk-scale-") as tmp_name:
        tmp = Path(tmp_name)
        (tmp / "none.toml").write_text("")
        corpus = tmp / "corpus"
        total = write_corpus(corpus, args.articles, args.per_file)
        warm = tmp / "warm"
        write_corpus(warm, 40, args.per_file)
        print(f"{total} ECB+ dev articles in {len(list(corpus.iterdir()))} files; {os.cpu_count()} cores\n")
        stores = args.stores.split(",")
        missing = {"postgres": postgres_missing(server)} if "postgres" in stores else {}
        rows = []
        for mode, workers in (("local pool", 0), ("Dask, 1 worker", 1), ("Dask, 2 workers", 2)):
            cluster = LocalCluster(workers, tmp / f"dask{workers}", paths=(REPO / "src",)) if workers else None
            try:
                scheduler = cluster.address if cluster else None
                if cluster:
                    run_once(warm, "sqlite", tmp, server, scheduler)  # each worker loads its models once
                for kind in stores:
                    if missing.get(kind):
                        rows.append((kind, mode, None))
                        continue
                    rows.append((kind, mode, run_once(corpus, kind, tmp, server, scheduler)))
                    print(f"  done: {kind}, {mode}", file=sys.stderr)
            finally:
                if cluster:
                    distributed.close_all()  # this process's client of that scheduler
                    cluster.stop()
        print(f"{'store':<10} {'how':<16} {'articles':>8} {'stories':>7} {'ingest s':>8} {'cluster s':>9} {'facts s':>8} {'total s':>8} {'articles/s':>10}")
        for kind, mode, t in rows:
            if t is None:
                print(f"{kind:<10} {mode:<16} PostgreSQL: {missing[kind]}")
                continue
            print(f"{kind:<10} {mode:<16} {t['articles']:>8} {t['stories']:>7} {t['ingest']:>8.1f} {t['cluster']:>9.1f} "
                  f"{t['facts']:>8.1f} {t['total']:>8.1f} {t['articles'] / t['total']:>10.1f}")
        n, embedding, clustering = clustering_alone(corpus, tmp, server)
        print(f"\nclustering alone, once vectors exist (one ordered consumer, this process): {n} articles in {clustering:.1f} s "
              f"= {n / clustering:.0f} articles/s (embedding them first took {embedding:.1f} s = {n / embedding:.0f} articles/s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
