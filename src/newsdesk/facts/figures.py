"""Figures across articles: whether two figures can answer one question, and whether they agree.

Reconciliation (:mod:`.reconcile`) decides *which* statements tell the same fact;
this module says what the figures in them allow.

**Comparable.** Two figures can answer the same question only when they are of one
kind and unit (money in one currency, durations in any time unit), and the things they count are not told
apart by their modifiers ("tax rate" / "heart rate", "state employees" / "federal
employees": both have modifiers and share none). A figure that counts a part is not
compared with a total ("three *other* women", "two *more* ships", "*additional* 2
percent") unless both are, a part only with a part ("10 *of the 12*"), and ordinals only with
ordinals of the same noun ("45th president"). A score or record ("9-14") and a duration that only
places something in time ("nine days earlier") are never compared. Reconciliation also keeps apart a forecast and a
result ("expected to fall to 5.7%" / "fell to 5.4%") and changes measured against different
baselines ("36% more than in February" / "25% more than a year earlier").

**The range a figure stands for.** The reading of the qualifier (:mod:`.quantities`)
is narrowed by the figure's own precision, which is how newsrooms round: "about
38,000" is 37,000-39,000 (a thousand either way), not 33,250-42,750; "nearly 45,000"
is 44,000-45,000; "about two hours" keeps its 1.75-2.25 h; "up to 300" is 150-300, for it tells
of a figure near 300. A round figure stated bare
("43,000") stands for half its last unit either way (42,500-43,500), so it agrees
with "43,350": that is rounding, not a conflict. "nearly two dozen" (24) is 20.4-24
and agrees with 23.
"""

from __future__ import annotations

import math
import re
from dataclasses import replace

from .model import Quantity
from .quantities import QUALIFIERS, SCALES, SECONDS, VAGUE, base_unit

PART_BEFORE = {"other", "additional", "extra", "further", "remaining", "more", "last", "first"}
PART_AFTER = {"more", "others", "other"}
MODIFIER_STOP = {"the", "a", "an", "of", "its", "their", "his", "her", "our", "new", "total", "some", "all", "-"}
_DIGITS = re.compile(r"\d[\d,]*(?:\.\d+)?")


def family(q: Quantity) -> str | None:
    """The qualifier family of ``q`` ("about", "nearly", "over", ...), or None when bare."""
    if not q.qualifier:
        return None
    return QUALIFIERS.get(tuple(q.qualifier.lower().split()), q.qualifier.lower())


def precision(q: Quantity) -> float:
    """The unit of the last significant digit of ``q`` as written, in ``q``'s unit.

    "38,000" → 1000, "4.9%" → 0.1, "1.5 million" → 100,000, "two dozen" → 12, "forty" → 10, "two" → 1.
    """
    m = _DIGITS.search(q.text)
    if m:
        digits = m.group(0).replace(",", "")
        number = float(digits)
        if "." in digits:
            step = 10.0 ** -len(digits.split(".")[1])
        else:
            stripped = digits.rstrip("0")
            step = 10.0 ** (len(digits) - len(stripped)) if stripped else 1.0
        scale = q.value / number if number else 1.0
        return step * scale if scale >= 1 else step
    words = q.text.lower()
    if "dozen" in words:
        return 12.0
    for word in ("trillion", "billion", "million", "thousand", "hundred"):
        if word in words and q.value % SCALES[word] == 0:
            return SCALES[word]
    value = abs(q.value)
    if value >= 10 and value == int(value):
        step = 1.0
        while value % (step * 10) == 0:
            step *= 10
        return step
    return 1.0


def figure_range(q: Quantity) -> tuple[float, float]:
    """The range ``q`` stands for, in its base unit, under its qualifier and its precision."""
    n, step = q.value, precision(q)
    kind = family(q)
    if kind is None and q.low == q.high == n:
        # a round figure ("43,000") stands for what rounds to it, but not for a figure far off ("1,000" is
        # not "1,370"): no further than an "about" would reach
        half = min(step / 2, 0.125 * abs(n)) if step >= 100 else 0.0
        low, high = n - half, n + half
    elif kind == "about":
        spread = min(0.125 * abs(n), step)
        low, high = n - spread, n + spread
    elif kind == "nearly":
        low, high = n - min(0.15 * abs(n), step), n
    elif kind == "up to":  # "up to 300 jobs" tells of a figure near 300, not of any figure below it
        low, high = n / 2, n
    else:
        low, high = q.low, q.high
    factor = SECONDS.get(q.unit or "", 1.0) if q.kind == "duration" else 1.0
    return low * factor, high * factor


