"""``newsdesk eval facts`` on a multi-story gold (the shape of ``examples/gold.json``).

The inputs are ingested into a fresh temporary store and clustered; for each gold story the found story
holding most of its members is reconciled (once, however many gold stories land in it). Gold articles
are named by their id, file name or feed GUID. Scoring (:func:`score`) then works on the result dicts
alone:

* a gold **conflict** (``conflicts``, kind quantity) or **sequence conflict** (kind sequence) is found by
  a reported conflict of its story and kind whose sides split the gold articles the same way: each
  reported side lies inside one gold side, and each gold side holds exactly one reported side (a side
  may be smaller than the gold's when its other articles gave no figure). Value wording need not match;
  when several reported conflicts split the articles alike, each gold conflict takes the one closest to
  it (shared numbers, then shared words of topic and values), one to one. A conflict
  ``resolved_by_correction`` also counts when the correction is found (below).
* a **quote-variant set** is found when one reported quote spans the gold articles, each gold wording
  is among its wordings (word overlap of at least :data:`SAME_WORDS`), and its judgement — some non-main
  variant changes the meaning — equals the gold's ``meaning_changed``.
* a **correction** is found when, in the corrected article and each article it ``also_affects``, the
  wrong figure is marked (a quantity giving a wrong number with ``superseded`` true, or a ``corrections``
  entry that ``corrects`` the article) and no reported conflict still sets an affected article's wrong
  number against another side.
* a gold **development** (``developments``: a figure a later report changed, its ``values`` in time
  order, each with the articles that gave it) is found by a reported development of its story (kind
  quantity) that steps through the gold values as a conflict splits its sides: each reported value lies
  inside one gold value (its articles among the gold's) and shares a number with it (a value without
  digits, "around a dozen", is placed by its articles alone), so a development of another figure of the
  same articles (a dateline's day) does not count; taken in the reported time order they never go back
  to an earlier gold value; each gold value holds at least one of them (two at one time when the
  outlets then disagreed); and some number is shared. As for conflicts, of alike reported
  developments each gold one takes the closest, one to one. A reported development no gold one takes
  is not counted against the desk (a gold lists the developments it is sure of, not all).
* a reported conflict that no gold conflict of its story takes in that one-to-one matching is a
  **false conflict** (a second report of one gold conflict included).

Each miss is listed with the reported items nearest to it (conflicts and developments, the figures the
articles gave, quotes, correction entries), so a reader sees where it went wrong.
"""

from __future__ import annotations

import re
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from newsdesk import pipeline
from newsdesk.facts.story import reconcile_story
from newsdesk.settings import Settings
from newsdesk.store import Store
from newsdesk.stories import StoryDesk, make_embedder

from .plant import content_words, dice, numbers_in

SAME_WORDS = 0.5  # word overlap from which a reported wording is a gold wording
NEAREST = 3  # reported items listed beside each miss


@dataclass(slots=True)
class GoldSide:
    value: str
    articles: list[str]


@dataclass(slots=True)
class GoldConflict:
    story: str
    topic: str
    kind: str  # quantity | sequence
    sides: list[GoldSide]
    resolved_by_correction: str | None = None


@dataclass(slots=True)
class GoldVariants:
    story: str
    speaker: str
    meaning_changed: bool
    variants: list[GoldSide]  # value = the wording


@dataclass(slots=True)
class GoldCorrection:
    story: str
    topic: str
    corrected: str
    correcting: str
    wrong: str
    right: str
    also_affects: list[str] = field(default_factory=list)


@dataclass(slots=True)
class GoldDevelopment:
    story: str
    topic: str
    values: list[GoldSide]  # in time order: earliest first


@dataclass(slots=True)
class StoriesGold:
    stories: dict[str, list[str]]  # label -> member ids
    conflicts: list[GoldConflict]
    quote_variants: list[GoldVariants]
    corrections: list[GoldCorrection]
    developments: list[GoldDevelopment] = field(default_factory=list)


def is_multi_story(data: dict[str, Any]) -> bool:
    return isinstance(data.get("stories"), dict)


