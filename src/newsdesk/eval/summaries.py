"""``newsdesk eval summaries``: the brief's body against human multi-document summaries (ROUGE).

For each cluster, every document is read by the facts stage (spaCy; in worker
processes), the cluster is reconciled as a story whose documents are each their
own origin, and the extractive writer writes the brief's body at N words (the
body a brief prints: the most central lead, then the chosen sentences in report
order, each standing alone); the output is cut to exactly N words. The lead and LexRank baselines
(:mod:`.summaries_data`) choose from the same candidate sentences (the writer's
prose filter applied to the same sentence split) and are cut the same way, in the
same run. Every sentence of newsdesk's body also goes through the gate;
``gate_pass_rate`` is the share that passes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..brief.gate import Gate
from ..brief.model import Source
from ..brief.writer import ExtractiveWriter, Material, WriterParams
from ..facts import extract_texts
from ..facts.model import ArticleFacts
from ..facts.reconcile import Reconciler
from ..facts.story import params_from
from ..settings import Settings
from .summaries_data import SummaryCluster, lead, lexrank, load_clusters, mean_scores, rouge, truncate

SYSTEMS = ("newsdesk", "lead", "lexrank")


def cluster_materials(clusters: list[SummaryCluster], settings: Settings, embedder, *,
                      on_step: Callable[[int], None] | None = None) -> list[Material]:
    """Each cluster read as a story: facts of every document (worker processes), reconciled with
    every document its own origin — what the writer chooses from."""
    jobs = [(f"{c.id}:{k}", d.text, None) for c in clusters for k, d in enumerate(c.documents)]
    facts: dict[str, ArticleFacts] = {}
    for batch in extract_texts(jobs, processes=settings.facts_processes, progress=on_step):
        for f in batch:
            facts[f["article_id"]] = ArticleFacts.from_dict(f)
    out = []
    for c in clusters:
        sources = {
            f"{c.id}:{k}": Source(f"{c.id}:{k}", d.title, d.text, f"{c.id}:{k}") for k, d in enumerate(c.documents)
        }
        story_facts = {aid: facts[aid] for aid in sources}
        reconciler = Reconciler(embedder.encode, params_from(settings))
        reconciled = reconciler.run(story_facts, {a: a for a in sources}, {a: s.text for a, s in sources.items()})
        out.append(Material(c.id, sources, story_facts, reconciled, reconciler.statement_vectors()))
    return out


def evaluate_summaries(
    path: Path,
    fmt: str,
    settings: Settings,
    *,
    words: int = 250,
    limit: int | None = None,
    embedder=None,
    params: WriterParams | None = None,
    on_total: Callable[[int], None] | None = None,
    on_step: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    started = time.perf_counter()
    if words < 1:
        raise ValueError(f"--words must be at least 1, not {words}")
    clusters = load_clusters(path, fmt, limit=limit)
    if embedder is None:
        from ..stories import make_embedder

        embedder = make_embedder(settings)
    if on_total:
        on_total(sum(len(c.documents) for c in clusters) + len(clusters))
    materials = cluster_materials(clusters, settings, embedder, on_step=on_step)
    writer_params = params or WriterParams(same_topic=settings.topic_similarity)
    scores: dict[str, list[dict[str, float]]] = {name: [] for name in SYSTEMS}
    checked = passed = 0
    for c, material in zip(clusters, materials):
        sources = material.sources
        gate = Gate(sources, embed=embedder.encode_each, support=settings.topic_similarity, agree=settings.claim_similarity)
        writer = ExtractiveWriter(embedder.encode, gate, writer_params)
        cands = writer.candidates(material)
        lines = writer.body(material, cands, words)  # the body a brief prints, at this length
        for verdict in gate.check_all(lines):
            checked += 1
            passed += verdict.passed
        scores["newsdesk"].append(rouge(truncate([x.text for x in lines], words), c.reference))

        # the baselines read every prose sentence: what reconciliation found superseded is our system's
        # knowledge, not theirs
        every = writer.candidates(material, keep_superseded=True)
        pool = [[x.text for x in every if x.article == aid] for aid in sources]
        for name, pick in (("lead", lead), ("lexrank", lexrank)):
            picked = pick(pool, words)
            scores[name].append(rouge(truncate([pool[d][s] for d, s in picked], words), c.reference))
        if on_step:
            on_step(1)
    return {
        "corpus": str(path),
        "format": fmt,
        "clusters": len(clusters),
        "documents": sum(len(c.documents) for c in clusters),
        "words": words,
        "systems": {name: mean_scores(scores[name]) for name in SYSTEMS},
        "gate_pass_rate": round(passed / checked, 4) if checked else None,
        "sentences_checked": checked,
        "seconds": round(time.perf_counter() - started, 1),
    }
