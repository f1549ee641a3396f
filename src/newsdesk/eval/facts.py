"""``newsdesk eval facts``: claims, conflicts, quote variants and speakers against a hand annotation.

The folder is ingested into a fresh temporary store, clustered, and the story
holding most of the gold story's members is reconciled with default settings. The
gold (``gold.json`` of the seeds) names articles by file and by their leading
number ("000"); claims are given in the annotator's words, not as spans, so they
are matched by meaning:

* a gold claim is matched to the reported claim with the most similar statement
  (embedding cosine, at least :data:`MATCH`); it is *found* when that claim cites
  exactly the gold sources and has the status those sources call for (consensus
  only with two or more independent origins: 002 and 004 are one);
* a gold conflict is found when a reported conflict of the same kind splits the
  articles into the same sides (articles grouped by the value they give) and, for
  a figure, each side gives the annotator's figure ("over an hour");
* a quote-variant set is found when one reported quote of that speaker spans
  exactly the gold articles;
* every gold quote (the variants, and quoted words in gold claims such as Trump's
  'going very well') is looked up among the article's extracted quotes by word
  overlap; its speaker is *correct*, *wrong*, or the quote is *missing*;
* a reported conflict that matches no gold conflict is a *false conflict* when
  its statements are closest to a gold consensus claim.

A gold with ``stories`` (the shape of ``examples/gold.json``) is scored by
:mod:`.facts_stories` instead.
"""

from __future__ import annotations

import json
import re
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from newsdesk import pipeline
from newsdesk.facts import FactsStage
from newsdesk.facts.entities import same_person
from newsdesk.facts.story import reconcile_story
from newsdesk.settings import Settings
from newsdesk.store import Store
from newsdesk.stories import StoryDesk, make_embedder

from .facts_stories import evaluate_stories, is_multi_story

MATCH = 0.5  # lowest cosine between a gold claim and a reported statement that counts as a match


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower().replace("’", "'"))


def _overlap(a: str, b: str) -> float:
    wa, wb = Counter(_words(a)), Counter(_words(b))
    if not wa or not wb:
        return 0.0
    return sum((wa & wb).values()) / min(sum(wa.values()), sum(wb.values()))


