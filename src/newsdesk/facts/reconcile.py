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

import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np

from .common import components, words
from .entities import link
from .figures import (
    DATELINE, agree, baseline, comparable, figure_range, figure_topic, future, is_vague, modality, place, ratio,
    same_kind, same_thing_named,
)
from .model import ArticleFacts, Quantity, Statement, TimeExpr
from .order import Event, already_orders, is_cleft, phrase_order, swapped
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
# a notice that an earlier report was wrong, and a figure set right against another report
NOTICE = re.compile(
    r"\b(correction|an? (earlier|previous|prior) version|previously reported|incorrectly (said|stated|reported)|"
    r"erroneously|wrongly (said|stated|reported)|misstated|misreported)\b",
    re.IGNORECASE,
)
NOT_AS = re.compile(
    r"\bnot\s+(?:[^,;.]|\.(?=\d)){1,40}?,?\s+as\s+[^,;.]{2,80}?\s(had\s+)?(reported|said|stated|wrote)\b",
    re.IGNORECASE,
)
OCCASIONS = {"time", "occasion", "attempt", "try", "round", "leg", "stage"}  # ordinals of these count occasions
NOT_NAMES = {"the", "a", "an", "and", "of", "in", "on", "at", "to", "for", "by", "from", "with", "as", "i", "mr", "mrs",
             "ms", "dr", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "january",
             "february", "march", "april", "may", "june", "july", "august", "september", "october", "november",
             "december"}
FIRST_REPORT = re.compile(
    r"\s*(\w+\s+)?(initially|originally|first|previously) (reported|announced|estimated|stated)\b", re.IGNORECASE
)
CREDIT = re.compile(r"(additional )?(reporting|writing|editing|compiled) by\b", re.IGNORECASE)


@dataclass(frozen=True)
class Params:
    same_claim: float = 0.62  # cosine: two statements say the same thing (MSRP train, best F1)
    same_topic: float = 0.5  # cosine: two quantities or order phrases are about the same thing
    same_quote: float = 0.6  # cosine: two quotes of one speaker are one quote in other words
    same_reference: float = 0.7  # cosine: two order phrases refer to the same event
    window_hours: float = 12.0  # articles further apart in time report a developing figure, not a conflict
    same_figure: float = 0.55  # cosine: two statements holding figures tell the same fact
    same_thing: float = 0.47  # cosine: two counted nouns of different heads name the same thing (ship, vessel)
    max_ratio: float = 4.5  # figures further apart than this factor count different things
    same_statement: float = 0.8  # cosine: statements nearly the same (ordinals and vague amounts need it)
    same_words: float = 0.7  # statements this alike tell one fact whatever noun each figure is said to count
    clear_order: float = 0.2  # two ordered events pair up crossed when that pairing is this much more alike


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


@dataclass(frozen=True)
class Figure:
    """A figure of one article, in the statement that holds it."""

    article: str
    q: Quantity
    item: "Item"


@dataclass(frozen=True)
class Traits:
    """What the words around a figure say: a forecast or not, the baseline of a change, the names next to it."""

    place: tuple[str, bool]  # role in the sentence, counts a part (see figures.place)
    modal: bool
    future: bool  # told of what will or would happen: never a development of a reported figure
    base: frozenset[str]
    names: frozenset[str]  # capitalised words next to the figure
    after: frozenset[str]  # those after it: what it counts ("of American goods"), not who acted

    def comparable_with(self, other: "Traits") -> bool:
        """The same role (a part with a part, never a time offset); a forecast is not compared with a
        result, nor changes measured against different baselines."""
        if self.place != other.place or self.place[0] == "offset" or self.modal != other.modal:
            return False
        return not (self.base and other.base and not self.base & other.base)

    def named_apart(self, other: "Traits") -> bool:
        """Capitalised words after each figure, none shared ("$60bn of American goods" / "$200bn of
        Chinese goods"), or different one-letter labels next to them ("a Band B home" / "a Band D home").
        Names before a figure are often who acted, told differently ("House Democrats" / "Pelosi")."""
        la, lb = {w for w in self.names if len(w) == 1}, {w for w in other.names if len(w) == 1}
        apart = bool(self.after and other.after and not self.after & other.after)
        return apart or bool(la and lb and la != lb)


