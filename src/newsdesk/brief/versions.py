"""What's new between two versions of a brief.

Each version stores a *snapshot* of the facts it was written from (claims with
their status, figures by what they count, conflicts by topic). Comparing two
snapshots and the two article lists gives: new sources, new facts (claims no
earlier claim matches, by word overlap), facts now confirmed by a second origin,
changed figures, new and resolved conflicts, articles their outlets revised, and corrections sources made (a first version lists
the corrections it already takes into account).
"""

from __future__ import annotations

import re
from typing import Any

SAME_CLAIM = 0.6  # share of words in common (Jaccard) from which two claim texts are the same fact
MAX_ITEMS = 10


def _key_words(text: str) -> frozenset[str]:
    return frozenset(re.findall(r"[\w']+", text.lower().replace("’", "'")))


def _same(a: frozenset[str], b: frozenset[str]) -> bool:
    return bool(a or b) and len(a & b) / len(a | b) >= SAME_CLAIM


def snapshot(reconciled: dict[str, Any]) -> dict[str, Any]:
    """The facts a brief was written from, compactly."""
    figures: dict[str, set[str]] = {}
    for q in reconciled.get("quantities", []):
        if q.get("superseded") or not q.get("what"):
            continue
        key = f"{q['kind']} of {q.get('what_lemma') or q['what']}"
        figures.setdefault(key, set()).add(" ".join(q["text"].split()))
    return {
        "claims": [{"text": c["text"], "status": c["status"], "articles": c["articles"]}
                   for c in reconciled.get("claims", [])],
        "figures": {k: sorted(v) for k, v in sorted(figures.items())},
        "conflicts": [c["topic"] for c in reconciled.get("conflicts", [])],
        "corrections": [
            {"outlet": c.get("outlet"), "notice": c["notice"]["text"], "article": c["article"]}
            for c in reconciled.get("corrections", [])
        ],
    }


def whats_new(old: dict[str, Any] | None, new: dict[str, Any]) -> dict[str, Any]:
    """Differences of brief ``new`` from ``old`` (None: the first version)."""
    corrections = new.get("facts", {}).get("corrections", [])
    if old is None:
        out = {"first_version": True, "summary": ["first version"]}
        if corrections:  # a source corrected itself before this first brief: say so
            out["corrections"] = corrections
            out["summary"].append(_count(len(corrections), "correction by a source", "corrections by sources"))
        return out
    seen = {c["notice"] for c in old.get("facts", {}).get("corrections", [])}
    corrections = [c for c in corrections if c["notice"] not in seen]
    old_ids = {a["id"] for a in old.get("articles", [])}
    new_ids = {a["id"] for a in new.get("articles", [])}
    new_sources = [{k: a.get(k) for k in ("id", "title", "source")} for a in new["articles"] if a["id"] not in old_ids]
    gone = sorted(old_ids - new_ids)

    before, after = old.get("facts", {}), new.get("facts", {})
    old_claims = [(_key_words(c["text"]), c) for c in before.get("claims", [])]
    new_facts, confirmed = [], []
    for c in after.get("claims", []):
        words = _key_words(c["text"])
        match = next((o for w, o in old_claims if _same(w, words)), None)
        if match is None:
            if c["status"] != "single-source" or not new_sources or set(c["articles"]) & {s["id"] for s in new_sources}:
                new_facts.append(c)
        elif match["status"] == "single-source" and c["status"] == "consensus":
            confirmed.append(c)
    new_facts.sort(key=lambda c: (c["status"] != "consensus", -len(c["articles"])))

    changed = []
    old_figures, new_figures = before.get("figures", {}), after.get("figures", {})
    for key in sorted(set(old_figures) & set(new_figures)):
        if old_figures[key] != new_figures[key]:
            changed.append({"what": key, "before": old_figures[key], "after": new_figures[key]})

    old_conflicts, new_conflicts = set(before.get("conflicts", [])), set(after.get("conflicts", []))
    out = {
        "first_version": False,
        "previous_version": old.get("version"),
        "new_sources": new_sources,
        "removed_sources": gone,
        "new_facts": new_facts[:MAX_ITEMS],
        "confirmed": confirmed[:MAX_ITEMS],
        "changed_figures": changed,
        "new_conflicts": sorted(new_conflicts - old_conflicts),
        "resolved_conflicts": sorted(old_conflicts - new_conflicts),
        "corrections": corrections,
        "revised_sources": [r for r in new.get("revisions", [])
                            if (r["article"], r["revision"]) not in
                            {(o["article"], o["revision"]) for o in old.get("revisions", [])}],
    }
    summary = []
    for key, one, many in (
        ("new_sources", "new source", "new sources"),
        ("new_facts", "new fact", "new facts"),
        ("confirmed", "fact now confirmed by a second origin", "facts now confirmed by a second origin"),
        ("changed_figures", "changed figure", "changed figures"),
        ("new_conflicts", "new conflict between sources", "new conflicts between sources"),
        ("resolved_conflicts", "conflict resolved", "conflicts resolved"),
        ("corrections", "correction by a source", "corrections by sources"),
        ("revised_sources", "source revised its article", "sources revised their articles"),
    ):
        n = len(out[key])
        if n:
            summary.append(_count(n, one, many))
    out["summary"] = summary or ["no change in the facts"]
    return out


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"
