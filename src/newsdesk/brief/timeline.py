"""The timeline of a story: its dated events, in time order.

An entry is a clause dated by a time expression of its own (see
:mod:`newsdesk.facts.times`): a date, weekday or relative date resolved to a day
against its article's publication time, whose phrase modifies the clause's verb.
Not entries:

* a time word in front of a noun or left unattached ("the 1968 bridge", a
  dateline): the facts stage gives it no verb;
* a deadline or a bound: "until Friday", "by March 20", "from April", "since
  Monday", "beyond Wednesday" — not the date of the event told;
* a time inside a quote (a remark about another time, not the event reported);
* a month or a year alone ("in April", "in 2027"): no day to place it on;
* background: a day more than :data:`BACKGROUND_DAYS` before the story's earliest
  publication;
* a sentence that a correction or retraction supersedes, or whose figure a later report changed
  (``reconciled["superseded"]``), except as a value of a development (below);
* a line too short to tell an event ("Posted: May 24, 2005").

An entry is told by its sentence (a leading phrase cut unless it holds the date) when
the dated clause is the sentence's main clause, else by the clause itself with its
subject; other articles' sentences of the same claim with the same day are cited
with it. Each value of a developing figure (``reconciled["developments"]``), the earlier
ones included, is an entry of its own, dated by the time its sentence gives, else by
its article's publication day. Entries are the most cited ones (developments first), shown in
order of day, clock time, then publication time. ``when`` reads "Mon 2 Mar" or
"Tue 3 Mar, 6 a.m." (with the year when it is not the year of the latest report).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import numpy as np

from .material import Candidate, Material, WriterParams
from .model import Evidence, Line
from .sentences import (
    PRONOUN_START,
    capitalise,
    claim_locator,
    dedupe,
    spans_by_article,
    superseded_spans,
    trim_lead,
)

if TYPE_CHECKING:
    from ..facts.model import ArticleFacts, Statement, TimeExpr
    from .gate import Gate

# the word in front of a time phrase that makes it a bound, not the date of the event told
BOUNDS = {"until", "till", "til", "by", "through", "from", "since", "beyond", "before", "after", "within",
          "throughout", "past"}
BACKGROUND_DAYS = 365
# a clause opening with one of these is part of another clause and does not read alone
CLAUSE_MARKERS = {"after", "before", "when", "while", "as", "if", "because", "since", "until", "that", "which",
                  "who", "whom", "whose", "where", "although", "though", "once", "whether", "and", "but", "or",
                  "to", "so", "than", "for", "with", "without"}
_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}))?")
_WORD = re.compile(r"[\w’']+")


@dataclass(slots=True)
class Entry:
    day: date
    clock: tuple[int, int] | None
    text: str
    quality: int  # 2: a sentence, 1: a clause, 0: does not read alone
    own: str  # the article whose words tell it
    published: datetime | None
    position: int
    evidence: list[Evidence] = field(default_factory=list)
    score: float = 0.0
    development: bool = False
    vector: np.ndarray | None = None  # its sentence's unit vector, when it is a candidate sentence


def story_timeline(material: Material, cands: list[Candidate], params: WriterParams,
                   gate: Gate | None = None, passes: Callable[[Line], bool] | None = None) -> list[dict[str, Any]]:
    """The timeline entries of a story: ``{"when", "date", "line"}``, each line checked by ``gate``
    and kept when ``passes`` says so."""
    reconciled = material.reconciled or {}
    superseded = superseded_spans(reconciled)
    published = {aid: s.published for aid, s in material.sources.items()}
    days = [p.date() for p in published.values() if p is not None]
    earliest = min(days) if days else None
    relevance = {(c.article, c.index): c.relevance for c in cands}
    claim_of = claim_locator(reconciled)
    events: dict[tuple, Entry] = {}

    def too_old(day: date) -> bool:
        return earliest is not None and (earliest - day).days > BACKGROUND_DAYS

    for aid, facts in material.facts.items():
        source = material.sources.get(aid)
        if source is None:
            continue
        text = source.text
        seen_clauses: set[int] = set()
        for t, clause in _dated_clauses(facts, text):
            day, clock = _day(t.value)
            sentence = facts.sentences[t.sentence] if 0 <= t.sentence < len(facts.sentences) else None
            if sentence is None or clause.start in seen_clauses or too_old(day):
                continue
            if _overlaps(superseded.get(aid, ()), sentence.start, sentence.end):
                continue
            seen_clauses.add(clause.start)
            if clause.parent is None:
                start, told = trim_lead(sentence.text, facts, sentence.start)
                quality = 2
                if start > t.start:
                    start, told = sentence.start, sentence.text
                if PRONOUN_START.match(told) or len(told.split()) > params.bullet_max_words:
                    told, quality = _clause_text(clause, text), 1
            else:
                told, quality = _clause_text(clause, text), 1
            if PRONOUN_START.match(told) or len(told.split()) < params.min_words \
                    or (quality == 1 and _subordinate(text, sentence.start, clause.start, told)):
                quality = 0
            claim = claim_of.get((aid, clause.start), (aid, clause.start))
            entry = events.get((claim, day))
            if entry is None:
                entry = events[(claim, day)] = Entry(day, clock, "", -1, aid, published.get(aid), t.start)
            if quality > entry.quality:
                entry.text, entry.quality, entry.own = capitalise(told.rstrip(" ,;")), quality, aid
                entry.published, entry.position = published.get(aid), t.start
            if clock is not None and entry.clock is None:
                entry.clock = clock
            entry.evidence.append(Evidence(aid, sentence.start, sentence.end, sentence.text))
            entry.score = max(entry.score, relevance.get((aid, t.sentence), 0.0))

    developments = _development_entries(material, _retracted(reconciled), published, too_old)
    ranked = developments + sorted(
        (e for e in events.values() if e.quality > 0),
        key=lambda e: (-len({x.article for x in e.evidence}), -e.score),
    )
    vectors = {(c.article, c.start): _unit(c.vector) for c in cands}
    for e in ranked:
        e.vector = next((vectors[(x.article, x.start)] for x in e.evidence if (x.article, x.start) in vectors), None)
    entries = _select(ranked, params.timeline + len(developments), params.same_topic)
    entries.sort(key=lambda e: (e.day, e.clock or (-1, -1), e.published.timestamp() if e.published else float("inf"),
                                e.own, e.position))
    latest = max(days) if days else None
    lines = []
    for e in entries:  # the article whose words tell the event first; other articles cited where they agree
        evidence = sorted(dedupe(e.evidence), key=lambda x: x.article != e.own)
        lines.append(Line(e.text, list(dict.fromkeys(x.article for x in evidence)), evidence))
    if gate is not None:
        gate.check_all(lines)
    return [{"when": when(e.day, e.clock, latest.year if latest else None), "date": e.day.isoformat(), "line": line}
            for e, line in zip(entries, lines) if passes is None or passes(line)]


def _select(ranked: list[Entry], limit: int, same_topic: float) -> list[Entry]:
    """Up to ``limit`` entries: the best of each day first (so the timeline spans the story), then the
    next best. A sentence with two dated clauses is told once, and an event at the same day and clock
    time as a chosen one on the same topic (cosine of their sentences) is the same event told again."""
    told: set[str] = set()
    chosen: list[Entry] = []

    def repeats(e: Entry) -> bool:
        return e.clock is not None and e.vector is not None and any(
            c.day == e.day and c.clock == e.clock and c.vector is not None
            and float(np.dot(c.vector, e.vector)) >= same_topic for c in chosen)

    for first_pass in (True, False):
        days = {e.day for e in chosen}
        for e in ranked:
            if len(chosen) >= limit:
                return chosen
            if e.text in told or (first_pass and e.day in days and not e.development) or repeats(e):
                continue
            told.add(e.text)
            chosen.append(e)
            days.add(e.day)
    return chosen


def when(day: date, clock: tuple[int, int] | None = None, year: int | None = None) -> str:
    """"Mon 2 Mar", "Tue 3 Mar, 6 a.m.", "Sat 7 Mar 2015" (the year when it is not ``year``)."""
    out = f"{day.strftime('%a')} {day.day} {day.strftime('%b')}"
    if day.year != year:
        out += f" {day.year}"
    if clock is not None:
        out += f", {_clock(*clock)}"
    return out


def _clock(hour: int, minute: int) -> str:
    if (hour, minute) == (12, 0):
        return "noon"
    if (hour, minute) == (0, 0):
        return "midnight"
    half = "a.m." if hour < 12 else "p.m."
    shown = hour % 12 or 12
    return f"{shown} {half}" if minute == 0 else f"{shown}:{minute:02d} {half}"


def _day(value: str | None) -> tuple[date, tuple[int, int] | None]:
    m = _DAY.match(value or "")
    if m is None:
        raise ValueError(f"not a day: {value!r}")
    day = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    return day, ((int(m.group(4)), int(m.group(5))) if m.group(4) else None)


def is_day(value: str | None) -> bool:
    """Whether a resolved time value names a day ("2026-03-02", "2026-03-02T06:00"), not a month, week or year."""
    m = _DAY.match(value or "")
    if m is None:
        return False
    try:
        date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return False
    return True


def _dated_clauses(facts: ArticleFacts, text: str) -> list[tuple[TimeExpr, Statement]]:
    """(time expression, the clause whose event it dates) for every time expression that dates one.

    The clause is the smallest one that holds the verb the phrase modifies; within a clause, a
    day with a clock time is preferred to one without.
    """
    out = []
    for t in facts.times:
        if t.kind not in ("date", "weekday", "relative") or not is_day(t.value) or t.head_start is None:
            continue
        if _bound_before(text, t.start) or any(q.start <= t.start < q.end for q in facts.quotes):
            continue
        clause = facts.statement_at(t.head_start)
        if clause is None:
            continue
        out.append((t, clause))
    out.sort(key=lambda pair: (pair[1].start, "T" not in (pair[0].value or ""), pair[0].start))
    return out


def _bound_before(text: str, start: int) -> bool:
    words = _WORD.findall(text[max(0, start - 30):start].lower())
    return bool(words) and (words[-1] in BOUNDS or words[-2:] in (["as", "of"], ["no", "later"], ["up", "to"]))


def _subordinate(text: str, sentence_start: int, clause_start: int, told: str) -> bool:
    """Whether a clause is part of another ("after talks broke down", "as the Herald reported"):
    it opens with a marker, or one stands just before it."""
    first = _WORD.match(told)
    if first and told[:1].islower() and first.group().lower() in CLAUSE_MARKERS:
        return True
    before = _WORD.findall(text[sentence_start:clause_start].lower())
    return bool(before) and before[-1] in CLAUSE_MARKERS - {"and", "but", "or"}


def _clause_text(clause: Statement, text: str) -> str:
    told = text[clause.start:clause.end]
    if clause.subject and not told.lower().startswith(clause.subject.lower()):
        return f"{clause.subject} {told}"
    return told


def _retracted(reconciled: dict[str, Any]) -> dict[str, list[tuple[int, int]]]:
    """Per article, the spans a correction retracts (an earlier value of a developing figure is
    superseded too, but it was true when told: the timeline tells it on its day)."""
    return spans_by_article(span for correction in reconciled.get("corrections", []) or []
                            for span in correction.get("retracted", []) or [])


def _overlaps(spans, start: int, end: int) -> bool:
    return any(a < end and start < b for a, b in spans)


def _development_entries(material: Material, retracted: dict[str, list[tuple[int, int]]],
                         published: dict[str, datetime | None], too_old: Callable[[date], bool]) -> list[Entry]:
    """One entry per value of each developing figure, told by its sentence and dated by the day the
    sentence gives, else by its report's publication day. Earlier values are entries too (on their
    day, they were the news); a value a correction retracted is not."""
    out = []
    for development in material.reconciled.get("developments", []) or []:
        for value in development.get("values", []) or []:
            spans = [s for s in (value.get("context") or value.get("evidence") or []) if isinstance(s, dict)]
            entry = None
            for span in spans:
                aid = span.get("article")
                facts, source = material.facts.get(aid), material.sources.get(aid)
                if facts is None or source is None or not isinstance(span.get("start"), int):
                    continue
                start, end = span["start"], span.get("end", span["start"])
                if _overlaps(retracted.get(aid, ()), start, end):
                    continue
                sentence = next((s for s in facts.sentences if s.start <= start < s.end), None)
                if sentence is None:
                    continue
                dated = [(t, c) for t, c in _dated_clauses(facts, source.text) if sentence.start <= t.start < sentence.end]
                if dated:
                    day, clock = _day(dated[0][0].value)
                else:
                    when_published = published.get(aid) or _iso(value.get("published"))
                    if when_published is None:
                        continue
                    day, clock = when_published.date(), None
                if too_old(day):
                    continue
                evidence = Evidence(aid, sentence.start, sentence.end, sentence.text)
                if entry is None:
                    entry = Entry(day, clock, sentence.text.strip(), 2, aid, published.get(aid), sentence.start,
                                  [evidence], development=True)
                elif entry.day == day:
                    entry.evidence.append(evidence)
            if entry is not None:
                out.append(entry)
    return out


def _unit(v: np.ndarray) -> np.ndarray:
    n = float(np.linalg.norm(v))
    return v / n if n else v


def _iso(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


__all__ = ["BACKGROUND_DAYS", "BOUNDS", "is_day", "story_timeline", "when"]