class FactsEvaluation:
    def __init__(self, gold: dict[str, Any], result: dict[str, Any], facts, embedder) -> None:
        self.gold, self.result, self.facts, self.embed = gold, result, facts, embedder.encode
        self.ids = {aid.split("_")[0]: aid for aid in gold["articles"]}
        self.origin = self._gold_origins()

    def _gold_origins(self) -> dict[str, str]:
        origin = {short: short for short in self.ids}
        for group in self.gold.get("story", {}).get("rewrites", []):
            shorts = sorted(name.split("_")[0] for name in group)
            for short in shorts:
                origin[short] = shorts[0]
        return origin

    def _short(self, article_id: str) -> str:
        return article_id.split("_")[0]

    # -------------------------------------------------------------- consensus

    def consensus(self) -> tuple[int, list[dict[str, Any]]]:
        claims = self.result["claims"]
        rows = [(k, e["text"]) for k, c in enumerate(claims) for e in c["evidence"]]
        gold = self.gold.get("consensus", [])
        if not gold:
            return 0, []
        gold_vectors = self.embed([g["claim"] for g in gold])
        vectors = self.embed([text for _, text in rows]) if rows else np.zeros((0, gold_vectors.shape[1]), np.float32)
        owners = np.array([k for k, _ in rows])
        found, details = 0, []
        for g, gv in zip(gold, gold_vectors):
            sims = vectors @ gv
            best = int(np.argmax(sims)) if len(sims) else -1
            expected = sorted(g["sources"])
            status = "consensus" if len({self.origin[s] for s in expected}) >= 2 else "single-source"
            row: dict[str, Any] = {"claim": g["claim"], "sources": expected, "status_expected": status}
            if best >= 0 and sims[best] >= MATCH:
                claim = claims[owners[best]]
                got = sorted(self._short(a) for a in claim["articles"])
                ok = got == expected and claim["status"] == status
                row |= {"matched": claim["text"], "similarity": round(float(sims[best]), 3), "articles": got,
                        "status": claim["status"], "found": ok}
                found += ok
            else:
                row["found"] = False
            details.append(row)
        return found, details

    # -------------------------------------------------------------- conflicts

    @staticmethod
    def _side(kind: str, value: str) -> str:
        if kind != "sequence":
            return value.strip().lower()
        first = value.lower()
        return "before" if first.startswith(("before", "earlier", "prior")) else "after"

    def _gold_sides(self, conflict: dict[str, Any]) -> set[frozenset[str]]:
        sides: dict[str, set[str]] = {}
        for short, value in conflict["values"].items():
            sides.setdefault(self._side(conflict["kind"], value), set()).add(short)
        return {frozenset(s) for s in sides.values()}

    def _sides(self, conflict: dict[str, Any]) -> set[frozenset[str]]:
        return {frozenset(self._short(a) for a in v["articles"]) for v in conflict["values"]}

    def _same_values(self, gold: dict[str, Any], conflict: dict[str, Any]) -> bool:
        """A figure conflict gives, for each side, the figure the annotator wrote ("over an hour")."""
        if gold["kind"] == "sequence":
            return True
        for value in conflict["values"]:
            said = " ".join(value["value"].lower().split())
            for article in value["articles"]:
                want = " ".join(gold["values"].get(self._short(article), "").lower().split())
                if said not in want and want not in said:
                    return False
        return True

    def conflicts(self) -> tuple[int, int, list[dict[str, Any]], list[dict[str, Any]]]:
        reported = self.result["conflicts"]
        matched: set[int] = set()
        found, details = 0, []
        for g in self.gold.get("conflicts", []):
            want = self._gold_sides(g)
            hit = next((k for k, c in enumerate(reported)
                        if c["kind"] == g["kind"] and self._sides(c) == want and self._same_values(g, c)), None)
            row = {"topic": g["topic"], "kind": g["kind"], "sides": sorted(sorted(s) for s in want), "found": hit is not None}
            if hit is not None:
                matched.add(hit)
                row["reported"] = reported[hit]["topic"]
                found += 1
            details.append(row)
        false, others = 0, []
        consensus = [g["claim"] for g in self.gold.get("consensus", [])]
        topics = [g["topic"] for g in self.gold.get("conflicts", [])]
        gold_vectors = self.embed(consensus + topics) if consensus + topics else np.zeros((0, 1))
        for k, c in enumerate(reported):
            if k in matched:
                continue
            texts = [e["text"] for v in c["values"] for e in v.get("context", v["evidence"])]
            sims = self.embed(texts) @ gold_vectors.T
            best = np.unravel_index(int(np.argmax(sims)), sims.shape)[1] if sims.size else None
            is_false = best is not None and best < len(consensus) and sims.max() >= MATCH
            false += bool(is_false)
            others.append({"topic": c["topic"], "sides": sorted(sorted(s) for s in self._sides(c)),
                           "false_conflict": bool(is_false),
                           "closest_gold": (consensus + topics)[best] if best is not None else None})
        return found, false, details, others

    # -------------------------------------------------------------- quotes

    def quote_variants(self) -> tuple[int, list[dict[str, Any]]]:
        found, details = 0, []
        for g in self.gold.get("quote_variants", []):
            want = sorted(g["variants"])
            hit = [q for q in self.result["quotes"] if q["speaker"] and same_person(q["speaker"], g["speaker"])
                   and sorted(self._short(a) for a in q["articles"]) == want]
            details.append({"speaker": g["speaker"], "articles": want, "found": bool(hit),
                            "variants": [v["text"] for v in hit[0]["variants"]] if hit else []})
            found += bool(hit)
        return found, details

    def _gold_quotes(self) -> list[tuple[str, str, str]]:
        """(speaker, article short id, text) for every quote the gold gives."""
        people = self.gold.get("entities", {}).get("people", [])
        out = []
        for g in self.gold.get("quote_variants", []):
            out += [(g["speaker"], short, text) for short, text in g["variants"].items()]
        for claim in self.gold.get("consensus", []) + self.gold.get("single_source", []):
            quoted = re.findall(r"'([^']{3,})'", claim["claim"])
            speaker = next((p for p in people if p.split()[-1] in claim["claim"].split(":")[0].split()), None)
            if not quoted or speaker is None:
                continue
            for short in claim["sources"]:
                if not any(s == speaker and a == short for s, a, _ in out):
                    out.append((speaker, short, quoted[0]))
        return out

    def speakers(self) -> tuple[int, int, list[dict[str, Any]]]:
        correct = wrong = 0
        details = []
        for speaker, short, text in self._gold_quotes():
            quotes = self.facts[self.ids[short]].quotes
            best = max(quotes, key=lambda q: _overlap(q.text, text), default=None)
            row = {"speaker": speaker, "article": short, "quote": text[:60]}
            if best is None or _overlap(best.text, text) < 0.5:
                row["result"] = "missing"
            elif best.speaker and same_person(best.speaker, speaker):
                row["result"], correct = "correct", correct + 1
            else:
                row["result"], wrong = "wrong", wrong + 1
                row["attributed_to"] = best.speaker or best.description
            details.append(row)
        return correct, wrong, details