def agree(a: Quantity, b: Quantity) -> bool:
    """Whether ``a`` and ``b`` can state the same figure: their ranges meet, or — under one open
    qualifier ("at least 10" / "at least 23") — the stated figures do."""
    kind = family(a)
    if kind is not None and kind == family(b) and kind in OPEN:
        a, b = _bare(a), _bare(b)
    al, ah = figure_range(a)
    bl, bh = figure_range(b)
    if is_vague(a):
        al, ah = al / VAGUE_SLACK, ah * VAGUE_SLACK
    if is_vague(b):
        bl, bh = bl / VAGUE_SLACK, bh * VAGUE_SLACK
    return (al <= bh and bl <= ah) or _cut_short(a, b) or _cut_short(b, a)


def _cut_short(a: Quantity, b: Quantity) -> bool:
    """A whole figure that is another's with its decimals dropped: "12,407" / "12,407.35"."""
    da, db = _DIGITS.search(a.text), _DIGITS.search(b.text)
    if not (da and db) or "." in da.group(0) or "." not in db.group(0) or a.unit != b.unit:
        return False
    return float(da.group(0).replace(",", "")) == math.floor(float(db.group(0).replace(",", "")))


def is_vague(q: Quantity) -> bool:
    """"several hundred", "millions", "dozens": an amount no one counted; it disagrees with a figure
    only when that figure is more than half as far again past its range (:data:`VAGUE_SLACK`)."""
    return bool(q.qualifier) and tuple(q.qualifier.lower().split()) in VAGUE or any(
        tuple(q.text.lower().split()[:n]) in VAGUE for n in (1, 2, 3))


OPEN = {"over", "at least", "up to", "under"}
VAGUE_SLACK = 1.5


def _bare(q: Quantity) -> Quantity:
    return replace(q, qualifier=None, low=q.value, high=q.value)


def is_part(q: Quantity, text: str) -> bool:
    """A figure that counts a part or an increment: "three other women", "two more", "another 2 percent"."""
    before = re.findall(r"[\w’']+", text[max(0, q.start - 30):q.start].lower())
    after = re.findall(r"[\w’']+", text[q.end:q.end + 10].lower())
    own = re.findall(r"[\w’']+", q.text.lower())
    return bool(
        (before and before[-1] in PART_BEFORE and before[-1] not in {"first", "last"})
        or (after and after[0] in PART_AFTER)
        or any(w in {"other", "additional", "remaining"} for w in own)
        or re.search(r"\b(among them|among whom|of whom|of them|of which)\s*$",
                     text[max(0, q.start - 20):q.start].lower())
        # "11 Americans, including six lawmakers": a part of a total just stated
        or re.search(r"\d[\d,.]*\s+(\S+\s+){0,4}(including|as well as)\s*$",
                     text[max(0, q.start - 60):q.start].lower())
    )


def modifiers(q: Quantity) -> set[str]:
    """Content words of what ``q`` counts, besides its head noun ("commercial" of "commercial vessels")."""
    if not q.what:
        return set()
    words = [w for w in re.findall(r"[\w’'-]+", q.what.lower()) if w not in MODIFIER_STOP]
    head = q.what_lemma or (words[-1] if words else "")
    return {w for w in words if not (w == head or w.rstrip("s") == head or head.startswith(w))}


FORECAST = re.compile(
    r"(?<!than[- ])(?<!\bas )\b(expect(s|ed|ing|ations?)?|forecast\w*|predict\w*|projected|projections?|"
    r"anticipat\w*|looking for|could|might|may|consensus|surveyed|polled|(had|have|has|was|were) estimated|"
    r"estimates? of)\b(?!-)", re.IGNORECASE)
