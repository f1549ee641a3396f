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
tell the same event (see :mod:`.sequence`) about the same
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

from .common import Item, embed_text
from .compare import FigureComparison, Traits
from .entities import link
from .figures import agree
from .model import ArticleFacts, Quantity
from .quote_variants import quote_variants
from .sequence import SequenceComparison

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
    same_sentence_words: float = 0.2  # Jaccard: two sentences with a figure told in parallel tell one fact
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
        figure_conflicts, developments = FigureComparison(self).run()
        conflicts = figure_conflicts + SequenceComparison(self).run()
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
                    missing.append((len(self.items) - 1, embed_text(st)))
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
                right = [q for q in f.quantities if q.sentence == number and q.start not in self.superseded[cid]
                         and any(q.kind == w.kind for w in wrong)]
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
                        # what the notice says was wrong, unless the statement already gives the right figure
                        said = notice and not any(agree(q, r) for q in held for r in right if q.kind == r.kind) \
                            and any(float(self.sim[it.index, o.index]) >= self.params.same_claim for o in own)
                        if (hit or said) and key not in self.retracted:
                            self.retracted[key] = f"retracted by a correction in {self.outlets.get(cid) or cid}"
                            self.superseded[tid] |= {q.start for q in held if not wrong or q in hit}
                            retracted.append(self._evidence(tid, it.statement.start, it.statement.end))
                if notice and retracted:
                    retracted += self._repeats(cid, retracted)
                if retracted:
                    published = self.published.get(cid)
                    out.append({
                        "wrong": [q.text for q in wrong],
                        "right": [q.text for q in right],
                        "summary": ", ".join(f"{r.text}, not {w.text}" for r, w in zip(right, wrong)) or None,
                        "article": cid,
                        "outlet": self.outlets.get(cid),
                        "published": published.isoformat() if published else None,
                        "notice": self._evidence(cid, sentence.start, sentence.end),
                        "corrects": sorted({e["article"] for e in retracted}),
                        "retracted": retracted,
                    })
        return out

    def _repeats(self, cid: str, retracted: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Copies of what a correction retracted: statements of the corrected report's copies and
        rewrites (its origin group), published before the correction, that say what it retracted
        and carry its wrong figure when it corrected one. Another outlet's own report is never
        retracted by this outlet's correction: if it had the figure right, it stays as it was."""
        keys = [(e["article"], e["start"]) for e in retracted]
        wrong = [self.item_at[k] for k in keys if k in self.item_at]
        groups = {self.origins.get(w.article, w.article) for w in wrong}
        figures = [q for w in wrong for q in self.facts[w.article].quantities
                   if w.statement.start <= q.start < w.statement.end]
        mine = self.published.get(cid)
        out = []
        for it in self.items:
            key = (it.article, it.statement.start)
            when = self.published.get(it.article)
            if it.article == cid or key in self.retracted or (mine and when and when > mine) \
                    or self.origins.get(it.article, it.article) not in groups:
                continue
            held = [q for q in self.facts[it.article].quantities if it.statement.start <= q.start < it.statement.end]
            kinds = [q for q in held if any(q.kind == w.kind for w in figures)]
            if kinds and not any(q.kind == w.kind and agree(q, w) for q in kinds for w in figures):
                continue  # it gives another figure than the wrong one: not a copy of the error
            if any(float(self.sim[it.index, w.index]) >= self.params.same_claim for w in wrong):
                self.retracted[key] = f"repeats what a correction in {self.outlets.get(cid) or cid} retracted"
                self.superseded[it.article] |= {q.start for q in held}
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
