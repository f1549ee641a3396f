"""Choose the extractive writer's weights on NeuS *train* — never on the corpora we report.

    python bench/tune_writer.py [--limit 300] [--words 250] [--cache FILE]

Reads the first ``--limit`` stories of ../shared/data/neus/train.source (with
train.target as references) as the evaluation does (facts, reconciliation), keeps
that work in ``--cache`` (a pickle in the temp folder by default) so that a second
run only scores, then writes the body of every story at ``--words`` words for each
point of a small grid over the weights that matter most (lead prior, redundancy,
per-origin balance), the others at their defaults. Prints the lead and LexRank
baselines on the same stories, the ten best points by ROUGE-1 + ROUGE-2, and where
the current defaults (:class:`newsdesk.brief.writer.WriterParams`) rank.
"""

from __future__ import annotations

import argparse
import itertools
import pickle
import sys
import tempfile
import time
from dataclasses import asdict, replace
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TRAIN = REPO.parent / "shared" / "data" / "neus" / "train.source"

from newsdesk.brief.writer import ExtractiveWriter, WriterParams  # noqa: E402
from newsdesk.eval.summaries import cluster_materials  # noqa: E402
from newsdesk.eval.summaries_data import lead, lexrank, load_clusters, mean_scores, rouge, truncate  # noqa: E402
from newsdesk.settings import load_settings  # noqa: E402
from newsdesk.stories import make_embedder  # noqa: E402

GRID = {
    "lead_weight": [0.0, 0.15, 0.3, 0.5],
    "redundancy": [0.3, 0.5, 0.7],
    "balance": [0.8, 0.9, 1.0],
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--limit", type=int, default=300)
    parser.add_argument("--words", type=int, default=250)
    parser.add_argument("--cache", type=Path, default=None)
    args = parser.parse_args()
    if not TRAIN.exists():
        print(f"{TRAIN} is absent: the shared corpora live in ../shared beside the repository", file=sys.stderr)
        return 2
    cache = args.cache or Path(tempfile.gettempdir()) / f"newsdesk-tune-neus-train-{args.limit}.pkl"
    settings = load_settings(env={})
    embedder = make_embedder(settings)
    if cache.exists():
        clusters, materials = pickle.loads(cache.read_bytes())
        print(f"read {len(materials)} stories from {cache}")
    else:
        started = time.perf_counter()
        clusters = load_clusters(TRAIN, "neus", limit=args.limit)
        materials = cluster_materials(clusters, settings, embedder)
        cache.write_bytes(pickle.dumps((clusters, materials)))
        print(f"read {len(materials)} stories in {time.perf_counter() - started:.0f} s (kept in {cache})")

    base = WriterParams(same_topic=settings.topic_similarity)
    baselines: dict[str, list] = {"lead": [], "lexrank": []}
    for c, m in zip(clusters, materials):
        cands = ExtractiveWriter(embedder.encode, None, base).candidates(m)
        pool = [[x.text for x in cands if x.article == aid] for aid in m.sources]
        for name, pick in (("lead", lead), ("lexrank", lexrank)):
            baselines[name].append(rouge(truncate([pool[d][s] for d, s in pick(pool, args.words)], args.words), c.reference))
    for name, scores in baselines.items():
        print(f"{name:>8}: {mean_scores(scores)}")

    results = []
    points = list(itertools.product(*GRID.values()))
    for n, values in enumerate(points, 1):
        params = replace(base, **dict(zip(GRID, values)))
        writer = ExtractiveWriter(embedder.encode, None, params)
        scores = [rouge(truncate([x.text for x in writer.select(writer.candidates(m), args.words)], args.words), c.reference)
                  for c, m in zip(clusters, materials)]
        mean = mean_scores(scores)
        results.append((mean["rouge1"] + mean["rouge2"], mean, dict(zip(GRID, values))))
        print(f"[{n}/{len(points)}] {dict(zip(GRID, values))}: {mean}", flush=True)
    results.sort(key=lambda r: -r[0])
    print("\nbest points (ROUGE-1 + ROUGE-2):")
    for _, mean, point in results[:10]:
        print(f"  {point}: {mean}")
    defaults = {k: asdict(base)[k] for k in GRID}
    rank = next((i for i, r in enumerate(results, 1) if r[2] == defaults), None)
    print(f"defaults {defaults}: rank {rank} of {len(results)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
