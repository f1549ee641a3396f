"""Clustering metrics: B-cubed (Bagga & Baldwin 1998; Amigó et al. 2009) and the adjusted Rand index.

Both take two label sequences aligned by position (``gold[i]`` and ``pred[i]`` describe item ``i``);
labels are any hashable values and only their grouping matters. Both work from the contingency table
of (gold, pred) label pairs, so they run in O(n + non-empty cells) time.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Sequence

import numpy as np


def _contingency(gold: Sequence[Hashable], pred: Sequence[Hashable]) -> tuple[Counter, Counter, Counter]:
    """Counts per (gold, pred) cell, per gold cluster and per predicted cluster."""
    if len(gold) != len(pred):
        raise ValueError(f"gold has {len(gold)} items but pred has {len(pred)}: they must be aligned by position")
    if len(gold) == 0:
        raise ValueError("cannot score an empty clustering")
    return Counter(zip(gold, pred)), Counter(gold), Counter(pred)


def bcubed(gold: Sequence[Hashable], pred: Sequence[Hashable]) -> tuple[float, float, float]:
    """B-cubed precision, recall and F1.

    For each item, precision is the share of its predicted cluster that shares its gold label, and
    recall the share of its gold cluster that shares its predicted cluster; both are averaged over
    items and F1 is their harmonic mean. An item in cell (g, p) of the contingency table has
    precision n_gp / |p| and recall n_gp / |g|, so the sums run over cells, not items.
    """
    cells, gold_sizes, pred_sizes = _contingency(gold, pred)
    n = len(gold)
    precision = sum(count * count / pred_sizes[p] for (_, p), count in cells.items()) / n
    recall = sum(count * count / gold_sizes[g] for (g, _), count in cells.items()) / n
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def _pairs(counts: np.ndarray) -> float:
    """Number of unordered pairs, summed: sum of C(c, 2)."""
    return float(np.sum(counts * (counts - 1)) / 2)


def adjusted_rand_index(gold: Sequence[Hashable], pred: Sequence[Hashable]) -> float:
    """Adjusted Rand index (Hubert & Arabie 1985), from the contingency-table formula.

    ARI = (index - expected) / (max - expected), where index = sum over cells of C(n_gp, 2),
    expected = sum_g C(a_g, 2) * sum_p C(b_p, 2) / C(n, 2), and max = the mean of the two row/column
    sums. The denominator is zero only when both clusterings put every item in one cluster, or both
    make every item a singleton (or there is a single item): the two then agree exactly, and the
    score is 1.0, as in scikit-learn.
    """
    cells, gold_sizes, pred_sizes = _contingency(gold, pred)
    index = _pairs(np.fromiter(cells.values(), dtype=np.float64))
    sum_gold = _pairs(np.fromiter(gold_sizes.values(), dtype=np.float64))
    sum_pred = _pairs(np.fromiter(pred_sizes.values(), dtype=np.float64))
    n = len(gold)
    total = n * (n - 1) / 2
    expected = sum_gold * sum_pred / total if total else 0.0
    maximum = (sum_gold + sum_pred) / 2
    if maximum == expected:
        return 1.0
    return float((index - expected) / (maximum - expected))
