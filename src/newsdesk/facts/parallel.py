"""Figures told in parallel: the same figure, in the same words around it, given differently.

Two outlets that tell one fact in much the same words ("sentenced them to 14 years in prison" /
"sentenced to 19 years in prison"; "Tobin Reyes, 24, was found dead" / "Tobin Reyes, 33, was
found dead") disagree on a figure however little the rest of their sentences share, and whatever
the figure is: a count, an age, a day of a date, a rank, a number in a name or in a quotation. A
rewrite of one report that changes a figure is the plainest case; independent reports that happen
to say a thing alike are another.

This module reads every figure of a sentence — the quantities of :mod:`.quantities` and every
other number written in digits — and pairs figures of two articles by what stands around them:

* **mentions** (:func:`mentions`): each figure with its kind (``age``, ``date``, ``year`` are read
  from the words next to it; a time of day, ``clock``, is one figure in hours after midnight; each
  number of a score or record, ``score``, knows the other; a quantity keeps its own kind), its
  value, and the words on either side of it in its sentence, numbers masked;
* **alike** (:func:`alignment`): the words right next to the figure match on at least one side (a
  day of a date may match by its month instead), and enough content words of the few on either
  side are shared; names next to the figures that differ ("10-year-old Rene" / "7-year-old
  Liliana") keep them apart, and two scores are compared only when their other numbers agree;
* **paired** (:func:`pair_articles`): each figure pairs with at most one figure of the other
  article, best alignment first, so that a figure told alike and equal elsewhere is never held
  against a different one.

Whether a pair *disagrees* (and whether it is a conflict, a development or an outlet's update) is
decided by reconciliation, which also keeps apart forecasts, baselines and parts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .model import ArticleFacts, Quantity

MONTHS = {
    "january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november",
    "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
}
STOP = frozenset(
    "the a an of to in on and or for with that this is was were be been by at as from it its his her their he she "
    "they said says about after before over more than have has had not but which who will would".split()
)
STAMP = re.compile(r"\b(published|updated|posted|last modified|copyright)\b|©", re.IGNORECASE)  # a page's own dates
TOKEN = re.compile(r"\d+(?:,\d{3})*(?:\.\d+)?|[^\W\d_]+(?:['’][^\W\d_]+)?|[^\w\s]")
WINDOW = 6  # words either side that count as the figure's context


@dataclass(frozen=True, slots=True)
class Mention:
    """A figure as written in one sentence, with the words around it (lower-cased, numbers as "#")."""

    article: str
    start: int
    end: int
    sentence: int
    text: str
    value: float
    kind: str
    quantity: Quantity | None
    left: tuple[str, ...]  # nearest first
    right: tuple[str, ...]
    left_names: frozenset[str]  # capitalised words among the two words either side
    right_names: frozenset[str]
    holder: tuple[str, ...] = ()  # an age's person: the words of the name it stands by, in order
    partner: float | None = None  # a score's other number ("20-13": 20 for the 13)

    @property
    def context(self) -> set[str]:
        return {w for w in self.left + self.right if _content(w)}


def _content(word: str) -> bool:
    return len(word) > 2 and word not in STOP and word != "#" and word.isalpha()


def _norm(word: str) -> str:
    w = word.lower().replace("’", "'")
    return "#" if w[:1].isdigit() else (w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w)


def _value(token: str) -> float | None:
    try:
        return float(token.replace(",", ""))
    except ValueError:
        return None


def _in_code(tokens: list[re.Match], i: int, body: str) -> bool:
    """Whether the number at ``i`` is one group of digits among others separated by spaces only (a
    telephone number, a reference), or written with a leading zero."""
    tok = tokens[i]
    if len(tok.group(0)) > 1 and tok.group(0)[0] == "0" and tok.group(0)[1:2].isdigit():
        return True
    before = i > 0 and tokens[i - 1].group(0).isdigit() and body[tokens[i - 1].end():tok.start()] == " "
    after = i + 1 < len(tokens) and tokens[i + 1].group(0).isdigit() and body[tok.end():tokens[i + 1].start()] == " "
    return before or after


def _partner(tokens: list[re.Match], i: int) -> float | None:
    """The other number of a score, a record or a vote split written "20-13" (None: not one)."""
    for dash, other in ((i + 1, i + 2), (i - 1, i - 2)):
        if 0 <= other < len(tokens) and tokens[dash].group(0) in {"-", "–"} \
                and tokens[other].group(0)[:1].isdigit():
            return _value(tokens[other].group(0))
    return None


def _bare_kind(tokens: list[re.Match], i: int, value: float, surface: str) -> str | None:
    """The kind of a bare number from the words next to it; None when it is not a figure."""
    prev = tokens[i - 1].group(0) if i > 0 else ""
    if prev == "." and i > 1 and tokens[i - 2].group(0).lower() in MONTHS:
        prev = tokens[i - 2].group(0)  # "Jan. 10"
    nxt = tokens[i + 1].group(0) if i + 1 < len(tokens) else ""
    after = " ".join(t.group(0).lower() for t in tokens[i + 1:i + 4])
    if nxt in {":", "/"} and i + 2 < len(tokens) and tokens[i + 2].group(0)[:1].isdigit():
        return None  # a time of day, a date like 9/11, a ratio
    if prev in {":", "/"} and i > 1 and tokens[i - 2].group(0)[:1].isdigit():
        return None
    if re.match(r"- year - old|year - old|years? old", after):
        return "age"
    if nxt.lower() in {"st", "nd", "rd", "th"}:
        return "ordinal"  # "the 79th Academy Awards", "223rd Street"
    if prev.lower().rstrip(".") in MONTHS or nxt.lower().rstrip(".") in MONTHS:
        return "year" if value >= 1000 else "date"
    if re.fullmatch(r"1[89]\d\d|20\d\d", surface) and prev != "$":
        return "year"
    if prev == "," and nxt in {",", ".", ";", ""} and i > 1 and tokens[i - 2].group(0)[:1].isupper() \
            and tokens[i - 2].group(0).isalpha():
        return "age"  # "Tobin Reyes, 24, was found", "… and Mara Quill, 18."
    return "number"


def _hours(clock: str) -> float | None:
    """A time of day as hours after midnight: "8 p.m." → 20.0, "10:24 a.m." → 10.4, "2045 GMT" → 20.75."""
    m = re.match(r"(\d{1,2})(?::?(\d{2}))?\s*(?:([ap])\.?\s?m\b\.?)?", clock.strip(), re.IGNORECASE)
    if not m:
        return None
    hour, minute = int(m.group(1)), int(m.group(2) or 0)
    half = (m.group(3) or "").lower()
    if half == "p" and hour < 12:
        hour += 12
    elif half == "a" and hour == 12:
        hour = 0
    return hour + minute / 60 if hour < 24 and minute < 60 else None


def _near_names(tokens: list[re.Match], i: int, step: int) -> frozenset[str]:
    """The capitalised words of the two next to a figure (``step`` -1: before ``i``, 1: from ``i`` on),
    up to a word in lower case: "Rene" in "10-year-old Rene", not "West" in "96 percent in West
    Africa" (a place the figure is told of, not whose it is)."""
    out = []
    k = i - 1 if step < 0 else i
    for _ in range(2):
        if not 0 <= k < len(tokens):
            break
        word = tokens[k].group(0)
        if word[:1].islower() or word[:1].isdigit():
            break
        if word.isalpha() and len(word) > 1:
            out.append(word)
        k += step
    return frozenset(out)