def read_gold(data: dict[str, Any], where: str = "gold") -> StoriesGold:
    """The multi-story gold as typed records; ValueError naming what is missing."""
    try:
        stories = {label: list(s["members"]) for label, s in data["stories"].items()}
        story_of = {m: label for label, members in stories.items() for m in members}

        def sides(items) -> list[GoldSide]:
            return [GoldSide(str(s.get("value") or s.get("text") or ""), list(s["articles"])) for s in items]

        def story(entry, articles) -> str:
            label = entry.get("story") or next((story_of[a] for a in articles if a in story_of), None)
            if label not in stories:
                raise ValueError(f"{where}: no gold story for {entry.get('topic') or entry.get('speaker')!r}")
            return label

        conflicts = []
        for key, kind in (("conflicts", "quantity"), ("sequence_conflicts", "sequence")):
            for c in data.get(key, []):
                s = sides(c["sides"])
                conflicts.append(GoldConflict(story(c, [a for x in s for a in x.articles]), c.get("topic", ""),
                                              c.get("kind", kind), s, c.get("resolved_by_correction")))
        variants = []
        for q in data.get("quote_variants", []):
            s = sides(q["variants"])
            variants.append(GoldVariants(story(q, [a for x in s for a in x.articles]), q.get("speaker", ""),
                                         bool(q["meaning_changed"]), s))
        corrections = [
            GoldCorrection(story(c, [c["corrected_article"]]), c.get("topic", ""), c["corrected_article"],
                           c["correcting_article"], c["wrong"], c["right"], list(c.get("also_affects", [])))
            for c in data.get("corrections", [])
        ]
        developments = []
        for d in data.get("developments", []):
            values = sides(d["values"])
            if len(values) < 2:
                raise ValueError(f"{where}: development {d.get('topic')!r} needs two values or more")
            developments.append(GoldDevelopment(story(d, [a for v in values for a in v.articles]), d.get("topic", ""),
                                                values))
    except (KeyError, TypeError, AttributeError) as error:
        raise ValueError(f"{where}: not a multi-story gold ({error!r} missing or malformed)") from None
    return StoriesGold(stories, conflicts, variants, corrections, developments)


# -- scoring -------------------------------------------------------------------------------------------


def _numbers(text: str) -> set[float]:
    return {round(n.value, 6) for n in numbers_in(text or "")}


def _figures_in(text: str) -> set[tuple[float, str]]:
    return {(round(n.value, 6), n.unit.rstrip("s")) for n in numbers_in(text or "")}


def same_figure(text: str, wrong: set[tuple[float, str]]) -> bool:
    """``text`` gives one of the ``wrong`` figures: the same number, and the same unit where both name one."""
    return any(v == w and (not u or not wu or u == wu) for v, u in _figures_in(text) for w, wu in wrong)


def _texts(items) -> str:
    return " ".join(e.get("text", "") for e in items or [])


def _sides(conflict: dict[str, Any]) -> list[set[str]]:
    return [set(v.get("articles", [])) for v in conflict.get("values", [])]


def splits_like(gold: GoldConflict, conflict: dict[str, Any]) -> bool:
    """Each reported side inside one gold side, each gold side holding exactly one reported side."""
    if conflict.get("kind", "quantity") != gold.kind:
        return False
    want = [set(s.articles) for s in gold.sides]
    owners = []
    for side in _sides(conflict):
        owner = [k for k, g in enumerate(want) if side and side <= g]
        if not owner:
            return False
        owners.append(owner[0])
    return len(owners) >= 2 and sorted(owners) == list(range(len(want)))


def _closeness(gold: GoldConflict | GoldDevelopment, conflict: dict[str, Any]) -> float:
    """Shared numbers per side, then shared words of topic and values: which of alike splits is this one."""
    sides = gold.sides if isinstance(gold, GoldConflict) else gold.values
    numbers = sum(1 for side in conflict.get("values", []) for g in sides
                  if set(side.get("articles", [])) <= set(g.articles)
                  and _numbers(side.get("value", "")) & _numbers(g.value))
    words_gold = content_words(gold.topic + " " + " ".join(s.value for s in sides))
    words_got = content_words(" ".join([conflict.get("topic", "")] + [
        v.get("value", "") + " " + _texts(v.get("context") or v.get("evidence")) for v in conflict.get("values", [])]))
    return numbers + dice(words_gold, words_got)


