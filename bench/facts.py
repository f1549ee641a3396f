"""Time and memory of the facts stage on full-text news, and of reconciling stories.

    python bench/facts.py [--articles 1000] [--processes 2]

Prints, on this machine:
  1. seconds to read the facts of 1,000 ECB+ articles (the 772 dev articles, then
     the first ones again under new ids), spaCy parsing included, with the number of
     worker processes used, articles/s and peak memory (this process and one worker);
  2. what was found per article on average (sentences, mentions, quotes, figures,
     times, statements);
  3. seconds to reconcile the five largest ECB+ stories once their facts are stored
     (statement embeddings included), and again with the embeddings stored.

Reads ../shared/data beside the repository.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ECB = REPO.parent / "shared" / "data" / "ecbplus" / "dev.jsonl"

from newsdesk import pipeline  # noqa: E402
from newsdesk.eval.datasets import load, to_jsonl_records  # noqa: E402
from newsdesk.facts import FACTS_VERSION, FactsStage  # noqa: E402
from newsdesk.facts.model import ArticleFacts  # noqa: E402
from newsdesk.facts.story import reconcile_story  # noqa: E402
from newsdesk.settings import load_settings  # noqa: E402
from newsdesk.store import Store  # noqa: E402
from newsdesk.stories import StoryDesk, make_embedder  # noqa: E402


def peak_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--processes", type=int, default=2)
    args = parser.parse_args()
    if not ECB.exists():
        print(f"{ECB} is absent: the shared corpora live in ../shared beside the repository", file=sys.stderr)
        return 2
    records = list(to_jsonl_records(load(ECB, "ecbplus")))
    corpus = []
    while len(corpus) < args.articles:
        n = len(corpus) // len(records)
        # new id, outlet and URL per copy: the store refuses the same article twice
        corpus += [
            dict(r, id=f"{r['id']}#{n}", source=f"{r.get('source') or 'outlet'} #{n}", url=f"{r['url']}?copy={n}" if r.get("url") else None)
            if n else r
            for r in records
        ]
    corpus = corpus[: args.articles]
    with tempfile.TemporaryDirectory(prefix="newsdesk-bench-") as tmp:
        path = Path(tmp) / "corpus.jsonl"
        path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in corpus), encoding="utf-8")
        settings = load_settings(env={}, db=str(Path(tmp) / "bench.db"))
        with Store(settings.db_path) as store:
            report = pipeline.ingest([str(path)], store, settings)
            if len(report.added) != len(corpus):  # ECB+ holds a few texts twice: the store keeps one
                print(f"({len(report.added)} of {len(corpus)} articles stored; the rest repeat a stored text)")
            stage = FactsStage(store, processes=args.processes)
            started = time.perf_counter()
            done = stage.run()
            seconds = time.perf_counter() - started
            print(f"facts: {done} articles in {seconds:.1f} s ({done / seconds:.1f} articles/s, "
                  f"{seconds / done * 1000:.1f} s per 1,000) with {args.processes} process(es); "
                  f"peak RSS {peak_mb(resource.RUSAGE_SELF):.0f} MB here, {peak_mb(resource.RUSAGE_CHILDREN):.0f} MB per worker")
            stored = [ArticleFacts.from_dict(json.loads(b)) for b in store.facts([r["id"] for r in corpus], FACTS_VERSION).values()]
            parts = ArticleFacts.PARTS
            means = {name: sum(len(getattr(f, name)) for f in stored) / len(stored) for name in parts}
            print("per article: " + ", ".join(f"{means[name]:.1f} {name}" for name in parts))

            embedder = make_embedder(settings)
            StoryDesk(store, settings, embedder).run()
            biggest = sorted(store.list_stories(), key=lambda s: -s["articles"])[:5]
            for label in ("first", "again"):
                started = time.perf_counter()
                for story in biggest:
                    reconcile_story(store, settings, story["id"], embedder=embedder)
                seconds = time.perf_counter() - started
                sizes = "/".join(str(s["articles"]) for s in biggest)
                print(f"reconcile ({label}): 5 largest stories ({sizes} articles) in {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
