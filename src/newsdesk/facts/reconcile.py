"""Claims and reconciliation across the independent origins of one story.

Input: the facts of a story's articles, the origin group of each article (copies
and rewrites of one report share an origin and count once) and an embedder.

**Claims.** Statements (clauses) of different articles that say the same thing are
grouped: cosine similarity of their embeddings (a subject-less clause is embedded
with the subject it inherits) of at least :attr:`Params.same_claim`, agglomerated
best pair first under average linkage, at most one statement per article in a claim.
The threshold is the one that best separates paraphrases from non-paraphrases in the
MSRP train pairs (news sentence pairs; best F1 0.826 at a cosine of 0.62 with the
default embedder; ``newsdesk eval paraphrase``). A claim's status is *consensus*
when its articles come from at least two independent origins, *single-source*
otherwise, and *conflict* when a conflict below involves its statements.

**Quantity conflicts.** Two quantities of different origins are about the same
thing when they are of one kind (durations with durations, counts with counts…),
count the same thing (same head lemma) or sit in statements at least
:attr:`Params.same_topic` alike, and each is the other's best such match. Their
values are ranges under the qualifier readings of :mod:`.quantities`; a topic is in
conflict when the values of one origin overlap none of another's. An article that
gives several values for a topic ("three of the four issues") conflicts only if
none of them overlaps. Figures an article corrects itself ("corrected from 12 to
15") are marked ``superseded`` and take no part.

**Sequence conflicts.** An order phrase ("before the talks began", "following the
meeting", "earlier that day") places the statement it governs, and the clauses
below it, before or after a reference event. References that name the story's
main event — a meeting-like noun, or nothing ("earlier that day") — share one
anchor; others are compared by embedding. Statements of different articles that
tell the same event (see :meth:`Reconciler._sequence_conflicts`) about the same
anchor with opposite relations are a conflict. Such a claim keeps its status
(the event is agreed; its timing is not) and lists the conflict.

**Quote variants** are grouped in :mod:`.quote_variants`.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np

from .entities import link
from .model import ArticleFacts, Quantity, Statement, TimeExpr
from .quantities import to_base
from .common import components, words
from .quote_variants import quote_variants

# nouns that name the story's main event when a time phrase refers to "the meeting"
EVENT_NOUNS = {
    "meeting", "meetings", "talks", "talk", "discussion", "discussions", "engagement", "summit", "visit",
    "session", "negotiations", "encounter", "conversation", "call", "hearing", "conference", "vote", "ballot",
    "election", "debate", "briefing", "rally", "speech", "ceremony", "announcement", "interview", "match",
}
# a sentence that corrects a figure, and one that says a figure was wrong
CORRECTION = re.compile(
    r"\b(correction|corrected|correcting|earlier version|previous version|previously reported|revised|misstated|"
    r"incorrectly|erroneously|wrongly|initially reported|originally reported|had reported)\b",
    re.IGNORECASE,
)
WRONG = re.compile(r"\b(misstated|incorrectly|erroneously|wrongly|earlier version|previous version)\b", re.IGNORECASE)
CREDIT = re.compile(r"(additional )?(reporting|writing|editing|compiled) by\b", re.IGNORECASE)


@dataclass(frozen=True)
class Params:
    same_claim: float = 0.62  # cosine: two statements say the same thing (MSRP train, best F1)
    same_topic: float = 0.5  # cosine: two quantities or order phrases are about the same thing
    same_quote: float = 0.6  # cosine: two quotes of one speaker are one quote in other words
    same_reference: float = 0.7  # cosine: two order phrases refer to the same event
    window_hours: float = 12.0  # articles further apart in time report a developing figure, not a conflict


@dataclass
class Claim:
    items: list["Item"]
    conflict: bool = False  # carries a figure other sources contradict
    conflicts: list[int] = field(default_factory=list)  # the conflicts it is part of

    @property
    def origins(self) -> set[str]:
        return {x.origin for x in self.items}

    @property
    def status(self) -> str:
        if self.conflict:
            return "conflict"
        return "consensus" if len(self.origins) >= 2 else "single-source"


@dataclass
class Item:
    """A statement of one article, with what it holds."""

    article: str
    origin: str
    statement: Statement
    index: int  # row in the similarity matrix
    entities: frozenset[str]


def _embed_text(st: Statement) -> str:
    return f"{st.subject} {st.text}" if st.subject else st.text


class Reconciler:
    """Reconcile the facts of one story's articles."""

    def __init__(self, embed, params: Params | None = None) -> None:
        self.embed = embed  # callable: list[str] -> (n, d) L2-normalised float32 array
        self.params = params or Params()

    def run(
        self,
        facts: dict[str, ArticleFacts],
        origins: dict[str, str],
        texts: dict[str, str],
        statement_vectors: dict[str, np.ndarray] | None = None,
        published: dict[str, datetime | None] | None = None,
    ) -> dict[str, Any]:
        self.facts, self.origins, self.texts = facts, origins, texts
        self.published = published or {}
        self._anchor_vectors: dict[str, np.ndarray] = {}
        self.entities, self.entity_of = link({aid: f.mentions for aid, f in facts.items()})
        self._items(statement_vectors or {})
        self.superseded = {aid: self._superseded(aid) for aid in facts}
        claims = self._claims()
        conflicts = self._quantity_conflicts() + self._sequence_conflicts()
        self._mark_conflicts(claims, conflicts)
        return {
            "entities": [e.as_dict() for e in self.entities],
            "quotes": quote_variants(self.facts, self.entities, self.entity_of, self.texts, self.embed,
                                     self.params.same_quote),
            "quantities": self._quantities(),
            "claims": [self._claim_dict(c) for c in claims],
            "conflicts": [self._conflict_dict(c) for c in conflicts],
        }

    # ------------------------------------------------------------------ statements

    def _items(self, stored: dict[str, np.ndarray]) -> None:
        self.items: list[Item] = []
        rows: list[np.ndarray] = []
        missing: list[tuple[int, str]] = []
        for aid in sorted(self.facts):
            f = self.facts[aid]
            vectors = stored.get(aid)
            if vectors is not None and len(vectors) != len(f.statements):
                vectors = None
            for k, st in enumerate(f.statements):
                ents = frozenset(
                    self.entity_of[(aid, m.start)].name
                    for m in f.mentions
                    if st.start <= m.start and m.end <= st.end and (aid, m.start) in self.entity_of
                )
                self.items.append(Item(aid, self.origins.get(aid, aid), st, len(self.items), ents))
                if vectors is not None:
                    rows.append(vectors[k])
                else:
                    rows.append(None)  # type: ignore[arg-type]
                    missing.append((len(self.items) - 1, _embed_text(st)))
        if missing:
            new = self.embed([text for _, text in missing])
            for (i, _), vec in zip(missing, new):
                rows[i] = vec
        dim = rows[0].shape[0] if rows else 1
        self.vectors = np.vstack(rows).astype(np.float32) if rows else np.zeros((0, dim), np.float32)
        self.sim = self.vectors @ self.vectors.T if rows else np.zeros((0, 0), np.float32)
        self.item_at = {(it.article, it.statement.start): it for it in self.items}
        self._time_clause = [self._is_time_clause(it) for it in self.items]

    def statement_vectors(self) -> dict[str, np.ndarray]:
        """The statement vectors per article, in statement order (to be stored for the next run)."""
        out: dict[str, list[np.ndarray]] = defaultdict(list)
        for it in self.items:
            out[it.article].append(self.vectors[it.index])
        return {aid: np.vstack(rows) for aid, rows in out.items()}

    def _clash(self, a: Item, b: Item, protagonists: set[str]) -> bool:
        """Both statements name someone or something beyond the protagonists, and nothing in common."""
        ea, eb = a.entities - protagonists, b.entities - protagonists
        return bool(ea and eb and not ea & eb)

    def _claims(self) -> list[Claim]:
        """Statements grouped into claims, best pair first, under average linkage.

        A statement in a sentence that says two things ("a delegation met US
        officials for extensive talks, as reported by Axios") can support two
        claims: a statement left alone is also attached to the most similar
        statement of each other article, when one is similar enough.
        """
        n = len(self.items)
        protagonists = self._protagonists()
        group = list(range(n))
        members: dict[int, list[Item]] = {i: [self.items[i]] for i in range(n) if not self._time_clause[i]}
        ii, jj = np.where(np.triu(self.sim, 1) >= self.params.same_claim)
        pairs = sorted(
            ((float(self.sim[i, j]), int(i), int(j)) for i, j in zip(ii, jj)
             if self.items[i].article != self.items[j].article and i in members and j in members
             and not self._clash(self.items[i], self.items[j], protagonists)),
            reverse=True,
        )
        for _, i, j in pairs:
            gi, gj = group[i], group[j]
            if gi == gj:
                continue
            a, b = members[gi], members[gj]
            if {x.article for x in a} & {x.article for x in b}:
                continue
            block = self.sim[np.ix_([x.index for x in a], [x.index for x in b])]
            if float(block.mean()) < self.params.same_claim:
                continue
            for x in b:
                group[x.index] = gi
            members[gi] = a + b
            del members[gj]
        for key, items in members.items():
            if len(items) == 1:
                members[key] = items + self._best_in_other_articles(items[0], protagonists)
        claims = [Claim(items) for items in members.values()]
        claims.sort(key=lambda c: (-len(c.origins), -len(c.items), min((x.article, x.statement.start) for x in c.items)))
        return claims

    def _best_in_other_articles(self, item: Item, protagonists: set[str]) -> list[Item]:
        row = self.sim[item.index]
        best: dict[str, Item] = {}
        for j in np.flatnonzero(row >= self.params.same_claim)[np.argsort(-row[row >= self.params.same_claim], kind="stable")]:
            other = self.items[int(j)]
            if other.article == item.article or other.article in best or self._time_clause[other.index] \
                    or self._clash(item, other, protagonists):
                continue
            best[other.article] = other
        return list(best.values())

    def _is_time_clause(self, item: Item) -> bool:
        """A clause that only places another in time ("before the talks began"), or a credit line."""
        if CREDIT.match(item.statement.text):
            return True
        return any(
            t.kind == "order" and t.start <= item.statement.start and item.statement.end <= t.end
            for t in self.facts[item.article].times
        )

    def _representative(self, claim: list[Item]) -> Item:
        if len(claim) == 1:
            return claim[0]
        idx = [x.index for x in claim]
        centrality = self.sim[np.ix_(idx, idx)].sum(axis=1)
        return claim[int(np.argmax(centrality))]

    def _evidence(self, article: str, start: int, end: int) -> dict[str, Any]:
        return {"article": article, "start": start, "end": end, "text": self.texts[article][start:end]}

    def _claim_dict(self, claim: Claim) -> dict[str, Any]:
        rep = self._representative(claim.items)
        return {
            "text": rep.statement.text,
            "articles": sorted({x.article for x in claim.items}),
            "origins": len(claim.origins),
            "status": claim.status,
            "conflicts": claim.conflicts,
            "evidence": [self._evidence(x.article, x.statement.start, x.statement.end) for x in claim.items],
        }

    # ------------------------------------------------------------------ quantities

    def _item_of(self, article: str, char: int) -> Item | None:
        """The statement of ``article`` whose span holds ``char`` (the smallest one)."""
        best = self.facts[article].statement_at(char)
        return self.item_at.get((article, best.start)) if best else None

    def _superseded(self, article: str) -> set[int]:
        """Starts of the figures an article itself corrects.

        In a sentence that announces a correction ("corrected from 12 to 15", "an
        earlier version of this article said 12; 15 died", "15 boats, not 12"), a
        figure after "not" is superseded, and of several figures of one kind the
        earlier ones are; a lone figure is superseded when the sentence says it was
        wrong ("an earlier version misstated the toll as 12").
        """
        f = self.facts[article]
        text = self.texts[article]
        out: set[int] = set()
        for number, sentence in enumerate(f.sentences):
            if not CORRECTION.search(sentence.text):
                continue
            figures = [q for q in f.quantities if q.sentence == number]
            negated = {q.start for q in figures if re.search(r"\bnot\s+$", text[max(0, q.start - 8):q.start])}
            out |= negated
            kept = [q for q in figures if q.start not in negated]
            by_kind: dict[str, list[Quantity]] = defaultdict(list)
            for q in kept:
                by_kind[q.kind].append(q)
            for group in by_kind.values():
                if len(group) > 1:
                    out |= {q.start for q in group[:-1]}
                elif WRONG.search(sentence.text) and not negated:
                    out.add(group[0].start)
        return out

    def _quantities(self) -> list[dict[str, Any]]:
        out = []
        for aid in sorted(self.facts):
            superseded = self.superseded[aid]
            for q in self.facts[aid].quantities:
                out.append(q.as_dict() | {"article": aid, "superseded": q.start in superseded})
        return out

    def _quantity_conflicts(self) -> list[dict[str, Any]]:
        entries: list[tuple[str, Quantity, Item]] = []
        for aid in sorted(self.facts):
            for q in self.facts[aid].quantities:
                if q.start in self.superseded[aid]:
                    continue
                item = self._item_of(aid, q.start)
                if item is not None:
                    entries.append((aid, q, item))

        def affinity(a, b) -> float:
            (aa, qa, ia), (ab, qb, ib) = a, b
            if qa.kind != qb.kind or self.origins.get(aa, aa) == self.origins.get(ab, ab) or not self._contemporary(aa, ab):
                return -1.0
            if qa.kind == "money" and qa.unit != qb.unit:
                return -1.0
            sim = float(self.sim[ia.index, ib.index])
            if qa.what_lemma and qa.what_lemma == qb.what_lemma:
                return max(sim, self.params.same_topic)
            if qa.kind == "duration" and _event_like(qa) and _event_like(qb):
                # "the meeting lasted over an hour" / "the discussions unfolded over two hours"
                return sim
            return sim if qa.kind == "duration" and sim >= self.params.same_claim else -1.0

        # each quantity's best partner in every other article; keep the mutual best pairs
        best: dict[tuple[int, str], tuple[float, int]] = {}
        for i, a in enumerate(entries):
            for j, b in enumerate(entries):
                if a[0] == b[0]:
                    continue
                score = affinity(a, b)
                if score >= self.params.same_topic and score > best.get((i, b[0]), (-1.0, -1))[0]:
                    best[(i, b[0])] = (score, j)
        links = [(i, j) for (i, art), (_, j) in best.items() if best.get((j, entries[i][0]), (0, -1))[1] == i]
        topics = components(len(entries), links)
        conflicts = []
        for topic in topics:
            if len({entries[k][0] for k in topic}) < 2:
                continue
            # every figure an article gives for the same thing counts ("three of the four issues")
            members = set(topic)
            for k in topic:
                aid, q, _ = entries[k]
                members |= {
                    m for m, (other_aid, other, _) in enumerate(entries)
                    if other_aid == aid and other.kind == q.kind and q.what_lemma and other.what_lemma == q.what_lemma
                }
            by_origin: dict[str, list[int]] = defaultdict(list)
            for k in members:
                by_origin[self.origins.get(entries[k][0], entries[k][0])].append(k)
            if not _disjoint_origins(by_origin, lambda k: to_base(entries[k][1])):
                continue
            conflicts.append(self._quantity_conflict([entries[k] for k in topic]))
        return conflicts

    def _quantity_conflict(self, entries: list[tuple[str, Quantity, Item]]) -> dict[str, Any]:
        values: dict[tuple[float, float], list[tuple[str, Quantity, Item]]] = defaultdict(list)
        for entry in entries:
            values[to_base(entry[1])].append(entry)
        whats = [q.what for _, q, _ in entries if q.what]
        what = max(set(whats), key=whats.count) if whats else "the figure"
        kind = entries[0][1].kind
        topic = f"{'duration' if kind == 'duration' else 'number'} of {what}"
        return {
            "topic": topic,
            "kind": "quantity",
            "statements": [(aid, item.statement.start) for aid, _, item in entries],
            "values": [
                {
                    "value": group[0][1].text,
                    "range": [_finite(v) for v in bounds],
                    "articles": sorted({aid for aid, _, _ in group}),
                    "evidence": [self._evidence(aid, q.start, q.end) for aid, q, _ in group],
                    "context": [self._evidence(aid, item.statement.start, item.statement.end) for aid, _, item in group],
                }
                for bounds, group in sorted(values.items())
            ],
        }

    # ------------------------------------------------------------------ sequence

    def _main_event(self, t: TimeExpr, article: str) -> bool:
        if t.reference is None:
            return True
        ref_words = set(words(t.reference))
        if not ref_words & EVENT_NOUNS:
            return False
        top = {e.name for e in self.entities[:4] if e.label == "person"}
        named = {
            self.entity_of[(article, m.start)].name
            for m in self.facts[article].mentions
            if t.reference_start is not None and t.reference_start <= m.start < (t.reference_end or 0)
            and (article, m.start) in self.entity_of
        }
        return not named or bool(named & top)

    def _ordered_items(self) -> list[tuple[Item, TimeExpr, str]]:
        """(statement, order phrase, anchor) for every statement an order phrase governs."""
        out = []
        for aid in sorted(self.facts):
            f = self.facts[aid]
            by_head = {st.head_start: st for st in f.statements}
            for t in f.times:
                if t.kind != "order" or t.relation not in {"before", "after"} or t.head_start is None:
                    continue
                anchor = "MAIN" if self._main_event(t, aid) else (t.reference or "")
                governed = []
                for st in f.statements:
                    node, seen = st, set()
                    while node is not None and node.head_start not in seen:
                        if node.head_start == t.head_start:
                            governed.append(st)
                            break
                        seen.add(node.head_start)
                        node = by_head.get(node.parent)
                if not governed:  # the parse put the verb inside a clause headed elsewhere
                    holder = self._item_of(aid, t.head_start)
                    governed = [holder.statement] if holder else []
                # an order phrase that is a clause of its own ("before the talks began") is not an event
                for st in governed:
                    if t.start <= st.start and st.end <= t.end:
                        continue
                    item = self.item_at.get((aid, st.start))
                    if item is not None:
                        out.append((item, t, anchor))
        return out

    def _same_anchor(self, a: tuple[Item, TimeExpr, str], b: tuple[Item, TimeExpr, str]) -> bool:
        if a[2] == "MAIN" or b[2] == "MAIN":
            return a[2] == b[2]
        missing = [text for text in (a[2], b[2]) if text not in self._anchor_vectors]
        if missing:
            self._anchor_vectors.update(zip(missing, self.embed(missing)))
        return float(self._anchor_vectors[a[2]] @ self._anchor_vectors[b[2]]) >= self.params.same_reference

    def _contemporary(self, a: str, b: str) -> bool:
        """Whether two articles are close enough in time for a difference to be a conflict, not news."""
        ta, tb = self.published.get(a), self.published.get(b)
        if ta is None or tb is None:
            return True
        return abs((ta - tb).total_seconds()) <= self.params.window_hours * 3600

    def _protagonists(self) -> set[str]:
        """Entities that link everything in a story: its two main people, and what every article names."""
        people = [e.name for e in self.entities if e.label == "person"][:2]
        common = {e.name for e in self.entities if e.label != "person" and e.articles >= set(self.facts)}
        return set(people) | (common if len(self.facts) > 2 else set())

    def _sequence_conflicts(self) -> list[dict[str, Any]]:
        """Statements placed before and after the same anchor by different articles.

        Two statements tell the same event when they are as alike as a claim, or
        alike on the topic level and share a participant other than the story's
        protagonists, and their other participants do not clash (each names someone
        the other does not). Opposite relations on the same event are a conflict;
        conflicting pairs that share a statement are one topic. Rewrites can
        disagree with their source, so sides are articles, not origins.
        """
        ordered = self._ordered_items()
        anchors = [x[2] for x in ordered if x[2] != "MAIN" and x[2] not in self._anchor_vectors]
        if anchors:  # one embedding call for every anchor the pairs below compare
            anchors = list(dict.fromkeys(anchors))
            self._anchor_vectors.update(zip(anchors, self.embed(anchors)))
        protagonists = self._protagonists()
        opposed = []
        for i, a in enumerate(ordered):
            for j in range(i + 1, len(ordered)):
                b = ordered[j]
                if a[0].article == b[0].article or a[1].relation == b[1].relation or not self._same_anchor(a, b):
                    continue
                if not self._contemporary(a[0].article, b[0].article):
                    continue
                sim = float(self.sim[a[0].index, b[0].index])
                ea, eb = a[0].entities - protagonists, b[0].entities - protagonists
                if ea and eb and not ea & eb:
                    continue
                if sim >= self.params.same_claim or (ea & eb and sim >= self.params.same_topic):
                    opposed.append((i, j))
        return [self._sequence_conflict([ordered[k] for k in topic]) for topic in components(len(ordered), opposed)]

    def _sequence_conflict(self, entries: list[tuple[Item, TimeExpr, str]]) -> dict[str, Any]:
        rep = self._representative([item for item, _, _ in entries])
        references = [t.reference for _, t, _ in entries if t.reference]
        reference = max(references, key=len) if references else "the main event"
        values = []
        for relation in ("before", "after"):
            seen: set[tuple[str, int]] = set()
            group = []
            for item, t, _ in entries:  # one phrase may govern several statements: cite it once
                if t.relation == relation and (item.article, t.start) not in seen:
                    seen.add((item.article, t.start))
                    group.append((item, t))
            values.append(
                {
                    "value": relation,
                    "articles": sorted({item.article for item, _ in group}),
                    "evidence": [self._evidence(item.article, t.start, t.end) for item, t in group],
                    "context": [
                        self._evidence(item.article, item.statement.start, item.statement.end) for item, _ in group
                    ],
                }
            )
        return {
            "topic": f"whether “{_event_text(rep.statement, [t for item, t, _ in entries if item is rep])}” "
                     f"came before or after {reference}",
            "kind": "sequence",
            "statements": [(item.article, item.statement.start) for item, _, _ in entries],
            "values": values,
        }

    # ------------------------------------------------------------------ conflicts on claims

    def _mark_conflicts(self, claims: list[Claim], conflicts: list[dict[str, Any]]) -> None:
        """A claim carrying a disputed figure is in conflict; one whose timing is disputed points to it."""
        for number, conflict in enumerate(conflicts):
            involved = set(conflict["statements"])
            for claim in claims:
                if any((x.article, x.statement.start) in involved for x in claim.items):
                    claim.conflicts.append(number)
                    claim.conflict = claim.conflict or conflict["kind"] == "quantity"

    @staticmethod
    def _conflict_dict(conflict: dict[str, Any]) -> dict[str, Any]:
        return {key: value for key, value in conflict.items() if key != "statements"}

