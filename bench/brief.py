"""Time to write and gate the brief of a 20-article story once its facts exist.

    python bench/brief.py [--articles 20] [--repeat 5]

Builds a store from ECB+ dev (../shared/data beside the repository), clusters it,
takes the stories whose size is nearest ``--articles`` (each trimmed to that many of
its articles when larger), reads their facts, and prints for each:
  1. seconds for the first brief (reconciliation, statement and evidence embeddings included);
  2. seconds per brief once facts and statement vectors are stored (the median of
     ``--repeat`` runs) — the figure the target is about;
  3. lines written and checked by the gate, with any reason a line failed;
then the slowest story's time and the peak memory.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ECB = REPO.parent / "shared" / "data" / "ecbplus" / "dev.jsonl"

from newsdesk import pipeline  # noqa: E402
from newsdesk.brief.desk import BriefDesk  # noqa: E402
from newsdesk.eval.datasets import load, to_jsonl_records  # noqa: E402
from newsdesk.facts import FactsStage  # noqa: E402
from newsdesk.settings import load_settings  # noqa: E402
from newsdesk.store import Store  # noqa: E402
from newsdesk.stories import StoryDesk, make_embedder  # noqa: E402


def time_story(store: Store, settings, desk: BriefDesk, story_id: int, args) -> float:
    """Print the figures of one story's brief; return the median seconds once facts are stored."""
    full = store.get_story(story_id)
    full["articles"] = full["articles"][: args.articles]
    ids = [a["id"] for a in full["articles"]]
    FactsStage(store, processes=settings.facts_processes).run(ids)
    desk.gate_for(desk.material(full)).nlp  # load spaCy before timing: a server holds it loaded

    start = time.perf_counter()
    store.conn.execute("DELETE FROM statement_vectors")
    brief = desk.write(desk.material(full))
    first = time.perf_counter() - start
    times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        brief = desk.write(desk.material(full))
        times.append(time.perf_counter() - start)
    lines = (2 + len(brief["quick_take"]) + len(brief["body_sentences"]) + len(brief["differences"])
             + len(brief["quotes"]) + len(brief["timeline"]))
    print(f"story {story_id}: {len(ids)} articles, {brief['independent_origins']} independent origins")
    print(f"  first brief (reconciliation, statement and evidence embeddings included): {first:.2f} s")
    print(f"  brief once facts and vectors are stored: {statistics.median(times):.3f} s "
          f"(median of {args.repeat}; min {min(times):.3f} s)")
    print(f"  {lines} lines written and gated; gate passed: {brief['gate']['passed']}")
    for reason in brief["gate"]["reasons"]:
        print(f"    gate: {reason}")
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if not ECB.exists():
        print(f"{ECB} is absent: the shared corpora live in ../shared beside the repository", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="newsdesk-bench-") as tmp:
        path = Path(tmp) / "corpus.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in to_jsonl_records(load(ECB, "ecbplus"))))
        settings = load_settings(env={}, db=str(Path(tmp) / "bench.db"))
        store = Store(settings.db_path)
        embedder = make_embedder(settings)
        pipeline.ingest([str(path)], store, settings)
        StoryDesk(store, settings, embedder).run()
        stories = store.list_stories()
        nearest = min(abs(s["articles"] - args.articles) for s in stories)
        chosen = sorted((s for s in stories if abs(s["articles"] - args.articles) == nearest), key=lambda s: s["id"])
        desk = BriefDesk(store, settings, embedder)
        medians = []
        for story in chosen:
            medians.append(time_story(store, settings, desk, story["id"], args))
        print(f"slowest story: {max(medians):.3f} s per brief once facts and vectors are stored")
        print(f"peak memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
