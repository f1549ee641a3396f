"""Quote variants: one remark of one speaker told in several wordings.

Which quotes are one remark
---------------------------
Two quotes of at least :data:`MIN_QUOTE_WORDS` words are wordings of one remark when

* **the speaker is the same**, linked across articles ("Netanyahu" = "Benjamin Netanyahu");
* **the words overlap**: the content words (no function words, crude stems) the two share *in
  order* cover at least :data:`SAME_WORDS` of the shorter quote's, and at least two of them; or,
  for a paraphrase, they cover :data:`PARAPHRASE_WORDS` (three words or more) and the
  embedding cosine reaches the ``same_quote`` setting. Relative to the shorter quote, so that a
  truncation ("X will close." against "X will close in the first two years …") is a variant,
  while two sentences of one speech that merely share a phrase ("is on paper") are not;
* **the occasion is the same**: the dates the two quotes' sentences give outside the quotes do
  not contradict, and quotes of articles published more than :data:`FAR_DAYS` days apart need
  near-identical words (:data:`FAR_WORDS`);
* **both are given as statements**: a fragment woven into the writer's own sentence (it opens
  with a lower-case word: the budget protects "the services people cannot live without") is an
  excerpt, not a wording of the remark, and is never a variant of a full quote.

Quotes of one article join one remark only when they are alike themselves: two different
sentences one article quotes apart are not chained together through a third quote.

Style or meaning
----------------
Each variant carries a word-level diff against the most cited wording and a judgement,
*meaning* when the two differ in polarity (not, never, no, n't …), in numbers, dates or
quantifiers, in a condition or limit (until, unless, before, after, within, once, if, only, "by"
a time …), or in a modal (will, may, must …); *style* otherwise: a synonym swap ("well alight"
/ "fully alight") or a dropped relative pronoun is style.
"""

from __future__ import annotations

import difflib
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .common import words
from .entities import Entity, same_person
from .model import ArticleFacts, Quote
from .quantities import MONTHS, ORDINALS, SCALES, SMALL_NUMBERS, TENS

MIN_QUOTE_WORDS = 4
SAME_WORDS = 0.5  # share of the shorter quote's content words the two share in order
PARAPHRASE_WORDS = 1 / 3  # the same, for two quotes alike by embedding
FAR_DAYS = 3.0  # articles further apart than this report another occasion unless the words match
FAR_WORDS = 0.8

NEGATIONS = {"not", "no", "never", "nobody", "nothing", "none", "neither", "nor", "cannot", "without", "nowhere"}
WEEKDAYS = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
NUMBER_WORDS = (set(SMALL_NUMBERS) | set(TENS) | set(SCALES) | set(ORDINALS) | {"dozen", "half", "hundred"}
                | {m for m in MONTHS if "." not in m and len(m) > 3} | WEEKDAYS)
QUANTIFIERS = {"all", "every", "each", "any", "some", "most", "many", "few", "more", "less", "fewer", "only",
               "always", "sometimes", "almost", "nearly", "least", "entire", "whole"}
CONDITIONS = {"until", "till", "unless", "before", "after", "within", "once", "if", "when", "whenever", "except",
              "provided", "only", "while"}
MODALS = {"will": "will", "'ll": "will", "shall": "will", "would": "would", "'d": "would", "can": "can",
          "could": "could", "may": "may", "might": "might", "must": "must", "should": "should"}
# "by" is a limit when a time follows it: "by the end of April", "by Friday"
TIME_AFTER_BY = ({"end", "then", "now", "next", "tomorrow", "tonight", "week", "month", "year", "spring", "summer",
                  "autumn", "fall", "winter", "morning", "evening", "noon", "midnight", "start", "close", "time"}
                 | {m for m in MONTHS if "." not in m} | WEEKDAYS)
STOP = {
    "the", "a", "an", "and", "or", "but", "so", "to", "of", "in", "on", "for", "with", "at", "by", "from", "as",
    "is", "are", "was", "were", "be", "been", "being", "am", "do", "does", "did", "we", "our", "us", "i", "me", "my",
    "you", "your", "he", "him", "his", "she", "her", "it", "its", "that", "this", "these", "those", "their", "they",
    "them", "there", "then", "what", "which", "who", "have", "has", "had", "will", "would", "can", "could", "s",
    "now", "still", "just", "very", "'s", "we're", "it's", "i'm", "we've", "they're",
}