def develops_like(gold: GoldDevelopment, development: dict[str, Any]) -> bool:
    """The reported values step through the gold values in time order (see the module's docstring)."""
    if development.get("kind", "quantity") != "quantity":
        return False
    want = [(set(v.articles), _numbers(v.value)) for v in gold.values]
    owners, shared = [], False
    for value in development.get("values", []):
        side, numbers = set(value.get("articles", [])), _numbers(value.get("value", ""))
        owner = [k for k, (articles, gold_numbers) in enumerate(want)
                 if side and side <= articles and (not numbers or not gold_numbers or numbers & gold_numbers)]
        if not owner:
            return False
        owners.append(owner[0])
        shared = shared or bool(numbers & want[owner[0]][1])
    return shared and owners == sorted(owners) and set(owners) == set(range(len(want)))


def _conflict_row(conflict: dict[str, Any], origin: str = "conflicts") -> dict[str, Any]:
    return {
        "list": origin,
        "topic": conflict.get("topic"),
        "kind": conflict.get("kind"),
        "sides": [{"value": v.get("value"), "articles": v.get("articles", []),
                   "context": [e.get("text") for e in (v.get("context") or v.get("evidence") or [])]}
                  for v in conflict.get("values", [])],
    }


def _gold_row(gold: GoldConflict) -> dict[str, Any]:
    return {"story": gold.story, "topic": gold.topic, "kind": gold.kind,
            "sides": [{"value": s.value, "articles": s.articles} for s in gold.sides]}


def _marked(article: str, wrong: set[tuple[float, str]], result: dict[str, Any], texts: dict[str, str]) -> list[str]:
    """How the reconciliation marks ``article``'s wrong figure as corrected (empty: not marked)."""
    how = []
    for q in result.get("quantities", []):
        if q.get("article") == article and q.get("superseded") and (not wrong or same_figure(q.get("text", ""), wrong)):
            how.append(f"quantity {q.get('text')!r} superseded")
    for entry in result.get("corrections", []) or []:
        if article in entry.get("corrects", []):
            # the entry names the article and retracts something it said (a rewrite may word the
            # wrong figure its own way: "two of them were taken to hospital")
            if any(r.get("article") == article for r in entry.get("retracted", [])):
                how.append(f"corrected by {entry.get('article')}")
    for span in result.get("superseded", []) or []:
        text = texts.get(article, "")[span.get("start", 0):span.get("end", 0)]
        if span.get("article") == article and (not wrong or same_figure(text, wrong)):
            how.append(f"statement superseded: {span.get('reason')}")
    return how


def _live(gold: GoldCorrection, result: dict[str, Any]) -> list[dict[str, Any]]:
    """Reported conflicts that still set an affected article's wrong number against another side."""
    affected, wrong = {gold.corrected, *gold.also_affects}, _figures_in(gold.wrong)
    out = []
    for c in result.get("conflicts", []):
        values = c.get("values", [])
        if len(values) >= 2 and any(set(v.get("articles", [])) & affected
                                    and (same_figure(v.get("value", ""), wrong) or not wrong) for v in values):
            out.append(c)
    return out


@dataclass(slots=True)
class StoryResult:
    """One reconciled found story, in gold article ids, with the gold stories that landed in it."""

    story_id: int | None
    labels: list[str]
    result: dict[str, Any]
    texts: dict[str, str] = field(default_factory=dict)


