"""Small helpers shared by reconciliation and quote grouping."""

from __future__ import annotations

import re
from collections import defaultdict


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
