"""``newsdesk eval paraphrase``: does embedding cosine tell paraphrases from other sentence pairs?

Reads MSRP-style pairs (tab-separated: Quality, #1 ID, #2 ID, #1 String, #2 String,
with a header line) and reports precision, recall and F1 of "cosine ≥ t means
paraphrase" for thresholds 0.50–0.90, and the best one. The ``claim_similarity``
setting (statements that make one claim) was chosen this way on MSRP train.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from newsdesk.settings import Settings
from newsdesk.stories import make_embedder


def read_pairs(path: Path) -> tuple[list[str], list[str], np.ndarray]:
    left, right, labels = [], [], []
    with path.open(encoding="utf-8-sig") as fh:
        next(fh, None)
        for number, line in enumerate(fh, 2):
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 5 or parts[0] not in {"0", "1"}:
                raise ValueError(f"{path}:{number}: expected 5 tab-separated fields with a 0/1 quality")
            labels.append(parts[0] == "1")
            left.append(parts[3])
            right.append(parts[4])
    if not labels:
        raise ValueError(f"{path}: no sentence pairs")
    return left, right, np.array(labels)


def evaluate_paraphrase(path: Path, settings: Settings, *, embedder=None) -> dict[str, Any]:
    left, right, gold = read_pairs(path)
    embedder = embedder or make_embedder(settings)
    cosine = (embedder.encode(left) * embedder.encode(right)).sum(axis=1)
    rows = []
    for threshold in np.round(np.arange(0.50, 0.901, 0.02), 2):
        said = cosine >= threshold
        tp = int((said & gold).sum())
        precision = tp / max(1, int(said.sum()))
        recall = tp / max(1, int(gold.sum()))
        f1 = 2 * precision * recall / (precision + recall) if tp else 0.0
        rows.append({"threshold": float(threshold), "precision": round(precision, 3), "recall": round(recall, 3), "f1": round(f1, 3)})
    return {"pairs": len(gold), "paraphrases": int(gold.sum()), "model": embedder.model_version,
            "best": max(rows, key=lambda r: r["f1"]), "thresholds": rows}
