"""Sequence conflicts: events that articles place in opposite order.

An order phrase ("before the talks began", "following the meeting", "earlier that day") places the
statement it governs, and the clauses below it, before or after a reference event. References that
name the story's main event — a meeting-like noun, or nothing ("earlier that day") — share one
anchor; others are compared by embedding. Statements of different articles that tell the same event
(see :meth:`SequenceComparison.run`) about the same anchor with opposite relations are a conflict.
Sentences that tell one claim with its two events the other way round are found by :mod:`.order`.
"""

from __future__ import annotations

from typing import Any

from .common import Item, StoryPart, components, embed_text, words
from .compare import EVENT_NOUNS
from .figures import DATELINE
from .model import Statement, TimeExpr
from .order import Event, already_orders, is_cleft, phrase_order, swapped


class SequenceComparison(StoryPart):
    """Sequence conflicts of a story (see the module's docstring)."""


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

    def run(self) -> list[dict[str, Any]]:
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
    return embed_text(Statement(_event_words(st, phrases), st.start, st.end, st.sentence, st.subject))
