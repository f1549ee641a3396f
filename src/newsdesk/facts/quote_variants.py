"""Quote variants: one remark of one speaker told in several wordings.

Quotes of at least :data:`MIN_QUOTE_WORDS` words by one speaker (linked across
articles: "Netanyahu" = "Benjamin Netanyahu") that share a run of three words or
are alike by embedding are one quote told in several wordings. Each variant carries
a word-level diff against the most cited wording and a judgement: *meaning* when the
change touches numbers, negation, quantifiers or more than a third of the content
words, *style* otherwise.
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from typing import Any

from .common import components, words
from .entities import Entity, same_person
from .model import ArticleFacts
from .quantities import ORDINALS, SCALES, SMALL_NUMBERS, TENS

MIN_QUOTE_WORDS = 4
NUMBER_WORDS = set(SMALL_NUMBERS) | set(TENS) | set(SCALES) | set(ORDINALS) | {"dozen", "half"}
MEANING_WORDS = {"not", "no", "never", "all", "none", "some", "any", "every", "only", "nothing", "without"}
STOP = {
    "the", "a", "an", "and", "or", "to", "of", "in", "on", "for", "with", "at", "by", "from", "is", "are", "was",
    "were", "be", "been", "we", "our", "us", "i", "it", "its", "that", "this", "their", "they", "have", "has",
    "had", "will", "would", "can", "could", "s", "now", "still",
}


def quote_variants(
    facts: dict[str, ArticleFacts],
    entities: list[Entity],
    entity_of: dict[tuple[str, int], Entity],
    texts: dict[str, str],
    embed,
    same_quote: float,
) -> list[dict[str, Any]]:
    """The story's quotes, each with its wordings (variants), most cited first."""
    return _QuoteGrouper(facts, entities, entity_of, texts, embed, same_quote).run()


class _QuoteGrouper:
    def __init__(self, facts, entities, entity_of, texts, embed, same_quote) -> None:
        self.facts, self.entities, self.entity_of, self.texts = facts, entities, entity_of, texts
        self.embed, self.same_quote = embed, same_quote

    def _evidence(self, article: str, start: int, end: int) -> dict[str, Any]:
        return {"article": article, "start": start, "end": end, "text": self.texts[article][start:end]}

    def _speaker(self, article: str, quote) -> Entity | None:
        if quote.speaker_start is not None and (article, quote.speaker_start) in self.entity_of:
            return self.entity_of[(article, quote.speaker_start)]
        if quote.speaker:
            for entity in self.entities:
                if entity.label == "person" and same_person(entity.name, quote.speaker):
                    return entity
        return None

    def run(self) -> list[dict[str, Any]]:
        entries = []
        for aid in sorted(self.facts):
            for q in self.facts[aid].quotes:
                if len(words(q.text)) < MIN_QUOTE_WORDS:
                    continue
                entity = self._speaker(aid, q)
                speaker = entity.name if entity else (q.speaker or q.description)
                entries.append((aid, q, speaker))
        if not entries:
            return []
        vectors = self.embed([q.text for _, q, _ in entries])
        links = []
        for i, (aa, qa, sa) in enumerate(entries):
            for j in range(i + 1, len(entries)):
                ab, qb, sb = entries[j]
                if sa is None or sb is None or sa != sb:
                    continue
                if float(vectors[i] @ vectors[j]) >= self.same_quote or _shared_trigram(qa.text, qb.text):
                    links.append((i, j))
        out = []
        for group in components(len(entries), links, singletons=True):
            members = [entries[k] for k in sorted(group)]
            out.append(self._quote_dict(members))
        out.sort(key=lambda q: (-len(q["articles"]), q["speaker"] or "", q["text"]))
        return out

    def _quote_dict(self, members: list[tuple[str, Any, str | None]]) -> dict[str, Any]:
        wordings: dict[str, list[tuple[str, Any]]] = defaultdict(list)
        for aid, q, _ in members:
            wordings[" ".join(words(q.text))].append((aid, q))
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
            "speaker": members[0][2],
            "text": main,
            "articles": sorted({aid for aid, _, _ in members}),
            "variants": variants,
        }


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
    """"meaning" when two wordings differ in numbers, negation, quantifiers or many content words; else "style"."""
    wa, wb = set(words(a)), set(words(b))
    changed = wa ^ wb
    if any(w.isdigit() for w in changed) or changed & (MEANING_WORDS | NUMBER_WORDS):
        return "meaning"
    ca = {_stem(w) for w in wa - STOP}
    cb = {_stem(w) for w in wb - STOP}
    if not ca or not cb:
        return "style"
    return "meaning" if len(ca ^ cb) / len(ca | cb) > 1 / 3 else "style"


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s", "al"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def _shared_trigram(a: str, b: str) -> bool:
    wa, wb = words(a), words(b)
    grams = {tuple(wa[i:i + 3]) for i in range(len(wa) - 2)}
    return any(tuple(wb[i:i + 3]) in grams for i in range(len(wb) - 2))
