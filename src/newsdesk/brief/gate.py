"""The faithfulness gate: nothing in a brief that its cited evidence does not say.

For every line (see :class:`~.model.Line`) the gate checks:

* **citations** — at least one; every cited article is one of the story's, has
  evidence, and every evidence span is exactly what the article holds at that span
  (so a citation moved to another article, or an edited span, is caught);
* **numbers** — every number of the line, in digits or words ("10" = "ten",
  "1.2 million" = "1,200,000", "third" = "3rd"), is among the numbers of its evidence,
  the same value at the precision the line gives it (:func:`.numbers.gives`: "Eighteen" is
  given by "18", "1.2 million" by "1,230,000", "18" never by "12");
* **every citation gives the figures** — for prose lines (Quick Take, body, dek, timeline, an
  editor's or an LLM's lines), each cited article gives each of the line's figures. A cited
  article whose evidence gives another value ("Valley Ledger — “Bridge closed” gives 12 wagons,
  not 18") or none fails the line, whether it is a copy, a rewrite or another report;
* **support** — for prose lines, each cited article has an evidence span that says
  what the line says: cosine of their embeddings at least :attr:`Gate.support`
  (the setting ``topic_similarity``), or, without an embedder, that share of the
  line's content words found in it; a line presented as agreed needs two
  independent origins at :attr:`Gate.agree` (the paraphrase threshold
  ``claim_similarity``). Numbers, names and quotes are looked up in supporting
  spans only, so an unrelated sentence cited beside them cannot vouch for them;
* **consensus** — a line presented as agreed has citations from at least two
  independent origins (articles of one outlet are one voice, as are copies and rewrites of
  one report: :func:`.model.independent_groups`), each supporting it, and each of its numbers and quotes is
  found in the evidence of two origins: a figure or wording only one report gives
  (or that sources dispute) is not consensus.

The verdict lists every failure as a sentence naming what was not found and where, and the
cited articles that fail the line (:attr:`.model.Verdict.articles`: a writer drops those citations).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from .model import Evidence, Line, Source, Verdict, independent_groups
from .numbers import Figure, counts_alike, figures_in, gives, numbers_in

NAME_LABELS = {"PERSON", "ORG", "GPE", "LOC", "NORP", "FAC", "EVENT", "PRODUCT", "WORK_OF_ART", "LAW"}
# capitalised words that name nothing: they start clauses or are parts of a title-case headline
NOT_NAMES = {
    "i", "a", "an", "the", "and", "or", "but", "in", "on", "at", "of", "to", "for", "as", "by", "with", "from",
    "mr", "mrs", "ms", "dr", "he", "she", "it", "they", "we", "you", "this", "that", "these", "those", "his",
    "her", "their", "its", "our", "after", "before", "while", "when", "if", "no", "not", "yes",
}
STOP = NOT_NAMES | {
    "is", "are", "was", "were", "be", "been", "has", "have", "had", "will", "would", "can", "could", "said",
    "says", "say", "also", "than", "then", "there", "which", "who", "whom", "what", "about", "into", "over",
    "s", "up", "out", "so", "do", "did", "does", "more", "most", "some", "such", "only", "any", "all",
}

_QUOTE = re.compile(
    r"[“«\"](?P<a>[^“”«»\"]{2,}?)[”»\"]"
    r"|(?:^|(?<=[\s(\[]))['‘](?=\S)(?P<b>[^‘’'\n]{2,}?)(?<=\S)['’](?=[\s.,;:!?)\]]|$)"
)
_WORD = re.compile(r"[\w]+(?:['’][\w]+)*")
Reason = tuple[str, "str | None"]  # a reason, and the cited article it names (None: the line as a whole)


# ------------------------------------------------------------------ quotes and words

def _fold(text: str) -> str:
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    return " ".join(text.lower().split())


def quotes_in(text: str) -> list[str]:
    """Quoted strings of ``text`` (double quotes of any style, and single curly quotes)."""
    return [(m.group("a") or m.group("b")).strip() for m in _QUOTE.finditer(text)]


def _quote_parts(quote: str) -> list[str]:
    parts = re.split(r"\.\.\.|…|\[[^\]]*\]", quote)
    return [p for p in (_fold(p).strip(" ,.;:!?'\"-—") for p in parts) if p]


def _words(text: str) -> list[str]:
    return [w.lower().replace("’", "'") for w in _WORD.findall(text)]


def _name_words(text: str) -> set[str]:
    """Words of a text for name lookup: lower-cased, possessives dropped, hyphens split."""
    out: set[str] = set()
    for w in _words(text.replace("-", " ")):
        out.add(w)
        if w.endswith("'s"):
            out.add(w[:-2])
    return out


# ------------------------------------------------------------------ the gate

class Gate:
    """Checks lines of a brief against the story's articles."""

    def __init__(
        self,
        sources: dict[str, Source],
        *,
        embed: Callable[[list[str]], np.ndarray] | None = None,
        support: float = 0.5,
        agree: float = 0.62,
        nlp=None,
    ) -> None:
        self.sources = sources
        self._embed = embed
        self._vectors: dict[str, np.ndarray] = {}
        self._docs: dict[str, Any] = {}  # parsed lines, by text
        self.support = support
        self.agree = agree
        self._nlp = nlp
        self.groups = independent_groups(sources)  # per article, its independent voice (origin and outlet)

    @property
    def embed(self) -> Callable[[list[str]], np.ndarray] | None:
        return self._cached_embed if self._embed is not None else None

    def _cached_embed(self, texts: list[str]) -> np.ndarray:
        """Vectors of ``texts``, each computed once per gate: a text judged twice gets the same vector
        (quantised embedders differ slightly with the batch a text comes in)."""
        missing = [t for t in dict.fromkeys(texts) if t not in self._vectors]
        if missing:
            for t, v in zip(missing, self._embed(missing)):
                self._vectors[t] = v
        return np.vstack([self._vectors[t] for t in texts]) if texts else np.zeros((0, 1), np.float32)

    @property
    def nlp(self):
        if self._nlp is None:
            from ..facts.nlp import load_pipeline

            self._nlp = load_pipeline()
        return self._nlp

    def check(self, line: Line) -> Verdict:
        return self.check_all([line])[0]

    def check_all(self, lines: Sequence[Line]) -> list[Verdict]:
        """Verdicts for ``lines`` (also written into each line's ``gate``).

        The work is batched: one embedding call for every span whose support is not plain
        (the line is not the span's own words), one parse for every line whose names need
        looking up (a line that is word for word part of a supporting span names nothing the
        span does not).
        """
        spans = self._span_support(lines)
        # per line: its reasons, each with the cited article it names (None: the line as a whole), and
        # the spans to look in (None: cited wrongly)
        judged: list[tuple[list[Reason], list[Evidence] | None]] = []
        for k, line in enumerate(lines):
            reasons = self._citations(line)
            supporting: list[Evidence] | None = None
            if not reasons:
                need = self.agree if line.consensus else self.support
                scores = spans.get(k)
                if scores is None:  # template lines: every span counts
                    supporting = list(line.evidence)
                else:
                    supporting = [e for e, s in zip(line.evidence, scores) if s >= self.support]
                    best: dict[str, float] = {}
                    for e, s in zip(line.evidence, scores):
                        best[e.article] = max(best.get(e.article, -1.0), s)
                    reasons += [
                        (f"{article} does not say this (similarity {score:.2f} < {self.support:.2f})", article)
                        for article, score in best.items() if score < self.support
                    ]
                    agreeing = {self.groups[a] for a, score in best.items() if score >= need}
                    if line.consensus and not reasons and len(agreeing) < 2:
                        reasons.append(((
                            f"presented as agreed, but only {len(agreeing)} independent origin"
                            f"{'s' if len(agreeing) != 1 else ''} say{'s' if len(agreeing) == 1 else ''} the same "
                            f"(similarity {need:.2f} or more)"), None))
            judged.append((reasons, supporting))
        verbatim = [bool(s) and any(_fold(line.text) in _fold(e.text) for e in s)
                    for line, (_, s) in zip(lines, judged)]
        self._parse([line.text for line, (_, s), v in zip(lines, judged, verbatim) if s is not None and not v])
        verdicts = []
        for line, (reasons, supporting), plain in zip(lines, judged, verbatim):
            if supporting is not None:
                reasons += self._contents(line, None if plain else self._docs[line.text], supporting)
            failing = [a for a in dict.fromkeys(a for _, a in reasons if a is not None) if a in line.citations]
            line.gate = Verdict(not reasons, [r for r, _ in reasons], failing)
            verdicts.append(line.gate)
        return verdicts

    def _parse(self, texts: list[str]) -> None:
        missing = [t for t in dict.fromkeys(texts) if t not in self._docs]
        for text, doc in zip(missing, self.nlp.pipe(missing, batch_size=64)):
            self._docs[text] = doc

    # -------------------------------------------------------------- citations

    def _citations(self, line: Line) -> list[Reason]:
        reasons: list[Reason] = []
        if not line.citations:
            return [("no citation", None)]
        cited = set(line.citations)
        for article in line.citations:
            if article not in self.sources:
                reasons.append((f"cites {article}, which is not an article of this story", article))
            elif not any(e.article == article for e in line.evidence):
                reasons.append((f"cites {article} without evidence from it", article))
        for e in line.evidence:
            if e.article not in cited:
                reasons.append((f"evidence from {e.article}, which is not cited", None))
                continue
            source = self.sources.get(e.article)
            if source is None:
                continue
            held = source.field_text(e.field)[e.start:e.end] if 0 <= e.start <= e.end else None
            if held != e.text:
                reasons.append((f"evidence for {e.article} is not what the article says at {e.field} {e.start}-{e.end}",
                                e.article))
        if line.consensus:
            origins = {self.groups[a] for a in cited if a in self.groups}
            if len(origins) < 2:
                reasons.append(((
                    "presented as agreed by independent sources, but its citations come from "
                    f"{len(origins)} independent origin{'s' if len(origins) != 1 else ''}"), None))
        return reasons

    # -------------------------------------------------------------- contents

    def _by_origin(self, evidence: list[Evidence]) -> dict[str, list[Evidence]]:
        """Evidence by independent voice: one origin's articles, and one outlet's, are one voice."""
        out: dict[str, list[Evidence]] = {}
        for e in evidence:
            out.setdefault(self.groups[e.article], []).append(e)
        return out

    def _contents(self, line: Line, doc, evidence: list[Evidence]) -> list[Reason]:
        """Numbers, names and quotes of the line against the evidence that supports it (names from
        ``doc``, the parsed line; None when the line is word for word in a supporting span)."""
        reasons: list[Reason] = []
        groups = list(self._by_origin(evidence).values()) if line.consensus else [evidence]
        need = 2 if line.consensus else 1
        cited = ", ".join(dict.fromkeys(e.article for e in evidence)) or "none supports the line"
        where = "in the evidence of two independent origins" if line.consensus else f"in the cited evidence ({cited})"

        figures = figures_in(line.text)
        missing: set[int] = set()  # figures no cited article gives
        if figures:
            found = [[f for e in group for f in figures_in(e.text)] for group in groups]
            for n, ours in enumerate(figures):
                given = sum(any(gives(ours, f) for f in group) for group in found)
                if given < need:
                    reasons.append((f"number '{ours.surface}' is not {where}", None))
                if given == 0:
                    missing.add(n)
            if line.prose:  # a template line (a difference, a quote) may cite every side on purpose
                reasons += self._each_gives(line, evidence, figures, missing)

        names = self._names(doc) if doc is not None else []  # no parse: the line is a supporting span's words
        if names:
            found_words = set().union(*(_name_words(e.text) for e in evidence))
            for name in names:
                words = {w for w in _name_words(name) if w not in NOT_NAMES}
                if words and not words <= found_words:
                    reasons.append((f"name '{name}' is not in the cited evidence ({cited})", None))

        for quote in quotes_in(line.text):
            parts = _quote_parts(quote)
            hits = sum(
                any(all(part in _fold(e.text) for part in parts) for e in group) for group in groups
            )
            if parts and hits < need:
                reasons.append((f"quote “{quote}” is not {where}", None))
        return reasons

    def _each_gives(self, line: Line, supporting: list[Evidence], figures: list[Figure],
                    missing: set[int]) -> list[Reason]:
        """Every cited article must give each of the line's figures, the same value at its precision: one
        whose evidence gives another value for it ("12 wagons" against the line's "18 wagons"), or none,
        does not support the line, whether it is a copy, a rewrite or another report. Looked up in the
        article's supporting spans (all its spans when none supports the line). A figure no cited article
        gives is already a reason of its own: for it, only the articles giving another value are named."""
        supported = {e.article for e in supporting}
        by_article: dict[str, list[Evidence]] = {}
        for e in line.evidence:
            if e.article not in supported or e in supporting:
                by_article.setdefault(e.article, []).append(e)
        reasons: list[Reason] = []
        for article, spans in by_article.items():
            if article not in self.sources:
                continue
            theirs = [(f, e.text) for e in spans for f in figures_in(e.text)]
            for n, ours in enumerate(figures):
                if any(gives(ours, f) for f, _ in theirs):
                    continue
                other = next(((f, text) for f, text in theirs if f.kind == ours.kind and counts_alike(ours, f)), None)
                if other is not None:
                    f, text = other
                    reasons.append((f"{self.who(article)} gives {f.phrase(text, ours.noun)}, not {ours.shown()}", article))
                elif n not in missing:
                    words = ours.phrase(line.text)
                    what = f" (“{words}”)" if words.lower() != ours.shown().lower() else ""
                    reasons.append((f"{self.who(article)} does not give the number {ours.shown()}{what}", article))
        return reasons

    def who(self, article: str) -> str:
        """An article as a reason names it: its outlet and title (“Valley Ledger — “Bridge closed””), else its id."""
        source = self.sources.get(article)
        if source is None:
            return article
        title = " ".join((source.title or "").split())
        if len(title) > 80:
            title = title[:79].rsplit(" ", 1)[0] + "…"
        outlet = " ".join((source.source or "").split())
        if outlet and title:
            return f"{outlet} — “{title}”"
        return outlet or (f"“{title}”" if title else article)

    def _names(self, doc) -> list[str]:
        """Names in a parsed line: entities, proper nouns and (in sentence case) capitalised words."""
        names: list[str] = []
        covered: set[int] = set()
        for ent in doc.ents:
            if ent.label_ in NAME_LABELS:
                names.append(ent.text)
                covered.update(range(ent.start, ent.end))
        words = [t for t in doc if t.is_alpha]
        title_case = len(words) >= 4 and sum(t.text[0].isupper() for t in words) >= 0.6 * len(words)
        for t in doc:
            if t.i in covered or not t.is_alpha or t.text.lower() in NOT_NAMES:
                continue
            initial = t.is_sent_start or (t.i > 0 and doc[t.i - 1].text in {'"', "“", "‘", "'", "(", ":", "—", "-"})
            if t.pos_ == "PROPN" or (not title_case and not initial and t.text[0].isupper()):
                names.append(t.text)
        return names

    # -------------------------------------------------------------- support

    def _span_support(self, lines: Sequence[Line]) -> dict[int, list[float]]:
        """Per prose line, per evidence span: how well the span says what the line says (1.0 when the
        line is the span's own words or a part of them). Template lines are left out."""
        out: dict[int, list[float]] = {}
        pending: list[tuple[int, int]] = []
        for k, line in enumerate(lines):
            if not line.prose:
                continue
            out[k] = []
            own = _fold(line.text)
            for n, e in enumerate(line.evidence):
                if own in _fold(e.text) or _fold(e.text) in own and len(e.text) > 0.8 * len(line.text):
                    out[k].append(1.0)
                else:
                    out[k].append(0.0)
                    pending.append((k, n))
        if not pending:
            return out
        if self.embed is not None:
            texts = list(dict.fromkeys([lines[k].text for k, _ in pending] + [lines[k].evidence[n].text for k, n in pending]))
            index = {t: i for i, t in enumerate(texts)}
            vectors = self.embed(texts)
            for k, n in pending:
                out[k][n] = float(vectors[index[lines[k].text]] @ vectors[index[lines[k].evidence[n].text]])
        else:
            for k, n in pending:
                words = {w for w in _words(lines[k].text) if w not in STOP}
                have = set(_words(lines[k].evidence[n].text))
                out[k][n] = len(words & have) / len(words) if words else 1.0  # overlap, not cosine
        return out


def summary(sections: Iterable[tuple[str, Sequence[Line]]]) -> Verdict:
    """The brief's verdict: passed when every line passed; reasons name the section and line."""
    reasons = []
    for name, lines in sections:
        for i, line in enumerate(lines, 1):
            if line.gate is None:
                reasons.append(f"{name} {i}: not checked")
            elif not line.gate.passed:
                reasons += [f"{name} {i}: {r}" for r in line.gate.reasons]
    return Verdict(not reasons, reasons)


__all__ = ["Gate", "numbers_in", "quotes_in", "summary"]