BASELINE = re.compile(r"\b(from|over|than|compared (with|to)|since|against|versus)\b\s+(?P<base>[^,;.]{3,60})",
                      re.IGNORECASE)
CHANGE_WORDS = (r"up|down|rose|rise|rises|risen|fell|fall|falls|fallen|dropped|drop|drops|declined|decline|grew|grow|"
                r"jumped|jump|climbed|climb|increased|increase|decreased|decrease|doubled|tripled|halved|cut|raised|"
                r"lowered|revised|gained|lost|slid|surged|soared|plunged|tumbled|changed|moved|went")
_NUMBER_WORD = r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|hundred)\b"
_STOP = {"the", "a", "an", "of", "in", "on", "at", "to", "for", "by", "and", "its", "their", "last", "previous",
         "same", "this", "that", "year", "month", "week"}


def role(q: Quantity, text: str) -> str:
    """What a figure is in its sentence: "part" and "total" in "10 of the 12"; "previous" for what a
    change is measured from ("up from 33,000", "doubled from 3.4%"); "offset" for a duration that
    places something in time ("a few hours before", "two days later"); "age" ("six-month-old");
    "threshold" for a bar to reach ("the 270 votes needed to win"); else "figure"."""
    before = text[max(0, q.start - 24):q.start].lower()
    after = text[q.end:q.end + 14].lower()
    if re.search(rf"(\d[\d,.]*|\b{_NUMBER_WORD})\s*(\w+\s+)?of\s+(the\s+)?$", before) \
            or re.search(r"\bout of\s+(the\s+)?$", before):
        return "total"
    if re.match(rf"\s*(\w+\s+)?(of|out of)\s+(the\s+)?(\d|{_NUMBER_WORD})", after) or re.match(
            r"\s*(of|out of)\s+(his|her|their|its|our|the)\s+\w+", after) and not q.what:
        return "part"  # "10 of the 12", "three of his doctors"
    changed_from = re.search(rf"\b({CHANGE_WORDS})\s+(\w+\s+)?from\s+(the\s+|a\s+)?$", before) or (
        re.search(r"\bfrom\s+(the\s+|a\s+)?$", before) and re.match(r"\s*(\w+\s+)?to\s+\S*\d", after))
    if changed_from or re.search(r"\b(than|compared (with|to)|versus|vs\.?)\s+(the\s+|a\s+)?$", before):
        return "previous"
    if q.kind == "duration" and re.match(r"\s*(before|after|ago|later|earlier|since|into)\b", after):
        return "offset"
    if q.kind == "duration" and re.match(r"\s*-?\s*old\b", after):
        return "age"  # "the six-month-old administration"
    if re.match(r"\s*(\w+\s+){0,2}(needed|required|necessary)\b", after) or \
            re.search(r"\b(needs?|requires?|required|threshold of|target of|goal of)\s+(the\s+|a\s+)?$", before):
        return "threshold"  # "the 270 electoral votes required to win": a bar, not a count
    return "figure"


def modality(q: Quantity, text: str, sentence_start: int) -> bool:
    """Whether the figure is a forecast or a possibility rather than a reported fact: a forecasting
    word in the 25 words of its sentence before it ("economists expected the rate to fall to 5.7%") or the four after
    ("the 3.7 million that was expected")."""
    before = " ".join(text[sentence_start:q.start].split()[-25:])
    after = " ".join(text[q.end:q.end + 60].split()[:4])
    return bool(FORECAST.search(before) or FORECAST.search(after))


FUTURE = re.compile(r"\b(will|would|could|may|might|shall|plans? to|expects? to|is to|are to|set to|due to)\b",
                    re.IGNORECASE)


def future(q: Quantity, text: str, sentence_start: int) -> bool:
    """Whether the figure is told of what will or would happen ("70 staff would transfer"): a plan is
    not a later value of a figure reported before it."""
    return bool(FUTURE.search(" ".join(text[sentence_start:q.start].split()[-12:])))


