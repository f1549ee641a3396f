"""Numbers in an article, with what they count and the range they stand for.

:func:`extract_quantities` makes one :class:`~newsdesk.facts.model.Quantity` per
number written in digits ("57,500", "1.5 million", "$3 billion", "40%") or in
words ("ten", "an hour", "a dozen", "half an hour", "several", "dozens"), plus
ordinals ("third visit"). The record's ``text`` runs from the qualifier to the
unit, or to the counted noun when it directly follows ("at least 57,500 lives",
"ten living hostages", "over an hour", "60-day").

Kinds and units
---------------
* duration: "two hours", "60-day", "an hour and a half"; ``unit`` is second,
  minute, hour, day, week, month or year, and ``value`` is in that unit.
* money: "$3 billion", "20 euros"; ``unit`` is a currency code (USD, EUR, GBP...).
* percent: "40%", "40 percent"; ``unit`` "percent" ("percentage point" for points).
* measure: "20 km", "5 tonnes"; ``unit`` as in :data:`MEASURE_UNITS`. An age
  written "a 33-year-old man" is a measure in "years of age".
* ordinal: "third visit" (value 3); count: everything else, ``unit`` None.

Qualifiers: the range a number stands for
-----------------------------------------
``low``/``high`` read the number ``n`` under the words just before it
(:data:`QUALIFIERS` maps the words to a family, :data:`READINGS` the family to
factors of ``n``):

=============  =====================================================  ================
family         words                                                  range
=============  =====================================================  ================
(none)         "57,500"                                               [n, n]
about          about, approximately, approx., around, roughly,        [0.875n, 1.125n]
               some, an estimated, estimated; after: "or so"
nearly         nearly, almost, close to                               [0.85n, n]
over           over, more than, above, in excess of, upwards of       [n, 1.5n]
at least       at least, no fewer than, no less than, a minimum of;   [n, inf]
               after: "or more"
up to          up to, at most, no more than, as many as, as much as,  [0, n]
               a maximum of; after: "or less", "or fewer"
under          under, less than, fewer than, below                    [0.5n, n]
=============  =====================================================  ================

So "approximately two hours" is 1.75-2.25 h and "over an hour" 1-1.5 h: the two
do not overlap. "over"/"about"/"around" are read as qualifiers unless the parser
makes them the preposition governing the counted noun under a verb that does not
measure ("talked about two issues", "unfolded over two hours" are exact; "lasted
over an hour" is not). Softeners before a qualifier ("just over", "well over")
are ignored.

Vague amounts (:data:`VAGUE`) carry their own range, and ``value`` is a typical
figure inside it:

=======================  ==================  =====
words                    range               value
=======================  ==================  =====
several                  [3, 9]              5
a few                    [2, 5]              3
a couple of              [2, 3]              2
dozens                   [24, 99]            50
hundreds                 [200, 999]          500
thousands                [2000, 9999]        5000
tens of thousands        [20000, 99999]      50000
hundreds of thousands    [200000, 999999]    500000
millions                 [2e6, 9999999]      5e6
=======================  ==================  =====

"several hours" is 3-9 hours; "a few hundred" scales the range (200-500).

Ranges "between 10 and 20", "10-20", "10 to 20", "two or three" read [10, 20]
(``value`` is the first figure, ``qualifier`` "range"). "from 12 to 15" is not a
range but two figures (a change or a correction), each with the same ``what``.

What is counted
---------------
``what`` is the counted noun as written with its adjectival and compound
modifiers ("living hostages", "key issues", "death toll"), ``what_lemma`` the
lowercase lemma of its head ("hostage"). It is found, in order: the noun the
number modifies; the ``of`` object ("three of the four issues", "dozens of
people"); the subject of a copula ("the toll is now 15"); the nearest earlier
counted noun in the same sentence ("four issues ... down to one"); the object
(else subject) of the verb whose ``from``/``to``/``as`` phrase holds the number
("corrected the death toll from 12 to 15"). A number in words that finds nothing
to count ("the two met") is dropped as a pronoun, and so is a lone "a"/"an" unit
with neither event nor qualifier ("in a week filled with urgency"); a number in
digits is kept.

A duration's ``what`` is the event that lasted: the noun after a hyphenated
duration ("60-day ceasefire" → ceasefire), the ``of`` object ("two days of
talks"), the subject of the verb ("The meeting lasted over an hour", "The
discussions unfolded over approximately two hours") or the ``of`` object of a
"duration"/"length" subject ("The duration of the leaders' discussions was
approximately two hours" → discussions). When the subject is a name or a
pronoun, the verb is the event ("Netanyahu spoke for an hour" → spoke). Money,
percent and measures take the
``of``/``in``/``for`` object or the noun they modify ("40% of voters", "a $3
billion deal").

Not quantities
--------------
Years and day numbers of dates ("October 7, 2023", "2023-10-07"), clock times
("5 PM", "1700 GMT") — those are :mod:`newsdesk.facts.times`'s —, numbers inside
URLs and paths, identifiers ("COVID-19", "Flight 370", "No. 10"), scores
("3-1"), an age in apposition to a name ("Tara Reid, 33,"), "one" used as a
pronoun ("one of the", "no one", "the one who", "one another"), a capitalised
number word inside a sentence (a heading or a name: "Talks Narrow to One Key
Point"), and rates ("twice a day", "one call a month"). A record never runs
across a sentence boundary.

:func:`to_base` gives a record's range in a base unit (seconds for durations) so
that "90 minutes" and "an hour and a half" compare; :func:`overlaps` says whether
two records can describe the same figure.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .model import Quantity, Sentence

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token

INF = math.inf

# -- number words ---------------------------------------------------------------------

SMALL_NUMBERS: dict[str, int] = {
    word: value
    for value, word in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen "
        "fourteen fifteen sixteen seventeen eighteen nineteen".split()
    )
}
TENS: dict[str, int] = {
    word: 10 * (k + 2) for k, word in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split())
}
SCALES: dict[str, float] = {
    "hundred": 1e2, "thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12,
    "bn": 1e9, "mn": 1e6, "tn": 1e12, "dozen": 12,
}
# scale suffixes glued to digits: "3bn", "20m"; "m"/"k" only count after a currency sign
SUFFIX_SCALES: dict[str, float] = {"bn": 1e9, "b": 1e9, "mn": 1e6, "m": 1e6, "tn": 1e12, "k": 1e3}
ORDINALS: dict[str, int] = {
    word: k + 1
    for k, word in enumerate(
        "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth "
        "thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth twentieth".split()
    )
}
ORDINALS.update({"thirtieth": 30, "fortieth": 40, "fiftieth": 50, "hundredth": 100})

# -- readings -------------------------------------------------------------------------

# qualifier family -> (low factor, high factor) of the stated number
READINGS: dict[str, tuple[float, float]] = {
    "about": (0.875, 1.125),
    "nearly": (0.85, 1.0),
    "over": (1.0, 1.5),
    "at least": (1.0, INF),
    "up to": (0.0, 1.0),
    "under": (0.5, 1.0),
}
# words just before a number -> qualifier family
QUALIFIERS: dict[tuple[str, ...], str] = {
    ("about",): "about", ("approximately",): "about", ("around",): "about", ("roughly",): "about",
    ("some",): "about", ("an", "estimated"): "about", ("estimated",): "about", ("approx.",): "about",
    ("nearly",): "nearly", ("almost",): "nearly", ("close", "to"): "nearly",
    ("over",): "over", ("more", "than"): "over", ("above",): "over", ("in", "excess", "of"): "over",
    ("upwards", "of"): "over", ("upward", "of"): "over",
    ("at", "least"): "at least", ("no", "fewer", "than"): "at least", ("no", "less", "than"): "at least",
    ("a", "minimum", "of"): "at least",
    ("up", "to"): "up to", ("at", "most"): "up to", ("no", "more", "than"): "up to",
    ("as", "many", "as"): "up to", ("as", "much", "as"): "up to", ("a", "maximum", "of"): "up to",
    ("under",): "under", ("less", "than"): "under", ("fewer", "than"): "under", ("below",): "under",
}
QUALIFIER_LENGTHS = sorted({len(words) for words in QUALIFIERS}, reverse=True)
# one-word qualifiers that are prepositions when the parser makes them govern the counted noun
# ("talked about two issues", "unfolded over two hours"), unless the verb measures ("lasted over an hour")
PREPOSITION_QUALIFIERS = {"about", "around", "over"}
MEASURING_VERBS = {"last", "take", "cost", "total", "number", "weigh", "reach"}

# vague amount -> (typical value, low, high)
VAGUE: dict[tuple[str, ...], tuple[float, float, float]] = {
    ("several",): (5, 3, 9),
    ("a", "few"): (3, 2, 5),
    ("a", "couple", "of"): (2, 2, 3),
    ("dozens",): (50, 24, 99),
    ("hundreds",): (500, 200, 999),
    ("thousands",): (5000, 2000, 9999),
    ("tens", "of", "thousands"): (50000, 20000, 99999),
    ("hundreds", "of", "thousands"): (500000, 200000, 999999),
    ("millions",): (5e6, 2e6, 9999999),
}
VAGUE_FIRST = {words[0] for words in VAGUE}
VAGUE_LENGTHS = sorted({len(words) for words in VAGUE}, reverse=True)
# words just after a figure -> qualifier family
POST_QUALIFIERS: dict[tuple[str, str], str] = {
    ("or", "more"): "at least", ("or", "so"): "about", ("or", "less"): "up to", ("or", "fewer"): "up to",
}

# -- units ------------------------------------------------------------------------------

TIME_UNITS: dict[str, str] = {}
for _unit, _forms in {
    "second": "second seconds sec secs",
    "minute": "minute minutes min mins",
    "hour": "hour hours hr hrs",
    "day": "day days",
    "week": "week weeks",
    "month": "month months",
    "year": "year years yr yrs",
}.items():
    TIME_UNITS.update(dict.fromkeys(_forms.split(), _unit))
SECONDS: dict[str, float] = {
    "second": 1, "minute": 60, "hour": 3600, "day": 86400, "week": 7 * 86400,
    "month": 30.436875 * 86400, "year": 365.2425 * 86400,
}
CURRENCY_SIGNS: dict[str, str] = {
    "$": "USD", "us$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "₹": "INR", "₪": "ILS",
    "a$": "AUD", "c$": "CAD", "hk$": "HKD",
}
CURRENCY_WORDS: dict[str, str] = {
    "dollar": "USD", "dollars": "USD", "usd": "USD", "euro": "EUR", "euros": "EUR", "eur": "EUR",
    "gbp": "GBP", "sterling": "GBP", "yen": "JPY", "jpy": "JPY", "yuan": "CNY", "cny": "CNY",
    "rupees": "INR", "inr": "INR", "shekels": "ILS", "ils": "ILS", "francs": "CHF", "chf": "CHF",
    "roubles": "RUB", "rubles": "RUB", "rub": "RUB",
}
PERCENT_WORDS = {"%": "percent", "percent": "percent", "pct": "percent"}
MEASURE_UNITS: dict[str, str] = {
    "km": "km", "kilometre": "km", "kilometres": "km", "kilometer": "km", "kilometers": "km",
    "mile": "mile", "miles": "mile", "metre": "m", "metres": "m", "meter": "m", "meters": "m",
    "feet": "ft", "foot": "ft", "ft": "ft", "kg": "kg", "kilogram": "kg", "kilograms": "kg",
    "kilo": "kg", "kilos": "kg", "pounds": "lb", "lb": "lb", "lbs": "lb",
    "tonne": "t", "tonnes": "t", "ton": "t", "tons": "t", "litre": "l", "litres": "l",
    "liter": "l", "liters": "l", "gallons": "gal", "barrels": "bbl", "acres": "acre",
    "hectares": "ha", "mph": "mph", "degrees": "degree", "megawatts": "MW", "mw": "MW", "gw": "GW",
}
AGE_UNIT = "years of age"

# -- dates, clocks, identifiers (not quantities) ---------------------------------------

MONTHS = {
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep",
    "sept", "oct", "nov", "dec", "jan.", "feb.", "mar.", "apr.", "jun.", "jul.", "aug.", "sep.",
    "sept.", "oct.", "nov.", "dec.",
}
CLOCK_WORDS = {
    "am", "pm", "a.m.", "p.m.", "a.m", "p.m", "o'clock", "gmt", "utc", "est", "edt", "cst", "cdt",
    "pst", "pdt", "mst", "mdt", "bst", "cet", "cest", "hrs",
}
LABEL_WORDS = {
    "no", "no.", "nos.", "number", "#", "article", "section", "page", "room", "flight", "route",
    "chapter", "resolution", "episode", "season", "level", "category", "grade", "phase", "unit",
    "highway", "channel", "paragraph", "clause", "line", "gate", "platform", "bus", "apartment",
}
PATH_MARKS = {"/", "_", "\\", "="}  # a number next to these is part of a path, a URL or a date "05 / 02"
ONE_PRONOUN_BEFORE = {"no", "the", "any", "every", "each", "this", "that", "which", "such", "anyone", "someone"}
ONE_PRONOUN_AFTER = {"of", "another", "who", "whom", "which", "that", "by"}
COPULAS = {"be", "remain", "stand", "become", "reach", "total", "rise", "climb", "fall", "drop", "increase"}
DURATION_NOUNS = {"duration", "length"}
# prepositions through which a duration measures the verb's event ("went on for two hours", "lasted under a week")
EVENT_PREPOSITIONS = {"for", "over", "during", "throughout", "of", "under", "about", "around"}
# verbs that only say how long their subject went on: the subject is the event
LASTING_VERBS = {"last", "take", "go", "run", "continue", "unfold", "stretch", "extend", "be", "drag", "span"}
CHANGE_PREPOSITIONS = {"from", "to", "as", "at", "by"}
TOPIC_PREPOSITIONS = frozenset({"of", "in", "for"})

_DIGITS = re.compile(r"^(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$")
_SUFFIXED = re.compile(r"^(\d+(?:\.\d+)?)(bn|b|mn|m|tn|k)$")
_ORDINAL_DIGITS = re.compile(r"^(\d+)(?:st|nd|rd|th)$")
_YEAR = re.compile(r"^(?:1[5-9]|20)\d\d$")
_NOT_PLAIN_CHUNK = re.compile(r"[/@:]|www\.|https?|\d-\d+-\d|\.(?:com|org|net)\b")
MODIFIER_DEPS = {"amod", "compound", "nmod"}
NUMBER_LINKS = {"quantmod", "conj", "compound", "nummod"}
# tokens that can begin a record (besides anything starting with a digit)
TRIGGERS = set(SMALL_NUMBERS) | set(TENS) | set(ORDINALS) | VAGUE_FIRST | {"a", "an", "half"}


class TokenView:
    """The tokens of one Doc with the lowercase forms precomputed, and sentence lookups (shared with times)."""

    def __init__(self, doc: Doc, sentences: list[Sentence]) -> None:
        self.text: str = doc.text
        self.tokens = list(doc)
        self.lower: list[str] = [t.lower_ for t in self.tokens]
        self.n = len(self.tokens)
        self._starts = [s.start for s in sentences]
        self._ends = [s.end for s in sentences]

    def word(self, i: int) -> str:
        return self.lower[i] if 0 <= i < self.n else ""

    def words(self, i: int, length: int) -> tuple[str, ...]:
        """The ``length`` lowercase words from token ``i`` (empty when the text ends before)."""
        return tuple(self.lower[i:i + length]) if i + length <= self.n else ()

    def sentence(self, char: int) -> int:
        return max(bisect_right(self._starts, char) - 1, 0)

    def within_sentence(self, start: int, end: int) -> bool:
        """Whether the characters ``[start, end)`` lie inside one sentence (a record never runs across a break)."""
        k = self.sentence(start)
        return not self._ends or end <= self._ends[k]

    def starts_sentence(self, i: int) -> bool:
        """Whether only punctuation stands between the start of its sentence and token ``i``."""
        start = self._starts[self.sentence(self.start(i))] if self._starts else 0
        return not self.text[start:self.start(i)].strip(" \"“‘'(\n")

    def sentence_end(self, i: int) -> int:
        """The index of the first token after the sentence that holds token ``i``."""
        stop = self._ends[self.sentence(self.start(i))] if self._ends else len(self.text)
        k = i
        while k < self.n and self.tokens[k].idx < stop:
            k += 1
        return k

    def start(self, i: int) -> int:
        return self.tokens[i].idx

    def end(self, i: int) -> int:
        """Character end of token ``i``."""
        token = self.tokens[i]
        return token.idx + len(token.text)

    def glued(self, i: int) -> bool:
        """Whether token ``i`` is followed by the next without a space."""
        return 0 <= i < self.n and not self.tokens[i].whitespace_

    def phrase(self, noun: int, floor: int = -1) -> tuple[int, int]:
        """Token bounds of ``noun`` with its adjectival/compound modifiers to the left (not before ``floor``)."""
        token = self.tokens[noun]
        allowed: set[int] = set()
        for child in token.lefts:
            if child.dep_ in MODIFIER_DEPS:
                allowed.update(range(child.left_edge.i, child.i + 1))
        start = noun
        while start - 1 > floor and start - 1 in allowed:
            start -= 1
        return start, noun + 1

    def span_text(self, start: int, end: int) -> str:
        return self.text[self.start(start):self.end(end - 1)]


# -- reading numbers ----------------------------------------------------------------------


def _read_words(view: TokenView, i: int) -> tuple[float, int] | None:
    """A number in words from token ``i``: "ten", "twenty-five", "two hundred and fifty"."""
    total, current, j, seen = 0.0, 0.0, i, False
    while j < view.n:
        word = view.lower[j]
        if word in SMALL_NUMBERS:
            current += SMALL_NUMBERS[word]
        elif word in TENS:
            current += TENS[word]
        elif word == "hundred" and seen:
            current = max(current, 1) * 100
        elif word in ("thousand", "million", "billion", "trillion") and seen:
            total += max(current, 1) * SCALES[word]
            current = 0
        elif seen and _word_joiner(view, j):
            j += 1
            continue
        else:
            break
        seen = True
        j += 1
    return (total + current, j) if seen else None


def _word_joiner(view: TokenView, j: int) -> bool:
    """"-" in "twenty-five", "and" in "two hundred and fifty"."""
    word, before, after = view.lower[j], view.word(j - 1), view.word(j + 1)
    if word == "-":
        return before in TENS and after in SMALL_NUMBERS
    return word == "and" and before in ("hundred", "thousand") and (after in SMALL_NUMBERS or after in TENS)


def _read_value(view: TokenView, i: int) -> tuple[float, int] | None:
    """The number starting at token ``i`` and the token after it, scale words included."""
    word = view.word(i)
    if _DIGITS.match(word):
        value, j = float(word.replace(",", "")), i + 1
    elif (m := _SUFFIXED.match(word)) and (m.group(2) not in ("m", "k", "b") or _currency_before(view, i)):
        return float(m.group(1)) * SUFFIX_SCALES[m.group(2)], i + 1
    elif word in SMALL_NUMBERS or word in TENS:
        read = _read_words(view, i)
        if read is None:
            return None
        value, j = read
    elif word in ("a", "an") and view.word(i + 1) in SCALES:
        value, j = 1.0, i + 1
    else:
        return None  # also past the end of the text ("")
    while j < view.n:
        if view.lower[j] in SCALES:
            value *= SCALES[view.lower[j]]
            j += 1
        elif view.lower[j] == "-" and view.word(j + 1) in SCALES and view.glued(j - 1) and view.glued(j):
            j += 1  # "two-dozen", "three-million"
        else:
            break
    return value, j


def _currency_before(view: TokenView, i: int) -> str | None:
    return CURRENCY_SIGNS.get(view.word(i - 1)) if i > 0 else None


def _and_a_half(view: TokenView, j: int) -> bool:
    return view.word(j) == "and" and view.word(j + 1) == "a" and view.word(j + 2) == "half"


# -- what is not a quantity ------------------------------------------------------------------


def _is_month(view: TokenView, i: int) -> bool:
    word = view.word(i)
    if word in ("may", "march"):
        return view.tokens[i].text[0].isupper()
    return word in MONTHS


def _chunk(view: TokenView, i: int) -> str:
    """The whitespace-delimited piece of text holding token ``i``."""
    text, start = view.text, view.start(i)
    left = max(text.rfind(" ", 0, start), text.rfind("\n", 0, start)) + 1
    right = len(text)
    for stop in (" ", "\n"):
        k = text.find(stop, start)
        if k != -1:
            right = min(right, k)
    return text[left:right]


def _in_date_or_clock(view: TokenView, i: int, j: int) -> bool:
    if _is_month(view, i - 1) or (view.word(i - 1) == "." and _is_month(view, i - 2)):
        return True  # "October 7", "Oct . 7"
    if _is_month(view, j) or (view.word(j) == "of" and _is_month(view, j + 1)):
        return True  # "7 October", "7th of October"
    if view.word(i - 1) == "," and _is_month(view, i - 3) and _DIGITS.match(view.word(i - 2)):
        return True  # the year of "October 7, 2023"
    after = view.word(j)
    if after in CLOCK_WORDS or (after in ("a", "p") and view.word(j + 1)[:1] == "."):
        return True  # "5 PM", "5 p . m ." in tokenised text
    if (after == ":" and view.word(j + 1).isdigit()) or (view.word(i - 1) == ":" and view.word(i - 2).isdigit()):
        return True  # "4 : 59" in tokenised text
    token = view.tokens[i]
    return bool(_YEAR.match(view.lower[i])) and j == i + 1 and (token.ent_type_ == "DATE" or token.dep_ != "nummod")


def _number(word: str) -> float:
    return float(word.replace(",", ""))


def _is_identifier(view: TokenView, i: int, j: int) -> bool:
    """"COVID-19", "Flight 370", "No. 10", a score "3-1"."""
    before = view.word(i - 1)
    if before in ("-", "–") and view.glued(i - 2) and view.glued(i - 1):
        left = view.word(i - 2)
        if left[-1:].isalpha() or _DIGITS.match(left):
            return True  # "COVID-19"; the second figure of a score (an ascending pair is a range)
    if before in LABEL_WORDS or (before == "." and view.word(i - 2) == "no"):
        return True
    if i > 0 and view.tokens[i - 1].pos_ == "PROPN" and view.tokens[j - 1].head.i == i - 1:
        return True
    after = view.word(j)
    if after in ("-", "–") and view.glued(j - 1) and view.glued(j) and _DIGITS.match(view.word(j + 1)):
        return _number(view.word(j + 1)) <= _number(view.lower[i])  # a score "3-1"
    return False


def _is_age_apposition(view: TokenView, i: int, j: int) -> bool:
    """"Tara Reid, 33," or "Reid (33)"."""
    if j != i + 1 or not view.lower[i].isdigit() or int(view.lower[i]) > 120:
        return False
    opened, closed = view.word(i - 1), view.word(j)
    if (opened, closed) not in ((",", ","), (",", "."), ("(", ")")):
        return False
    return i >= 2 and (view.tokens[i - 2].pos_ in ("PROPN", "NOUN") or view.tokens[i - 2].tag_ == "POS")


def _is_pronoun_one(view: TokenView, i: int) -> bool:
    if view.lower[i] != "one":
        return False
    token = view.tokens[i]
    return (
        token.tag_ != "CD"
        or view.word(i - 1) in ONE_PRONOUN_BEFORE
        or view.word(i + 1) in ONE_PRONOUN_AFTER
    )


def _is_title_word(view: TokenView, i: int) -> bool:
    """A capitalised number word inside a sentence: a heading or a name ("Talks Narrow to One Key Point")."""
    token = view.tokens[i]
    if not token.is_alpha or not token.text[0].isupper() or token.is_sent_start:
        return False
    return i > 0 and view.lower[i - 1] not in ("“", '"', "(")


def _not_a_quantity(view: TokenView, i: int, j: int) -> bool:
    return (
        _in_date_or_clock(view, i, j)
        or _is_title_word(view, i)
        or _is_identifier(view, i, j)
        or _is_age_apposition(view, i, j)
        or _is_pronoun_one(view, i)
        or view.word(i - 1) in PATH_MARKS
        or view.word(j) in PATH_MARKS
        or bool(_NOT_PLAIN_CHUNK.search(_chunk(view, i)))
    )


# -- reading one amount -----------------------------------------------------------------------


@dataclass(slots=True)
class _Reading:
    """One amount while it is being read: token bounds, figure, range, unit."""

    first: int  # first token of the figure
    last: int  # token after the figure (before any unit)
    value: float
    start: int  # first token of the record (qualifier, currency sign, "between")
    end: int  # token after the record
    low: float | None = None
    high: float | None = None
    qualifier: str | None = None
    kind: str = "count"
    unit: str | None = None
    unit_token: int | None = None
    hyphenated: bool = False
    in_words: bool = False


def _read_vague(view: TokenView, i: int) -> _Reading | None:
    """"several", "a few", "dozens", "tens of thousands" (and "a few hundred")."""
    for length in VAGUE_LENGTHS:
        words = view.words(i, length)
        if words not in VAGUE:
            continue
        value, low, high = VAGUE[words]
        j = i + length
        while view.word(j) in SCALES and words[-1] in ("several", "few"):
            scale = SCALES[view.lower[j]]
            value, low, high, j = value * scale, low * scale, high * scale, j + 1
        return _Reading(i, j, value, i, j, low, high, " ".join(words), in_words=True)
    return None


def _lone_unit_ok(view: TokenView, i: int) -> bool:
    """"an hour", "a day" as one unit; not "twice a day", "an hour later", "a year-long"."""
    unit = view.tokens[i + 1]
    if unit.tag_ != "NN" or view.word(i - 1) in ("once", "twice", "thrice", "times", "per", "every"):
        return False
    if i > 0 and view.tokens[i - 1].pos_ in ("NOUN", "PROPN", "NUM"):
        return False  # a rate: "one call a month", "$5 a day"
    if view.word(i + 2) == "or":
        return view.word(i + 3) == "so"  # "an hour or so", not "a day or two"
    return view.word(i + 2) not in ("later", "earlier", "ago", "after", "before", "-")


def _read_figure(view: TokenView, i: int) -> _Reading | None:
    """The figure at token ``i`` ("57,500", "1.5 million", "an hour", "half an hour"), ranges included."""
    word = view.lower[i]
    if word in VAGUE_FIRST and (vague := _read_vague(view, i)) is not None:
        return vague
    if word == "half" and view.word(i + 1) in ("a", "an") and view.word(i + 2) in TIME_UNITS:
        return _Reading(i, i + 2, 0.5, i, i + 2, in_words=True)
    if word in ("a", "an") and view.word(i + 1) in TIME_UNITS and _lone_unit_ok(view, i):
        return _Reading(i, i + 1, 1.0, i, i + 1, in_words=True)
    read = _read_value(view, i)
    if read is None or _not_a_quantity(view, i, read[1]):
        return None
    value, j = read
    if _and_a_half(view, j):
        value, j = value + 0.5, j + 3
    reading = _Reading(i, j, value, i, j, in_words=not word[:1].isdigit())
    _read_range(view, reading)
    return reading


def _read_range(view: TokenView, r: _Reading) -> None:
    """"between 10 and 20", "10-20", "10 to 20", "two or three": an ascending second figure."""
    sep, before = view.word(r.last), view.word(r.first - 1)
    between = before == "between" and sep == "and"
    dash = sep in ("-", "–") and view.glued(r.last - 1) and view.glued(r.last)
    if not (between or dash or (sep in ("to", "or") and before not in ("from", "by"))):
        return
    read = _read_value(view, r.last + 1)
    if read is None:
        return
    first, scale = r.value, view.word(r.last + 2)
    if r.last == r.first + 1 and scale in SCALES and _DIGITS.match(view.word(r.last + 1)):
        first *= SCALES[scale]  # "$140-150 million"
    if read[0] <= first:
        return
    r.value, r.low, r.high, r.qualifier = first, first, read[0], "range"
    r.last = r.end = read[1]
    if between:
        r.start = r.first - 1


def _read_unit(view: TokenView, r: _Reading) -> None:
    """The unit after (or currency sign before) the figure, and the kind it gives."""
    sign = _currency_before(view, r.first)
    if sign is not None:
        r.kind, r.unit, r.start = "money", sign, min(r.start, r.first - 1)
        if view.word(r.last) in SUFFIX_SCALES and view.glued(r.last - 1):  # "€20m"
            r.value, r.last, r.end = r.value * SUFFIX_SCALES[view.lower[r.last]], r.last + 1, r.end + 1
        return
    hyphen = view.word(r.last) == "-"
    k = r.last + 1 if hyphen else r.last
    word, after = view.word(k), view.word(k + 1)
    if word in PERCENT_WORDS or (word == "per" and after == "cent") or (word == "percentage" and after == "points"):
        r.kind, r.unit = "percent", "percentage point" if word == "percentage" else "percent"
        r.end = k + (1 if word in PERCENT_WORDS else 2)
    elif word in CURRENCY_WORDS or (word == "pounds" and view.word(r.last - 1) in SCALES):
        r.kind, r.unit, r.end = "money", CURRENCY_WORDS.get(word, "GBP"), k + 1
    elif word in TIME_UNITS and view.tokens[k].pos_ in ("NOUN", "PROPN"):
        _read_time_unit(view, r, k)
    elif word in MEASURE_UNITS:
        r.kind, r.unit, r.end = "measure", MEASURE_UNITS[word], k + 1
    else:
        return
    r.unit_token, r.hyphenated = k, hyphen


def _read_time_unit(view: TokenView, r: _Reading, k: int) -> None:
    word = view.lower[k]
    if TIME_UNITS[word] == "year" and (view.word(k + 1) == "old" or view.word(k + 2) == "old"):
        r.kind, r.unit, r.end = "measure", AGE_UNIT, k + (2 if view.word(k + 1) == "old" else 3)
        return
    r.kind, r.unit, r.end = "duration", TIME_UNITS[word], k + 1
    if _and_a_half(view, k + 1):  # "an hour and a half"
        r.value, r.end = r.value + 0.5, k + 4


def _read_qualifier(view: TokenView, r: _Reading) -> None:
    """The qualifier before the record (see the table in the module docstring) and the range it gives."""
    if r.low is None:
        found = _qualifier_before(view, r.start)
        if found is not None:
            words, family, first = found
            low, high = READINGS[family]
            r.qualifier, r.start = words, first
            r.low, r.high = r.value * low, (INF if high == INF else r.value * high)
        else:
            r.low = r.high = r.value


def _qualifier_before(view: TokenView, start: int) -> tuple[str, str, int] | None:
    for length in QUALIFIER_LENGTHS:
        first = start - length
        if first < 0:
            continue
        words = tuple(view.lower[first:start])
        family = QUALIFIERS.get(words)
        if family is None:
            continue
        token = view.tokens[first]
        if length == 1 and words[0] in PREPOSITION_QUALIFIERS and token.dep_ == "prep":
            if token.head.lemma_ not in MEASURING_VERBS:
                continue  # "talked about two issues": a preposition
        return " ".join(words), family, first
    return None


# -- what is counted ---------------------------------------------------------------------------


def _anchor(view: TokenView, first: int, end: int) -> Token:
    """The token of ``[first, end)`` whose head lies outside it (the figure's attachment).

    A figure hanging from another figure ("from 12 to 15" parsed as one amount) takes that one's attachment.
    """
    anchor = view.tokens[end - 1]
    for k in range(end - 1, first - 1, -1):
        head = view.tokens[k].head.i
        if head < first or head >= end or head == k:
            anchor = view.tokens[k]
            break
    for _ in range(3):
        if anchor.head.pos_ != "NUM" or anchor.head.i == anchor.i or anchor.dep_ not in NUMBER_LINKS:
            break
        anchor = anchor.head
    return anchor


def _of_object(token: Token, prepositions: frozenset[str] = frozenset({"of"})) -> int | None:
    """The object of an "of" phrase (or one of ``prepositions``) hanging from ``token``."""
    for child in token.children:
        if child.dep_ == "prep" and child.lower_ in prepositions:
            for grandchild in child.children:
                if grandchild.dep_ == "pobj" and grandchild.pos_ in ("NOUN", "PROPN"):
                    return grandchild.i
    return None


def _subject(verb: Token) -> int | None:
    """The common- or proper-noun subject of ``verb``, climbing through coordinated and embedded verbs."""
    for _ in range(3):
        for child in verb.children:
            if child.dep_ in ("nsubj", "nsubjpass") and child.pos_ in ("NOUN", "PROPN"):
                return child.i
        if verb.dep_ in ("relcl", "acl") and verb.head.pos_ in ("NOUN", "PROPN"):
            return verb.head.i
        if verb.head.i == verb.i or verb.dep_ not in ("conj", "ccomp", "xcomp", "advcl"):
            return None
        verb = verb.head
    return None


def _modified_noun(view: TokenView, r: _Reading) -> int | None:
    """The noun right of the figure that it modifies ("ten [living hostages]")."""
    anchor = _anchor(view, r.first, r.end)
    head = anchor.head
    if anchor.dep_ in ("nummod", "quantmod", "compound", "amod", "nmod", "det", "npadvmod") and head.i >= r.end:
        if head.pos_ in ("NOUN", "PROPN"):
            return head.i
    return None


def _counted_noun(
    view: TokenView, r: _Reading, found: list[Quantity], sentence: int
) -> tuple[int | None, Quantity | None]:
    """The counted noun of a count (see the module docstring), or an earlier record to inherit it from."""
    noun = _modified_noun(view, r)
    if noun is not None:
        return noun, None
    for k in range(r.first, r.end):
        if (of := _of_object(view.tokens[k])) is not None:
            return of, None
    anchor = _anchor(view, r.first, r.end)
    if not r.in_words and anchor.dep_ in ("attr", "acomp") and anchor.head.lemma_ in COPULAS:
        if (subject := _subject(anchor.head)) is not None:
            return subject, None
    for record in reversed(found):
        if record.sentence != sentence:
            break
        if record.kind == "count" and record.what is not None:
            return None, record
    if not r.in_words and anchor.dep_ == "pobj" and anchor.head.lower_ in CHANGE_PREPOSITIONS:
        governor = anchor.head.head
        if governor.pos_ in ("NOUN", "PROPN"):
            return governor.i, None
        for child in governor.children:
            if child.dep_ == "dobj" and child.pos_ in ("NOUN", "PROPN"):
                return child.i, None
        return _subject(governor), None
    return None, None


def _event(view: TokenView, unit_i: int) -> int | None:
    """The event a duration measures (see the module docstring)."""
    unit = view.tokens[unit_i]
    if (of := _of_object(unit)) is not None:
        return of
    if unit.dep_ == "pobj":
        if unit.head.lower_ not in EVENT_PREPOSITIONS:
            return None  # "within two days", "after two hours"
        governor = unit.head.head
    elif unit.dep_ in ("npadvmod", "dobj", "attr", "advmod"):
        governor = unit.head
    elif unit.head.pos_ == "NOUN" and unit.head.i > unit_i:
        return unit.head.i  # "a two-hour meeting"
    else:
        return None
    if governor.pos_ in ("NOUN", "PROPN"):
        return governor.i
    if governor.pos_ not in ("VERB", "AUX"):
        return None
    subject = _subject(governor)
    if subject is not None and (
        view.tokens[subject].lemma_.lower() in DURATION_NOUNS or view.lower[subject] in VAGUE_FIRST
    ):  # "the duration of the talks", "dozens of lorries"
        return _of_object(view.tokens[subject])
    if subject is not None and view.tokens[subject].pos_ == "NOUN":
        return subject
    # "Netanyahu spoke for an hour": the verb is the event
    return governor.i if governor.pos_ == "VERB" and governor.lemma_ not in LASTING_VERBS else None


def _topic(view: TokenView, r: _Reading) -> int | None:
    """What money, a percentage or a measure is of: "40% of voters", "a $3 billion deal"."""
    for k in range(r.first, r.end):
        if (of := _of_object(view.tokens[k], TOPIC_PREPOSITIONS)) is not None:
            return of
    noun = _modified_noun(view, r)
    if noun is not None:
        return noun
    anchor = _anchor(view, r.first, r.end)
    if anchor.dep_ == "attr" and anchor.head.lemma_ in COPULAS:
        return _subject(anchor.head)
    return None


def _noun_after_hyphen(view: TokenView, r: _Reading) -> int | None:
    """"60-day [ceasefire] agreement": the first noun after a hyphenated duration."""
    k = r.end
    if k < view.n and view.tokens[k].pos_ in ("NOUN", "PROPN"):
        return k
    head = view.tokens[r.end - 1].head
    return head.i if head.pos_ in ("NOUN", "PROPN") and head.i >= r.end else None


def _what_of(
    view: TokenView, r: _Reading, found: list[Quantity], sentence: int
) -> tuple[str | None, str | None, int]:
    """(what, what_lemma, record end token) for a reading; the end grows over a directly following counted noun."""
    if r.kind == "count":
        noun, inherited = _counted_noun(view, r, found, sentence)
        if inherited is not None:
            return inherited.what, inherited.what_lemma, r.end
    elif r.kind == "duration" and r.unit_token is not None:
        noun = _noun_after_hyphen(view, r) if r.hyphenated else _event(view, r.unit_token)
    else:
        noun = _topic(view, r)
    if noun is None:
        return None, None, r.end
    start, end = view.phrase(noun, floor=r.end - 1 if noun >= r.end else -1)
    what, lemma = view.span_text(start, end), view.tokens[noun].lemma_.lower()
    grows = r.kind == "count" and start == r.end
    return what, lemma, end if grows else r.end


def _ordinal_at(view: TokenView, i: int, sentence: int) -> Quantity | None:
    """"third visit", "3rd official trip": an ordinal adjective before the noun it ranks."""
    word = view.lower[i]
    value = ORDINALS.get(word)
    if value is None and (m := _ORDINAL_DIGITS.match(word)):
        value = int(m.group(1))
    token = view.tokens[i]
    if value is None or token.tag_ != "JJ" or _is_month(view, i - 1) or _is_month(view, i + 1):
        return None
    head = token.head
    if view.word(i + 1) == "of" or head.i <= i or head.pos_ not in ("NOUN", "PROPN"):
        return None
    start, end = view.phrase(head.i, floor=i)
    what, lemma = view.span_text(start, end), head.lemma_.lower()
    stop = end if start == i + 1 else i + 1
    return _record(view, i, stop, sentence, value, value, value, "ordinal", None, None, what, lemma)


def _record(
    view: TokenView, start: int, end: int, sentence: int, value: float, low: float, high: float,
    kind: str, unit: str | None, qualifier: str | None, what: str | None, lemma: str | None,
) -> Quantity:
    a, b = view.start(start), view.end(end - 1)
    return Quantity(view.text[a:b], a, b, sentence, value, low, high, kind, unit, qualifier, what, lemma)


def _quantity_at(view: TokenView, i: int, found: list[Quantity]) -> tuple[Quantity | None, int]:
    """The record starting at token ``i`` (if any) and the token to go on from."""
    word = view.lower[i]
    if not (word[:1].isdigit() or word in TRIGGERS):
        return None, i + 1
    sentence = view.sentence(view.start(i))
    if (ordinal := _ordinal_at(view, i, sentence)) is not None and view.within_sentence(ordinal.start, ordinal.end):
        return ordinal, i + 1
    r = _read_figure(view, i)
    if r is None:
        return None, i + 1
    _read_unit(view, r)
    _read_post_qualifier(view, r)
    _read_qualifier(view, r)
    what, lemma, end = _what_of(view, r, found, sentence)
    if what is None and r.in_words and (r.kind == "count" or (r.value == 1 and r.qualifier is None)):
        return None, r.end  # "the two met" (a pronoun), "in a week filled with..." (no figure)
    assert r.low is not None and r.high is not None
    record = _record(view, r.start, end, sentence, r.value, r.low, r.high, r.kind, r.unit, r.qualifier, what, lemma)
    return (record, r.end) if view.within_sentence(record.start, record.end) else (None, i + 1)


def _read_post_qualifier(view: TokenView, r: _Reading) -> None:
    """"10 or more", "an hour or so"."""
    words = (view.word(r.end), view.word(r.end + 1))
    family = POST_QUALIFIERS.get(words)
    if family is not None and r.low is None:
        low, high = READINGS[family]
        r.qualifier, r.end = " ".join(words), r.end + 2
        r.low, r.high = r.value * low, (INF if high == INF else r.value * high)


def extract_quantities(doc: Doc, sentences: list[Sentence]) -> list[Quantity]:
    """Every quantity of a parsed article, in text order (see the module docstring for the readings)."""
    view = TokenView(doc, sentences)
    found: list[Quantity] = []
    i = 0
    while i < view.n:
        record, after = _quantity_at(view, i, found)
        if record is not None:
            found.append(record)
        i = max(after, i + 1)
    return found


# -- comparing ---------------------------------------------------------------------------------


def base_unit(q: Quantity) -> str | None:
    """The unit :func:`to_base` gives ``q`` in: seconds for durations, ``q.unit`` otherwise."""
    return "second" if q.kind == "duration" else q.unit


def to_base(q: Quantity) -> tuple[float, float]:
    """``q``'s range in its base unit, so that "90 minutes" and "an hour and a half" compare."""
    factor = SECONDS[q.unit] if q.kind == "duration" and q.unit in SECONDS else 1.0
    return q.low * factor, q.high * factor


def overlaps(a: Quantity, b: Quantity) -> bool:
    """Whether ``a`` and ``b`` can state the same figure: same kind and base unit, and their ranges meet."""
    if a.kind != b.kind or base_unit(a) != base_unit(b):
        return False
    a_low, a_high = to_base(a)
    b_low, b_high = to_base(b)
    return a_low <= b_high and b_low <= a_high