def _name_at(tokens: list[re.Match], i: int, step: int) -> tuple[str, ...]:
    """The capitalised words of a name that starts at token ``i`` and runs in direction ``step``."""
    out: list[str] = []
    while 0 <= i < len(tokens):
        word = tokens[i].group(0)
        if not (word[:1].isupper() and word.isalpha()) and word not in {"-", "'", "’", "“", "”", '"'}:
            break
        if word.isalpha() and len(word) > 2:
            out.append(word)
        i += step
    return tuple(out if step > 0 else reversed(out))


def _holder(tokens: list[re.Match], lo: int, hi: int) -> tuple[str, ...]:
    """The person an age stands by: "21-year-old Mara Quill", "Mara Quill, 21,"."""
    if lo >= 2 and tokens[lo - 1].group(0) == "," and tokens[lo - 2].group(0)[:1].isupper():
        return _name_at(tokens, lo - 2, -1)
    k = hi
    while k < len(tokens) and tokens[k].group(0)[:1].islower() and k < hi + 2:
        k += 1  # "the 33-year-old Algerian national"
    return _name_at(tokens, hi, 1) or _name_at(tokens, k, 1)


def mentions(article: str, text: str, facts: ArticleFacts) -> list[Mention]:
    """Every figure of an article's sentences (see the module's docstring)."""
    out: list[Mention] = []
    by_sentence: dict[int, list[Quantity]] = {}
    for q in facts.quantities:
        by_sentence.setdefault(q.sentence, []).append(q)
    clocks = [(t.start, t.end) for t in facts.times if t.kind == "clock"]
    for number, sentence in enumerate(facts.sentences):
        body = text[sentence.start:sentence.end]
        tokens = list(TOKEN.finditer(body))
        words = [_norm(t.group(0)) for t in tokens]
        quantities = by_sentence.get(number, [])
        for i, tok in enumerate(tokens):
            surface = tok.group(0)
            if not surface[:1].isdigit():
                continue
            start, end = sentence.start + tok.start(), sentence.start + tok.end()
            q = next((q for q in quantities if q.start <= start < q.end), None)
            value = _value(surface)
            if value is None:
                continue
            if _in_code(tokens, i, body):
                continue  # a group of a telephone number or a code: "0845 125 2222"
            if i > 1 and tokens[i - 1].group(0) == "-" and tokens[i - 2].group(0).isalpha() \
                    and tokens[i - 2].end() == tokens[i - 1].start() and tokens[i - 1].end() == tok.start():
                continue  # a number in a name: "AK-47", "F-16", "Covid-19"
            partner = _partner(tokens, i)
            if partner is not None:
                q = None  # each number of a score is a figure of its own, known by the other
            if q is not None:
                if out and out[-1].quantity is q:
                    continue  # a quantity with two numbers ("5 to 7 inches") is one figure
                kind = "age" if re.search(r"year[- ]old|years old", text[q.start:q.end + 12]) else q.kind
                if kind != "age" and _bare_kind(tokens, i, value, surface) == "age":
                    kind = "age"
                start, end, value, shown = q.start, q.end, q.value, q.text
            else:
                clock = next(((lo, hi) for lo, hi in clocks if lo <= start < hi), None)
                if clock is not None:
                    # a time of day ("about 8 p.m.", "10:24 a.m."): one figure, its hour, in hours
                    hours = _hours(text[clock[0]:clock[1]])
                    if clock[0] != start or hours is None or STAMP.search(body):
                        continue  # its minutes, or a page's own time
                    kind, value, shown, end = "clock", hours, text[clock[0]:clock[1]], clock[1]
                elif partner is not None:
                    kind = "score"
                else:
                    kind = _bare_kind(tokens, i, value, surface)
                if kind is None:
                    continue  # not a figure
                if kind in {"date", "year", "clock"} and len(tokens) <= 8 and not any(
                        t.group(0).islower() for t in tokens):
                    continue  # a dateline or a page's stamp ("WASHINGTON, April 28, 2009"), not a sentence
                if kind in {"date", "year"} and STAMP.search(body):
                    continue  # "Published: March 11, 2013": when the page was made, not a fact of the story
                if kind != "clock":
                    shown = surface
            # the figure's own words (its unit, "-year-old") are not its context
            lo, hi = i, i + 1
            while hi < len(tokens) and sentence.start + tokens[hi].start() < end:
                hi += 1
            if kind == "age":
                while hi < len(tokens) and words[hi] in {"-", "year", "old"}:
                    hi += 1
            left = tuple(w for w in reversed(words[max(0, lo - WINDOW):lo]) if w.isalnum() or w == "#")
            right = tuple(w for w in words[hi:hi + WINDOW + 3] if w.isalnum() or w == "#")[:WINDOW]
            holder = _holder(tokens, lo, hi) if kind == "age" else ()
            out.append(Mention(article, start, end, number, shown, value, kind, q, left, right,
                               _near_names(tokens, lo, -1), _near_names(tokens, hi, 1), holder, partner))
    return out