def quote_variants(
    facts: dict[str, ArticleFacts],
    entities: list[Entity],
    entity_of: dict[tuple[str, int], Entity],
    texts: dict[str, str],
    embed,
    same_quote: float,
    published: dict[str, datetime | None] | None = None,
) -> list[dict[str, Any]]:
    """The story's quotes, each with its wordings (variants), most cited first.

    ``published`` (article id -> publication time), when given, keeps apart quotes of articles
    far apart in time whose words only partly match."""
    return _QuoteGrouper(facts, entities, entity_of, texts, embed, same_quote, published or {}).run()


@dataclass(slots=True)
class _Entry:
    article: str
    quote: Quote
    speaker: str | None
    content: list[str]  # content-word stems, in order
    dates: set[str]  # dates the quote's sentence gives outside the quote
    fragment: bool  # woven into the writer's sentence


class _QuoteGrouper:
    def __init__(self, facts, entities, entity_of, texts, embed, same_quote, published) -> None:
        self.facts, self.entities, self.entity_of, self.texts = facts, entities, entity_of, texts
        self.embed, self.same_quote, self.published = embed, same_quote, published

    def _evidence(self, article: str, start: int, end: int) -> dict[str, Any]:
        return {"article": article, "start": start, "end": end, "text": self.texts[article][start:end]}

    def _speaker(self, article: str, quote) -> Entity | None:
        """The speaker's entity; a surname the tagger called a place or an organisation ("Brandt said") is
        the one person of the story whose full name ends with it."""
        entity = self.entity_of.get((article, quote.speaker_start)) if quote.speaker_start is not None else None
        if (entity is None or entity.label != "person") and quote.speaker:
            people = [e for e in self.entities if e.label == "person" and same_person(e.name, quote.speaker)
                      and len(e.name.split()) >= len(quote.speaker.split())]
            if entity is None or len(people) == 1 and len(people[0].name.split()) > len(quote.speaker.split()):
                entity = people[0] if people else None
        return entity

    def _entry(self, aid: str, q: Quote) -> _Entry:
        entity = self._speaker(aid, q)
        dates = {
            t.value[:10] for t in self.facts[aid].times
            if t.sentence == q.sentence and t.kind in {"date", "weekday", "relative"} and t.value
            and len(t.value) >= 10 and t.value[4] == "-" and not (q.start <= t.start < q.end)
        }
        first = next((ch for ch in q.text if ch.isalpha()), "")
        return _Entry(aid, q, entity.name if entity else (q.speaker or q.description), content_words(q.text),
                      dates, first.islower())

    def run(self) -> list[dict[str, Any]]:
        entries = [
            self._entry(aid, q)
            for aid in sorted(self.facts)
            for q in self.facts[aid].quotes
            if len(words(q.text)) >= MIN_QUOTE_WORDS
        ]
        if not entries:
            return []
        vectors = self.embed([e.quote.text for e in entries])
        links: dict[tuple[int, int], float] = {}
        for i, a in enumerate(entries):
            for j in range(i + 1, len(entries)):
                b = entries[j]
                if a.speaker is None or a.speaker != b.speaker:
                    continue
                score = self._alike(a, b, float(vectors[i] @ vectors[j]))
                if score is not None:
                    links[(i, j)] = score
        out = [self._quote_dict([entries[k] for k in sorted(group)]) for group in self._groups(entries, links)]
        out.sort(key=lambda q: (-len(q["articles"]), q["speaker"] or "", q["text"]))
        return out

    def _alike(self, a: _Entry, b: _Entry, cosine: float) -> float | None:
        """How much of the shorter quote the two share, when they are one remark (else None)."""
        if " ".join(words(a.quote.text)) == " ".join(words(b.quote.text)):
            return 1.0
        if a.fragment != b.fragment:
            return None
        if a.dates and b.dates and not a.dates & b.dates:
            return None
        shared, overlap = shared_words(a.content, b.content)
        if not (overlap >= SAME_WORDS and shared >= 2
                or overlap >= PARAPHRASE_WORDS and shared >= 3 and cosine >= self.same_quote):
            return None
        when_a, when_b = self.published.get(a.article), self.published.get(b.article)
        if when_a and when_b and abs((when_a - when_b).total_seconds()) > FAR_DAYS * 86400 and overlap < FAR_WORDS:
            return None
        return overlap

    def _groups(self, entries: list[_Entry], links: dict[tuple[int, int], float]) -> list[list[int]]:
        """Linked quotes grouped, best links first; two quotes of one article only when linked themselves."""
        group_of = list(range(len(entries)))
        members: dict[int, list[int]] = {i: [i] for i in range(len(entries))}
        for (i, j), _ in sorted(links.items(), key=lambda item: (-item[1], item[0])):
            gi, gj = group_of[i], group_of[j]
            if gi == gj:
                continue
            if any(
                entries[x].article == entries[y].article and (min(x, y), max(x, y)) not in links
                for x in members[gi] for y in members[gj]
            ):
                continue
            for k in members[gj]:
                group_of[k] = gi
            members[gi] += members.pop(gj)
        return list(members.values())

    def _quote_dict(self, members: list[_Entry]) -> dict[str, Any]:
        wordings: dict[str, list[tuple[str, Any]]] = defaultdict(list)
        for e in members:
            wordings[" ".join(words(e.quote.text))].append((e.article, e.quote))
        ranked = sorted(wordings.values(), key=lambda w: (-len(w), w[0][0]))
        main = ranked[0][0][1].text
        variants = []
        for wording in ranked:
            text = wording[0][1].text
            variant = {
                "text": text,
                "articles": sorted({aid for aid, _ in wording}),
                "evidence": [self._evidence(aid, q.start, q.end) for aid, q in wording],
                "named_in_sentence": any(q.named_in_sentence for _, q in wording),
            }
            if wording is not ranked[0]:
                variant["diff"] = word_diff(main, text)
                variant["change"] = change_kind(main, text)
            variants.append(variant)
        return {
            "speaker": members[0].speaker,
            "text": main,
            "articles": sorted({e.article for e in members}),
            "variants": variants,
        }