def score(gold: StoriesGold, found: dict[str, StoryResult]) -> dict[str, Any]:
    """Score reconciled stories (``found[label]``: the found story of each gold story) against the gold."""
    empty: dict[str, Any] = {"conflicts": [], "quotes": [], "quantities": [], "claims": []}

    def result_of(label: str) -> dict[str, Any]:
        return found[label].result if label in found else empty

    corrections = [_correction(c, result_of(c.story), found.get(c.story)) for c in gold.corrections]
    conflict_rows, matched = _conflicts(gold, found, result_of, corrections)
    development_rows = _developments(gold, found, result_of)
    variant_rows = [_variants(g, result_of(g.story)) for g in gold.quote_variants]
    false_rows = []
    seen: set[int] = set()
    for story in found.values():
        if id(story) in seen:
            continue
        seen.add(id(story))
        for k, c in enumerate(story.result.get("conflicts", [])):
            if (id(story), k) not in matched:
                false_rows.append({"stories": story.labels} | _conflict_row(c))
    quantity = [r for r in conflict_rows if r["kind"] != "sequence"]
    sequence = [r for r in conflict_rows if r["kind"] == "sequence"]
    misses = [{"category": "conflict" if r["kind"] != "sequence" else "sequence_conflict"} | r
              for r in conflict_rows if not r["found"]]
    misses += [{"category": "quote_variants"} | r for r in variant_rows if not r["found"]]
    misses += [{"category": "correction"} | r for r in corrections if not r["found"]]
    misses += [{"category": "development"} | r for r in development_rows if not r["found"]]
    return {
        "conflicts_found": sum(r["found"] for r in quantity),
        "conflicts_total": len(quantity),
        "sequence_conflicts_found": sum(r["found"] for r in sequence),
        "sequence_conflicts_total": len(sequence),
        "quote_variants_found": sum(r["found"] for r in variant_rows),
        "quote_variants_total": len(variant_rows),
        "quote_variants_meaning_changed_found": sum(r["found"] for r in variant_rows if r["meaning_changed"]),
        "quote_variants_meaning_changed_total": sum(r["meaning_changed"] for r in variant_rows),
        "corrections_found": sum(r["found"] for r in corrections),
        "corrections_total": len(corrections),
        "developments_found": sum(r["found"] for r in development_rows),
        "developments_total": len(development_rows),
        "false_conflicts": len(false_rows),
        "details": {"conflicts": conflict_rows, "quote_variants": variant_rows, "corrections": corrections,
                    "developments": development_rows, "false_conflicts": false_rows, "misses": misses},
    }


def _one_to_one(items, found: dict[str, StoryResult], listed: str, like) -> tuple[dict[int, int], set[tuple[int, int]]]:
    """Gold ``items`` paired with the reported ones of their story's ``listed`` list that are ``like``
    them, closest first, each on either side at most once: (gold index → reported index, the (story,
    reported index) pairs taken)."""
    pairs = []
    for g_index, g in enumerate(items):
        story = found.get(g.story)
        for k, reported in enumerate(story.result.get(listed, []) or [] if story else []):
            if like(g, reported):
                pairs.append((-_closeness(g, reported), g_index, k, id(story)))
    assigned: dict[int, int] = {}
    taken: set[tuple[int, int]] = set()
    for _, g_index, k, story_key in sorted(pairs):
        if g_index not in assigned and (story_key, k) not in taken:
            assigned[g_index] = k
            taken.add((story_key, k))
    return assigned, taken


def _conflicts(gold: StoriesGold, found: dict[str, StoryResult], result_of, corrections):
    assigned, matched = _one_to_one(gold.conflicts, found, "conflicts", splits_like)
    rows = []
    for g_index, g in enumerate(gold.conflicts):
        result = result_of(g.story)
        row = _gold_row(g) | {"found": g_index in assigned, "as": None}
        if g_index in assigned:
            row["as"] = "conflict"
            row["reported"] = _conflict_row(result["conflicts"][assigned[g_index]])
        elif g.resolved_by_correction:
            by = [c for c in corrections if c["story"] == g.story and c["correcting_article"] == g.resolved_by_correction]
            entries = [e for e in result.get("corrections", []) or [] if e.get("article") == g.resolved_by_correction]
            if (by and any(c["found"] for c in by)) or (not by and entries):
                row["found"], row["as"] = True, "correction"
        if not row["found"]:
            row["nearest"] = _nearest_conflicts(g, result)
            row["figures"] = _figures(g, result)
        rows.append(row)
    return rows, matched


def _developments(gold: StoriesGold, found: dict[str, StoryResult], result_of) -> list[dict[str, Any]]:
    """Each gold development with the reported development it takes (one to one, closest first)."""
    assigned, _ = _one_to_one(gold.developments, found, "developments", develops_like)
    rows = []
    for g_index, g in enumerate(gold.developments):
        result = result_of(g.story)
        row = {"story": g.story, "topic": g.topic, "found": g_index in assigned,
               "values": [{"value": v.value, "articles": v.articles} for v in g.values]}
        if row["found"]:
            row["reported"] = _conflict_row(result["developments"][assigned[g_index]], "developments")
        else:
            row["nearest"] = _nearest_conflicts(g, result)
        rows.append(row)
    return rows


