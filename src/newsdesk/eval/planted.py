"""Planted conflicts from another planter: recall and other differences of reconciliation alone.

``newsdesk eval conflicts`` plants with the desk's own rules (:mod:`.plant`). This evaluation reads
articles that another tool planted — one article a line (``id``, ``title``, ``text``, ``source``,
``published``, ``label``: the story) and a key ``{label: {"article", "old", "new", ...}}`` — so that
the desk is measured on a protocol it was not written for. The stories are the labels (clustering is
measured by ``eval clustering``); each is reconciled as the desk reconciles a story, and a plant is
*found* when one reported conflict has a side holding the planted article with the new value and
another side holding the old value from another article. Every other conflict is an *other
difference*, for a reader to judge.

The stories are split in two halves by the order of the file: choose on the first, report the second
on its own.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from newsdesk.facts.reconcile import Reconciler
from newsdesk.facts.story import params_from
from newsdesk.settings import Settings

from .conflicts import CachedEmbed, _Extractor

_DIGITS = re.compile(r"[,\s]")


def _digits(text: str | None) -> str:
    return _DIGITS.sub("", text or "")


def _side_text(side: dict[str, Any]) -> str:
    return _digits(f"{side.get('value')} " + " ".join(e.get("text", "") for e in side.get("context") or []))


def found_plant(conflict: dict[str, Any], plant: dict[str, Any]) -> bool:
    """One side gives the new value in the planted article, another the old value from another article."""
    sides = conflict.get("values", [])
    new = [s for s in sides if _digits(plant["new"]) in _side_text(s) and plant["article"] in s.get("articles", [])]
    old = [s for s in sides if _digits(plant["old"]) in _side_text(s) and plant["article"] not in s.get("articles", [])]
    return bool(new and old)


def _published(value: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if value else None
    except ValueError:
        return None


def evaluate_planted(
    planted: Path,
    key: Path,
    settings: Settings,
    *,
    embedder=None,
    on_total: Callable[[int], None] | None = None,
    on_step: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Recall and other differences per half of the stories (see the module docstring)."""
    started = time.perf_counter()
    rows = [json.loads(line) for line in planted.read_text(encoding="utf-8").splitlines() if line.strip()]
    plants = json.loads(key.read_text(encoding="utf-8"))
    stories: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        stories.setdefault(str(row["label"]), []).append(row)
    if embedder is None:
        from newsdesk.stories import make_embedder

        embedder = make_embedder(settings)
    embed = CachedEmbed(embedder.encode)
    params = params_from(settings)
    if on_total:
        on_total(len(rows) + len(stories))
    extractor = _Extractor(settings.facts_processes, None)
    extractor.extract([(r["id"], r["text"]) for r in rows], on_step)
    labels = list(stories)
    halves = {"first": set(labels[: len(labels) // 2]), "second": set(labels[len(labels) // 2:])}
    found: set[str] = set()
    others: list[dict[str, Any]] = []
    for label, arts in stories.items():
        if len(arts) > 1:
            ids = [a["id"] for a in arts]
            result = Reconciler(embed, params).run(
                {a["id"]: extractor.facts(a["id"], a["text"]) for a in arts}, {i: i for i in ids},
                {a["id"]: a["text"] for a in arts}, None, {a["id"]: _published(a.get("published")) for a in arts},
                {a["id"]: a.get("source") or a["id"] for a in arts},
            )
            for conflict in result["conflicts"]:
                if label in plants and found_plant(conflict, plants[label]):
                    found.add(label)
                else:
                    others.append({"story": label, "topic": conflict["topic"],
                                   "sides": [(v["value"], v["articles"]) for v in conflict["values"]]})
        if on_step:
            on_step(1)

    def part(names: set[str]) -> dict[str, Any]:
        planted_here = [x for x in plants if x in names]
        hits = [x for x in planted_here if x in found]
        other = [o for o in others if o["story"] in names]
        return {"stories": len(names), "planted": len(planted_here), "found": len(hits),
                "recall": round(len(hits) / len(planted_here), 3) if planted_here else None,
                "other_differences": len(other),
                "other_per_story": round(len(other) / len(names), 2) if names else None}

    return {
        "file": str(planted),
        **part(set(labels)),
        "halves": {name: part(names) for name, names in halves.items()},
        "missed": sorted(set(plants) - found),
        "seconds": round(time.perf_counter() - started, 1),
        "others": others,
    }
