"""Figures across articles: which figures of a story answer one question, and where they differ.

Reconciliation (:mod:`.reconcile`) builds the story's statements and their similarity;
:class:`FigureComparison` reads every figure that can take part (not corrected, not retracted, in a
statement of its own) and pairs figures of different outlets that answer one question, in two ways:

* **told in parallel** (:mod:`.parallel`): the words right next to each figure match and enough of
  the words around them are shared, whatever the figure is (a count, an age, a day of a date, a
  number in a name or a quotation);
* **told apart** (:meth:`FigureComparison._affinity`): the statements tell the same fact (their
  cosine, the words around each figure, or the share of content words), the figures are of one kind
  and count the same thing (:mod:`.figures`), and each is the other's best such match.

Pairs are grouped into topics (at most one figure of each article). A topic whose figures of one
time disagree is a **conflict**; one whose figures differ across time is a **development** (the
latest value current, the earlier ones outdated). Articles of one outlet never conflict with each
other: a later article is that outlet's update.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from .common import Item, StoryPart, embed_text, words
from .figures import (
    agree,
    baseline,
    comparable,
    figure_range,
    figure_topic,
    future,
    is_vague,
    modality,
    place,
    ratio,
    same_kind,
    same_thing_named,
)
from .model import ArticleFacts, Quantity, Statement
from .parallel import STOP as _SENTENCE_STOP
from .parallel import Mention, mentions, pair_articles

BARE_KINDS = {"age", "date", "year", "number", "clock", "score"}  # figures only :mod:`.parallel` reads
TIMES = {"date", "year", "clock"}

# nouns that name the story's main event when a figure tells how long it lasted
EVENT_NOUNS = {
    "meeting", "meetings", "talks", "talk", "discussion", "discussions", "engagement", "summit", "visit",
    "session", "negotiations", "encounter", "conversation", "call", "hearing", "conference", "vote", "ballot",
    "election", "debate", "briefing", "rally", "speech", "ceremony", "announcement", "interview", "match",
}
OCCASIONS = {"time", "occasion", "attempt", "try", "round", "leg", "stage"}  # ordinals of these count occasions
NOT_NAMES = {"the", "a", "an", "and", "of", "in", "on", "at", "to", "for", "by", "from", "with", "as", "i", "mr", "mrs",
             "ms", "dr", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "january",
             "february", "march", "april", "may", "june", "july", "august", "september", "october", "november",
             "december"}


@dataclass(frozen=True)
class Figure:
    """A figure of one article, in the statement that holds it."""

    article: str
    q: Quantity
    item: "Item"
    told: bool = True  # a quantity of the facts stage (False: a bare figure only :mod:`.parallel` reads)


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




class FigureComparison(StoryPart):
    """Conflicts and developments of a story's figures (see the module's docstring)."""

    def _figures(self) -> list[Figure]:
        """Every figure that can take part in a comparison: not corrected, in a statement of its own.

        The quantities of the facts stage come first; then every other figure :mod:`.parallel` reads
        (ages, days of dates, numbers in names), as a bare quantity of its kind."""
        out = []
        self.mentions: dict[str, list[Mention]] = {}
        self.parallel: set[tuple[str, int]] = set()  # figures paired by the words around them
        for aid in sorted(self.facts):
            found = mentions(aid, self.texts[aid], self.facts[aid])
            self.mentions[aid] = found
            bare = [
                Quantity(m.text, m.start, m.end, m.sentence, m.value, m.value, m.value, m.kind)
                for m in found if m.quantity is None
            ]
            for q in self.facts[aid].quantities + bare:
                if q.start in self.superseded[aid]:
                    continue
                item = self._item_of(aid, q.start)
                if item is not None and not self._time_clause[item.index] \
                        and (aid, item.statement.start) not in self.retracted:
                    out.append(Figure(aid, q, item, told=q.kind not in BARE_KINDS))
        return out

    def _parallel_links(self, figures: list[Figure]) -> list[tuple[float, int, int]]:
        """Figures of two articles told in parallel (:mod:`.parallel`) whose statements tell one fact:
        a fair share of their words in common (:attr:`Params.same_sentence_words`) or as alike as a
        figure's statement (:attr:`Params.same_figure`), no different people or things named in them,
        and figures in the same role that count the same thing."""
        at = {(f.article, f.q.start): k for k, f in enumerate(figures)}
        protagonists = self._protagonists()
        links = []
        ids = sorted(self.mentions)
        for x, first in enumerate(ids):
            for second in ids[x + 1:]:
                pairs = []
                for ma, mb, al in pair_articles(self.mentions[first], self.mentions[second]):
                    i, j = at.get((first, ma.start)), at.get((second, mb.start))
                    if i is None or j is None:
                        continue
                    if al.holder or self._parallel_fact(figures[i], figures[j], protagonists):
                        pairs.append((2.0 + al.score, i, j))
                links += pairs
                self.parallel.update((figures[k].article, figures[k].q.start) for _, i, j in pairs for k in (i, j))
        return links

    def _parallel_fact(self, a: Figure, b: Figure, protagonists: set[str]) -> bool:
        # a bare figure (a day, a year, a number with no counted noun) says less of what it is: its
        # sentence must say more of it
        words_needed = self.params.same_sentence_words * (1.5 if not (a.told and b.told) else 1.0)
        alike = max(_sentence_words(self.facts[a.article].sentences[a.q.sentence].text,
                                    self.facts[b.article].sentences[b.q.sentence].text) / words_needed,
                    float(self.sim[a.item.index, b.item.index]) / self.params.same_figure)
        if alike < 1.0:
            return False
        if self._names_apart(a.item, b.item, protagonists):
            return False
        if a.told and b.told and not (same_kind(a.q, b.q) and (same_thing_named(a.q, b.q)
                                                                or self._what_alike(a.q, b.q))):
            return False  # another unit or currency ("£88m" / "$136m"), or another thing counted
        return self._traits(a).comparable_with(self._traits(b)) or not (a.told and b.told)

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
        if self._one_voice(a.article, b.article) or \
                self.origins.get(a.article, a.article) == self.origins.get(b.article, b.article):
            return -1.0  # a rewrite's figures are compared where it retells its report (told in parallel)
        if a.q.kind != b.q.kind or ratio(a.q, b.q) > self.params.max_ratio:
            return -1.0
        fa, fb = self._traits(a), self._traits(b)
        if not same_kind(a.q, b.q) or not fa.comparable_with(fb):
            return -1.0
        if self._people_clash(a.item, b.item, protagonists) or fa.named_apart(fb):
            return -1.0
        if fa.modal and self._names_apart(a.item, b.item, protagonists):
            return -1.0  # two forecasters' expectations (two polls), not one figure told two ways
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
        if a.q.kind == "count" and not (a.q.what_lemma and b.q.what_lemma and named_alike):
            return -1.0  # told in other words, a count must name what it counts, and the same thing
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

    def _names_apart(self, a: Item, b: Item, protagonists: set[str]) -> bool:
        """Both statements name people or things beyond the protagonists, and no name shares a word with
        one of the other's: two pollsters' forecasts, two people's ages ("Mara Quill" and "Mara
        Elise Quill" are one woman; "Radio 4 News" and "Radio 5" one station told two ways)."""
        pa, pb = a.entities - protagonists, b.entities - protagonists
        return bool(pa and pb and not _name_words(pa) & _name_words(pb))

    def _people_clash(self, a: Item, b: Item, protagonists: set[str]) -> bool:
        """Both statements name people beyond the protagonists, and none in common (one person's
        tax rate, another's)."""
        people = {e.name for e in self.entities if e.label == "person"}
        pa, pb = (a.entities & people) - protagonists, (b.entities & people) - protagonists
        return bool(pa and pb and not pa & pb)

    def _figure_topics(self, figures: list[Figure]) -> list[list[int]]:
        """Figures grouped by the question they answer: pairs told in parallel, then mutual best pairs
        between articles, best first."""
        protagonists = self._protagonists()
        parallel = self._parallel_links(figures)
        best: dict[tuple[int, str], tuple[float, int]] = {}
        for i, a in enumerate(figures):
            for j, b in enumerate(figures):
                if a.article == b.article or not (a.told and b.told):
                    continue
                score = self._affinity(a, b, protagonists)
                if score >= 0 and score > best.get((i, b.article), (-1.0, -1))[0]:
                    best[(i, b.article)] = (score, j)
        links = sorted(
            [(score, i, j) for (i, _), (score, j) in best.items()
             if i < j and best.get((j, figures[i].article), (0, -1))[1] == i] + parallel,
            reverse=True,
        )
        self.linked = {frozenset((id(figures[i]), id(figures[j]))) for _, i, j in links}
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
        close enough in time (:attr:`Params.window_hours`). Two articles of one outlet never are: the
        later one is the outlet's update."""
        if self._one_voice(a.article, b.article):
            return False
        timeless = a.q.kind in TIMES or b.q.kind in TIMES  # a date is the time itself, not told of one
        return (timeless or not self._frames_differ(a, b)) and self._contemporary(a.article, b.article)

    def _one_voice(self, a: str, b: str) -> bool:
        """Whether two articles are one outlet's (or, unnamed, one article's)."""
        oa, ob = self.outlets.get(a), self.outlets.get(b)
        return a == b or bool(oa and ob and oa.casefold() == ob.casefold())

    def _dated(self, a: Figure, b: Figure) -> bool:
        """Whether the two figures can be put in time order (both reports dated, or both days told)."""
        if self._frames(a) and self._frames(b):
            return True
        return self.published.get(a.article) is not None and self.published.get(b.article) is not None

    def run(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """Conflicts (figures of one time that disagree) and developments (a later report changes a figure)."""
        figures = self._figures()
        if figures:  # the words around every figure, embedded in one call
            texts = [_around(f, self.texts[f.article], self.facts[f.article]) for f in figures]
            self._local_vectors.update(zip([(f.article, f.q.start) for f in figures], self.embed(texts)))
        conflicts, developments = [], []
        reported: list[dict[tuple[str, int], tuple[int, int]]] = []  # each conflict's figures, by statement
        for topic in self._figure_topics(figures):
            members = [figures[k] for k in topic]
            live = [(a, b) for x, a in enumerate(members) for b in members[x + 1:] if not agree(a.q, b.q)]
            # only figures paired with each other disagree: a topic joins pairs, and two figures that
            # each pair with a third may count different things
            live = [(a, b) for a, b in live if frozenset((id(a), id(b))) in self.linked]
            if not live:
                continue
            live = [(a, b) for a, b in live if self._one_such(a, b) or any(
                self._told_alike(x, y) for x in self._side_of(a, members, figures)
                for y in self._side_of(b, members, figures)
                if x.article != y.article and not agree(x.q, y.q))]
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
                at = {(f.article, f.item.statement.start): (f.q.start, f.q.end) for f in sides}
                conflict = self._figure_conflict(sides)
                if conflict and not any(self._one_figure_pair(at, earlier) for earlier in reported):
                    conflicts.append(conflict)
                    reported.append(at)
                # "31 votes to 24" / "32 votes to 23": one conflict, told by its first figure
            if any(self._dated(a, b) and not self._same_time(a, b) and not (self._traits(a).future or
                                                                          self._traits(b).future)
                   for a, b in live):
                developments.append(self._development(members))
        return conflicts, developments

    def _told_alike(self, a: Figure, b: Figure) -> bool:
        """Whether two figures that disagree are told alike enough to be one fact: their sentences
        share a fair part of their words (:attr:`Params.same_sentence_words`), or the words around the
        figures mean nearly the same (:attr:`Params.same_statement`). Two figures of one question told
        in unlike sentences are more often two facts (two players' yards, two days' counts) than a
        dispute (see :meth:`_one_such` for those that are one question however told)."""
        words = _sentence_words(self.facts[a.article].sentences[a.q.sentence].text,
                                self.facts[b.article].sentences[b.q.sentence].text)
        return words >= self.params.same_sentence_words or self._local_sim(a, b) >= self.params.same_statement

    def _side_of(self, f: Figure, members: list[Figure], figures: list[Figure]) -> list[Figure]:
        """``f``, the figures of its topic that agree with it, and the same figure where its report is
        retold (same origin, same kind)."""
        origin = self.origins.get(f.article, f.article)
        topic = {id(g) for g in members}
        return [f] + [g for g in members if g is not f and agree(g.q, f.q)] + [
            g for g in figures if g.article != f.article and g.q.kind == f.q.kind and id(g) not in topic
            and self.origins.get(g.article, g.article) == origin and agree(g.q, f.q)]

    def _one_such(self, a: Figure, b: Figure) -> bool:
        """Whether two figures count the same thing (the same noun, or durations in one unit) and each
        article counts that thing at most twice: "340 jobs" against "about 500 jobs" is one question
        however each is told, but when an article gives many yards or many points, a count of them no
        longer says which one it is."""
        if self._event_duration(a) and self._event_duration(b):
            return True
        if not (a.told and b.told) or _counted(a.q) is None or _counted(b.q) is None:
            return False
        if not (a.q.what_lemma and b.q.what_lemma) and _counted(a.q) != _counted(b.q):
            return False  # nouns were matched when the pair was made ("vessels" / "ships"); units must be one
        return all(
            sum(_counted(q) == _counted(f.q) for q in self.facts[f.article].quantities) <= 2 for f in (a, b)
        )

    def _one_figure_pair(self, a: dict[tuple[str, int], tuple[int, int]],
                         b: dict[tuple[str, int], tuple[int, int]]) -> bool:
        """Whether two conflicts dispute one pair of figures told together ("31 votes to 24" / "32
        votes to 23"): in at least two statements they share, one figure follows the other within
        three words, with no comma or stop between them."""
        joined = 0
        for key in a.keys() & b.keys():
            (_, first_end), (second_start, _) = sorted((a[key], b[key]))
            between = self.texts[key[0]][first_end:second_start]
            joined += len(between.split()) <= 3 and not re.search(r"[,;.:]", between)
        return joined >= 2

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
            "basis": "parallel" if any((f.article, f.q.start) in self.parallel for f in members) else "meaning",
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


# ---------------------------------------------------------------------- helpers

def _counted(q: Quantity) -> str | None:
    """What a figure counts, for telling whether an article counts it often: its noun, or the unit of a
    duration ("52 years in this business": years)."""
    return q.what_lemma or (f"{q.kind}:{q.unit}" if q.kind == "duration" and q.unit else None)


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
    wa, wb = _content_stems(embed_text(a)), _content_stems(embed_text(b))
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


def _sentence_words(a: str, b: str) -> float:
    """The share of two sentences' content words that they have in common (Jaccard)."""
    wa = {w for w in re.findall(r"[a-z]+", a.lower()) if w not in _SENTENCE_STOP and len(w) > 2}
    wb = {w for w in re.findall(r"[a-z]+", b.lower()) if w not in _SENTENCE_STOP and len(w) > 2}
    return len(wa & wb) / max(1, len(wa | wb))


def _name_words(names: set[str]) -> set[str]:
    return {w for name in names for w in re.findall(r"[^\W\d_]{3,}", name)}
