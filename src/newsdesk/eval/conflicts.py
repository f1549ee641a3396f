"""``newsdesk eval conflicts``: conflict detection measured on real multi-outlet stories.

For each story of the corpus (:func:`newsdesk.eval.datasets.load_story_groups`; every article is its own
origin, there is no clustering step):

1. the facts of its articles are extracted (once; planted copies reuse the other articles' facts) and the
   story is reconciled as it is: every reported difference (quantity or sequence conflict) is listed for a
   reader to judge;
2. one conflict is **planted** (:mod:`.plant`): two sentences of different articles state the same number
   about the same fact, by a criterion the reconciler does not use; the number in one of them is changed
   to a clearly incompatible value. Only that article is extracted again and the story reconciled again.
   The plant is **found** when a reported quantity conflict has the planted article on one side, with
   the planted value, and the partner article on another side.

Every other difference of the planted run (not the plant, and not one the unplanted run reported) is
listed too. Each listed difference has a stable ``key``: the story index and the sha1 of its sides'
sorted evidence sentences. Hand judgements (``{"key", "verdict": "real"|"false", "why"}`` per line) give
a precision over the judged differences, where every found plant counts as a real one.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from newsdesk.facts import FACTS_VERSION, ArticleFacts, extract_texts
from newsdesk.facts.reconcile import Reconciler
from newsdesk.facts.story import params_from
from newsdesk.settings import Settings

from .datasets import StoryGroup, load_story_groups
from .plant import Plant, choose_plant, numbers_in

JUDGEMENTS = Path(__file__).parent / "judgements"


def default_judgements(path: Path, fmt: str) -> Path | None:
    """The committed judgements for the input, if any (NeuS ``val.source``)."""
    if fmt == "neus" and Path(path).name == "val.source":
        return JUDGEMENTS / "neus_val.jsonl"
    return None


@dataclass(slots=True)
class Difference:
    """A reported conflict other than a found plant, for a reader to judge."""

    key: str
    story: int
    run: str  # original | planted
    kind: str
    topic: str
    sides: list[dict[str, Any]]  # value, articles, context (evidence sentences)


@dataclass(slots=True)
class PlantOutcome:
    story: int
    article: str
    partner: str
    original: str
    planted: str
    sentence: str
    partner_sentence: str
    overlap: float
    found: bool
    key: str | None = None  # the found conflict's key, for a hand judgement of it as reported
    reported: dict[str, Any] | None = None  # the found conflict as reported (topic and sides)
    extracted: list[dict[str, Any]] = field(default_factory=list)  # the facts stage's reading of the planted number
    nearest: list[dict[str, Any]] = field(default_factory=list)  # when missed: what was reported with that article


class CachedEmbed:
    """An embedding function that computes each text once per evaluation."""

    def __init__(self, encode: Callable[[list[str]], np.ndarray]) -> None:
        self.encode, self.vectors = encode, {}

    def __call__(self, texts) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return self.encode(texts)
        missing = list(dict.fromkeys(t for t in texts if t not in self.vectors))
        if missing:
            for text, vector in zip(missing, self.encode(missing)):
                self.vectors[text] = vector
        return np.stack([self.vectors[t] for t in texts])


# -- pure parts ------------------------------------------------------------------------------------------


def _evidence_texts(side: dict[str, Any]) -> list[str]:
    return [e.get("text", "") for e in (side.get("context") or side.get("evidence") or [])]


def difference_key(story: int, conflict: dict[str, Any]) -> str:
    texts = sorted(t for side in conflict.get("values", []) for t in _evidence_texts(side))
    return f"{story}:{hashlib.sha1(chr(10).join(texts).encode()).hexdigest()[:16]}"


def _gives(side: dict[str, Any], value: float) -> bool:
    texts = [side.get("value", "")] + [e.get("text", "") for e in side.get("evidence") or []]
    return any(math.isclose(n.value, value, rel_tol=1e-6) for t in texts for n in numbers_in(t or ""))


def plant_found(result: dict[str, Any], article: str, partner: str, value: float) -> dict[str, Any] | None:
    """The reported quantity conflict that sets ``article``'s planted ``value`` against ``partner`` (None: missed)."""
    for conflict in result.get("conflicts", []):
        if conflict.get("kind", "quantity") != "quantity":
            continue
        sides = conflict.get("values", [])
        mine = [k for k, s in enumerate(sides) if article in s.get("articles", []) and _gives(s, value)]
        theirs = [k for k, s in enumerate(sides) if partner in s.get("articles", []) and k not in mine]
        if mine and theirs:
            return conflict
    return None


def _involves_plant(conflict: dict[str, Any], article: str, value: float) -> bool:
    return any(article in s.get("articles", []) and _gives(s, value) for s in conflict.get("values", []))


