"""What a brief is written from and with: a story's material, the writer's weights, candidate sentences.

Shared by the writer (:mod:`.writer`) and the timeline (:mod:`.timeline`), which each
import it; neither imports the other's records.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..facts.model import ArticleFacts
from .model import Source


@dataclass(frozen=True)
class WriterParams:
    """Weights of the extractive writer (checked on NeuS train with ``bench/tune_writer.py``; see the
    docstring of :mod:`.writer` for the figures)."""

    lead_weight: float = 0.3
    agreement_weight: float = 0.1
    detail_weight: float = 0.05  # Quick Take: bonus per figure (up to three) a sentence gives
    same_topic: float = 0.5  # cosine from which a sentence of another article may support one (topic_similarity)
    redundancy: float = 0.5
    balance: float = 0.9  # relevance factor per sentence already taken from the same origin
    min_gain: float = -1.0  # stop when the best remaining sentence scores below this (it mostly repeats)
    duplicate: float = 0.85  # cosine above which a sentence repeats a chosen one and is skipped
    retold: float = 0.62  # cosine from which another report's lead retells the body's opening one (MSRP paraphrase threshold)
    body_words: int = 200  # the brief's body: whole sentences up to about this many words
    min_words: int = 6
    max_words: int = 70
    bullets: int = 5
    consensus_bullets: int = 4
    bullet_max_words: int = 45  # timeline entries
    quick_take_max_words: int = 40  # a compressed bullet longer than this waits for the body
    quotes: int = 4
    timeline: int = 8


@dataclass(slots=True)
class Candidate:
    article: str
    index: int  # sentence number in the article
    rank: int  # candidate number in the article (0 = lead)
    start: int
    end: int
    text: str
    words: int
    origin: str
    vector: np.ndarray
    relevance: float = 0.0
    centrality: float = 0.0
    agreement: float = 0.0


@dataclass
class Material:
    """What a brief is written from: one story's articles, facts and reconciliation."""

    story_id: Any
    sources: dict[str, Source]  # in story order
    facts: dict[str, ArticleFacts]
    reconciled: dict[str, Any]
    statement_vectors: dict[str, np.ndarray]  # per article, one row per statement (facts order)
    revised: dict[str, dict[str, Any]] = field(default_factory=dict)  # articles their outlet revised (store)


__all__ = ["Candidate", "Material", "WriterParams"]