@dataclass(frozen=True, slots=True)
class Alignment:
    near: int  # sides whose next word matches (0-2)
    shared: int  # content words shared within the windows
    score: float
    holder: bool = False  # two ages of one person, however told


def alignment(a: Mention, b: Mention) -> Alignment | None:
    """How alike the words around two figures are; None when they cannot be the same figure.

    Two ages are one person's when the names they stand by share a word and the same first
    name ("36-year-old Tobin Reyes" / "Tobin Reyes, 26,"), whatever the rest of their sentences say."""
    if not _kinds_meet(a.kind, b.kind):
        return None
    if a.kind == "score" and a.partner != b.partner:
        return None  # "20-13" / "10-5": two scores; "20-13" / "20-18" differ in one number
    if a.kind == "age" and a.holder and b.holder:
        return Alignment(2, 0, 3.0, holder=True) if one_person(a.holder, b.holder) else None
    near = int(bool(a.left and b.left and a.left[0] == b.left[0])) + int(
        bool(a.right and b.right and a.right[0] == b.right[0]))
    if a.kind == "date" and _month(a) and _month(a) == _month(b):
        near = max(near, 1)  # "on 31 May" / "overnight May 31": a day is known by its month
    if not near:
        return None
    shared = len(a.context & b.context)
    if shared < 2:
        return None
    # names right next to each figure, none in common: two people's ages, two teams' scores
    if (a.right_names and b.right_names and not a.right_names & b.right_names) or (
            a.left_names and b.left_names and not a.left_names & b.left_names):
        return None
    return Alignment(near, shared, near + 0.25 * shared)


