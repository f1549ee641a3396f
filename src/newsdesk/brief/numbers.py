"""Numbers as the gate reads them: in digits or words, with what they count and how precisely.

:func:`numbers_in` reads every number of a text ("57,500", "ten", "twenty-five", "1.2 million",
"3bn", "a dozen", "third"); :func:`figures_in` gives each as a :class:`Figure` with its place,
the words after it (what it counts: "18 wagons" → ``wagon``) and the precision it is written at.

:func:`gives` says whether a figure of a source gives a figure of a line: the same kind (a cardinal
or an ordinal) and the same value at the line's precision. "Eighteen" is 18 and "18" is eighteen,
"1.2 million" is given by "1,230,000" (it rounds to it), "300" by "about 300"; "18" is not "12",
and "1,230,000" is not given by "1.2 million" (the line would be more precise than its source).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from ..facts.quantities import ORDINALS, SCALES, SMALL_NUMBERS, TENS

_NUMBER_WORDS = {**SMALL_NUMBERS, **TENS}
_SCALE_WORDS = {k: v for k, v in SCALES.items() if k not in {"bn", "mn", "tn"}}
_TOKEN = re.compile(
    r"(?P<digits>\d+(?:,\d{3})*(?:\.\d+)?)(?P<suffix>st|nd|rd|th|bn|mn|tn|k|m|b)?(?![\w])"
    r"|(?P<digits2>\d+(?:,\d{3})*(?:\.\d+)?)"
    r"|(?P<word>[A-Za-z]+)"
)
_SUFFIX_SCALES = {"bn": 1e9, "b": 1e9, "mn": 1e6, "m": 1e6, "tn": 1e12, "k": 1e3}
_AFTER = re.compile(r"[ \t]*(?:-[ \t]*)?(%|\d[\d,.]*|(?:[A-Za-z]\.){2,}|[A-Za-z][A-Za-z'’-]*)")
# words after a figure that say nothing of what it counts
_FILLER = {
    "a", "an", "the", "of", "and", "or", "to", "in", "on", "at", "for", "by", "with", "from", "as", "than",
    "more", "less", "fewer", "about", "some", "other", "others", "were", "was", "are", "is", "had", "have",
    "has", "been", "be", "will", "would", "said", "says", "who", "which", "that", "this", "these", "those",
    "per", "each", "new", "all", "its", "their", "his", "her",
}
COUNTED_WORDS = 3  # words after a figure read for what it counts


@dataclass(frozen=True, slots=True)
class Figure:
    """One number of a text: as written, its value and kind, where it is, the unit of its last
    written digit (``precision``: 1 for "18", 0.1 million for "1.2 million"), and what it counts:
    the words after it that say so, each as (singular lower-case form, where it ends)."""

    surface: str
    value: float
    kind: str  # "cardinal" or "ordinal"
    start: int
    end: int
    precision: float = 1.0
    counted: tuple[tuple[str, int], ...] = ()

    @property
    def noun(self) -> str | None:
        """The first word of what it counts ("wagon" of "18 goods wagons" is "goods"), if any."""
        return self.counted[0][0] if self.counted else None

    def shown(self) -> str:
        """The figure as a reason shows it: as written when in digits or an ordinal, else its value
        ("Eighteen" → "18")."""
        if re.search(r"\d", self.surface) or self.kind == "ordinal":
            return self.surface
        return f"{int(self.value):,}" if float(self.value).is_integer() else f"{self.value:,g}"

    def phrase(self, text: str, word: str | None = None) -> str:
        """The figure and what it counts as ``text`` (where it was read) writes them, up to ``word``
        (a counted word's singular form) when given, else up to the first counted word when it follows
        the figure directly ("Eighteen wagons", "third pier"; "18" of "18 of the wagons")."""
        end = self.end
        for key, until in self.counted:
            if word is None and len(text[self.end:until].split()) > 1:
                break
            end = until
            if word is None or key == word:
                break
        return " ".join(text[self.start:end].split())


def figures_in(text: str) -> list[Figure]:
    """Every number of ``text`` (see :func:`numbers_in`) as a :class:`Figure`."""
    out = []
    for surface, value, kind, start, end, precision in _read(text):
        out.append(Figure(surface, value, kind, start, end, precision, _counted(text, end)))
    return out


def numbers_in(text: str) -> list[tuple[str, float, str]]:
    """Numbers of ``text`` as (as written, value, kind), kind "cardinal" or "ordinal".

    Digits ("57,500", "3.5", "60-day" → 60), number words ("ten", "twenty-five",
    "two hundred", "a dozen"), digits with a scale ("1.2 million", "3bn") and
    ordinals ("third", "3rd").
    """
    return [(surface, value, kind) for surface, value, kind, *_ in _read(text)]


def gives(ours: Figure, theirs: Figure) -> bool:
    """Whether ``theirs`` (a source's figure) gives ``ours`` (a line's): the same kind and the same value
    at the precision ``ours`` is written at."""
    if ours.kind != theirs.kind:
        return False
    if math.isclose(ours.value, theirs.value, rel_tol=1e-9, abs_tol=1e-9):
        return True
    return abs(ours.value - theirs.value) < ours.precision / 2 - 1e-9 * max(1.0, abs(ours.value))


def counts_alike(ours: Figure, theirs: Figure) -> bool:
    """Whether two figures count the same thing: the first word of what one counts is among the words
    after the other ("18 wagons" and "12 goods wagons")."""
    a, b = {k for k, _ in ours.counted}, {k for k, _ in theirs.counted}
    return bool((ours.noun and ours.noun in b) or (theirs.noun and theirs.noun in a))


# ------------------------------------------------------------------ reading

def _read(text: str) -> list[tuple[str, float, str, int, int, float]]:
    out: list[tuple[str, float, str, int, int, float]] = []
    tokens = list(_TOKEN.finditer(text))
    i = 0
    while i < len(tokens):
        m = tokens[i]
        digits = m.group("digits") or m.group("digits2")
        if digits:
            value = float(digits.replace(",", ""))
            precision = 10.0 ** -len(digits.split(".")[1]) if "." in digits else 1.0
            suffix = (m.group("suffix") or "").lower()
            surface, end = m.group(0), m.end()
            if suffix in {"st", "nd", "rd", "th"}:
                out.append((surface, value, "ordinal", m.start(), end, 1.0))
                i += 1
                continue
            if suffix:
                value *= _SUFFIX_SCALES[suffix]
                precision *= _SUFFIX_SCALES[suffix]
            elif i + 1 < len(tokens) and (tokens[i + 1].group("word") or "").lower() in _SCALE_WORDS \
                    and _adjacent(text, m, tokens[i + 1]):
                scale = _SCALE_WORDS[tokens[i + 1].group("word").lower()]
                value *= scale
                precision *= scale
                end = tokens[i + 1].end()
                surface = text[m.start():end]
                i += 1
            out.append((surface, value, "cardinal", m.start(), end, precision))
            i += 1
            continue
        word = m.group("word").lower()
        if word in ORDINALS:
            out.append((m.group(0), float(ORDINALS[word]), "ordinal", m.start(), m.end(), 1.0))
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
            last = (tokens[j - 1].group("word") or "").lower()
            precision = _SCALE_WORDS[last] if last in _SCALE_WORDS and _SCALE_WORDS[last] >= 1000 else 1.0
            out.append((text[start:tokens[j - 1].end()], value, "cardinal", start, tokens[j - 1].end(), precision))
            i = j
            continue
        i += 1
    return out


def _counted(text: str, at: int) -> tuple[tuple[str, int], ...]:
    """What the figure ending at ``at`` counts: up to :data:`COUNTED_WORDS` words after it (fillers
    skipped), singular and lower-case, with where each ends; "%" is "percent"."""
    out = []
    for _ in range(COUNTED_WORDS):
        m = _AFTER.match(text, at)
        if not m:
            break
        at = m.end()
        word = m.group(1).lower().replace("’", "'")
        if word[0].isdigit():
            continue  # another figure ("29 to 26"): not what this one counts
        if word == "%":
            word = "percent"
        if word in _FILLER or word in _NUMBER_WORDS or word in _SCALE_WORDS or word in ORDINALS:
            continue
        if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        out.append((word, at))
    return tuple(out)


def _adjacent(text: str, a: re.Match, b: re.Match, *, hyphen: bool = False) -> bool:
    between = text[a.end():b.start()]
    return between.strip() == "" or (hyphen and between == "-")


def _after_a(text: str, m: re.Match) -> bool:
    return text[:m.start()].rstrip().lower().endswith(" a") or text[:m.start()].rstrip().lower() == "a"


__all__ = ["Figure", "counts_alike", "figures_in", "gives", "numbers_in"]
