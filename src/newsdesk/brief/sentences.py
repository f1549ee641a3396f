"""Helpers the writer (:mod:`.writer`) and the timeline (:mod:`.timeline`) share for telling a
sentence on its own and locating the spans they cite: a leading phrase cut, an opening pronoun
recognised, evidence without repeats, a character's sentence or claim found."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable
from typing import Any

from ..facts.model import ArticleFacts
from .model import Evidence

PRONOUN_START = re.compile(r"^(he|she|they|it|this|that|these|those|his|her|their|its|we|i)\b", re.IGNORECASE)
LEADING_PHRASE = re.compile(
    r"^(?:(?:in|amid|amidst|despite|as|with|after|following|before|prior to|earlier|later|meanwhile|however|"
    r"also|still|yet|now|but|and|so|at the same time|on|by|for|under|against)\b[^,;:\"“”]{0,90}?|"
    r"however|meanwhile|moreover|still|instead|separately|elsewhere|in addition)\s*,\s+",
    re.IGNORECASE,
)


def sentence_locator(facts: dict[str, ArticleFacts]) -> Callable[[str, int], int]:
    """A function giving the number of the sentence of an article that holds a character."""
    starts = {aid: [s.start for s in f.sentences] for aid, f in facts.items()}

    def locate(article: str, char: int) -> int:
        return max(0, bisect_right(starts.get(article, [0]), char) - 1)

    return locate


def claim_locator(reconciled: dict[str, Any]) -> dict[tuple[str, int], tuple]:
    """(article, statement start) → ("claim", number) for every statement of a reconciled claim."""
    out: dict[tuple[str, int], tuple] = {}
    for k, claim in enumerate(reconciled.get("claims", [])):
        for e in claim["evidence"]:
            out.setdefault((e["article"], e["start"]), ("claim", k))
    return out


def trim_lead(text: str, facts: ArticleFacts, start: int) -> tuple[int, str]:
    """Cut a leading adverbial ("Following the meeting, ", "In a tense backdrop of conflict, ")
    that names no one and holds no figure; returns the new start and text."""
    m = LEADING_PHRASE.match(text)
    if not m:
        return start, text
    phrase = text[: m.end()]
    if re.search(r"\d", phrase) or any(
        start <= mention.start < start + m.end() for mention in facts.mentions
    ) and not any(t.kind == "order" and t.start == start for t in facts.times):
        return start, text
    rest = text[m.end():]
    if len(rest.split()) < 6:
        return start, text
    return start + m.end(), rest


def capitalise(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def dedupe(evidence: list[Evidence]) -> list[Evidence]:
    """Evidence spans without repeats, in their order."""
    seen, out = set(), []
    for e in evidence:
        key = (e.article, e.field, e.start, e.end)
        if key not in seen:
            seen.add(key)
            out.append(e)
    return out


def spans_by_article(spans) -> dict[str, list[tuple[int, int]]]:
    """Per article, the (start, end) of evidence spans given as dicts (malformed ones are skipped)."""
    out: dict[str, list[tuple[int, int]]] = {}
    for span in spans:
        try:
            out.setdefault(str(span["article"]), []).append((int(span["start"]), int(span["end"])))
        except (KeyError, TypeError, ValueError):
            continue
    return out


def superseded_spans(reconciled: dict[str, Any]) -> dict[str, list[tuple[int, int]]]:
    """Per article, the statements a later report or a correction superseded."""
    return spans_by_article(reconciled.get("superseded", []) or [])


__all__ = ["LEADING_PHRASE", "PRONOUN_START", "capitalise", "claim_locator", "dedupe", "sentence_locator", "spans_by_article", "superseded_spans",
           "trim_lead"]