def evaluate_facts(folder: Path | list[Path], gold_path: Path, settings: Settings, *, embedder=None) -> dict[str, Any]:
    """Score against the gold: one story (the seeds' shape) here, several (``stories``) in :mod:`.facts_stories`."""
    gold = json.loads(Path(gold_path).read_text(encoding="utf-8"))
    inputs = [Path(p) for p in folder] if isinstance(folder, (list, tuple)) else [Path(folder)]
    if is_multi_story(gold):
        return evaluate_stories(inputs, gold, settings, embedder=embedder, where=str(gold_path))
    if len(inputs) != 1:
        raise ValueError(f"{gold_path}: a one-story gold takes one folder, not {len(inputs)} inputs")
    folder = inputs[0]
    members = set(gold.get("story", {}).get("members", gold.get("articles", {})))
    embedder = embedder or make_embedder(settings)
    with tempfile.TemporaryDirectory(prefix="newsdesk-eval-") as tmp:
        run_settings = settings.replace(db=str(Path(tmp) / "eval.db"))
        with Store(run_settings.db_path) as store:
            started = time.perf_counter()
            pipeline.ingest([str(folder)], store, run_settings)
            StoryDesk(store, run_settings, embedder).run()
            labels = store.story_labels()
            votes = Counter(labels[m] for m in members if m in labels)
            if not votes:
                raise ValueError(f"{folder}: none of the gold story's articles could be ingested")
            story_id = votes.most_common(1)[0][0]
            result = reconcile_story(store, run_settings, story_id, embedder=embedder)
            facts = FactsStage(store, processes=1).load(sorted(labels))
            seconds = time.perf_counter() - started
    evaluation = FactsEvaluation(gold, result, facts, embedder)
    consensus, consensus_details = evaluation.consensus()
    conflicts, false_conflicts, conflict_details, other_conflicts = evaluation.conflicts()
    variants, variant_details = evaluation.quote_variants()
    correct, wrong, speaker_details = evaluation.speakers()
    return {
        "articles": len(labels),
        "story_articles": sum(votes.values()),
        "consensus_found": consensus,
        "consensus_total": len(gold.get("consensus", [])),
        "conflicts_found": conflicts,
        "conflicts_total": len(gold.get("conflicts", [])),
        "quote_variants_found": variants,
        "quote_variants_total": len(gold.get("quote_variants", [])),
        "speakers_correct": correct,
        "speakers_wrong": wrong,
        "false_conflicts": false_conflicts,
        "seconds": round(seconds, 2),
        "details": {
            "consensus": consensus_details,
            "conflicts": conflict_details,
            "other_reported_conflicts": other_conflicts,
            "quote_variants": variant_details,
            "speakers": speaker_details,
        },
    }