def _nearest_conflicts(g: GoldConflict | GoldDevelopment, result: dict[str, Any]) -> list[dict[str, Any]]:
    articles = {a for s in (g.sides if isinstance(g, GoldConflict) else g.values) for a in s.articles}
    scored = []
    for origin in ("conflicts", "developments"):
        for c in result.get(origin, []) or []:
            got = set().union(*_sides(c)) if c.get("values") else set()
            overlap = len(articles & got) / len(articles | got) if got else 0.0
            scored.append((overlap + _closeness(g, c), _conflict_row(c, origin)))
    scored.sort(key=lambda pair: -pair[0])
    return [row | {"closeness": round(value, 3)} for value, row in scored[:NEAREST] if value > 0]


def _figures(g: GoldConflict, result: dict[str, Any]) -> list[dict[str, Any]]:
    """The figures the gold articles gave for the gold values: did extraction see them?"""
    if g.kind == "sequence":
        return []
    out = []
    for side in g.sides:
        numbers = _numbers(side.value)
        for q in result.get("quantities", []):
            if q.get("article") in side.articles and (round(float(q.get("value", -1)), 6) in numbers
                                                      or _numbers(q.get("text", "")) & numbers):
                out.append({"article": q.get("article"), "text": q.get("text"), "kind": q.get("kind"),
                            "what": q.get("what"), "superseded": q.get("superseded", False)})
    return out


def _wordings(quote: dict[str, Any]) -> list[dict[str, Any]]:
    variants = list(quote.get("variants") or [])
    if not any(v.get("text") == quote.get("text") for v in variants):
        variants.append({"text": quote.get("text", ""), "articles": quote.get("articles", [])})
    return variants


def _overlap(a: str, b: str) -> float:
    wa, wb = Counter(_words(a)), Counter(_words(b))
    return sum((wa & wb).values()) / min(sum(wa.values()), sum(wb.values())) if wa and wb else 0.0


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower().replace("’", "'"))


def _quote_row(quote: dict[str, Any], score_: float) -> dict[str, Any]:
    return {"speaker": quote.get("speaker"), "text": quote.get("text"), "articles": quote.get("articles", []),
            "variants": [{"text": v.get("text"), "articles": v.get("articles", []), "change": v.get("change")}
                         for v in quote.get("variants") or []],
            "closeness": round(score_, 3)}


def _variants(g: GoldVariants, result: dict[str, Any]) -> dict[str, Any]:
    articles = {a for v in g.variants for a in v.articles}
    row: dict[str, Any] = {"story": g.story, "speaker": g.speaker, "meaning_changed": g.meaning_changed,
                           "wordings": [{"text": v.value, "articles": v.articles} for v in g.variants],
                           "found": False}
    ranked = []
    for q in result.get("quotes", []):
        wordings = _wordings(q)
        each = [max((_overlap(v.value, w.get("text", "")) for w in wordings), default=0.0) for v in g.variants]
        ranked.append((sum(each) / len(each) if each else 0.0, min(each, default=0.0), q))
    ranked.sort(key=lambda item: -item[0])
    for mean, least, q in ranked:
        if least >= SAME_WORDS and articles <= set(q.get("articles", [])):
            judged = any(v.get("change") == "meaning" for v in q.get("variants") or [])
            row |= {"reported": _quote_row(q, mean), "meaning_judged": judged, "found": judged == g.meaning_changed}
            break
    if not row["found"]:
        row["nearest"] = [_quote_row(q, mean) for mean, _, q in ranked[:NEAREST] if mean > 0]
    return row


