"""A story's facts, reconciled: what the desk shows for ``stories show ID --json``."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..settings import Settings
from . import FactsStage
from .reconcile import Params, Reconciler


def params_from(settings: Settings) -> Params:
    return Params(
        same_claim=settings.claim_similarity,
        same_topic=settings.topic_similarity,
        same_quote=settings.quote_similarity,
        window_hours=settings.conflict_window_hours,
    )


def reconcile(store, settings: Settings, facts, origins, texts, published, embed, model_version: str,
              outlets: dict[str, str | None] | None = None):
    """Reconcile one story's facts, reusing stored statement vectors and storing new ones.

    ``outlets`` names each article's publisher (conflict sides, corrections). Returns the
    reconciliation and the statement vectors per article."""
    ids = list(facts)
    stored = {
        aid: np.frombuffer(blob, dtype=np.float32).reshape(rows, -1)
        for aid, (rows, blob) in store.statement_vectors(ids, model_version).items()
        if rows
    }
    reconciler = Reconciler(embed, params_from(settings))
    result = reconciler.run(facts, origins, texts, stored, published, outlets)
    vectors = reconciler.statement_vectors()
    fresh = {
        aid: (len(rows), np.ascontiguousarray(rows, dtype=np.float32).tobytes())
        for aid, rows in vectors.items()
        if aid not in stored
    }
    if fresh:
        store.save_statement_vectors(model_version, fresh)
    return result, vectors


def reconcile_story(store, settings: Settings, story_id: int, *, embedder=None) -> dict[str, Any] | None:
    """Entities, quotes, quantities, claims and conflicts of one story (None: no such story).

    Facts missing for any article are extracted first; statement vectors are
    computed once and stored, like article vectors.
    """
    story = store.get_story(story_id)
    if story is None:
        return None
    ids = [a["id"] for a in story["articles"]]
    facts = FactsStage.for_settings(store, settings).load(ids)
    origins = store.story_origins(story["id"])
    articles = {aid: store.get_article(aid) for aid in ids}
    texts = {aid: a.text for aid, a in articles.items()}
    published = {aid: a.published for aid, a in articles.items()}
    outlets = {aid: a.source for aid, a in articles.items()}
    if embedder is None:
        from ..stories import make_embedder

        embedder = make_embedder(settings)
    result, _ = reconcile(store, settings, facts, origins, texts, published, embedder.encode, embedder.model_version,
                          outlets)
    return {"id": story["id"], "headline": story["headline"]} | result