def baseline(q: Quantity, text: str, clause_end: int) -> set[str]:
    """Content words of what a change is measured against: "a 36% rise *from February*"."""
    m = BASELINE.search(text[q.end:min(clause_end, q.end + 80)])
    if not m:
        return set()
    return {w for w in re.findall(r"[\w’'-]+", m.group("base").lower()) if w not in _STOP}


def comparable(a: Quantity, b: Quantity, text_a: str, text_b: str) -> bool:
    """Whether ``a`` and ``b`` could answer the same question (see the module's docstring)."""
    return same_kind(a, b) and place(a, text_a) == place(b, text_b) and place(a, text_a)[0] != "offset"


def same_kind(a: Quantity, b: Quantity) -> bool:
    """One kind and base unit, no score among them, ordinals only of one noun."""
    if a.kind != b.kind or base_unit(a) != base_unit(b) or is_score(a) or is_score(b):
        return False
    return a.kind != "ordinal" or bool(a.what_lemma and a.what_lemma == b.what_lemma)


def place(q: Quantity, text: str) -> tuple[str, bool]:
    """A figure's role in its sentence and whether it counts a part (:func:`role`, :func:`is_part`)."""
    return role(q, text), is_part(q, text)


def is_score(q: Quantity) -> bool:
    """A bare pair of figures such as "9-14" or "52-3": a score, a record or a vote, not a range."""
    return bool(re.fullmatch(r"\d+\s*[-–]\s*\d+", q.text.strip()))


def same_thing_named(a: Quantity, b: Quantity) -> bool:
    """Whether what the figures count is named alike: the same head noun (or none), and modifiers
    that do not tell the things apart ("tax rate" / "heart rate" do)."""
    if a.what_lemma and b.what_lemma and a.what_lemma != b.what_lemma:
        return False
    ma, mb = modifiers(a), modifiers(b)
    return not (ma and mb and not ma & mb)


def ratio(a: Quantity, b: Quantity) -> float:
    """How many times larger the larger figure is (inf when one is zero)."""
    x, y = abs(a.value), abs(b.value)
    if min(x, y) == 0:
        return math.inf if max(x, y) else 1.0
    return max(x, y) / min(x, y)


QUESTION = {"count": "how many", "money": "how much", "percent": "what share", "duration": "how long",
            "measure": "how much", "ordinal": "which"}
DATELINE = re.compile(r"\s*[A-Z][A-Z .'’-]{2,}(,[^–—\n]{0,60})?\s*[–—-]+\s*")
_CUT = re.compile(r",|;|:|\s[—–-]\s|\s\(|\s(?:as|while|after|before|because|since|when|but|and then|which|who)\s")


def figure_topic(q: Quantity, clause_start: int, clause: str) -> str:
    """The question a figure answers, in its clause's own words, without the figure:

    "At least 40 vessels were waiting at anchor off the port on Tuesday, …" → "how many vessels were
    waiting at anchor off the port on Tuesday"; elsewhere in the clause the figure becomes "…"
    ("how long: talks lasted …")."""
    question = QUESTION.get(q.kind, "how many")
    dateline = DATELINE.match(clause)
    if dateline and dateline.end() <= q.start - clause_start:  # "PORT HALVARD, March 3 (Wire) – "
        clause_start, clause = clause_start + dateline.end(), clause[dateline.end():]
    at, end = q.start - clause_start, q.end - clause_start
    before = clause[:max(at, 0)].strip()
    after = clause[max(end, 0):]
    after = _CUT.split(after, maxsplit=1)[0].strip(" .")
    what = (q.what or "").strip()
    lead_in = not re.sub(r"(?i)\b(the|a|an|some|about|around|nearly|almost|over|more than|at least|up to|just)\b", "",
                        before).strip(" ,")
    if lead_in and q.kind in {"count", "ordinal"}:
        # the figure opens its clause: its own words already end with the counted noun
        return f"{question} {what or 'of them'} {' '.join(after.split()[:14])}".strip()
    told = f"{before} … {after}".strip()
    told = " ".join(_CUT.split(told, maxsplit=1)[0].split()[:16]) if len(told.split()) > 16 else told
    return f"{question} {what}: {told}".replace("  ", " ") if what and q.kind == "count" else f"{question}: {told}"