def _correction(g: GoldCorrection, result: dict[str, Any], story: StoryResult | None) -> dict[str, Any]:
    wrong = _figures_in(g.wrong)
    texts = story.texts if story else {}
    marks = {a: _marked(a, wrong, result, texts) for a in [g.corrected, *g.also_affects]}
    live = _live(g, result)
    row = {"story": g.story, "topic": g.topic, "corrected_article": g.corrected, "correcting_article": g.correcting,
           "also_affects": g.also_affects, "wrong": g.wrong, "right": g.right, "marked": marks,
           "live_conflicts": [_conflict_row(c) for c in live],
           "found": all(marks.values()) and not live}
    if not row["found"]:
        row["nearest"] = {
            "figures": [{"article": q.get("article"), "text": q.get("text"), "superseded": q.get("superseded", False)}
                        for q in result.get("quantities", [])
                        if q.get("article") in marks and same_figure(q.get("text", ""), wrong)],
            "corrections": [{"article": e.get("article"), "corrects": e.get("corrects", []),
                             "notice": (e.get("notice") or {}).get("text")}
                            for e in result.get("corrections", []) or []],
        }
    return row


# -- running -------------------------------------------------------------------------------------------


def _aliases(store: Store, ids: list[str]) -> dict[str, str]:
    """Gold name -> stored id: the id itself, a feed entry's GUID, a file's name."""
    out = {}
    for aid in ids:
        out[aid] = aid
        article = store.get_article(aid)
        extra = getattr(article, "extra", None) or {}
        if extra.get("guid"):
            out.setdefault(str(extra["guid"]), aid)
    return out


def _renamed(value: Any, name: dict[str, str]) -> Any:
    """The result with every article id (keys article / articles / corrects) in gold names."""
    if isinstance(value, list):
        return [_renamed(v, name) for v in value]
    if not isinstance(value, dict):
        return value
    out = {}
    for key, v in value.items():
        if key == "article" and isinstance(v, str):
            out[key] = name.get(v, v)
        elif key in ("articles", "corrects") and isinstance(v, list):
            out[key] = [name.get(a, a) if isinstance(a, str) else a for a in v]
        else:
            out[key] = _renamed(v, name)
    return out


def evaluate_stories(inputs: list[Path], gold_data: dict[str, Any], settings: Settings, *, embedder=None,
                     where: str = "gold") -> dict[str, Any]:
    gold = read_gold(gold_data, where)
    embedder = embedder or make_embedder(settings)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="newsdesk-eval-") as tmp:
        run_settings = settings.replace(db=str(Path(tmp) / "eval.db"))
        with Store(run_settings.db_path) as store:
            pipeline.ingest([str(p) for p in inputs], store, run_settings)
            StoryDesk(store, run_settings, embedder).run()
            labels = store.story_labels()
            alias = _aliases(store, sorted(labels))
            name = {stored: gold_name for gold_name, stored in alias.items() if gold_name != stored}
            missing = sorted(m for members in gold.stories.values() for m in members if m not in alias)
            if len(missing) == sum(len(m) for m in gold.stories.values()):
                raise ValueError(f"{where}: none of the gold articles could be ingested from {', '.join(map(str, inputs))}")
            found: dict[str, StoryResult] = {}
            by_id: dict[int, StoryResult] = {}
            stories = []
            for label, members in gold.stories.items():
                votes = Counter(labels[alias[m]] for m in members if m in alias and alias[m] in labels)
                if not votes:
                    stories.append({"label": label, "story_id": None, "members": len(members), "in_story": 0})
                    continue
                story_id = votes.most_common(1)[0][0]
                if story_id not in by_id:
                    result = reconcile_story(store, run_settings, story_id, embedder=embedder) or {}
                    in_story = sorted(a for a, s in labels.items() if s == story_id)
                    texts = {name.get(a, a): store.get_article(a).text for a in in_story}
                    by_id[story_id] = StoryResult(story_id, [], _renamed(result, name), texts)
                by_id[story_id].labels.append(label)
                found[label] = by_id[story_id]
                in_story = {name.get(a, a) for a, s in labels.items() if s == story_id}
                stories.append({"label": label, "story_id": story_id, "members": len(members),
                                "in_story": len(in_story & set(members)),
                                "missing": sorted(set(members) - in_story),
                                "extra": sorted(in_story - set(members)),
                                "reported_conflicts": len(by_id[story_id].result.get("conflicts", []))})
    scores = score(gold, found)
    details = scores.pop("details")
    return {"articles": len(labels), "stories": len(gold.stories), "stories_reconciled": len(by_id),
            "not_ingested": missing} | scores | {"seconds": round(time.perf_counter() - started, 2),
                                                 "details": {"stories": stories} | details}