# ---------------------------------------------------------------------- helpers


def _disjoint_origins(by_origin: dict[str, list[int]], value) -> bool:
    """Whether two origins disagree: some pair of origins none of whose values agree."""
    origins = list(by_origin)
    for x in range(len(origins)):
        for y in range(x + 1, len(origins)):
            va = [value(k) for k in by_origin[origins[x]]]
            vb = [value(k) for k in by_origin[origins[y]]]
            if not any(_agree(p, q) for p in va for q in vb):
                return True
    return False


def _agree(p, q) -> bool:
    if isinstance(p, tuple):  # ranges
        return p[0] <= q[1] and q[0] <= p[1]
    return p == q


def _event_text(st: Statement, phrases: list[TimeExpr]) -> str:
    """A statement without the order phrase that places it ("Following the meeting, X met Y" → "X met Y")."""
    text, start = st.text, st.start
    for t in phrases:
        if st.start <= t.start and t.end <= st.end:
            a, b = t.start - start, t.end - start
            if a > 0 and text[b:].strip(" ,.;"):
                continue  # in the middle: cutting it would join words the article does not join
            rest = (text[:a] if a > 0 else text[b:]).strip(" ,;")
            if len(rest.split()) >= 3:
                return _embed_text(Statement(rest, st.start, st.end, st.sentence, st.subject))
    return _embed_text(st)


def _event_like(q: Quantity) -> bool:
    """A duration of the story's event: of a meeting, talks, a session (or of nothing named)."""
    return q.what_lemma is None or q.what_lemma in EVENT_NOUNS or (q.what or "").lower() in EVENT_NOUNS


def _finite(value: float) -> float | None:
    return None if value in (float("inf"), float("-inf")) else value
