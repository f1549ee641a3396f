"""The default writer: extractive and compositional, so it cannot invent anything.

Every line is either a source sentence (whole, or with a leading phrase cut away)
or a template filled with spans of the sources (conflict sides, quotes with their
speakers, dated clauses). What it chooses:

* **Sentences** are candidates when they read as prose (6-70 words, a capital
  first, a full stop last, no credit line). A sentence's vector is the mean of its
  clauses' vectors, which the reconciler has already computed and stored.
* **Centrality** is the cosine of a sentence to the story's centre: the mean of
  one centre per independent origin, so a report retold by five outlets weighs
  what one report weighs. **Lead** is the position prior 1/(1 + k) of the k-th
  candidate of its article (news puts what matters first). **Agreement** is the
  share of the other origins whose claims this sentence carries (reconciliation).
* **Body** — maximal marginal relevance: the next sentence maximises
  ``relevance - redundancy * max cosine to the chosen ones``, where relevance is
  ``centrality + lead_weight * lead + agreement_weight * agreement`` discounted by
  ``balance`` for each sentence already taken from the same origin; sentences
  until the word budget is met, shown in reading order.
* **Quick Take** — claims agreed by at least two independent origins first (most
  origins, then relevance), then the most relevant single-origin claims, labelled
  "reported by one outlet"; each bullet is the member sentence that passes the
  gate with every citation (a citation that does not give the bullet's figures is
  left out, and the bullet labelled for what it still cites), never one sentence
  twice, nothing near-redundant. A developing story opens with the best bullet of
  its latest reports, agreed or not.
* **Headline** — the title closest to the story's centre that fits 90 characters;
  **dek** — a dek of the sources, else the most relevant lead sentence.
* **Where sources differ**, **quotes** and **timeline** are composed from the
  reconciled conflicts, quote variants and dated clauses.

The weights were checked on NeuS *train* (``python bench/tune_writer.py``: the
first 300 of its 2,452 stories), never on the corpora the evaluation reports: over
a grid of lead prior {0, .15, .3, .5} x redundancy {.3, .5, .7} x balance
{.8, .9, 1} the body's ROUGE-1/2 at 250 words stays within 35.15-35.16 / 16.19-16.21
(lead 34.80/16.17, LexRank 34.81/16.20 on the same stories), so the defaults were
kept; the lead prior of .3 is among the best for ROUGE-L (22.59-22.66 against
22.14-22.51 without it). See :class:`WriterParams`.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Callable

import numpy as np

from ..facts.model import ArticleFacts
from ..facts.reconcile import CREDIT
from .compress import compress, parse_ahead, reads_alone, standalone
from .developments import development_items
from .gate import Gate
from .material import Candidate, Material, WriterParams
from .model import (
    CARRIED_LABEL,
    SINGLE_LABEL,
    Evidence,
    Line,
    Source,
    cited_label,
    independent_count,
    independent_groups,
)
from .numbers import numbers_in
from .sentences import (
    PRONOUN_START,
    capitalise,
    dedupe,
    sentence_locator,
    superseded_spans,
)
from .timeline import story_timeline

HEADLINE_CHARS = 90
DEVELOPING_HOURS = 24  # a story whose reports span more is developing: its latest day tells its state
JUNK = re.compile(r"https?://|www\.|@\w|\b(click|subscribe|sign up|newsletter|advertisement|copyright|all rights reserved)\b",
                  re.IGNORECASE)


@dataclass
class Draft:
    headline: Line
    dek: Line
    quick_take: list[Line]
    body: list[Line]
    differences: list[dict[str, Any]] = field(default_factory=list)
    quotes: list[dict[str, Any]] = field(default_factory=list)
    timeline: list[dict[str, Any]] = field(default_factory=list)
    developments: list[dict[str, Any]] = field(default_factory=list)  # see :mod:`.developments`

    def lines(self) -> list[tuple[str, list[Line]]]:
        """Every gated line, by section."""
        return [
            ("headline", [self.headline]),
            ("dek", [self.dek]),
            ("quick take", self.quick_take),
            ("body", self.body),
            ("differences", [d["line"] for d in self.differences]),
            ("developments", [d["line"] for d in self.developments]),
            ("quotes", [q["line"] for q in self.quotes]),
            ("timeline", [t["line"] for t in self.timeline]),
        ]


def is_candidate(text: str, params: WriterParams) -> bool:
    words = len(text.split())
    if not params.min_words <= words <= params.max_words:
        return False
    if not text[0].isupper() and text[0] not in "\"“‘'":
        return False
    if text.rstrip()[-1] not in ".!\"”’'":
        return False
    return not (CREDIT.match(text) or JUNK.search(text))


def _unit(v: np.ndarray) -> np.ndarray:
    n = float(np.linalg.norm(v))
    return v / n if n else v


class ExtractiveWriter:
    def __init__(self, embed: Callable[[list[str]], np.ndarray], gate: Gate | None = None,
                 params: WriterParams | None = None) -> None:
        self.embed = embed
        self.params = params or WriterParams()
        self.gate = gate

    # -------------------------------------------------------------- candidates

    def candidates(self, material: Material, *, keep_superseded: bool = False) -> list[Candidate]:
        """Prose sentences of every article, with vectors from their clauses, relevance and agreement.

        A sentence holding a statement reconciliation found superseded — retracted by a correction,
        or a figure a later report changed — is never material: the brief does not state it as current
        (``keep_superseded`` keeps them: the pool a baseline summariser, which knows nothing of them, reads)."""
        out: list[Candidate] = []
        stale = {} if keep_superseded else superseded_spans(material.reconciled)
        for aid, source in material.sources.items():
            facts = material.facts.get(aid)
            if facts is None:
                continue
            vectors = material.statement_vectors.get(aid)
            by_sentence: dict[int, list[int]] = {}
            for k, st in enumerate(facts.statements):
                by_sentence.setdefault(st.sentence, []).append(k)
            rank = 0
            for i, s in enumerate(facts.sentences):
                rows = by_sentence.get(i)
                if not rows or vectors is None or len(vectors) != len(facts.statements):
                    continue
                if not is_candidate(s.text, self.params) or any(
                        start < s.end and s.start < end for start, end in stale.get(aid, ())):
                    continue
                weights = np.array([facts.statements[k].end - facts.statements[k].start for k in rows], np.float32)
                vec = _unit((vectors[rows] * weights[:, None]).sum(axis=0))
                out.append(Candidate(aid, i, rank, s.start, s.end, s.text, len(s.text.split()), source.origin, vec))
                rank += 1
        if not out:
            return out
        self._score(out, material)
        return out

    def _score(self, cands: list[Candidate], material: Material) -> None:
        matrix = np.vstack([c.vector for c in cands])
        centres = []
        for origin in dict.fromkeys(c.origin for c in cands):
            idx = [k for k, c in enumerate(cands) if c.origin == origin]
            centres.append(_unit(matrix[idx].mean(axis=0)))
        centre = _unit(np.mean(centres, axis=0))
        centrality = matrix @ centre
        origins = {c.origin for c in cands}
        others = max(1, len(origins) - 1)
        agreed = self._agreement(material)
        p = self.params
        for c, cen in zip(cands, centrality):
            c.agreement = len(agreed.get((c.article, c.index), set()) - {c.origin}) / others
            c.centrality = float(cen)
            c.relevance = c.centrality + p.lead_weight / (1 + c.rank) + p.agreement_weight * c.agreement

    @staticmethod
    def _agreement(material: Material) -> dict[tuple[str, int], set[str]]:
        """Per sentence, the origins of the articles that tell one of its claims."""
        sentence_of = sentence_locator(material.facts)
        out: dict[tuple[str, int], set[str]] = {}
        for claim in material.reconciled.get("claims", []):
            origins = {material.sources[a].origin for a in claim["articles"] if a in material.sources}
            for e in claim["evidence"]:
                key = (e["article"], sentence_of(e["article"], e["start"]))
                out.setdefault(key, set()).update(origins)
        return out

    # -------------------------------------------------------------- body

    def select(self, cands: list[Candidate], words: int, after: dict[int, int] | None = None) -> list[Candidate]:
        """Maximal marginal relevance, balanced across origins, until ``words`` are reached. ``after`` maps
        a candidate's number to the one it must follow (not given: the body's opening sentence, chosen
        already): choosing it chooses first the sentences it follows that are not chosen yet (at most
        three, none of them a repeat), which it needs as context; the group scores what it scores."""
        p = self.params
        if not cands:
            return []
        after = after or {}
        matrix = np.vstack([c.vector for c in cands])
        chosen: list[int] = []
        taken: dict[str, int] = {}
        total = 0
        max_sim = np.full(len(cands), -1.0, dtype=np.float32)
        relevance = np.array([c.relevance for c in cands], dtype=np.float32)
        available = np.ones(len(cands), dtype=bool)

        def group(k: int) -> list[int]:  # k and the sentences not yet chosen that it follows, first one first
            out = [k]
            while out[-1] in after and after[out[-1]] not in chosen and len(out) < 4:
                out.append(after[out[-1]])
            return out[::-1] if out[-1] not in after or after[out[-1]] in chosen else []

        while total < words and available.any():
            factor = np.array([p.balance ** taken.get(c.origin, 0) for c in cands], dtype=np.float32)
            score = relevance * factor - p.redundancy * np.maximum(max_sim, 0)
            score[~available] = -np.inf
            groups = {k: group(k) for k in after if available[k]}
            for k, g in groups.items():
                if not g or not available[g].all() or (max_sim[g] >= p.duplicate).any():
                    score[k] = -np.inf
            best = int(np.argmax(score))
            if not np.isfinite(score[best]) or (chosen and score[best] < p.min_gain):
                break  # what is left mostly repeats what is chosen
            if best not in groups and max_sim[best] >= p.duplicate:
                available[best] = False
                continue
            for k in groups.get(best, [best]):
                available[k] = False
                chosen.append(k)
                taken[cands[k].origin] = taken.get(cands[k].origin, 0) + 1
                total += cands[k].words
                max_sim = np.maximum(max_sim, matrix @ matrix[k])
        return [cands[k] for k in chosen]

    def body(self, material: Material, cands: list[Candidate], words: int | None = None) -> list[Line]:
        """The body: one short article. It opens with the lead of the most central report (in a developing
        story, of its latest reports), then the chosen sentences (maximal marginal relevance) in the order
        of the reports (by publication time where known) and of their place in them, each cited to its
        article.

        A sentence that only makes sense in its own article (an opening pronoun or "There was", a
        quotation whose speaker it does not name: :func:`.compress.standalone`, :func:`.compress.reads_alone`)
        comes only right after the sentence it follows there, which gives it its context: choosing it
        chooses that one too. Whole sentences are chosen until the budget is reached (the last one may run
        over it). A sentence with unpaired quote marks is left out, and so is another report's
        lead that retells the opening one (cosine at least ``retold``); datelines and opening connectives
        are cut. Sentences that carry a figure or an order of events sources dispute are left to "where
        sources differ", which gives every side."""
        budget = words or self.params.body_words
        disputed = _disputed_figures(material.reconciled) | _disputed_spans(material.reconciled)
        if disputed:
            cands = [c for c in cands if not any(a == c.article and c.start <= x < c.end for a, x in disputed)]
        alone = {id(c): standalone(c.text) for c in cands}
        parse_ahead([v[1] for v in alone.values() if v is not None])
        alone = {k: v if v is not None and reads_alone(v[1]) else None for k, v in alone.items()}
        kept = {id(c): alone[id(c)] or standalone(c.text, after_own=True) for c in cands}
        cands = [c for c in cands if kept[id(c)] is not None]
        if not cands:
            return []
        latest = latest_reports(material)
        leads = [c for c in cands if c.rank == 0 and (not latest or c.article in latest)] or cands
        first = max(leads, key=lambda c: (alone[id(c)] is not None, c.centrality))
        rest = [c for c in cands if c is not first
                and not (c.rank == 0 and float(c.vector @ first.vector) >= self.params.retold)]
        by_place = {(c.article, c.index): c for c in rest}
        opening = (first.article, first.index)

        def anchored(c: Candidate) -> bool:  # the sentences it follows, back to one that reads alone, are here
            while alone[id(c)] is None and (c.article, c.index - 1) != opening:
                c = by_place.get((c.article, c.index - 1))
                if c is None:
                    return False
            return True

        rest = [c for c in rest if anchored(c)]
        number = {id(c): k for k, c in enumerate(rest)}
        after = {k: number[id(by_place[(c.article, c.index - 1)])] for k, c in enumerate(rest)
                 if alone[id(c)] is None and (c.article, c.index - 1) != opening}
        picked = [first] + (self.select(rest, budget - first.words, after) if budget > first.words else [])
        return [self._body_line(c, kept[id(c)]) for c in self._body_order(material, first, picked[1:], alone)]

    @staticmethod
    def _body_order(material: Material, first: Candidate, picked: list[Candidate], alone: dict) -> list[Candidate]:
        """The opening sentence, then the others in report order (by publication time where known) and
        their place in them; a sentence that needs its context right after the one it follows."""
        order = {aid: k for k, aid in enumerate(material.sources)}
        when = {aid: s.published for aid, s in material.sources.items()}
        timed = all(when.get(c.article) is not None for c in picked)

        def place(c: Candidate):
            return (when[c.article] if timed else 0, c.rank, order.get(c.article, 0))

        followers: dict[tuple[str, int], Candidate] = {}
        heads = []
        for c in picked:
            if alone[id(c)] is None:
                followers[(c.article, c.index - 1)] = c
            else:
                heads.append(c)
        out = []
        for c in [first] + sorted(heads, key=place):
            out.append(c)
            while (c.article, c.index) in followers:
                c = followers.pop((c.article, c.index))
                out.append(c)
        return out

    @staticmethod
    def _body_line(c: Candidate, kept: tuple[int, str]) -> Line:
        skip, text = kept
        start = c.start + skip
        return Line(text, [c.article], [Evidence(c.article, start, c.end, c.text[skip:])])

    @staticmethod
    def sentence_line(c: Candidate) -> Line:
        return Line(c.text, [c.article], [Evidence(c.article, c.start, c.end, c.text)])

    # -------------------------------------------------------------- headline and dek

    def headline(self, material: Material, cands: list[Candidate]) -> Line:
        latest = latest_reports(material)
        sources = [s for s in material.sources.values() if s.title and (not latest or s.id in latest)]
        if not sources:
            best = max(cands, key=lambda c: c.relevance) if cands else None
            if best is None:
                return Line("", [], [])
            text = _shorten(best.text, HEADLINE_CHARS)
            return Line(text, [best.article], [Evidence(best.article, best.start, best.start + len(text), text)])
        titles = [_clean_title(s) for s in sources]
        vectors = self.embed(titles)
        centre = _unit(np.vstack([c.vector for c in cands]).mean(axis=0)) if cands else vectors.mean(axis=0)
        ranked = sorted(range(len(sources)), key=lambda k: (len(titles[k]) > HEADLINE_CHARS, -float(vectors[k] @ centre)))
        k = ranked[0]
        title = titles[k] if len(titles[k]) <= HEADLINE_CHARS else _shorten(titles[k], HEADLINE_CHARS)
        start = sources[k].title.find(title)
        return Line(title, [sources[k].id], [Evidence(sources[k].id, start, start + len(title), title, "title")])

    def dek(self, material: Material, cands: list[Candidate], headline: Line) -> Line:
        deks = [s for s in material.sources.values() if s.dek and 5 <= len(s.dek.split()) <= 45]
        if deks:
            own = [s for s in deks if s.id in headline.citations]
            s = (own or deks)[0]
            return Line(s.dek, [s.id], [Evidence(s.id, 0, len(s.dek), s.dek, "dek")])
        leads = [c for c in cands if c.words <= 40] or cands
        if not leads:
            return Line("", [], [])
        best = max(leads, key=lambda c: c.relevance + (0.2 if c.rank == 0 else 0.0))
        return self.sentence_line(best)

    # -------------------------------------------------------------- quick take

    def quick_take(self, material: Material, cands: list[Candidate]) -> list[Line]:
        """Agreed facts first (sentences whose claims other origins tell, and quotes several origins
        carry in the same words), then single-origin facts, each bullet passing the gate."""
        p = self.params
        links = _sentence_links(material)
        by_key = {(c.article, c.index): c for c in cands}
        disputed = _disputed_spans(material.reconciled)
        figures = _disputed_figures(material.reconciled)
        options: list[tuple[float, bool, Callable[[], Line | None], set, np.ndarray, set]] = []
        supporters = self.supporters(material, cands, links)
        sentence_of = sentence_locator(material.facts)
        latest = latest_reports(material)
        voices = independent_groups(material.sources)  # one origin's articles, and one outlet's, are one voice
        for c, others in zip(cands, supporters):
            if any(a == c.article and c.start <= x < c.end for a, x in figures):
                continue  # a figure sources dispute: told under "where sources differ"
            if latest and c.article not in latest and not set(others) & latest:
                continue  # a developing story: what only earlier reports tell may be out of date
            support = links.get((c.article, c.index), {})
            consensus = len({voices[c.article]} | {voices[a] for a in others}) >= 2
            # agreement counts the voices reconciliation found telling its claims, not mere look-alikes
            told = {voices[a] for a in support if a != "claims" and a in voices}
            agreed = len(told - {voices[c.article]})
            articles = 1 + sum(1 for a in support if a not in ("claims", c.article))
            figures_told = min(3, len(numbers_in(c.text)))
            score = c.centrality + p.agreement_weight * agreed + 0.05 * (articles - 1) + p.detail_weight * figures_told
            if any(a == c.article and c.start <= x < c.end for a, x in disputed):
                score -= p.agreement_weight  # its timing is disputed: what sources agree on comes first
            if c.article in latest:
                score += p.agreement_weight  # a developing story: its latest state first
            claims = set(support.get("claims", set()))

            def make(c=c, others=others, consensus=consensus) -> Line | None:
                return self._bullet(material, c, others, consensus, disputed)

            options.append((score, consensus, make, {(c.article, c.index)}, c.vector, claims))
        for q in self._quote_bullets(material, by_key):
            options.append(q)

        chosen: list[Line] = []
        used: set = set()
        used_claims: set = set()
        vectors: list[np.ndarray] = []

        def take(pool, limit: int, want: bool | None) -> None:  # want: consensus lines, single-origin ones, either
            for _, _, make, keys, vec, claims in sorted(pool, key=lambda o: -o[0]):
                if len(chosen) >= limit:
                    return
                if keys & used or (claims and len(claims & used_claims) * 2 > len(claims)):
                    continue
                if any(float(vec @ v) >= p.duplicate for v in vectors):
                    continue
                line = make()
                if line is None or not self._passes(line) or (want is not None and line.consensus != want):
                    continue
                chosen.append(line)
                vectors.append(vec)
                used.update(keys)
                # a sentence that backs a chosen bullet would repeat it
                used.update((e.article, sentence_of(e.article, e.start)) for e in line.evidence if e.field == "text")
                used_claims.update(claims)

        if self.gate is not None:  # judge the likely bullets in one batch; the checks below reuse its work
            likely = [make() for pool in (True, False)
                      for _, _, make, *_ in sorted((o for o in options if o[1] == pool), key=lambda o: -o[0])[:3 * p.bullets]]
            self.gate.check_all([line for line in likely if line is not None])
        if latest:
            # a developing story opens with its latest state, as its newest reports tell it: agreed, or (when
            # the earlier reports cited beside it do not give its figures) labelled as the one report it is
            take([o for o in options if any(a in latest for a, _ in o[3])], 1, None)
        take([o for o in options if o[1]], p.consensus_bullets + sum(not line.consensus for line in chosen), True)
        # single-origin facts; a sentence other origins tell too, but not in words the gate accepts as
        # agreed, is not "reported by one outlet" either, so it waits for the body
        take([o for o in options if not o[1]], p.bullets, False)
        return chosen

    def supporters(self, material: Material, cands: list[Candidate], links: dict) -> list[dict[str, set[int]]]:
        """Per candidate, the sentences of other articles that may support it: those telling one of its
        claims (never one a correction retracted or a later report superseded), and up to three per
        article alike as a whole (cosine at least ``same_topic``)."""
        matrix = np.vstack([x.vector for x in cands]) if cands else np.zeros((0, 1), np.float32)
        sims = matrix @ matrix.T
        stale = superseded_spans(material.reconciled)

        def current(article: str, index: int) -> bool:
            """Whether that sentence holds no statement a correction or a later report superseded."""
            sentence = material.facts[article].sentences[index]
            return not any(start < sentence.end and sentence.start < end for start, end in stale.get(article, ()))

        out = []
        for n, c in enumerate(cands):
            support = links.get((c.article, c.index), {})
            others = {a: {k for k in ks if current(a, k)} for a, ks in support.items()
                      if a != c.article and a in material.sources and a in material.facts}
            others = {a: ks for a, ks in others.items() if ks}
            for m in np.argsort(-sims[n])[:12]:
                x = cands[int(m)]
                if x.article != c.article and sims[n, m] >= self.params.same_topic and len(others.get(x.article, ())) < 3:
                    others.setdefault(x.article, set()).add(x.index)
            out.append(others)
        return out

    def _quote_bullets(self, material: Material, by_key: dict) -> list[tuple]:
        """A quote several origins carry in the same words: the speaker and the words they share."""
        out = []
        origins = independent_groups(material.sources)  # one origin, or one outlet: one voice
        sentence_of = sentence_locator(material.facts)
        latest = latest_reports(material)
        for q in material.reconciled.get("quotes", []):
            variants = q.get("variants") or []
            if not q.get("speaker") or len({origins.get(a) for a in q["articles"]}) < 2:
                continue
            if latest and not set(q["articles"]) & latest:
                continue  # a developing story: a remark only earlier reports carry may be out of date
            best = None
            for i, a in enumerate(variants):
                for b in variants[i + 1:]:
                    if {origins.get(x) for x in a["articles"]} & {origins.get(x) for x in b["articles"]}:
                        continue
                    run = _common_run(a["evidence"][0]["text"], b["evidence"][0]["text"])
                    if run and (best is None or run[0] > best[0][0]):
                        best = (run, a, b)
            if best is None or best[0][0] < 4:
                continue
            (_, (a0, a1), (b0, b1)), a, b = best
            ea, eb = a["evidence"][0], b["evidence"][0]
            # a quotation comes whole: the shared words open one wording, with a capital (not a fragment
            # woven into a sentence), and run to the end of it or of its first clause (a comma, a stop)
            if not _whole_clause(ea["text"], a0, a1) and _whole_clause(eb["text"], b0, b1):
                (a0, a1), (b0, b1), ea, eb = (b0, b1), (a0, a1), eb, ea
            if not _whole_clause(ea["text"], a0, a1):
                continue
            words = ea["text"][a0:a1]
            evidence = [
                Evidence(ea["article"], ea["start"] + a0, ea["start"] + a1, words),
                Evidence(eb["article"], eb["start"] + b0, eb["start"] + b1, eb["text"][b0:b1]),
            ]
            speaker = q["speaker"]
            for e in list(evidence):
                evidence += self._speaker_evidence(material, e.article, e.start, speaker)
            keys = {(e["article"], sentence_of(e["article"], e["start"])) for v in variants for e in v["evidence"]}
            members = [by_key[k] for k in keys if k in by_key]
            if not members:
                continue
            # words several origins quote alike are a key fact: weighed like two figures
            score = max(c.centrality for c in members) + self.params.agreement_weight + 2 * self.params.detail_weight
            vec = _unit(np.mean([c.vector for c in members], axis=0))
            text = f"{speaker} said: “{words.strip(' ,.;')}”."
            line = Line(text, list(dict.fromkeys(e.article for e in evidence)), dedupe(evidence),
                        consensus=True, prose=False)
            out.append((score, True, lambda line=line: line, keys, vec, set()))
        return out

    @staticmethod
    def _speaker_evidence(material: Material, article: str, char: int, speaker: str) -> list[Evidence]:
        """Where ``article`` names ``speaker``: the quote's attribution and the fullest mention of the name."""
        facts = material.facts[article]
        text = material.sources[article].text
        out = []
        for q in facts.quotes:
            if q.start <= char < q.end and q.speaker_start is not None and q.speaker_end is not None:
                out.append(Evidence(article, q.speaker_start, q.speaker_end, text[q.speaker_start:q.speaker_end]))
        full = [m for m in facts.mentions if m.label == "person" and m.text == speaker]
        if full:
            m = full[0]
            out.append(Evidence(article, m.start, m.end, text[m.start:m.end]))
        return out

    def _bullet(self, material: Material, own: Candidate, others: dict[str, set[int]], consensus: bool,
                disputed: set[tuple[str, int]]) -> Line | None:
        """A bullet told in ``own``'s words, compressed to stand alone (:mod:`.compress`), citing the
        sentences of other articles that tell its claims. Its own evidence runs from the first word it
        keeps to the last."""
        facts = material.facts[own.article]
        body = material.sources[own.article].text
        cuts = []
        for t in facts.times:
            if (own.article, t.start) not in disputed or not (own.start <= t.start < own.end):
                continue
            # a disputed order phrase ("before the talks began") is cut when it ends the sentence
            if body[t.end:own.end].strip() not in {".", ""}:
                return None
            cuts.append((t.start - own.start, own.end - own.start - (1 if body[own.end - 1] == "." else 0)))
        short = compress(own.text, min_words=self.params.min_words, speakers=_speakers(facts, own), cuts=cuts)
        if short is None or len(short.text.split()) > self.params.quick_take_max_words:
            return None
        start, end = own.start + short.start, own.start + short.end
        evidence = [Evidence(own.article, start, end, body[start:end])]
        text = short.text
        figures = {(v, k) for _, v, k in numbers_in(text)}
        order = {aid: k for k, aid in enumerate(material.sources)}  # cite in the sources' order, run after run
        for article in sorted(others, key=lambda aid: (order.get(aid, len(order)), aid)):
            indices = others[article]
            sentences = material.facts[article].sentences
            # the sentences that give the bullet's figures first: they are what lets two origins vouch for them
            def gives(i: int) -> int:
                return len(figures & {(v, k) for _, v, k in numbers_in(sentences[i].text)})
            for i in sorted(indices, key=lambda i: (-gives(i), i))[:3]:
                sent = sentences[i]
                evidence.append(Evidence(article, sent.start, sent.end, sent.text))
        citations = list(dict.fromkeys(e.article for e in evidence))
        label = None if consensus else cited_label(material.sources, citations)
        return Line(text, citations, evidence, consensus=consensus, label=label)

    def _passes(self, line: Line) -> bool:
        """Whether ``line`` passes the gate. A line that fails only for some of its citations — an article
        that gives another value for one of its figures, or none, or does not say what it says — is kept
        without them and labelled for what remains: presented as agreed only while two independent voices
        are cited, else as one report, counting the outlets it still cites. The article whose words it is
        is never dropped: a line failing for it fails."""
        if self.gate is None:
            return True
        own = line.evidence[0].article if line.evidence else None
        for _ in range(3):
            if self.gate.check(line).passed:
                return True
            bad = {a for a in line.gate.articles or () if a != own}
            if not bad:
                return False
            line.citations = [a for a in line.citations if a not in bad]
            line.evidence = [e for e in line.evidence if e.article not in bad]
            if line.consensus and independent_count(self.gate.sources, line.citations) < 2:
                line.consensus, line.label = False, cited_label(self.gate.sources, line.citations)
            elif line.label:
                line.label = cited_label(self.gate.sources, line.citations)
        return self.gate.check(line).passed

    # -------------------------------------------------------------- differences, quotes, timeline

    def differences(self, material: Material) -> list[dict[str, Any]]:
        out = []
        for conflict in material.reconciled.get("conflicts", []):
            topic = conflict["topic"]
            values = conflict["values"]
            if conflict["kind"] == "quantity":
                text = f"{capitalise(topic)}: " + " vs ".join(v["value"] for v in values) + "."
            else:
                text = f"{capitalise(topic)}: " + " or ".join(v["value"] for v in values) + "?"
            evidence, citations = [], []
            for v in values:
                for e in v.get("context", []) + v["evidence"]:
                    evidence.append(Evidence(e["article"], e["start"], e["end"], e["text"]))
                citations += v["articles"]
            line = Line(text, list(dict.fromkeys(citations)), dedupe(evidence), prose=False)
            out.append({
                "topic": topic,
                "kind": conflict["kind"],
                "sides": [{"value": v["value"], "articles": v["articles"],
                           "evidence": v.get("context", []) or v["evidence"]} for v in values],
                "line": line,
            })
        return out

    def quotes(self, material: Material) -> list[dict[str, Any]]:
        quotes = [q for q in material.reconciled.get("quotes", []) if q.get("speaker")]
        origins = independent_groups(material.sources)  # one origin, or one outlet: one voice
        quotes.sort(key=lambda q: (-len({origins.get(a) for a in q["articles"]}), -len(q["articles"]),
                                   -len(q["text"])))
        out = []
        for q in quotes[: self.params.quotes]:
            main = q["variants"][0] if q.get("variants") else None
            if main is None:
                continue
            evidence = [Evidence(e["article"], e["start"], e["end"], e["text"]) for e in main["evidence"]]
            for e in list(evidence):
                evidence += self._speaker_evidence(material, e.article, e.start, q["speaker"])
            evidence = dedupe(evidence)
            text = f"{q['speaker']}: “{main['text'].strip().rstrip(',')}”"
            line = Line(text, list(dict.fromkeys(e.article for e in evidence)), evidence, prose=False)
            out.append({
                "speaker": q["speaker"],
                "text": main["text"],
                "articles": q["articles"],
                "variants": [{k: v[k] for k in ("text", "articles", "change", "diff") if k in v}
                             for v in q["variants"][1:]],
                "line": line,
            })
        return out

    def timeline(self, material: Material, cands: list[Candidate]) -> list[dict[str, Any]]:
        """Dated events in time order, one entry per claim and day: see :mod:`.timeline`."""
        return story_timeline(material, cands, self.params, self.gate, self._passes)

    # -------------------------------------------------------------- all of it

    def write(self, material: Material) -> Draft:
        cands = self.candidates(material)
        headline = self.headline(material, cands)
        draft = Draft(
            headline=headline,
            dek=self.dek(material, cands, headline),
            quick_take=self.quick_take(material, cands),
            body=self.body(material, cands),
            differences=self.differences(material),
            quotes=self.quotes(material),
            timeline=self.timeline(material, cands),
            developments=development_items(material),
        )
        if self.gate is not None:
            self.gate.check_all([ln for _, lines in draft.lines() for ln in lines])
        return draft


