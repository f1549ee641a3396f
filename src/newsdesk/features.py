"""Cheap text features shared by dedupe and clustering: words, shingles, names, sentences.

These are deliberately light (regular expressions, no model) because they run on
every article as it arrives; the facts stage does the careful linguistic work.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before being below
    between both but by can could did do does doing down during each few for from further had has have having he
    her here hers herself him himself his how i if in into is it its itself just me more most my myself no nor
    not now of off on once only or other our ours ourselves out over own same she should so some such than that
    the their theirs them themselves then there these they this those through to too under until up very was we
    were what when where which while who whom why will with would you your yours yourself yourselves said says
    told say according new one two mr mrs ms""".split()
)

_WORD = re.compile(r"[0-9]+(?:[.,][0-9]+)*|[^\W\d_]+(?:['’-][^\W\d_]+)*", re.UNICODE)
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"”’)]*\s+(?=[\"“‘(]*[A-Z0-9])")
# A run of capitalised words (with short connectors inside), or an acronym.
_NAME = re.compile(
    r"\b(?:[A-Z][\w’'-]*[a-z][\w’'-]*|[A-Z]{2,}[a-z]?)(?:\s+(?:(?:of|de|del|la|van|von|al|bin|the|for|and)\s+)?"
    r"(?:[A-Z][\w’'-]*[a-z][\w’'-]*|[A-Z]{2,}))*"
)
_WEAK_STARTS = frozenset(
    """The A An In On At For But And Or As After Before When While If This That These Those It He She They We
    His Her Their Our Its There Here Some Many Most More Other Another One Two Three Meanwhile However Also
    Earlier Later Despite Although Since Following During Monday Tuesday Wednesday Thursday Friday Saturday
    Sunday January February March April May June July August September October November December Mr Mrs Ms
    Dr I You What Who Why How Where According Yesterday Today Tomorrow""".split()
)


def words(text: str) -> list[str]:
    """Lower-cased word and number tokens."""
    return [w.lower() for w in _WORD.findall(text)]


def content_words(text: str) -> set[str]:
    """Words that carry content: no stopwords, no one- or two-letter words (numbers kept)."""
    return {w for w in words(text) if w not in STOPWORDS and (len(w) > 2 or w[0].isdigit())}


def shingles(text: str, size: int = 5) -> set[str]:
    """Overlapping runs of ``size`` words: the unit of near-duplicate detection."""
    tokens = words(text)
    if len(tokens) < size:
        return {" ".join(tokens)} if tokens else set()
    return {" ".join(tokens[i : i + size]) for i in range(len(tokens) - size + 1)}


def sentences(text: str, min_words: int = 4) -> list[str]:
    """A quick sentence split (paragraphs, then end punctuation before a capital)."""
    out: list[str] = []
    for paragraph in re.split(r"\n+", text):
        for sentence in _SENTENCE_END.split(paragraph.strip()):
            if len(sentence.split()) >= min_words:
                out.append(sentence)
    return out


def names(text: str) -> set[str]:
    """Proper names (people, places, organisations) as lower-cased phrases.

    A capitalised run that starts a sentence counts only if it has more than one
    word or is not a common sentence opener ("The", "Meanwhile", weekdays…).
    """
    found: set[str] = set()
    for match in _NAME.finditer(text):
        phrase = match.group(0)
        parts = phrase.split()
        while parts and parts[0] in _WEAK_STARTS:
            parts = parts[1:]
        if not parts:
            continue
        if len(parts) == 1 and len(parts[0]) < 3:
            continue
        found.add(" ".join(parts).lower().replace("’", "'"))
    return found


def containment(a: Iterable[str], b: Iterable[str]) -> float:
    """Share of the smaller set found in the other (0 when either is empty)."""
    a, b = set(a), set(b)
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))