def differences(story: int, run: str, result: dict[str, Any], skip: Callable[[dict[str, Any]], bool] = lambda c: False,
                unplant: Callable[[dict[str, Any]], dict[str, Any]] = lambda c: c) -> list[Difference]:
    """The reported conflicts of one run as :class:`Difference` rows (``unplant`` maps a planted run's
    evidence back to the original text, so a difference both runs report has one key)."""
    out = []
    for conflict in result.get("conflicts", []):
        if skip(conflict):
            continue
        sides = [{"value": s.get("value"), "articles": s.get("articles", []), "outlets": s.get("outlets", []),
                  "context": _evidence_texts(s)} for s in conflict.get("values", [])]
        out.append(Difference(difference_key(story, unplant(conflict)), story, run, conflict.get("kind", "quantity"),
                              conflict.get("topic", ""), sides))
    return out


def read_judgements(path: Path | None) -> dict[str, dict[str, Any]]:
    """Hand judgements by key; a missing file is no judgement. ValueError names a bad line."""
    if path is None or not Path(path).exists():
        return {}
    out = {}
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            key, verdict = row["key"], row["verdict"]
        except (ValueError, KeyError, TypeError):
            raise ValueError(f"{path}:{number}: a judgement is a JSON object with key, verdict and why") from None
        if verdict not in ("real", "false"):
            raise ValueError(f"{path}:{number}: verdict must be 'real' or 'false', not {verdict!r}")
        out[key] = row
    return out


def precision(rows: list[Difference], found: int | list[str | None], judgements: dict[str, dict[str, Any]]
              ) -> dict[str, Any]:
    """Precision over every reported difference: the other differences that are judged, and the found plants.

    ``found`` is the found plants' keys (or their number). A found plant counts as real
    unless a hand judgement of it as reported says otherwise (a plant can be found with a
    topic or side that is wrong). ``judged``/``judged_real`` count every judged row, plants
    included; ``judged_plants`` the plants among them."""
    keys = [None] * found if isinstance(found, int) else list(found)
    judged = [judgements[r.key] for r in rows if r.key in judgements]
    plants = [judgements[k] for k in keys if k in judgements]
    real = sum(j["verdict"] == "real" for j in judged + plants)
    total = len(judged) + len(keys)
    plant_real = real + len(keys) - len(plants)
    return {"judged": len(judged) + len(plants), "judged_real": real, "judged_plants": len(plants),
            "precision": round(plant_real / total, 3) if judged or plants else None}


# -- running ---------------------------------------------------------------------------------------------


def _article_id(story: int, k: int) -> str:
    return f"s{story}-a{k}"


class _Extractor:
    """Facts per (article id, text), extracted in batches and kept for the process's runs."""

    def __init__(self, processes: int, cache: dict | None) -> None:
        self.processes = processes
        self.cache = cache if cache is not None else {}

    def _key(self, article_id: str, text: str) -> tuple[str, str, str]:
        return (FACTS_VERSION, article_id, hashlib.sha1(text.encode()).hexdigest())

    def extract(self, jobs: list[tuple[str, str]], on_step=None) -> None:
        todo = [(aid, text, None) for aid, text in jobs if self._key(aid, text) not in self.cache]
        for batch in extract_texts(todo, processes=self.processes, progress=on_step):
            for (aid, text, _), facts in zip(todo[:len(batch)], batch):
                self.cache[self._key(aid, text)] = facts
            todo = todo[len(batch):]

    def facts(self, article_id: str, text: str) -> ArticleFacts:
        return ArticleFacts.from_dict(self.cache[self._key(article_id, text)])


def _reconcile(reconciler_for, story: StoryGroup, ids: list[str], texts: dict[str, str],
               facts: dict[str, ArticleFacts]) -> dict[str, Any]:
    outlets = {aid: doc.source or aid for aid, doc in zip(ids, story.docs)}
    return reconciler_for().run(facts, {aid: aid for aid in ids}, texts, None, {aid: None for aid in ids}, outlets)