# ------------------------------------------------------------------ helpers

def _speakers(facts: ArticleFacts, c: Candidate) -> list[tuple[int, int]]:
    """Offsets, in the candidate sentence, of the named speakers its quotations have in it."""
    return [(q.speaker_start - c.start, q.speaker_end - c.start) for q in facts.quotes
            if c.start <= q.start < c.end and q.named_in_sentence and q.speaker_start is not None
            and q.speaker_end is not None and c.start <= q.speaker_start and q.speaker_end <= c.end]


def latest_reports(material: Material) -> set[str]:
    """In a developing story (reports spread over more than :data:`DEVELOPING_HOURS`), the articles of
    its latest day: those within that many hours of the newest report. Empty for a story told at once,
    or whose reports carry no time."""
    times = {aid: s.published for aid, s in material.sources.items() if s.published is not None}
    if len(times) < 2:
        return set()
    newest, oldest = max(times.values()), min(times.values())
    window = timedelta(hours=DEVELOPING_HOURS)
    if newest - oldest <= window:
        return set()
    return {aid for aid, when in times.items() if newest - when <= window}


def _disputed_spans(reconciled: dict[str, Any]) -> set[tuple[str, int]]:
    """(article, sentence start) of order phrases that a sequence conflict disputes."""
    out = set()
    for conflict in reconciled.get("conflicts", []):
        if conflict["kind"] != "sequence":
            continue
        for v in conflict["values"]:
            for e in v["evidence"]:
                out.add((e["article"], e["start"]))
    return out