def _month(m: Mention) -> str | None:
    """The month a day of a date is written next to, on either side."""
    for side in (m.left, m.right):
        if side and side[0] in MONTHS:
            return side[0]
    return None


def one_person(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Two names of one person: a word in common, and the same first name when both give one
    ("Mara Quill" / "Mara Elise Quill", "Quill" / "Mara Quill"; not "Mara Quill" /
    "Petra Quill")."""
    if not set(a) & set(b):
        return False
    return len(a) < 2 or len(b) < 2 or a[0] == b[0]


def _kinds_meet(a: str, b: str) -> bool:
    loose = {"count", "number"}
    return a == b or (a in loose and b in loose)


def pair_articles(xs: list[Mention], ys: list[Mention]) -> list[tuple[Mention, Mention, Alignment]]:
    """Figures of two articles told alike, each figure in at most one pair, best alignment first."""
    cands = []
    for i, a in enumerate(xs):
        for j, b in enumerate(ys):
            al = alignment(a, b)
            if al is not None:
                cands.append((al.score, -abs(a.start / 1e6 - b.start / 1e6), i, j, al))
    cands.sort(key=lambda c: (c[0], c[1]), reverse=True)
    used_a, used_b, out = set(), set(), []
    for _, _, i, j, al in cands:
        if i in used_a or j in used_b:
            continue
        used_a.add(i)
        used_b.add(j)
        out.append((xs[i], ys[j], al))
    return out
