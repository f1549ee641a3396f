"""The faithfulness gate: nothing in a brief that its cited evidence does not say.

For every line (see :class:`~.model.Line`) the gate checks:

* **citations** — at least one; every cited article is one of the story's, has
  evidence, and every evidence span is exactly what the article holds at that span
  (so a citation moved to another article, or an edited span, is caught);
* **numbers** — every number of the line, in digits or words ("10" = "ten",
  "1.2 million" = "1,200,000", "third" = "3rd"), is among the numbers of its evidence;
* **names** — every named person, organisation or place (spaCy entities and proper
  nouns; in sentence-case text also every capitalised word after the first) appears
  in the evidence, word for word;
* **quotes** — every quoted string appears in one evidence span (case, quote marks
  and spacing aside; an ellipsis splits a quote in parts);
* **other values** — for prose lines, a cited article whose supporting evidence gives another value
  for one of the line's figures (the same word counted: "45,000 vehicles" against "38,000 vehicles") is a side
  of a conflict, not support;
* **support** — for prose lines, each cited article has an evidence span that says
  what the line says: cosine of their embeddings at least :attr:`Gate.support`
  (the setting ``topic_similarity``), or, without an embedder, that share of the
  line's content words found in it; a line presented as agreed needs two
  independent origins at :attr:`Gate.agree` (the paraphrase threshold
  ``claim_similarity``). Numbers, names and quotes are looked up in supporting
  spans only, so an unrelated sentence cited beside them cannot vouch for them;
* **consensus** — a line presented as agreed has citations from at least two
  independent origins, each supporting it, and each of its numbers and quotes is
  found in the evidence of two origins: a figure or wording only one report gives
  (or that sources dispute) is not consensus.

The verdict lists every failure as a sentence naming what was not found and where.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from ..facts.quantities import ORDINALS, SCALES, SMALL_NUMBERS, TENS
from .model import Evidence, Line, Source, Verdict

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

_NUMBER_WORDS = {**SMALL_NUMBERS, **TENS}
_SCALE_WORDS = {k: v for k, v in SCALES.items() if k not in {"bn", "mn", "tn"}}
_TOKEN = re.compile(
    r"(?P<digits>\d+(?:,\d{3})*(?:\.\d+)?)(?P<suffix>st|nd|rd|th|bn|mn|tn|k|m|b)?(?![\w])"
    r"|(?P<digits2>\d+(?:,\d{3})*(?:\.\d+)?)"
    r"|(?P<word>[A-Za-z]+)"
)
_SUFFIX_SCALES = {"bn": 1e9, "b": 1e9, "mn": 1e6, "m": 1e6, "tn": 1e12, "k": 1e3}
_QUOTE = re.compile(
    r"[“«\"](?P<a>[^“”«»\"]{2,}?)[”»\"]"
    r"|(?:^|(?<=[\s(\[]))['‘](?=\S)(?P<b>[^‘’'\n]{2,}?)(?<=\S)['’](?=[\s.,;:!?)\]]|$)"
)
_WORD = re.compile(r"[\w]+(?:['’][\w]+)*")


# ------------------------------------------------------------------ numbers

def numbers_in(text: str) -> list[tuple[str, float, str]]:
    """Numbers of ``text`` as (as written, value, kind), kind "cardinal" or "ordinal".

    Digits ("57,500", "3.5", "60-day" → 60), number words ("ten", "twenty-five",
    "two hundred", "a dozen"), digits with a scale ("1.2 million", "3bn") and
    ordinals ("third", "3rd").
    """
    out: list[tuple[str, float, str]] = []
    tokens = list(_TOKEN.finditer(text))
    i = 0
    while i < len(tokens):
        m = tokens[i]
        digits = m.group("digits") or m.group("digits2")
        if digits:
            value = float(digits.replace(",", ""))
            suffix = (m.group("suffix") or "").lower()
            surface = m.group(0)
            if suffix in {"st", "nd", "rd", "th"}:
                out.append((surface, value, "ordinal"))
                i += 1
                continue
            if suffix:
                value *= _SUFFIX_SCALES[suffix]
            elif i + 1 < len(tokens) and (tokens[i + 1].group("word") or "").lower() in _SCALE_WORDS \
                    and _adjacent(text, m, tokens[i + 1]):
                value *= _SCALE_WORDS[tokens[i + 1].group("word").lower()]
                surface = text[m.start():tokens[i + 1].end()]
                i += 1
            out.append((surface, value, "cardinal"))
            i += 1
            continue
        word = m.group("word").lower()
        if word in ORDINALS:
            out.append((m.group(0), float(ORDINALS[word]), "ordinal"))
            i += 1
            continue
        if word in _NUMBER_WORDS or (word == "dozen" and _after_a(text, m)):
            j, value, start = i, 0.0, m.start()
            current = 0.0
            while j < len(tokens):
                w = (tokens[j].group("word") or "").lower()
                if j > i and not _adjacent(text, tokens[j - 1], tokens[j], hyphen=True):
                    if w != "and" or j + 1 >= len(tokens):
                        break
                if w in _NUMBER_WORDS:
                    current += _NUMBER_WORDS[w]
                elif w in _SCALE_WORDS and (current or w == "dozen"):
                    current = (current or 1) * _SCALE_WORDS[w]
                    if _SCALE_WORDS[w] >= 1000:
                        value += current
                        current = 0.0
                elif w == "and" and j > i:
                    pass
                else:
                    break
                j += 1
            while j > i + 1 and (tokens[j - 1].group("word") or "").lower() == "and":
                j -= 1
            value += current
            out.append((text[start:tokens[j - 1].end()], value, "cardinal"))
            i = j
            continue
        i += 1
    return out


def _adjacent(text: str, a: re.Match, b: re.Match, *, hyphen: bool = False) -> bool:
    between = text[a.end():b.start()]
    return between.strip() == "" or (hyphen and between == "-")


def _after_a(text: str, m: re.Match) -> bool:
    return text[:m.start()].rstrip().lower().endswith(" a") or text[:m.start()].rstrip().lower() == "a"


def counted_figures(text: str) -> list[tuple[str, float, str, str]]:
    """Figures of ``text`` with the word that follows them, as (as written, value, kind, noun):
    "38,000 vehicles" → noun "vehicle", "4.9%" → "percent". Figures followed by no noun are left out."""
    out = []
    at = 0
    for surface, value, kind in numbers_in(text):
        where = text.find(surface, at)
        if where < 0:
            continue
        at = where + len(surface)
        m = re.match(r"\s*(%|percent\b|[A-Za-z][\w-]*)", text[at:])
        if not m:
            continue
        noun = "percent" if m.group(1) in {"%", "percent"} else m.group(1).lower()
        if noun in STOP or len(noun) < 3:
            continue
        out.append((surface, value, kind, noun[:-1] if noun.endswith("s") and len(noun) > 3 else noun))
    return out


def _other_values(line: str, evidence: Sequence[Evidence]) -> list[str]:
    """A cited article whose evidence gives another value for one of the line's figures (the same
    thing counted: "45,000 vehicles" against the line's "38,000 vehicles") and never the line's own
    is a side of a conflict, not support."""
    ours = counted_figures(line)
    if not ours:
        return []
    by_article: dict[str, list[tuple[str, float, str, str]]] = {}
    for e in evidence:
        by_article.setdefault(e.article, []).extend(counted_figures(e.text))
    reasons = []
    for article, theirs in by_article.items():
        for surface, value, kind, noun in ours:
            same = [f for f in theirs if f[3] == noun and f[2] == kind]
            if same and not any(_same_number((value, kind), (f[1], f[2])) for f in same):
                reasons.append(f"{article} gives another figure for '{surface}' ('{same[0][0]}'): "
                               "a side of a conflict, not support")
    return reasons


def _same_number(a: tuple[float, str], b: tuple[float, str]) -> bool:
    return a[1] == b[1] and math.isclose(a[0], b[0], rel_tol=1e-9, abs_tol=1e-9)


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
        judged: list[tuple[list[str], list[Evidence] | None]] = []  # reasons; spans to look in (None: cited wrongly)
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
                        f"{article} does not say this (similarity {score:.2f} < {self.support:.2f})"
                        for article, score in best.items() if score < self.support
                    ]
                    agreeing = {self.sources[a].origin for a, score in best.items() if score >= need}
                    if line.consensus and not reasons and len(agreeing) < 2:
                        reasons.append(
                            f"presented as agreed, but only {len(agreeing)} independent origin"
                            f"{'s' if len(agreeing) != 1 else ''} say{'s' if len(agreeing) == 1 else ''} the same "
                            f"(similarity {need:.2f} or more)"
                        )
            judged.append((reasons, supporting))
        verbatim = [bool(s) and any(_fold(line.text) in _fold(e.text) for e in s)
                    for line, (_, s) in zip(lines, judged)]
        self._parse([line.text for line, (_, s), v in zip(lines, judged, verbatim) if s is not None and not v])
        verdicts = []
        for line, (reasons, supporting), plain in zip(lines, judged, verbatim):
            if supporting is not None:
                reasons += self._contents(line, None if plain else self._docs[line.text], supporting)
            line.gate = Verdict(not reasons, reasons)
            verdicts.append(line.gate)
        return verdicts

    def _parse(self, texts: list[str]) -> None:
        missing = [t for t in dict.fromkeys(texts) if t not in self._docs]
        for text, doc in zip(missing, self.nlp.pipe(missing, batch_size=64)):
            self._docs[text] = doc

    # -------------------------------------------------------------- citations

    def _citations(self, line: Line) -> list[str]:
        reasons = []
        if not line.citations:
            return ["no citation"]
        cited = set(line.citations)
        for article in line.citations:
            if article not in self.sources:
                reasons.append(f"cites {article}, which is not an article of this story")
            elif not any(e.article == article for e in line.evidence):
                reasons.append(f"cites {article} without evidence from it")
        for e in line.evidence:
            if e.article not in cited:
                reasons.append(f"evidence from {e.article}, which is not cited")
                continue
            source = self.sources.get(e.article)
            if source is None:
                continue
            held = source.field_text(e.field)[e.start:e.end] if 0 <= e.start <= e.end else None
            if held != e.text:
                reasons.append(f"evidence for {e.article} is not what the article says at {e.field} {e.start}-{e.end}")
        if line.consensus:
            origins = {self.sources[a].origin for a in cited if a in self.sources}
            if len(origins) < 2:
                reasons.append(
                    "presented as agreed by independent sources, but its citations come from "
                    f"{len(origins)} independent origin{'s' if len(origins) != 1 else ''}"
                )
        return reasons

    # -------------------------------------------------------------- contents

    def _by_origin(self, evidence: list[Evidence]) -> dict[str, list[Evidence]]:
        out: dict[str, list[Evidence]] = {}
        for e in evidence:
            out.setdefault(self.sources[e.article].origin, []).append(e)
        return out

    def _contents(self, line: Line, doc, evidence: list[Evidence]) -> list[str]:
        """Numbers, names and quotes of the line against the evidence that supports it (names from
        ``doc``, the parsed line; None when the line is word for word in a supporting span)."""
        reasons = []
        groups = list(self._by_origin(evidence).values()) if line.consensus else [evidence]
        need = 2 if line.consensus else 1
        cited = ", ".join(dict.fromkeys(e.article for e in evidence)) or "none supports the line"
        where = "in the evidence of two independent origins" if line.consensus else f"in the cited evidence ({cited})"

        numbers = [(surface, (value, kind)) for surface, value, kind in numbers_in(line.text)]
        if numbers:
            found = [[(v, k) for e in group for _, v, k in numbers_in(e.text)] for group in groups]
            for surface, number in numbers:
                if sum(any(_same_number(number, n) for n in f) for f in found) < need:
                    reasons.append(f"number '{surface}' is not {where}")

        if line.prose:  # a template line (a difference, a quote) may cite every side on purpose
            reasons += _other_values(line.text, evidence)

        names = self._names(doc) if doc is not None else []  # no parse: the line is a supporting span's words
        if names:
            found_words = set().union(*(_name_words(e.text) for e in evidence))
            for name in names:
                words = {w for w in _name_words(name) if w not in NOT_NAMES}
                if words and not words <= found_words:
                    reasons.append(f"name '{name}' is not in the cited evidence ({cited})")

        for quote in quotes_in(line.text):
            parts = _quote_parts(quote)
            hits = sum(
                any(all(part in _fold(e.text) for part in parts) for e in group) for group in groups
            )
            if parts and hits < need:
                reasons.append(f"quote “{quote}” is not {where}")
        return reasons

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