def _disputed_figures(reconciled: dict[str, Any]) -> set[tuple[str, int]]:
    """(article, start) of every figure a quantity conflict disputes."""
    return {
        (e["article"], e["start"])
        for conflict in reconciled.get("conflicts", []) if conflict["kind"] == "quantity"
        for v in conflict["values"] for e in v["evidence"]
    }


def _sentence_links(material: Material) -> dict[tuple[str, int], dict]:
    """Per sentence (article, index): for each other article, its sentences that tell one of this
    sentence's claims; under "claims", the numbers of those claims."""
    sentence_of = sentence_locator(material.facts)
    out: dict[tuple[str, int], dict] = {}
    for k, claim in enumerate(material.reconciled.get("claims", [])):
        members = {(e["article"], sentence_of(e["article"], e["start"])) for e in claim["evidence"]}
        for key in members:
            links = out.setdefault(key, {"claims": set()})
            links["claims"].add(k)
            for article, index in members:
                if article != key[0]:
                    links.setdefault(article, set()).add(index)
    return out


_RUN_WORD = re.compile(r"[\w’']+")


def _common_run(a: str, b: str) -> tuple[int, tuple[int, int], tuple[int, int]] | None:
    """The longest run of words two texts share (case and apostrophes aside): its length in words and
    its character span in each text."""
    wa = [(m.start(), m.end(), m.group().lower().replace("’", "'")) for m in _RUN_WORD.finditer(a)]
    wb = [(m.start(), m.end(), m.group().lower().replace("’", "'")) for m in _RUN_WORD.finditer(b)]
    if not wa or not wb:
        return None
    match = difflib.SequenceMatcher(None, [w for *_, w in wa], [w for *_, w in wb], autojunk=False).find_longest_match(
        0, len(wa), 0, len(wb))
    if match.size == 0:
        return None
    i, j, n = match.a, match.b, match.size
    return n, (wa[i][0], wa[i + n - 1][1]), (wb[j][0], wb[j + n - 1][1])


def _whole_clause(quote: str, start: int, end: int) -> bool:
    """Whether ``quote[start:end]`` opens the quotation with a capital and ends it or its first clause."""
    head = quote[:start].strip(" “”\"‘’'")
    return not head and quote[start:start + 1].isupper() and (quote[end:].strip(" “”\"‘’'")[:1] in {"", ",", ".", ";", "!", "?", ":"})


def _clean_title(source: Source) -> str:
    title = " ".join(source.title.split())
    if source.source:
        m = re.match(rf"^(.*\S)\s+[-|–—:]\s+{re.escape(source.source)}\s*$", title, re.IGNORECASE)
        if m:
            return m.group(1)
    return title


def _shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    for mark in (": ", " - ", " – ", " — ", " | "):
        head = text.split(mark)[0]
        if 30 <= len(head) <= limit:
            return head
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(",;:-–— ")


__all__ = [
    "CARRIED_LABEL",
    "HEADLINE_CHARS",
    "PRONOUN_START",
    "SINGLE_LABEL",
    "Candidate",
    "Draft",
    "ExtractiveWriter",
    "Material",
    "WriterParams",
    "cited_label",
    "is_candidate",
    "latest_reports",
]