def evaluate_conflicts(
    path: Path,
    fmt: str,
    settings: Settings,
    *,
    limit: int | None = None,
    seed: int = 0,
    judgements: Path | None = None,
    embedder=None,
    facts_cache: dict | None = None,
    on_total: Callable[[int], None] | None = None,
    on_step: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Plant one conflict per eligible story, reconcile with and without it, and report recall and the other
    differences (see the module docstring). ``facts_cache`` keeps extracted facts across calls."""
    started = time.perf_counter()
    stories = load_story_groups(path, fmt, limit=limit)
    if embedder is None:
        from newsdesk.stories import make_embedder

        embedder = make_embedder(settings)
    embed = CachedEmbed(embedder.encode)
    params = params_from(settings)

    def reconciler() -> Reconciler:
        return Reconciler(embed, params)

    plants: dict[int, Plant] = {}
    jobs: list[tuple[str, str]] = []
    for index, story in enumerate(stories):
        texts = [doc.text for doc in story.docs]
        jobs += [(_article_id(index, k), text) for k, text in enumerate(texts)]
        plant = choose_plant(texts, random.Random(f"{seed}:{index}"))
        if plant is not None:
            plants[index] = plant
            jobs.append((_article_id(index, plant.article), plant.apply(texts[plant.article])))
    if on_total:
        on_total(len(jobs) + len(stories))
    extractor = _Extractor(settings.facts_processes, facts_cache)
    extractor.extract(jobs, on_step)

    rows: list[Difference] = []
    outcomes: list[PlantOutcome] = []
    for index, story in enumerate(stories):
        ids = [_article_id(index, k) for k in range(len(story.docs))]
        texts = {aid: doc.text for aid, doc in zip(ids, story.docs)}
        facts = {aid: extractor.facts(aid, texts[aid]) for aid in ids}
        original = _reconcile(reconciler, story, ids, texts, facts)
        rows += differences(index, "original", original)
        plant = plants.get(index)
        if plant is not None:
            outcomes.append(_planted_run(index, story, ids, texts, facts, plant, extractor, reconciler, rows))
        if on_step:
            on_step(1)

    found = sum(o.found for o in outcomes)
    judged = read_judgements(judgements)
    return {
        "file": str(path),
        "format": fmt,
        "seed": seed,
        "stories": len(stories),
        "articles": sum(len(s.docs) for s in stories),
        "eligible": len(plants),
        "planted": len(outcomes),
        "found": found,
        "recall": round(found / len(outcomes), 3) if outcomes else None,
        "other_differences": len(rows),
        "other_differences_per_100_stories": round(100 * len(rows) / len(stories), 1),
        "judgements": str(judgements) if judged else None,
        **precision(rows, [o.key for o in outcomes if o.found], judged),
        "seconds": round(time.perf_counter() - started, 1),
        "plants": [asdict(o) | ({"judgement": judged[o.key]} if o.key in judged else {}) for o in outcomes],
        "differences": [asdict(r) | ({"judgement": judged[r.key]} if r.key in judged else {}) for r in rows],
    }


def _planted_run(index: int, story: StoryGroup, ids: list[str], texts: dict[str, str],
                 facts: dict[str, ArticleFacts], plant: Plant, extractor: _Extractor, reconciler,
                 rows: list[Difference]) -> PlantOutcome:
    article, partner = ids[plant.article], ids[plant.partner]
    planted_texts = dict(texts) | {article: plant.apply(texts[article])}
    planted_facts = dict(facts) | {article: extractor.facts(article, planted_texts[article])}
    result = _reconcile(reconciler, story, ids, planted_texts, planted_facts)
    hit = plant_found(result, article, partner, plant.planted_value)
    shift = len(plant.planted) - len(plant.original)

    def unplant(conflict: dict[str, Any]) -> dict[str, Any]:
        """The conflict's evidence as it reads in the original text."""
        values = []
        for side in conflict.get("values", []):
            context = []
            for e in side.get("context") or side.get("evidence") or []:
                start, end = e.get("start", 0), e.get("end", 0)
                if e.get("article") == article and start <= plant.start < end:
                    e = e | {"text": texts[article][start:end - shift]}
                elif e.get("article") == article and start > plant.start:
                    e = e | {"text": texts[article][start - shift:end - shift]}
                context.append(e)
            values.append(side | {"context": context})
        return conflict | {"values": values}

    known = {r.key for r in rows if r.story == index}
    extra = [d for d in differences(index, "planted", result,
                                    skip=lambda c: c is hit or _involves_plant(c, article, plant.planted_value),
                                    unplant=unplant)
             if d.key not in known]
    rows += extra
    quantities = [q for q in planted_facts[article].quantities if q.start < plant.start + len(plant.planted)
                  and plant.start < q.end]
    reported = differences(index, "planted", {"conflicts": [hit]})[0] if hit is not None else None
    outcome = PlantOutcome(index, article, partner, plant.original, plant.planted, plant.sentence,
                           plant.partner_sentence, plant.overlap, hit is not None,
                           reported.key if reported else None,
                           {"topic": reported.topic, "sides": reported.sides} if reported else None,
                           [{"text": q.text, "kind": q.kind, "what": q.what} for q in quantities])
    if hit is None:
        for name in ("conflicts", "developments"):
            for c in result.get(name, []) or []:
                if any(article in s.get("articles", []) for s in c.get("values", [])):
                    outcome.nearest.append({"list": name, "topic": c.get("topic"),
                                            "sides": [{"value": s.get("value"), "articles": s.get("articles", [])}
                                                      for s in c.get("values", [])]})
    return outcome
