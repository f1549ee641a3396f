"""Numbers read independently of the reconciler, and planted conflicts for ``newsdesk eval conflicts``.

:func:`numbers_in` reads the numbers of a text — digits ("23", "57,500", "4.5", "12%", "$4.5 billion")
and number words ("twenty-three", "six hundred") — each with the word right after it (its *unit*:
"people", "percent", or the currency sign for money). It shares no code with the facts stage, so a
plant is chosen by a criterion the reconciler does not see.

A number is *plantable* when it states an amount: not a year (a bare 1000–2199), not part of a date
("March 3", "3 March"), not a time of day ("6 a.m.", "10:30"), not an ordinal ("3rd"; "third" is
never read), not part of a name ("COVID-19", "F-35", "Amendment 64": a capitalised word right before
it), not a part of a number split by tokenisation ("5 , 000") and followed by a content word, "percent" or
a currency scale ("23 of them" is not read).

:func:`choose_plant` takes one story's articles and picks, with a seeded generator, one pair of
sentences from two different articles that state the same number with the same unit and are about
the same fact: their content words (stopwords, numbers and the unit removed) have a Dice overlap of
at least :data:`SAME_FACT` and share at least :data:`SHARED_WORDS` words. The number in one of the
two is changed to :func:`planted_value` (twice it plus three, rounded like the original).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from functools import cache

SAME_FACT = 0.3  # lowest Dice overlap of content words for two sentences to state the same fact
SHARED_WORDS = 2  # and at least this many content words in common

_SMALL = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
    "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}
_SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000,
           "trillion": 1_000_000_000_000}
_MONTHS = {"january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec"}
_CLOCK = re.compile(r"\s*(?:a\.?m\b\.?|p\.?m\b\.?|o'clock|gmt\b|utc\b|[ecmp][sd]?t\b|bst\b|cet\b|hours? gmt)", re.IGNORECASE)
_DIGITS = re.compile(
    r"(?<![\w.,:/$€£-])(?P<cur>[$€£]\s?)?(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)(?![\w/:]|[.,]\d)"
    r"(?P<pct>\s?%)?(?:\s+(?P<scale>million|billion|trillion|thousand)\b)?",
    re.IGNORECASE,
)
_WORD = re.compile(r"[A-Za-z]+(?:-[A-Za-z]+)*")
_NEXT = re.compile(r"[\s-]*([A-Za-z][A-Za-z'’]*)")


@dataclass(slots=True, frozen=True)
class Number:
    """A number as written in a text, with the word after it."""

    start: int
    end: int
    text: str  # the number as written ("57,500", "twenty-three", "$4.5 billion")
    value: float  # scale words applied: "$4.5 billion" -> 4.5e9
    unit: str  # "people", "percent", "$"; "" when none
    plantable: bool  # an amount (not a year, date, time, ordinal or name)

    @property
    def key(self) -> tuple[float, str]:
        return (round(self.value, 6), self.unit)


@cache
def _stopwords() -> frozenset[str]:
    from spacy.lang.en.stop_words import STOP_WORDS

    return frozenset(STOP_WORDS)


def _unit_after(text: str, end: int) -> tuple[str, int]:
    match = _NEXT.match(text, end)
    if not match:
        return "", end
    word = match.group(1).lower().rstrip("'’")
    if word == "per" and text[match.end():match.end() + 5].lower() == " cent":
        return "percent", match.end() + 5
    return word, match.end()


def _context_ok(text: str, start: int, end: int, unit: str, currency: bool) -> bool:
    """Not a date, a time of day or part of a name, and followed by a content word (or money / percent)."""
    before = text[max(0, start - 30):start]
    prev = re.search(r"([A-Za-z][\w.'’]*)\W*$", before)
    if prev and prev.group(1).lower().rstrip(".") in _MONTHS:
        return False
    if _CLOCK.match(text, end) or unit in _MONTHS:
        return False
    if prev and prev.group(1)[0].isupper() and re.search(r"[A-Za-z]\s*$", before) \
            and not re.search(r"(^|[.!?:;\"“”]\s*)[A-Za-z]+\s*$", before):
        return False  # "Amendment 64", "Flight 370": a capitalised word (not the sentence's first) names it
    if currency or unit == "percent":
        return True
    return bool(unit) and unit not in _stopwords() and unit.isalpha() or "-" in unit


def _digit_numbers(text: str) -> list[Number]:
    out = []
    for m in _DIGITS.finditer(text):
        raw = m.group("num")
        value = float(raw.replace(",", ""))
        if m.group("scale"):
            value *= _SCALES[m.group("scale").lower()]
        end = m.end()
        if m.group("pct"):
            unit = "percent"
        elif m.group("cur"):
            unit = m.group("cur").strip()
        else:
            unit, _ = _unit_after(text, end)
        year = (m.group("cur") is None and m.group("pct") is None and m.group("scale") is None
                and "," not in raw and "." not in raw and 1000 <= value <= 2199)
        tokenised = re.search(r"\d\s[,.]\s?$", text[:m.start()]) or re.match(r"\s[,.]\s?\d", text[m.end():])
        plantable = not year and not tokenised and _context_ok(text, m.start(), end, unit, m.group("cur") is not None)
        out.append(Number(m.start(), end, text[m.start():end], value, unit, plantable))
    return out


def _word_value(words: list[str]) -> float | None:
    total, current = 0, 0
    for word in words:
        if word == "and":
            continue
        if word in _SMALL:
            current += _SMALL[word]
        elif word == "hundred":
            current = max(current, 1) * 100
        else:
            total += max(current, 1) * _SCALES[word]
            current = 0
    return float(total + current)


def _word_numbers(text: str) -> list[Number]:
    out: list[Number] = []
    run: list[re.Match] = []

    def close() -> None:
        while run and run[-1].group(0).lower() == "and":
            run.pop()
        if run and run[0].group(0).lower().split("-")[0] in _SMALL:  # "billion" alone is not a number
            words = [part for m in run for part in m.group(0).lower().split("-")]
            start, end = run[0].start(), run[-1].end()
            value = _word_value(words)
            unit, _ = _unit_after(text, end)
            plantable = value is not None and value >= 2 and _context_ok(text, start, end, unit, False)
            out.append(Number(start, end, text[start:end], value or 0.0, unit, plantable))
        run.clear()

    for m in _WORD.finditer(text):
        parts = m.group(0).lower().split("-")
        numeric = all(p in _SMALL or p in _SCALES for p in parts)
        joins = run and m.group(0).lower() == "and" and run[-1].group(0).lower() in _SCALES
        adjacent = run and not text[run[-1].end():m.start()].strip()
        if (numeric or joins) and (not run or adjacent):
            run.append(m)
            continue
        close()
        if numeric:
            run.append(m)
    close()
    return out


def numbers_in(text: str) -> list[Number]:
    """Every number of ``text`` (digits and number words), in text order."""
    digits = _digit_numbers(text)
    words = [w for w in _word_numbers(text) if not any(d.start < w.end and w.start < d.end for d in digits)]
    return sorted(digits + words, key=lambda n: n.start)


def planted_value(number: Number) -> str:
    """A clearly incompatible value written like the original: twice it plus three, rounded to the original's
    precision ("23" -> "49", "57,500" -> "118,000", "4.5" -> "12", "$4.5 billion" -> "$12 billion")."""
    digits = re.search(r"\d[\d,]*(?:\.\d+)?", number.text)
    if digits:
        raw = digits.group(0)
        base = float(raw.replace(",", ""))
        decimals = len(raw.split(".")[1]) if "." in raw else 0
        zeros = 0 if decimals else len(raw.replace(",", "")) - len(raw.replace(",", "").rstrip("0"))
    else:  # number words: the value in digits
        raw, base, decimals = number.text, number.value, 0
        zeros = len(str(int(base))) - len(str(int(base)).rstrip("0"))
    new = base * 2 + 3
    if zeros:
        step = 10 ** min(zeros, len(str(int(new))) - 1)
        new = round(new / step) * step
    new = round(new, decimals)
    if new == int(new):
        written = f"{int(new):,}" if "," in raw or (not digits and new >= 10_000) else str(int(new))
    else:
        written = f"{new:.{decimals}f}"
    return number.text.replace(raw, written, 1) if digits else written


# -- choosing a plant ----------------------------------------------------------------------------------


@dataclass(slots=True, frozen=True)
class Sentence:
    article: int  # index of the article in its story
    start: int
    end: int
    text: str


@dataclass(slots=True, frozen=True)
class Plant:
    """One number changed in one article, where a partner article states the same fact with it."""

    article: int  # the article changed (index in the story)
    partner: int  # the article that keeps the original number
    start: int  # span of the number in the article's text
    end: int
    original: str
    planted: str
    planted_value: float
    sentence: str  # the article's sentence, as it was
    partner_sentence: str
    overlap: float

    def apply(self, text: str) -> str:
        return text[:self.start] + self.planted + text[self.end:]


_BOUNDARY = re.compile(r"\n+|(?:(?<=[.!?])|(?<=[.!?][\"”’)]))\s+(?=[\"“‘(]?[A-Z0-9])")


def sentences(article: int, text: str) -> list[Sentence]:
    """A plain sentence split (at line breaks and at . ! ? before a capital or digit)."""
    out, start = [], 0
    for m in [*_BOUNDARY.finditer(text), None]:
        end = m.start() if m else len(text)
        if text[start:end].strip():
            out.append(Sentence(article, start, end, text[start:end]))
        start = m.end() if m else end
    return out


def content_words(text: str, unit: str = "") -> set[str]:
    stop = _stopwords()
    words = {w.lower().replace("’", "'").removesuffix("'s") for w in _WORD.findall(text)}
    return {w for w in words if w not in stop and w not in _SMALL and w not in _SCALES and w != unit and len(w) > 1}


def dice(a: set[str], b: set[str]) -> float:
    return 2 * len(a & b) / (len(a) + len(b)) if a and b else 0.0


@dataclass(slots=True, frozen=True)
class Candidate:
    one: Sentence
    one_number: Number
    other: Sentence
    other_number: Number
    overlap: float


def candidates(texts: list[str]) -> list[Candidate]:
    """Every pair of sentences of two different articles stating the same plantable number about the same fact."""
    found: list[tuple[Sentence, Number]] = []
    for index, text in enumerate(texts):
        for s in sentences(index, text):
            for n in numbers_in(s.text):
                if n.plantable:
                    found.append((s, Number(s.start + n.start, s.start + n.end, n.text, n.value, n.unit, True)))
    out = []
    for i, (s1, n1) in enumerate(found):
        for s2, n2 in found[i + 1:]:
            if s1.article == s2.article or n1.key != n2.key:
                continue
            w1, w2 = content_words(s1.text, n1.unit), content_words(s2.text, n2.unit)
            overlap = dice(w1, w2)
            if overlap >= SAME_FACT and len(w1 & w2) >= SHARED_WORDS:
                out.append(Candidate(s1, n1, s2, n2, round(overlap, 3)))
    return out


def choose_plant(texts: list[str], rng: random.Random) -> Plant | None:
    """One plant for a story's articles (None: no eligible pair)."""
    pairs = candidates(texts)
    if not pairs:
        return None
    pick = rng.choice(pairs)
    swap = rng.random() < 0.5
    one, number, other = (pick.other, pick.other_number, pick.one) if swap else (pick.one, pick.one_number, pick.other)
    new = planted_value(number)
    value = next((n.value for n in numbers_in(new)), number.value * 2 + 3)
    return Plant(one.article, other.article, number.start, number.end, number.text, new, value,
                 one.text, other.text, pick.overlap)