def content_words(text: str) -> list[str]:
    """The quote's content words in order, crudely stemmed ("crews" = "crew")."""
    return [_stem(w) for w in words(text) if w not in STOP]


def shared_words(a: list[str], b: list[str]) -> tuple[int, float]:
    """Content words two quotes share in order, and their share of the shorter quote's."""
    if not a or not b:
        return 0, 0.0
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    shared = sum(block.size for block in matcher.get_matching_blocks())
    return shared, shared / min(len(a), len(b))


def word_diff(a: str, b: str) -> list[dict[str, str]]:
    """Word-level diff from ``a`` to ``b``: equal, delete, insert and replace runs."""
    wa, wb = a.split(), b.split()
    out = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=wa, b=wb, autojunk=False).get_opcodes():
        entry = {"op": op}
        if op in {"equal", "delete", "replace"}:
            entry["a"] = " ".join(wa[i1:i2])
        if op in {"insert", "replace"}:
            entry["b"] = " ".join(wb[j1:j2])
        out.append(entry)
    return out


def change_kind(a: str, b: str) -> str:
    """"meaning" when two wordings differ in what they assert (module docstring), "style" otherwise."""
    return "meaning" if _assertions(a) != _assertions(b) else "style"


def _assertions(text: str) -> tuple[int, Counter, Counter, Counter]:
    """What a wording asserts beyond its choice of words: polarity, figures and quantifiers, limits, modals."""
    ws = words(text)
    negations = sum(w in NEGATIONS or w.endswith("n't") for w in ws)
    figures = Counter(w for w in ws if any(ch.isdigit() for ch in w) or w in NUMBER_WORDS or w in QUANTIFIERS)
    limits = Counter(w for w in ws if w in CONDITIONS)
    limits["by"] = sum(w == "by" and _time_follows(ws, i) for i, w in enumerate(ws))
    modals = Counter(MODALS[_modal(w)] for w in ws if _modal(w))
    return negations, figures, +limits, modals


def _modal(word: str) -> str | None:
    if word in MODALS:
        return word
    for clitic in ("'ll", "'d"):  # "we'll", "they'd"
        if word.endswith(clitic) and len(word) > len(clitic):
            return clitic
    if word in {"won't", "can't", "couldn't", "wouldn't", "shouldn't", "mustn't", "mightn't"}:
        return {"won't": "will", "can't": "can"}.get(word, word[:-3])
    return None


def _time_follows(ws: list[str], i: int) -> bool:
    after = [w for w in ws[i + 1:i + 4] if w not in {"the", "a", "this", "that", "next", "early", "late", "mid"}]
    return bool(after) and (after[0] in TIME_AFTER_BY or after[0].isdigit())


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s", "al"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word