@dataclass(eq=False)
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
        outlets: dict[str, str | None] | None = None,
    ) -> dict[str, Any]:
        """Reconcile a story; ``outlets`` names each article's publisher (for sides and corrections)."""
        self.facts, self.origins, self.texts = facts, origins, texts
        self.published = published or {}
        self.outlets = outlets or {}
        self._anchor_vectors: dict[str, np.ndarray] = {}
        self._what_vectors: dict[str, np.ndarray] = {}
        self._local_vectors: dict[tuple[str, int], np.ndarray] = {}
        self._trait_cache: dict[tuple[str, int], Traits] = {}
        self.entities, self.entity_of = link({aid: f.mentions for aid, f in facts.items()})
        self._items(statement_vectors or {})
        self.superseded = {aid: self._superseded(aid) for aid in facts}
        self.retracted: dict[tuple[str, int], str] = {}  # statements a correction retracts, with the reason
        self.outdated: set[tuple[str, int]] = set()  # statements whose figure a later report changed
        corrections = self._corrections()
        claims = self._claims()
        figure_conflicts, developments = self._figure_comparisons()
        conflicts = figure_conflicts + self._sequence_conflicts()
        self._mark_conflicts(claims, conflicts)
        return {
            "entities": [e.as_dict() for e in self.entities],
            "quotes": quote_variants(self.facts, self.entities, self.entity_of, self.texts, self.embed,
                                     self.params.same_quote, self.published),
            "quantities": self._quantities(),
            "claims": [self._claim_dict(c) for c in claims],
            "conflicts": [self._conflict_dict(c) for c in conflicts],
            "developments": [self._conflict_dict(c) for c in developments],
            "corrections": corrections,
            "superseded": self._superseded_spans(),
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
        members: dict[int, list[Item]] = {
            i: [self.items[i]] for i in range(n)
            if not self._time_clause[i] and (self.items[i].article, self.items[i].statement.start) not in self.retracted
        }
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
            "outdated": all((x.article, x.statement.start) in self.outdated for x in claim.items),
            "evidence": [self._evidence(x.article, x.statement.start, x.statement.end) for x in claim.items],
        }

    # ------------------------------------------------------------------ corrections

    def _corrections(self) -> list[dict[str, Any]]:
        """Corrections one article makes to others, and the statements they retract.

        A correction notice ("Correction: an earlier version of our report said …") or a
        figure set right against another report ("4.9%, not 5.9% as the Herald reported")
        retracts, in the articles it corrects (:meth:`_corrected_articles`) and their copies,
        every statement that gives the wrong figure, and — for a notice — every statement
        that says what the notice says was wrong. The notice's own clauses only report the
        error, so they are never claims either.
        """
        out = []
        for cid in sorted(self.facts):
            f = self.facts[cid]
            for number, sentence in enumerate(f.sentences):
                notice = bool(NOTICE.search(sentence.text))
                if not notice and not NOT_AS.search(sentence.text):
                    continue
                targets = self._corrected_articles(cid, sentence.text)
                own = [it for it in self.items
                       if it.article == cid and sentence.start <= it.statement.start < sentence.end]
                wrong = [q for q in f.quantities if q.sentence == number and q.start in self.superseded[cid]]
                if notice:
                    for it in own:
                        self.retracted[(cid, it.statement.start)] = "a correction notice, not a claim"
                retracted = []
                for tid in targets:
                    for it in (x for x in self.items if x.article == tid):
                        key = (tid, it.statement.start)
                        held = [q for q in self.facts[tid].quantities
                                if it.statement.start <= q.start < it.statement.end]
                        hit = [q for q in held for w in wrong if w.kind == q.kind and agree(q, w)]
                        said = notice and any(float(self.sim[it.index, o.index]) >= self.params.same_claim for o in own)
                        if (hit or said) and key not in self.retracted:
                            self.retracted[key] = f"retracted by a correction in {self.outlets.get(cid) or cid}"
                            self.superseded[tid] |= {q.start for q in held if not wrong or q in hit}
                            retracted.append(self._evidence(tid, it.statement.start, it.statement.end))
                if notice and retracted:
                    retracted += self._repeats(cid, retracted)
                if retracted:
                    published = self.published.get(cid)
                    out.append({
                        "article": cid,
                        "outlet": self.outlets.get(cid),
                        "published": published.isoformat() if published else None,
                        "notice": self._evidence(cid, sentence.start, sentence.end),
                        "corrects": sorted({e["article"] for e in retracted}),
                        "retracted": retracted,
                    })
        return out

    def _repeats(self, cid: str, retracted: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Statements of other articles, published before the correction, that say what it retracted
        (a rewrite of the corrected report repeats its error): retracted too."""
        keys = [(e["article"], e["start"]) for e in retracted]
        wrong = [self.item_at[k] for k in keys if k in self.item_at]
        mine = self.published.get(cid)
        out = []
        for it in self.items:
            key = (it.article, it.statement.start)
            when = self.published.get(it.article)
            if it.article == cid or key in self.retracted or (mine and when and when > mine):
                continue
            if any(float(self.sim[it.index, w.index]) >= self.params.same_claim for w in wrong):
                self.retracted[key] = f"repeats what a correction in {self.outlets.get(cid) or cid} retracted"
                self.superseded[it.article] |= {q.start for q in self.facts[it.article].quantities
                                                if it.statement.start <= q.start < it.statement.end}
                out.append(self._evidence(it.article, it.statement.start, it.statement.end))
        return out

    def _corrected_articles(self, cid: str, notice: str) -> list[str]:
        """The articles a correction in ``cid`` sets right: earlier articles of the outlet it names,
        else of its own outlet, with every copy or rewrite of those (same origin)."""
        low = notice.lower()
        named = {a for a, outlet in self.outlets.items() if outlet and a != cid and outlet.lower() in low}
        own_outlet = self.outlets.get(cid)
        if not named and own_outlet:
            named = {a for a, outlet in self.outlets.items() if a != cid and outlet == own_outlet}
        mine = self.published.get(cid)
        earlier = {a for a in named if a in self.facts and (mine is None or self.published.get(a) is None
                                                            or self.published[a] <= mine)}
        origins = {self.origins.get(a, a) for a in earlier}
        copies = {a for a in self.facts if a != cid and self.origins.get(a, a) in origins}
        return sorted(earlier | copies)

    def _superseded_spans(self) -> list[dict[str, Any]]:
        """Statements the brief must not state as current: retracted ones and figures a later report changed."""
        spans = []
        for it in self.items:
            key = (it.article, it.statement.start)
            reason = self.retracted.get(key)
            if reason is None and key in self.outdated:
                reason = "a later report gives another figure"
            if reason:
                spans.append({"article": it.article, "start": it.statement.start, "end": it.statement.end,
                              "reason": reason})
        return spans

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
            if not CORRECTION.search(sentence.text) and not NOT_AS.search(sentence.text):
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
            # "revised to be not as bad as the 8.7% initially reported": the figure told as the first report
            out |= {q.start for q in kept if FIRST_REPORT.match(text, q.end)}
        return out

    def _quantities(self) -> list[dict[str, Any]]:
        out = []
        for aid in sorted(self.facts):
            superseded = self.superseded[aid]
            for q in self.facts[aid].quantities:
                out.append(q.as_dict() | {"article": aid, "superseded": q.start in superseded})
        return out

    def _figures(self) -> list[Figure]:
        """Every figure that can take part in a comparison: not corrected, in a statement of its own."""
        out = []
        for aid in sorted(self.facts):
            for q in self.facts[aid].quantities:
                if q.start in self.superseded[aid]:
                    continue
                item = self._item_of(aid, q.start)
                if item is not None and not self._time_clause[item.index] \
                        and (aid, item.statement.start) not in self.retracted:
                    out.append(Figure(aid, q, item))
        return out

    def _what_alike(self, a: Quantity, b: Quantity) -> bool:
        """Two counted nouns of different heads name the same thing ("vessels" / "ships")."""
        if not (a.what_lemma and b.what_lemma) or a.what_lemma == b.what_lemma:
            return False  # same head: told apart by their modifiers (see same_thing_named)
        pair = [x for x in (a.what_lemma, b.what_lemma) if x not in self._what_vectors]
        if pair:
            self._what_vectors.update(zip(pair, self.embed(pair)))
        return float(self._what_vectors[a.what_lemma] @ self._what_vectors[b.what_lemma]) >= self.params.same_thing

    def _affinity(self, a: Figure, b: Figure, protagonists: set[str]) -> float:
        """How surely two figures of different origins answer one question (-1: they do not).

        Their statements tell the same fact (cosine at least :attr:`Params.same_figure` of the
        statements or of the words around each figure, or as many of the shorter statement's content
        words in the other: :func:`_shared_words`; for how long an event of the story lasted,
        :attr:`Params.same_topic` is enough), the
        figures are comparable (:func:`.figures.comparable`), name the same thing, their
        statements do not name different participants, and they are within a factor of
        :attr:`Params.max_ratio` of each other (figures further apart count different things)."""
        if self.origins.get(a.article, a.article) == self.origins.get(b.article, b.article):
            return -1.0
        if a.q.kind != b.q.kind or ratio(a.q, b.q) > self.params.max_ratio:
            return -1.0
        fa, fb = self._traits(a), self._traits(b)
        if not same_kind(a.q, b.q) or not fa.comparable_with(fb):
            return -1.0
        if self._people_clash(a.item, b.item, protagonists) or fa.named_apart(fb):
            return -1.0
        sa, sb = a.item.statement, b.item.statement
        sim = max(float(self.sim[a.item.index, b.item.index]), _shared_words(sa, sb), self._local_sim(a, b))
        event = self._event_duration(a) and self._event_duration(b)
        # "the meeting lasted over an hour" / "the discussions unfolded over two hours": the story's event
        if sim < (self.params.same_topic if event else self.params.same_figure):
            return -1.0
        if (a.q.kind == "ordinal" or is_vague(a.q) or is_vague(b.q)) and sim < self.params.same_statement:
            return -1.0  # "second day" / "fourth day", "dozens" / "nearly 200": only in nearly the same words
        if a.q.kind == "ordinal" and not (same_thing_named(a.q, b.q) and a.q.what_lemma not in OCCASIONS):
            # "the fifth NBA coach" / "the third Eastern Conference coach"; "the first time" / "a second time"
            return -1.0
        if not event and a.q.kind == "duration" and a.q.what and b.q.what and not same_thing_named(a.q, b.q) \
                and sim < self.params.same_words:
            return -1.0  # "a three-day shutdown" / "a three-week extension"
        named_alike = same_thing_named(a.q, b.q) or self._what_alike(a.q, b.q)
        if not event and sim < self.params.same_words and not named_alike:
            return -1.0  # differently named things, unless told in much the same words
        # of two figures in one statement, the one counting the same thing, next to the same names,
        # then the closer, pairs
        shared = bool(fa.names & fb.names)
        same = bool(a.q.what_lemma and a.q.what_lemma == b.q.what_lemma)
        return sim + 0.05 * shared + 0.05 * same - 0.01 * math.log(ratio(a.q, b.q))

    def _traits(self, f: Figure) -> "Traits":
        """What the words around a figure say of it (read once per figure)."""
        key = (f.article, f.q.start)
        if key not in self._trait_cache:
            text, facts = self.texts[f.article], self.facts[f.article]
            st = f.item.statement
            self._trait_cache[key] = Traits(
                place=place(f.q, text),
                modal=modality(f.q, text, facts.sentences[f.q.sentence].start),
                future=future(f.q, text, facts.sentences[f.q.sentence].start),
                base=frozenset(baseline(f.q, text, st.end)),
                names=frozenset(_names_near(f, text)),
                after=frozenset(_names_near(f, text, before=False)),
            )
        return self._trait_cache[key]

    def _local_sim(self, a: Figure, b: Figure) -> float:
        """Cosine of the words around each figure (eight either side, in its sentence, the figure
        itself left out): two long sentences can tell one fact among others they do not share."""
        keys = [(f.article, f.q.start) for f in (a, b)]
        missing = [(k, f) for k, f in zip(keys, (a, b)) if k not in self._local_vectors]
        if missing:
            texts = [_around(f, self.texts[f.article], self.facts[f.article]) for _, f in missing]
            self._local_vectors.update(zip([k for k, _ in missing], self.embed(texts)))
        return float(self._local_vectors[keys[0]] @ self._local_vectors[keys[1]])

    def _event_duration(self, f: Figure) -> bool:
        """How long an event of the story lasted: a duration whose clause names a meeting-like event
        before it ("The meeting … lasted over an hour", "The duration of the discussions was …")."""
        if f.q.kind != "duration":
            return False
        if f.q.what_lemma in EVENT_NOUNS:
            return True
        st = f.item.statement
        lead = f"{st.subject or ''} {self.texts[f.article][st.start:f.q.start]}"
        return bool(set(words(lead)) & EVENT_NOUNS)

    def _people_clash(self, a: Item, b: Item, protagonists: set[str]) -> bool:
        """Both statements name people beyond the protagonists, and none in common (one person's
        tax rate, another's)."""
        people = {e.name for e in self.entities if e.label == "person"}
        pa, pb = (a.entities & people) - protagonists, (b.entities & people) - protagonists
        return bool(pa and pb and not pa & pb)

    def _figure_topics(self, figures: list[Figure]) -> list[list[int]]:
        """Figures grouped by the question they answer: mutual best pairs between articles, best first."""
        protagonists = self._protagonists()
        best: dict[tuple[int, str], tuple[float, int]] = {}
        for i, a in enumerate(figures):
            for j, b in enumerate(figures):
                if a.article == b.article:
                    continue
                score = self._affinity(a, b, protagonists)
                if score >= 0 and score > best.get((i, b.article), (-1.0, -1))[0]:
                    best[(i, b.article)] = (score, j)
        links = sorted(
            ((score, i, j) for (i, _), (score, j) in best.items()
             if i < j and best.get((j, figures[i].article), (0, -1))[1] == i),
            reverse=True,
        )
        # best pair first; a topic holds at most one figure of each article (no chaining through one)
        topic = list(range(len(figures)))
        articles: dict[int, set[str]] = {i: {f.article} for i, f in enumerate(figures)}
        for _, i, j in links:
            ti, tj = topic[i], topic[j]
            if ti == tj or articles[ti] & articles[tj]:
                continue
            for k, t in enumerate(topic):
                if t == tj:
                    topic[k] = ti
            articles[ti] |= articles.pop(tj)
        groups: dict[int, list[int]] = defaultdict(list)
        for k, t in enumerate(topic):
            groups[t].append(k)
        return [g for g in groups.values() if len(g) > 1]

    def _frames(self, figure: Figure) -> set[str]:
        """The days its statement places the figure on (resolved dates of its time expressions)."""
        st = figure.item.statement
        return {
            t.value[:10] for t in self.facts[figure.article].times
            if t.kind in {"date", "weekday", "relative"} and t.value and len(t.value) >= 10
            and st.start <= t.start < st.end
        }

    def _when(self, figure: Figure) -> tuple[str, str]:
        """A sort key for the time a figure was stated: its own day if told, else the publication."""
        frames = sorted(self._frames(figure))
        published = self.published.get(figure.article)
        stamp = published.isoformat() if published else ""
        return (frames[-1] if frames else stamp[:10], stamp)

    def _frames_differ(self, a: Figure, b: Figure) -> bool:
        """Whether the figures are told of different times: different days resolved, or different
        months, weekdays or years named next to them ("in July" / "in August")."""
        fa, fb = self._frames(a), self._frames(b)
        if fa and fb and not fa & fb:
            return True
        na = _times_near(a, self.texts[a.article], self.facts[a.article])
        nb = _times_near(b, self.texts[b.article], self.facts[b.article])
        return bool(na and nb and not na & nb)

    def _same_time(self, a: Figure, b: Figure) -> bool:
        """Whether two figures are told of the same time: not of different days, and the reports
        close enough in time (:attr:`Params.window_hours`)."""
        return not self._frames_differ(a, b) and self._contemporary(a.article, b.article)

    def _dated(self, a: Figure, b: Figure) -> bool:
        """Whether the two figures can be put in time order (both reports dated, or both days told)."""
        if self._frames(a) and self._frames(b):
            return True
        return self.published.get(a.article) is not None and self.published.get(b.article) is not None

    def _figure_comparisons(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """Conflicts (figures of one time that disagree) and developments (a later report changes a figure)."""
        figures = self._figures()
        if figures:  # the words around every figure, embedded in one call
            texts = [_around(f, self.texts[f.article], self.facts[f.article]) for f in figures]
            self._local_vectors.update(zip([(f.article, f.q.start) for f in figures], self.embed(texts)))
        conflicts, developments = [], []
        for topic in self._figure_topics(figures):
            members = [figures[k] for k in topic]
            live = [
                (a, b) for x, a in enumerate(members) for b in members[x + 1:]
                if self.origins.get(a.article, a.article) != self.origins.get(b.article, b.article)
                and not agree(a.q, b.q)
            ]
            if not live:
                continue
            live = [(a, b) for a, b in live if not self._agrees_elsewhere(a, b)]
            disputed = [(a, b) for a, b in live if self._same_time(a, b)]
            if disputed:
                # the sides are the figures told of that time; the rest of the topic is its development
                involved = {id(f) for pair in disputed for f in pair}
                core = [f for f in members if id(f) in involved]
                sides = core + [f for f in members if id(f) not in involved
                                and any(agree(f.q, g.q) and self._same_time(f, g) for g in core)]
                statements = {(f.article, f.item.statement.start) for f in sides}
                conflict = self._figure_conflict(sides)
                if conflict and not any(len(statements & set(c["statements"])) >= 2 for c in conflicts):
                    conflicts.append(conflict)
                # "31 votes to 24" / "32 votes to 23": one conflict, told by its first figure
            if any(self._dated(a, b) and not self._same_time(a, b) and not (self._traits(a).future or
                                                                          self._traits(b).future)
                   for a, b in live):
                developments.append(self._development(members))
        return conflicts, developments

    def _agrees_elsewhere(self, a: Figure, b: Figure) -> bool:
        """Whether ``a``'s article also gives ``b``'s figure (or the other way round): in the same
        sentence ("three of the four issues" against "four issues"), or in a statement more like ``b``'s
        than its own (it tells two such facts — an amendment's vote and the budget's — and the pair is
        mismatched)."""
        for one, other in ((a, b), (b, a)):
            for q in self.facts[one.article].quantities:
                if q.start == one.q.start or q.kind != other.q.kind or is_vague(q) or not agree(q, other.q):
                    continue
                if q.sentence == one.q.sentence and (None in (q.what_lemma, other.q.what_lemma)
                                                     or q.what_lemma == other.q.what_lemma):
                    return True
                item = self._item_of(one.article, q.start)
                if item is None:
                    continue
                alike = float(self.sim[item.index, other.item.index])
                if alike >= self.params.same_topic and alike > float(self.sim[one.item.index, other.item.index]) \
                        and comparable(q, other.q, self.texts[one.article], self.texts[other.article]):
                    return True
        return False

    def _outlets(self, articles) -> list[str]:
        return sorted({self.outlets.get(a) or a for a in articles})

    def _side(self, group: list[Figure]) -> dict[str, Any]:
        articles = sorted({f.article for f in group})
        return {
            "value": group[0].q.text,
            "range": [_finite(v) for v in figure_range(group[0].q)],
            "articles": articles,
            "outlets": self._outlets(articles),
            "evidence": [self._evidence(f.article, f.q.start, f.q.end) for f in group],
            "context": [self._evidence(f.article, f.item.statement.start, f.item.statement.end) for f in group],
        }

    def _figure_conflict(self, members: list[Figure]) -> dict[str, Any] | None:
        """The sides of a conflict: figures that agree with every figure of their side. A vague amount
        ("millions") only joins a side it agrees with wholly, and never starts one. None when fewer
        than two sides remain."""
        sides: list[list[Figure]] = []
        ordered = sorted(members, key=lambda f: (is_vague(f.q), figure_range(f.q), f.article))
        for f in ordered:
            for side in sides:
                if all(agree(g.q, f.q) for g in side):
                    side.append(f)
                    break
            else:
                if not is_vague(f.q):
                    sides.append([f])
        if len(sides) < 2:
            return None
        return {
            "topic": self._figure_topic(members),
            "kind": "quantity",
            "statements": [(f.article, f.item.statement.start) for f in members],
            "values": [self._side(side) for side in sides],
        }

    def _development(self, members: list[Figure]) -> dict[str, Any]:
        """A figure told differently as time went on: each value in time order, the latest current."""
        ordered = sorted(members, key=lambda f: (self._when(f), f.article))
        steps: list[list[Figure]] = []
        for f in ordered:
            if steps and agree(steps[-1][0].q, f.q):
                steps[-1].append(f)
            else:
                steps.append([f])
        latest = steps[-1]
        for step in steps[:-1]:
            for f in step:
                if not any(agree(f.q, g.q) for g in latest):
                    self.outdated.add((f.article, f.item.statement.start))
        values = []
        for step in steps:
            side = self._side(step)
            when = self._when(step[0])
            side["when"] = when[0] or None
            values.append(side)
        return {
            "topic": self._figure_topic(members),
            "kind": "quantity",
            "statements": [(f.article, f.item.statement.start) for f in members],
            "values": values,
        }

    def _figure_topic(self, members: list[Figure]) -> str:
        """What the figures count, in the words of the most central statement: "vessels were waiting
        at anchor off the port on Tuesday", or "how long …" for a duration."""
        rep_item = self._representative([f.item for f in members])
        rep = next(f for f in members if f.item is rep_item)
        st = rep.item.statement
        return figure_topic(rep.q, st.start, self.texts[rep.article][st.start:st.end])

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

    def _ordered_items(self, cleft: bool | None = None) -> list[tuple[Item, TimeExpr, str]]:
        """(statement, order phrase, anchor) for every statement an order phrase governs.

        ``cleft`` keeps only the phrases that are (True) or are not (False) the focus of a
        cleft ("it was only after X that Y"), whose event is inside the phrase."""
        out = []
        for aid in sorted(self.facts):
            f = self.facts[aid]
            by_head = {st.head_start: st for st in f.statements}
            for t in f.times:
                if t.kind != "order" or t.relation not in {"before", "after"} or t.head_start is None:
                    continue
                if cleft is not None and self._cleft(aid, t) != cleft:
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

    def _participants(self, article: str, event: Event) -> tuple[str, ...]:
        """The linked names an event's words mention, in their order."""
        names = [
            self.entity_of[(article, m.start)].name for m in sorted(self.facts[article].mentions, key=lambda m: m.start)
            if event.start <= m.start and m.end <= event.end and (article, m.start) in self.entity_of
        ]
        return tuple(dict.fromkeys(names))

    def _cleft(self, article: str, t: TimeExpr) -> bool:
        sentence = self.facts[article].sentences[t.sentence]
        return is_cleft(self.texts[article][sentence.start:t.start])

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
        ordered = self._ordered_items(cleft=False)
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
        found = [self._sequence_conflict([ordered[k] for k in topic]) for topic in components(len(ordered), opposed)]
        known = {st for c in found for st in c["statements"]}
        return found + self._swapped_orders(self._ordered_items(), known)

    def _swapped_orders(self, ordered: list[tuple[Item, TimeExpr, str]], known: set[tuple[str, int]]):
        """Sentences that tell one claim with its two events the other way round (see :mod:`.order`)."""
        orders = []
        for item, t, _ in ordered:
            if t.reference is None or t.reference_start is None or t.reference_end is None:
                continue
            st = item.statement
            event = Event(_event_text(st, [t]), st.start, st.end, _event_words(st, [t]))
            reference = Event(t.reference, t.reference_start, t.reference_end)
            order = phrase_order(item.article, st.sentence, event, t.relation, reference,
                                 Event(t.text, t.start, t.end), self._cleft(item.article, t))
            if order is not None:
                orders.append(order)
        for aid in sorted(self.facts):
            orders += already_orders(self.facts[aid])
        orders = list(dict.fromkeys(orders))
        sentences = {(o.article, o.sentence): self.facts[o.article].sentences[o.sentence].text for o in orders}
        out = []
        for group in swapped(orders, sentences, self.embed, same_claim=self.params.same_claim,
                             clear_margin=self.params.clear_order, comparable=self._contemporary,
                             participants=self._participants):
            statements = []
            for order, _ in group:
                holder = self._item_of(order.article, order.cue.start)
                if holder is not None:
                    statements.append((order.article, holder.statement.start))
            if set(statements) & known:
                continue  # already told as a conflict about one reference event
            head = group[0][0]
            values = []
            for relation, same_way in (("before", True), ("after", False)):
                side = [o for o, way in group if way == same_way]
                sentence = lambda o: self.facts[o.article].sentences[o.sentence]  # noqa: E731
                values.append({
                    "value": relation,
                    "articles": sorted({o.article for o in side}),
                    "evidence": [self._evidence(o.article, o.cue.start, o.cue.end) for o in side],
                    "context": [self._evidence(o.article, sentence(o).start, sentence(o).end) for o in side],
                })
            out.append({
                "topic": f"whether “{_clause(head.earlier.words)}” came before or after “{_clause(head.later.words)}”",
                "kind": "sequence",
                "statements": statements,
                "values": values,
            })
        return out

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
            "topic": f"whether “{_event_words(rep.statement, [t for item, t, _ in entries if item is rep])}” "
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


def _clause(text: str) -> str:
    """An event's words as a topic shows them: no dateline, no trailing punctuation."""
    dateline = DATELINE.match(text)
    words_ = (text[dateline.end():] if dateline else text).strip(" ,;:.–—-").split()
    return " ".join(words_[:12]) + (" …" if len(words_) > 12 else "")


def _event_words(st: Statement, phrases: list[TimeExpr]) -> str:
    """A statement's own words without the order phrase that places it ("Following the meeting, X met Y" →
    "X met Y"); the whole statement when the phrase sits in its middle."""
    text, start = st.text, st.start
    for t in phrases:
        if st.start <= t.start and t.end <= st.end:
            a, b = t.start - start, t.end - start
            if a > 0 and text[b:].strip(" ,.;"):
                continue  # in the middle: cutting it would join words the article does not join
            rest = (text[:a] if a > 0 else text[b:]).strip(" ,;")
            if len(rest.split()) >= 3:
                return rest
    return text


def _event_text(st: Statement, phrases: list[TimeExpr]) -> str:
    """:func:`_event_words` with the subject the statement inherits, as it is compared."""
    return _embed_text(Statement(_event_words(st, phrases), st.start, st.end, st.sentence, st.subject))


def _finite(value: float) -> float | None:
    return None if value in (float("inf"), float("-inf")) else value


def _names_near(f: Figure, text: str, *, before: bool = True) -> set[str]:
    """Capitalised words within four words before and five after a figure, in its clause (its first word aside)."""
    st = f.item.statement
    ahead = re.findall(r"[\w’'.-]+", text[max(st.start, f.q.start - 50):f.q.start])[-4:] if before else []
    after = re.findall(r"[\w’'.-]+", text[f.q.end:min(st.end, f.q.end + 60)])[:5]
    first = re.match(r"\W*([\w’'-]+)", text[st.start:st.end])
    skip = {first.group(1)} if first else set()
    return {
        w.removesuffix("’s").removesuffix("'s").lower() for w in ahead + after
        if w[:1].isupper() and w not in skip and w.lower() not in NOT_NAMES
    }


_MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"
_TIME_NAMES = re.compile(
    rf"\b(?:in|on|for|since|from|during|of|through|until|by|between)\s+(?:early |mid-|late )?"
    rf"({_MONTHS}|(?:19|20)\d\d)\b"
    r"|\b(prior|previous|preceding|earlier)\s+(?:year|month|week|quarter|day)\b"
    r"|\b(a year (?:ago|earlier)|(?:last|next|this) year|(?:over|in|during) the (?:past|last) \w+ (?:years|months))\b",
    re.IGNORECASE,
)


def _times_near(f: Figure, text: str, facts: ArticleFacts) -> set[str]:
    """Months and years a preposition ties to a time ("in July", "since 2019") and "the previous month",
    "a year earlier", within eight words of a figure in its sentence. Weekdays are left to the resolved
    days of :meth:`Reconciler._frames` ("reported Friday" dates the report, not the figure)."""
    st = facts.sentences[f.q.sentence]
    window = " ".join(re.findall(r"\S+", text[max(st.start, f.q.start - 60):f.q.start])[-8:]) + " " + \
        " ".join(re.findall(r"\S+", text[f.q.end:min(st.end, f.q.end + 60)])[:8])
    return {next(g for g in m.groups() if g).lower() for m in _TIME_NAMES.finditer(window)}


_FIGURE_STOP = {
    "the", "a", "an", "and", "or", "of", "in", "on", "at", "to", "for", "by", "from", "with", "as", "is", "are",
    "was", "were", "be", "been", "has", "have", "had", "will", "would", "that", "this", "it", "its", "their",
    "his", "her", "said", "says", "than", "more", "about", "over", "some", "nearly", "least",
}


def _shared_words(a: Statement, b: Statement) -> float:
    """How much two statements share word for word (numbers aside, words cut to their stem): the
    share of the shorter one's content words found in the other, counted from three shared words,
    and from four a little more generously ("… Wednesday evening's march from the Fish Market …")."""
    wa, wb = _content_stems(_embed_text(a)), _content_stems(_embed_text(b))
    shared = len(wa & wb)
    if shared < 3:
        return 0.0
    share = shared / min(len(wa), len(wb))
    return share * 1.25 if shared >= 4 else share


def _content_stems(text: str) -> set[str]:
    out = set()
    for w in words(text):
        w = w.removesuffix("'s")
        if not w or w in _FIGURE_STOP or w[0].isdigit():
            continue
        for suffix in ("ing", "ed", "es", "s"):
            if w.endswith(suffix) and len(w) - len(suffix) >= 4:
                w = w[: -len(suffix)]
                break
        out.add(w)
    return out


def _around(f: Figure, text: str, facts: ArticleFacts) -> str:
    """The eight words before and after a figure in its sentence, with what it counts in its place."""
    sentence = facts.sentences[f.q.sentence]
    before = text[sentence.start:f.q.start].split()[-8:]
    after = text[f.q.end:sentence.end].split()[:8]
    return " ".join(before + [f.q.what or ""] + after)
