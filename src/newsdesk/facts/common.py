"""Small helpers shared by reconciliation and quote grouping."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from .model import Statement


def words(text: str) -> list[str]:
    """Lower-cased words, with curly apostrophes made straight."""
    return re.findall(r"[\w’']+", text.lower().replace("’", "'"))


def components(n: int, links: list[tuple[int, int]], *, singletons: bool = False) -> list[list[int]]:
    """Connected groups of 0..n-1 under ``links`` (groups of one only when ``singletons``)."""
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for i, j in links:
        parent[find(i)] = find(j)
    groups: dict[int, list[int]] = defaultdict(list)
    for i in range(n):
        groups[find(i)].append(i)
    return [g for g in groups.values() if singletons or len(g) > 1]


def embed_text(st: Statement) -> str:
    """A statement as it is embedded: with the subject it inherits when it has none of its own."""
    return f"{st.subject} {st.text}" if st.subject else st.text


class StoryPart:
    """A part of one story's reconciliation (figures, sequence) that reads what
    :class:`~newsdesk.facts.reconcile.Reconciler` has built: the story's facts and texts, its
    statements with their similarity matrix, linked entities, and the sets it marks (superseded,
    retracted, outdated), shared by reference."""

    SHARED = (
        "facts", "texts", "origins", "outlets", "published", "params", "embed", "superseded", "retracted", "outdated",
        "items", "item_at", "sim", "entities", "entity_of", "_time_clause", "_item_of", "_protagonists",
        "_representative", "_evidence", "_contemporary", "_anchor_vectors", "_what_vectors", "_local_vectors",
        "_trait_cache",
    )

    def __init__(self, story) -> None:
        for name in self.SHARED:
            setattr(self, name, getattr(story, name))


@dataclass(eq=False)
class Item:
    """A statement of one article, with what it holds."""

    article: str
    origin: str
    statement: Statement
    index: int  # row in the similarity matrix
    entities: frozenset[str]
