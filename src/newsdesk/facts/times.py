"""Points in time and the order of events, as written in an article.

:func:`extract_times` makes :class:`~newsdesk.facts.model.TimeExpr` records of
five kinds; ``value`` is resolved against the publication time when one is given,
and None when it cannot be.

clock
    "5 PM EST", "10:30 a.m. local time", "noon", "1700 GMT". ``value`` is
    "HH:MM" with the zone's UTC offset when the zone is known ("17:00-05:00");
    ``zone`` is the abbreviation as written (offsets in :data:`ZONES`; "ET"/"PT"
    carry no offset, as daylight time is not known). "5 PM EST (9 PM GMT)" gives two
    records.
date
    "October 7, 2023", "7 October 2023", "Oct. 7", "the 7th of October",
    "2023-10-07", "October 2023", "in January", "in 2023", "Tuesday, July 8".
    ``value`` is "YYYY-MM-DD" ("YYYY-MM", "YYYY" when less is written). A date
    without a year takes the publication's year, or the year before when that
    would put it more than :data:`FUTURE_SLACK_DAYS` days after publication.
weekday
    "Tuesday", "on Monday evening", "last Friday". The date is the most recent
    such day on or before publication when the clause is in the past (the
    default), the next one on or after publication when it is in the future (an
    auxiliary "will", "shall", a modal, "is meeting", "is to reopen", or a verb of
    planning: "expected/scheduled/due/set to meet on Thursday", an infinitive after
    a verb of intent: "agreed to meet on Thursday", or a verb in the present: "host
    Ardley Town on Saturday"). "last"/"next"
    exclude the publication day itself. The publication day is the local date of
    the publication time in its own offset.
relative
    "yesterday", "today", "tonight", "tomorrow morning", "last night", "this/last/
    next week|month|year|weekend", "earlier this week", "the following day".
    Days resolve to "YYYY-MM-DD", weeks (and weekends) to an ISO week "YYYY-Www",
    months to "YYYY-MM", years to "YYYY"; "the following day" and its like are
    relative to the story, not to publication, and stay None.
order
    An order relation: the event of the clause happened ``relation`` (before |
    after) the ``reference`` event.

    * prepositions "before X", "after X", "following X", "prior to X", "ahead of
      X", "in the wake of X", "on the eve of X", "in the run-up to X" — the
      reference is the object, with its modifiers but without appositions,
      relative clauses or "for" phrases ("Before Netanyahu's discussion with
      Trump" → "Netanyahu's discussion with Trump"). "shortly"/"two days"/"a day"
      in front belong to the record's text.
    * subordinate clauses "before the talks began", "after the meetings were
      over" — the reference is the clause after the conjunction, or only its
      subject when the verb merely says that the subject started, ended or took
      place (begin, start, end, finish, conclude, resume, be over, happen...):
      "the Trump-Netanyahu talks", "the meetings". A gerund ("before agreeing to
      a truce") is a clause too.
    * implicit ones, with ``reference`` None: "earlier that day", "earlier in the
      day", "later that day/week", "the day before", "the next day", "the
      previous day", "two days later", "a week earlier".

    ``head_start``/``head_end`` span the verb (or noun) the phrase modifies: the
    head of the preposition or of the subordinate clause in the dependency parse,
    climbing over a time noun ("a day after the strike, the vote was held" →
    "held"); when the parser leaves a sentence-initial phrase unattached ("Before
    the talks, a delegation from Qatar met ...") it is the first verb after it.

    A pronoun object ("after that") gives an order record without reference; a
    bare duration ("left after a few minutes") gives none. A clock time or date is
    a valid reference ("shortly after 5 PM").

    Not order records: "before"/"after" with nothing after them ("he had said so
    before"), "following" as an adjective ("the following statement"; "the
    following day" is a relative date) or as a finite verb ("was following the
    news"), "the previous year's ...", and "later" alone.

A resolved day (date, weekday or relative) written next to a clock time takes its
hour: "at 6 a.m. on Monday" gives ``value`` "2026-03-02T06:00" ("...T17:00-05:00"
when the zone is known). ``head_start``/``head_end`` of a date, weekday or relative
date span the verb whose event it dates: the phrase's head, climbing over
prepositions, adverbs ("late on Sunday"), clock times and time nouns, and over a
noun the phrase follows ("said at a rally on Tuesday" → "said"). A time word in
front of a noun ("the 1968 bridge", "Tuesday's vote"), one dating a clause inside a
noun phrase ("the deal announced on Monday", "the site, which was reported at
10 p.m.") or one left unattached by the parser (a dateline) dates no event of its
sentence and has no head.

Every record's ``text`` is ``doc.text[start:end]``; no record runs across a
sentence boundary; records come in text order.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from .model import Sentence, TimeExpr
from .quantities import SMALL_NUMBERS, TENS, TIME_UNITS, TokenView

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token

# zone abbreviation -> UTC offset (None: the offset depends on daylight time)
ZONES: dict[str, str | None] = {
    "GMT": "+00:00", "UTC": "+00:00", "Z": "+00:00", "BST": "+01:00", "WET": "+00:00", "CET": "+01:00",
    "CEST": "+02:00", "EET": "+02:00", "EEST": "+03:00", "MSK": "+03:00", "IDT": "+03:00",
    "GST": "+04:00", "PKT": "+05:00", "HKT": "+08:00", "SGT": "+08:00", "JST": "+09:00", "KST": "+09:00",
    "AEST": "+10:00", "AEDT": "+11:00", "NZST": "+12:00", "NZDT": "+13:00",
    "EST": "-05:00", "EDT": "-04:00", "CST": "-06:00", "CDT": "-05:00", "MST": "-07:00", "MDT": "-06:00",
    "PST": "-08:00", "PDT": "-07:00", "AKST": "-09:00", "AKDT": "-08:00", "HST": "-10:00",
    "ET": None, "PT": None, "CT": None,
}
AM_PM = {"am": "am", "a.m.": "am", "a.m": "am", "pm": "pm", "p.m.": "pm", "p.m": "pm"}
NAMED_CLOCKS = {"noon": (12, 0), "midday": (12, 0), "midnight": (0, 0)}
CLOCK_LEADS = {"at", "by", "until", "till", "from", "around", "about", "before", "after", "since", "to"}

MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    ["january jan jan.", "february feb feb.", "march mar mar.", "april apr apr.", "may",
     "june jun jun.", "july jul jul.", "august aug aug.", "september sep sep. sept sept.",
     "october oct oct.", "november nov nov.", "december dec dec."],
    start=1,
):
    MONTHS.update(dict.fromkeys(_names.split(), _number))
# a month alone ("in January") is a date only after one of these
MONTH_LEADS = {"in", "since", "until", "by", "last", "next", "this", "early", "late", "mid", "during",
               "through", "from", "of", "before", "after", "back"}
WEEKDAYS = {name: k for k, name in enumerate("monday tuesday wednesday thursday friday saturday sunday".split())}
PARTS_OF_DAY = {"morning", "afternoon", "evening", "night"}
RELATIVE_DAYS = {"yesterday": -1, "today": 0, "tonight": 0, "tomorrow": 1}
PERIODS = {"week", "month", "year", "weekend"}
STORY_PERIODS = PARTS_OF_DAY | PERIODS | {"day"}  # "the following day/week/morning"
PERIOD_SHIFTS = {"last": -1, "this": 0, "next": 1}
FUTURE_SLACK_DAYS = 61

FUTURE_AUX = {"will", "'ll", "shall", "wo", "can", "could", "may", "might", "should", "would", "must"}
FUTURE_VERBS = {"expect", "schedule", "plan", "due", "set", "slate", "intend", "hope", "aim"}
PRESENT_AUX = {"is", "are", "am", "'s", "'re", "'m"}
# verbs whose infinitive complement tells a later event: "agreed to meet on Thursday"
INTENT_VERBS = {"agree", "promise", "decide", "vow", "pledge", "threaten", "want", "prepare", "propose", "offer",
                "seek", "ask", "urge", "invite", "arrange", "undertake", "commit"}

# order markers: words -> relation of the clause's event to the reference
ORDER_MARKERS: dict[tuple[str, ...], str] = {
    ("before",): "before", ("after",): "after", ("following",): "after",
    ("prior", "to"): "before", ("ahead", "of"): "before", ("in", "the", "run", "-", "up", "to"): "before",
    ("on", "the", "eve", "of"): "before", ("in", "the", "wake", "of"): "after",
    ("in", "the", "aftermath", "of"): "after",
}
MARKER_FIRST = {words[0] for words in ORDER_MARKERS}
MARKER_LENGTHS = sorted({len(words) for words in ORDER_MARKERS}, reverse=True)
# order phrases with no reference
IMPLICIT_ORDER: dict[tuple[str, ...], str] = {}
for _relation, _phrases in {
    "before": ["earlier that {p}", "earlier in the {p}", "earlier on that {p}", "the {p} before",
               "the previous {p}", "the {p} prior"],
    "after": ["later that {p}", "later in the {p}", "later on that {p}", "the next {p}", "the {p} after"],
}.items():
    for _phrase in _phrases:
        for _period in ("day", "morning", "afternoon", "evening", "night", "week", "month", "year"):
            IMPLICIT_ORDER[tuple(_phrase.format(p=_period).split())] = _relation
IMPLICIT_FIRST = {words[0] for words in IMPLICIT_ORDER}
IMPLICIT_LENGTHS = sorted({len(words) for words in IMPLICIT_ORDER}, reverse=True)
# "two days later", "a week earlier"
SHIFT_WORDS = {"later": "after", "earlier": "before", "afterwards": "after"}
NUMBER_WORDS = set(SMALL_NUMBERS) | set(TENS)
# a clause whose verb only says that its subject began, ended or took place
ASPECT_VERBS = {"begin", "start", "end", "finish", "conclude", "resume", "open", "close", "commence",
                "happen", "occur", "wrap", "break", "adjourn", "convene", "get", "take", "be", "kick"}
# prepositions kept inside a reference phrase
REFERENCE_PREPOSITIONS = {"of", "with", "between", "on", "in", "by", "against", "from", "to", "over", "at", "among"}
REFERENCE_DEPS = {"prep", "pobj", "compound", "amod", "nummod", "poss", "case", "nmod", "pcomp", "dobj",
                  "quantmod", "det", "advmod"}
TIME_NOUNS = {"day", "days", "week", "weeks", "hour", "hours", "minute", "minutes", "month", "months",
              "year", "years", "moment", "moments", "night", "morning", "evening", "time"}
PRE_MODIFIER_DEPS = {"advmod", "npadvmod"}
PRE_ADVERBS = {"shortly", "just", "soon", "right", "immediately", "long", "well", "even", "only", "hours", "minutes"}

_HHMM = re.compile(r"^([01]?\d|2[0-3])[:.]([0-5]\d)$")
_DAY = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?$")
_YEAR = re.compile(r"^(?:1[89]|20)\d\d$")
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def _sentence_of(view: TokenView, i: int) -> int:
    return view.sentence(view.start(i))


def _record(view: TokenView, start: int, end: int, kind: str, **fields: str | int | None) -> TimeExpr:
    a, b = view.start(start), view.end(end - 1)
    return TimeExpr(view.text[a:b], a, b, _sentence_of(view, start), kind, **fields)


# -- clocks ---------------------------------------------------------------------------------


def _clock_at(view: TokenView, i: int) -> tuple[TimeExpr, int] | None:
    """"5 PM EST", "10:30 a.m. local time", "noon", "1700 GMT"."""
    word = view.lower[i]
    explicit = True
    if view.word(i - 1) == ":":
        return None
    if word in NAMED_CLOCKS:
        hour, minute = NAMED_CLOCKS[word]
    elif m := _HHMM.match(word):
        hour, minute = int(m.group(1)), int(m.group(2))
        explicit = view.word(i - 1) in CLOCK_LEADS or view.tokens[i].ent_type_ == "TIME"
    elif word.isdigit() and len(word) == 4 and _zone(view, i + 1) is not None:
        hour, minute = int(word[:2]), int(word[2:])
    elif word.isdigit() and len(word) <= 2:
        hour, minute, explicit = int(word), 0, False
    else:
        return None
    end = i + 1
    half = AM_PM.get(view.word(end))
    if half is not None and hour <= 12:
        hour = hour % 12 + (12 if half == "pm" else 0)
        end, explicit = end + 1, True
    elif view.word(end) == "o'clock":
        end, explicit = end + 1, True
    zone = _zone(view, end)
    if zone is not None:
        end, explicit = end + 1, True
    elif view.word(end) == "local" and view.word(end + 1) == "time":
        end += 2
    if not explicit or hour > 23 or minute > 59:
        return None
    offset = ZONES.get(zone) if zone else None
    value = f"{hour:02d}:{minute:02d}{offset or ''}"
    return _record(view, i, end, "clock", value=value, zone=zone), end


def _zone(view: TokenView, i: int) -> str | None:
    if i >= view.n:
        return None
    text = view.tokens[i].text
    return text if text in ZONES and text.isupper() else None


# -- dates ------------------------------------------------------------------------------------


def _month_at(view: TokenView, i: int) -> tuple[int, int] | None:
    """(month number, token after it) for a month name at ``i`` ("Oct." or "Oct" "." included)."""
    word = view.word(i)
    month = MONTHS.get(word)
    if month is None:
        return None
    token = view.tokens[i]
    if not token.text[0].isupper():
        return None
    if word in ("may", "march", "mar") and token.ent_type_ != "DATE":
        return None
    end = i + 1
    if view.word(end) == "." and len(word) <= 4 and view.glued(i):
        end += 1
    return month, end


def _day_at(view: TokenView, i: int) -> int | None:
    m = _DAY.match(view.word(i))
    return int(m.group(1)) if m and 1 <= int(m.group(1)) <= 31 else None


def _year_at(view: TokenView, i: int) -> int | None:
    word = view.word(i)
    return int(word) if _YEAR.match(word) else None


def _resolve(published: date | None, month: int, day: int, year: int | None) -> str | None:
    """ISO date; without a year, the publication's (or the year before, see the module docstring)."""
    if year is None:
        if published is None:
            return None
        year = published.year
        try:
            if date(year, month, day) - published > timedelta(days=FUTURE_SLACK_DAYS):
                year -= 1
        except ValueError:
            return None
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def _resolve_month(published: date | None, month: int, year: int | None) -> str | None:
    if year is None:
        if published is None:
            return None
        year = published.year
        if date(year, month, 1) - published > timedelta(days=FUTURE_SLACK_DAYS):
            year -= 1
    return f"{year:04d}-{month:02d}"


def _year_after(view: TokenView, j: int) -> tuple[int | None, int]:
    """An optional year after a day and month: ", 2023" or " 2023"."""
    k = j + 1 if view.word(j) == "," else j
    year = _year_at(view, k)
    return (year, k + 1) if year is not None else (None, j)


def _date_at(view: TokenView, i: int, published: date | None) -> tuple[TimeExpr, int] | None:
    """Dates written with a month name or in ISO form (see the module docstring)."""
    iso = _iso_at(view, i)
    if iso is not None:
        year, month, day, end = iso
        value = _resolve(None, month, day, year)
        return (_record(view, i, end, "date", value=value), end) if value else None
    month_read = _month_at(view, i)
    if month_read is not None:
        month, j = month_read
        day = _day_at(view, j)
        if day is not None and _year_at(view, j) is None:
            year, end = _year_after(view, j + 1)
            return _record(view, i, end, "date", value=_resolve(published, month, day, year)), end
        year = _year_at(view, j)
        if year is not None:
            return _record(view, i, j + 1, "date", value=f"{year:04d}-{month:02d}"), j + 1
        if view.word(i - 1) in MONTH_LEADS:
            return _record(view, i, j, "date", value=_resolve_month(published, month, None)), j
        return None
    day = _day_at(view, i)
    if day is None:
        return None
    k = i + 2 if view.word(i + 1) == "of" else i + 1
    month_read = _month_at(view, k)
    if month_read is None:
        return None
    month, j = month_read
    year, end = _year_after(view, j)
    return _record(view, i, end, "date", value=_resolve(published, month, day, year)), end


def _iso_at(view: TokenView, i: int) -> tuple[int, int, int, int] | None:
    """(year, month, day, token after) of "2023-10-07", one token or split by the tokenizer into five glued ones."""
    if m := _ISO.match(view.lower[i]):
        return int(m.group(1)), int(m.group(2)), int(m.group(3)), i + 1
    if not _YEAR.match(view.lower[i]) or i + 4 >= view.n:
        return None
    parts = view.lower[i:i + 5]
    if parts[1] != "-" or parts[3] != "-" or not all(view.glued(k) for k in range(i, i + 4)):
        return None
    if not (parts[2].isdigit() and parts[4].isdigit() and len(parts[2]) == 2 and len(parts[4]) == 2):
        return None
    return int(parts[0]), int(parts[2]), int(parts[4]), i + 5


def _year_alone_at(view: TokenView, i: int) -> tuple[TimeExpr, int] | None:
    """"in 2023": a year the entity recogniser calls a date."""
    year = _year_at(view, i)
    if year is None or view.tokens[i].ent_type_ != "DATE" or view.word(i + 1) in ("-", "–"):
        return None
    return _record(view, i, i + 1, "date", value=f"{year:04d}"), i + 1


# -- weekdays and relative dates -----------------------------------------------------------------


def _is_future(token: Token) -> bool:
    """Whether the clause holding ``token`` speaks of the future (see the module docstring)."""
    node = token
    for _ in range(6):
        if node.head.i == node.i:
            return False
        child, node = node, node.head
        if node.lemma_ in FUTURE_VERBS and node.pos_ in ("VERB", "AUX", "ADJ"):
            return True  # "expected to", "is due to", "set to"
        if node.lemma_ in INTENT_VERBS and child.dep_ == "xcomp" \
                and any(c.lower_ == "to" for c in child.children if c.dep_ == "aux"):
            return True  # "agreed to meet on Thursday"
        if node.pos_ not in ("VERB", "AUX"):
            continue
        auxes = [c.lower_ for c in node.children if c.dep_ in ("aux", "auxpass")]
        if any(aux in FUTURE_AUX for aux in auxes):
            return True
        if node.tag_ == "VBG" and any(aux in PRESENT_AUX for aux in auxes):
            return True  # "is meeting on Thursday", "is going to meet"
        if node.lemma_ == "be" and node.lower_ in PRESENT_AUX | {"be"} and child.dep_ == "xcomp" \
                and any(c.lower_ == "to" for c in child.children if c.dep_ == "aux"):
            return True  # "the bridge is to reopen on Friday"
        if node.tag_ in ("VBD", "VBN"):
            return False
        if node.tag_ in ("VBZ", "VBP") and node.lemma_ != "be" and not auxes:
            return True  # "Rovers host Ardley Town on Saturday"
    return False


def _weekday_date(published: date, weekday: int, future: bool, strict: bool) -> date:
    if future:
        delta = (weekday - published.weekday()) % 7
        return published + timedelta(days=delta or (7 if strict else 0))
    delta = (published.weekday() - weekday) % 7
    return published - timedelta(days=delta or (7 if strict else 0))


def _weekday_at(view: TokenView, i: int, published: date | None) -> tuple[TimeExpr, int] | None:
    """"Tuesday", "last Friday", "Monday evening"; "Tuesday, July 8" is one date."""
    weekday = WEEKDAYS.get(view.lower[i])
    if weekday is None or not view.tokens[i].text[0].isupper():
        return None
    k = i + 2 if view.word(i + 1) == "," else i + 1
    dated = _date_at(view, k, published) if view.word(k) in MONTHS else None
    if dated is not None and dated[0].value is not None and len(dated[0].value) == 10:
        end = dated[1]
        return _record(view, i, end, "date", value=dated[0].value), end
    shift = view.word(i - 1) if view.word(i - 1) in PERIOD_SHIFTS else None
    start = i - 1 if shift else i
    end = i + 2 if view.word(i + 1) in PARTS_OF_DAY else i + 1
    value = None
    if published is not None:
        future = shift == "next" or (shift != "last" and _is_future(view.tokens[i]))
        value = _weekday_date(published, weekday, future, strict=shift in ("last", "next")).isoformat()
    return _record(view, start, end, "weekday", value=value), end


def _relative_at(view: TokenView, i: int, published: date | None) -> tuple[TimeExpr, int] | None:
    """"yesterday", "tomorrow morning", "last night", "this week", "earlier this month", "the following day"."""
    word, after = view.lower[i], view.word(i + 1)
    if word in RELATIVE_DAYS:
        end = i + 2 if after in PARTS_OF_DAY else i + 1
        value = (published + timedelta(days=RELATIVE_DAYS[word])).isoformat() if published else None
        return _record(view, i, end, "relative", value=value), end
    if word in ("last", "this") and after in PARTS_OF_DAY:
        shift = -1 if word == "last" else 0
        value = (published + timedelta(days=shift)).isoformat() if published else None
        return _record(view, i, i + 2, "relative", value=value), i + 2
    if word in ("earlier", "later") and view.word(i + 1) == "this" and view.word(i + 2) in PERIODS:
        return _period(view, i, i + 1, published)
    if word in PERIOD_SHIFTS and after in PERIODS:
        return _period(view, i, i, published)
    if word == "the" and after == "following" and view.word(i + 2) in STORY_PERIODS:
        return _record(view, i, i + 3, "relative"), i + 3
    return None


def _period(view: TokenView, start: int, i: int, published: date | None) -> tuple[TimeExpr, int]:
    """"last week", "this month", "next year", "earlier this week" (from token ``start``)."""
    shift, period = PERIOD_SHIFTS[view.lower[i]], view.lower[i + 1]
    value = None
    if published is not None:
        if period in ("week", "weekend"):
            year, week, _ = (published + timedelta(weeks=shift)).isocalendar()
            value = f"{year:04d}-W{week:02d}"
        elif period == "month":
            months = published.year * 12 + published.month - 1 + shift
            value = f"{months // 12:04d}-{months % 12 + 1:02d}"
        else:
            value = f"{published.year + shift:04d}"
    return _record(view, start, i + 2, "relative", value=value), i + 2


# -- order relations ---------------------------------------------------------------------------------


def _span_end(token: Token) -> int:
    """The last token of ``token``'s phrase without appositions, relative clauses and most prepositions."""
    end = token.i
    for child in token.rights:
        if child.dep_ not in REFERENCE_DEPS or (child.dep_ == "prep" and child.lower_ not in REFERENCE_PREPOSITIONS):
            continue
        end = max(end, _span_end(child))
    return end


def _trimmed(view: TokenView, start: int, end: int) -> tuple[int, int]:
    """``[start, end)`` without punctuation at either side."""
    while end > start and (view.tokens[end - 1].is_punct or view.tokens[end - 1].is_space):
        end -= 1
    while start < end and (view.tokens[start].is_punct or view.tokens[start].is_space):
        start += 1
    return start, end


def _phrase(view: TokenView, token: Token) -> tuple[int, int]:
    end = min(_span_end(token) + 1, view.sentence_end(token.i))
    return _trimmed(view, token.left_edge.i, end)


CLAUSE_BREAKS = {"but", "and", "yet", "so", "while", "although", "though", "whereas"}


def _clause_reference(view: TokenView, verb: Token, after_marker: int) -> tuple[tuple[int, int], int]:
    """(reference bounds, clause end) of a subordinate clause: its subject when the verb only begins/ends it."""
    end = min(verb.right_edge.i + 1, view.sentence_end(verb.i))
    for k in range(after_marker, end - 1):
        if view.lower[k] == ";" or (view.lower[k] == "," and view.lower[k + 1] in CLAUSE_BREAKS):
            end = k  # "after the storm moved north, but 215 flights had been cancelled": the clause ends at ", but"
            break
    clause = _trimmed(view, after_marker, end)
    if verb.lemma_ in ASPECT_VERBS and _child(verb, ("dobj", "xcomp")) is None:  # "began taking on water" is an event
        for child in verb.children:
            if child.dep_ in ("nsubj", "nsubjpass") and child.pos_ in ("NOUN", "PROPN") and child.i >= after_marker:
                return _phrase(view, child), clause[1]
    return clause, clause[1]


def _child(token: Token, deps: tuple[str, ...]) -> Token | None:
    return next((child for child in token.children if child.dep_ in deps), None)


def _object_reference(view: TokenView, obj: Token, anchor: Token) -> tuple[tuple[int, int], int, Token] | None:
    """The reference of a preposition's object.

    A pronoun ("after that") gives empty bounds (no reference); a bare duration ("after a few
    minutes") is no event, and gives None.
    """
    bounds = _phrase(view, obj)
    if obj.lower_ in TIME_UNITS and _child(obj, ("prep",)) is None:
        return None
    if obj.pos_ == "PRON" and obj.i == bounds[1] - 1:
        return (bounds[1], bounds[1]), bounds[1], anchor
    return bounds, bounds[1], anchor


def _fronted_phrase(view: TokenView, i: int, j: int, verb: Token) -> tuple[int, int] | None:
    """A sentence-initial "Before X, Y met" that the parser read as a clause "X ... met": the bounds of X.

    The marker opens the sentence, a comma comes before the clause's verb and no verb stands
    between the marker and that comma.
    """
    if not view.starts_sentence(i):
        return None
    for k in range(j, verb.i):
        if view.lower[k] == ",":
            return _trimmed(view, j, k) if k > j else None
        if view.tokens[k].pos_ in ("VERB", "AUX"):
            return None
    return None


def _reference(view: TokenView, i: int, j: int) -> tuple[tuple[int, int], int, Token | None] | None:
    """(reference bounds, phrase end, attaching token) of the order marker ``[i, j)``, or None if it has none.

    The attaching token is None when the parse cannot be trusted to say what the phrase modifies.
    """
    first, last = view.tokens[i], view.tokens[j - 1]
    if view.lower[i] == "following":
        if first.tag_ != "VBG":
            return None  # "the following statement"
        if first.dep_ == "prep":
            obj = _child(first, ("pobj",))
        elif first.dep_ in ("acl", "xcomp", "advcl") and _child(first, ("nsubj", "aux", "auxpass")) is None:
            obj = _child(first, ("dobj",))
        else:
            return None  # "was following the news"
        if obj is None:
            return None
        bounds = _phrase(view, obj)
        return bounds, bounds[1], first
    if last.dep_ == "mark" and last.head.i > last.i:
        phrase = _fronted_phrase(view, i, j, last.head)
        if phrase is not None:
            return phrase, phrase[1], None
        bounds, end = _clause_reference(view, last.head, j)
        return bounds, end, last.head
    obj = _child(last, ("pobj",))
    if obj is not None:
        return _object_reference(view, obj, first)
    clause = _child(last, ("pcomp",))
    if clause is not None:
        bounds = _trimmed(view, j, min(clause.right_edge.i + 1, view.sentence_end(j - 1)))
        return bounds, bounds[1], first
    for conj in last.children:  # "released before or during the ceasefire"
        if conj.dep_ == "conj" and (obj := _child(conj, ("pobj",))) is not None:
            bounds = _phrase(view, obj)
            return bounds, bounds[1], first
    return None


def _event_head(view: TokenView, anchor: Token | None, start: int, end: int) -> tuple[Token | None, int]:
    """(the verb or noun the order phrase ``[start, end)`` modifies, the phrase start with a time noun in front)."""
    head = anchor.head if anchor is not None else None
    if head is not None and head.lower_ in TIME_NOUNS and head.i < start:  # "a day [after the strike]"
        start, head = head.left_edge.i, head.head
    trusted = (
        anchor is not None and head is not None and head.i != anchor.i and not start <= head.i < end
        and head.pos_ in ("VERB", "AUX", "NOUN", "PROPN")
    )
    if not trusted:  # the first verb after the phrase
        verbs = (view.tokens[k] for k in range(end, view.sentence_end(start)) if view.tokens[k].pos_ == "VERB")
        head = next(verbs, None)
    return head, start


def _pre_modifier_start(view: TokenView, marker: Token) -> int:
    """"[shortly] after", "[just] before", "[two days] after": modifiers left of the marker.

    Either the parser hangs them from the marker, or (for a clause, where they hang from a verb)
    the word just before the marker is a time noun or one of :data:`PRE_ADVERBS`.
    """
    start = marker.i
    for child in marker.lefts:
        if child.dep_ in PRE_MODIFIER_DEPS and child.right_edge.i == start - 1:
            start = child.left_edge.i
    if start == marker.i and marker.i > 0 and marker.head.i != marker.i - 1:  # not "a day [after]": see _event_head
        before = view.tokens[marker.i - 1]
        if before.dep_ in PRE_MODIFIER_DEPS and (before.lower_ in TIME_NOUNS or before.lower_ in PRE_ADVERBS):
            start = before.left_edge.i if before.right_edge.i == marker.i - 1 else before.i
    return start


def _explicit_order(view: TokenView, i: int, j: int, relation: str) -> TimeExpr | None:
    found = _reference(view, i, j)
    if found is None:
        return None
    (ref_start, ref_end), end, anchor = found
    start = _pre_modifier_start(view, view.tokens[i])
    head, start = _event_head(view, anchor, start, end)
    if ref_end <= ref_start:  # a pronoun: "after that"
        return _order_record(view, start, end, relation, head)
    return _order_record(view, start, end, relation, head, ref_start, ref_end)


def _order_record(
    view: TokenView, start: int, end: int, relation: str, head: Token | None,
    ref_start: int | None = None, ref_end: int | None = None,
) -> TimeExpr:
    fields: dict[str, str | int] = {"relation": relation}
    if ref_start is not None and ref_end is not None:
        a, b = view.start(ref_start), view.end(ref_end - 1)
        fields.update(reference=view.text[a:b], reference_start=a, reference_end=b)
    if head is not None:
        fields.update(head_start=head.idx, head_end=head.idx + len(head.text))
    return _record(view, start, end, "order", **fields)


def _shift_phrase(view: TokenView, i: int) -> tuple[int, str] | None:
    """"two days later", "a week earlier": (end token, relation)."""
    word = view.lower[i]
    if not (word.isdigit() or word in NUMBER_WORDS or word in ("a", "an")) or view.word(i - 1) in NUMBER_WORDS:
        return None
    k = i + 1
    while view.word(k) in NUMBER_WORDS or view.word(k) == "-":
        k += 1
    relation = SHIFT_WORDS.get(view.word(k + 1))
    if view.word(k) not in TIME_UNITS or relation is None or view.word(k + 2) == "than":
        return None
    return k + 2, relation


def _implicit_order_at(view: TokenView, i: int) -> TimeExpr | None:
    """Order phrases with no reference: "earlier that day", "the next day", "two days later"."""
    for length in IMPLICIT_LENGTHS if view.lower[i] in IMPLICIT_FIRST else ():
        words = view.words(i, length)
        relation = IMPLICIT_ORDER.get(words)
        if relation is None:
            continue
        last = view.tokens[i + length - 1]
        if last.lower_ in ("before", "after", "prior") and _child(last, ("pobj", "pcomp")) is not None:
            return None  # "the day before the vote": an explicit marker
        if view.word(i + length) in ("'s", "’s"):
            return None  # "the previous year's ceremony"
        return _implicit_record(view, i, i + length, relation)
    shift = _shift_phrase(view, i)
    return _implicit_record(view, i, shift[0], shift[1]) if shift else None


def _implicit_record(view: TokenView, start: int, end: int, relation: str) -> TimeExpr:
    anchor = view.tokens[end - 1]
    for k in range(start, end):
        if not start <= view.tokens[k].head.i < end:
            anchor = view.tokens[k]
            break
    head = anchor.head
    while head.lower_ in TIME_NOUNS and head.head.i != head.i:  # "the next day and [the day before]"
        head = head.head
    if head.i == anchor.i or head.pos_ not in ("VERB", "AUX", "NOUN"):
        head = None
    return _order_record(view, start, end, relation, head)


def _order_at(view: TokenView, i: int) -> TimeExpr | None:
    implicit = _implicit_order_at(view, i)
    if implicit is not None or view.lower[i] not in MARKER_FIRST:
        return implicit
    for length in MARKER_LENGTHS:
        relation = ORDER_MARKERS.get(view.words(i, length))
        if relation is not None:
            return _explicit_order(view, i, i + length, relation)
    return None


# -- what a point in time dates ---------------------------------------------------------------------

# words a time phrase hangs from on its way to the verb it dates ("[at 6 a.m.] [on Monday]", "[late] on Sunday")
CLIMB_POS = {"ADP", "ADV", "NUM", "PART", "PUNCT", "SCONJ", "ADJ", "DET", "X", "SYM", "CCONJ"}
# a time word in front of a noun, as its modifier: "the 1968 bridge", "Tuesday's vote", "the March 3 meeting"
PRENOMINAL_DEPS = {"compound", "nummod", "amod", "poss", "nmod", "npadvmod", "quantmod"}


def _attachment(view: TokenView, start: int, end: int) -> Token | None:
    """The verb whose event the time phrase ``[start, end)`` dates, or None when it dates none.

    The phrase's root hangs from a preposition, an adverb ("late on Sunday"), a clock time
    ("at 6 a.m. on Monday") or a time noun; those are climbed over, and so is a noun the
    phrase follows ("a rally on Customs Quay on Tuesday": the rally's verb). A phrase in
    front of the noun it modifies ("the 1968 bridge", "Tuesday's vote") dates no event of
    the clause, nor does a phrase the parser leaves unattached (a dateline, a heading).
    """
    root = next((view.tokens[k] for k in range(start, end) if not start <= view.tokens[k].head.i < end), None)
    if root is None or root.head.i == root.i:
        return None
    node, came_from = root.head, root
    if node.pos_ in ("NOUN", "PROPN") and node.i >= end and root.dep_ in PRENOMINAL_DEPS:
        return None
    for _ in range(8):
        if node.pos_ in ("VERB", "AUX"):
            return None if node.dep_ in ("acl", "relcl") else node  # "the deal announced on Monday"
        climb = node.pos_ in CLIMB_POS or node.lower_ in TIME_NOUNS or node.lower_ in PARTS_OF_DAY
        if not climb and node.pos_ in ("NOUN", "PROPN", "PRON") and came_from.i < node.i:
            return None  # a modifier in front of a noun
        if node.head.i == node.i:
            return None
        came_from, node = node, node.head
    return None


def _dated_events(view: TokenView, found: list[TimeExpr]) -> None:
    """Give every date, weekday and relative date the verb it dates (``head_start``/``head_end``)."""
    first = {token.idx: token.i for token in view.tokens}
    last = {token.idx + len(token.text): token.i for token in view.tokens}
    for record in found:
        if record.kind not in ("date", "weekday", "relative"):
            continue
        i, j = first.get(record.start), last.get(record.end)
        if i is None or j is None:
            continue
        verb = _attachment(view, i, j + 1)
        if verb is not None:
            record.head_start, record.head_end = verb.idx, verb.idx + len(verb.text)


# between a day and a clock time that tells its hour: "on Monday at 6 a.m.", "at 6 a.m. on Monday"
_DAY_CLOCK_GAP = re.compile(r"^[\s,]*(?:(?:on|at|from|about|around)\s+)?$", re.IGNORECASE)


def _with_clocks(view: TokenView, found: list[TimeExpr]) -> None:
    """A resolved day written next to a clock time takes its hour: "2026-03-02T06:00" ("+01:00" when the zone says)."""
    clocks = [t for t in found if t.kind == "clock" and t.value]
    for record in found:
        if record.kind not in ("date", "weekday", "relative") or not record.value or len(record.value) != 10:
            continue
        for clock in clocks:
            if clock.sentence != record.sentence:
                continue
            if record.start < clock.end and clock.start < record.end:
                continue
            gap = view.text[clock.end:record.start] if clock.end <= record.start else view.text[record.end:clock.start]
            if _DAY_CLOCK_GAP.match(gap):
                record.value = f"{record.value}T{clock.value}"
                break


# -- the pass --------------------------------------------------------------------------------------


def _point_at(view: TokenView, i: int, published: date | None) -> tuple[TimeExpr, int] | None:
    """A clock time, date, weekday or relative date starting at token ``i``."""
    word = view.lower[i]
    if word[:1].isdigit() or word in NAMED_CLOCKS:
        found = _clock_at(view, i) or _date_at(view, i, published) or _year_alone_at(view, i)
        if found is not None:
            return found
    if word in MONTHS:
        return _date_at(view, i, published)
    if word in WEEKDAYS:
        return _weekday_at(view, i, published)
    return _relative_at(view, i, published)


def extract_times(doc: Doc, sentences: list[Sentence], published: datetime | None) -> list[TimeExpr]:
    """Clock times, dates, weekdays, relative dates and order relations of a parsed article, in text order."""
    view = TokenView(doc, sentences)
    day = published.date() if published is not None else None
    found: list[TimeExpr] = []
    i = 0
    while i < view.n:
        order = _order_at(view, i)
        if order is not None and view.within_sentence(order.start, order.end):
            found.append(order)
        point = _point_at(view, i, day)
        if point is not None and not view.within_sentence(point[0].start, point[0].end):
            point = None  # "7" and "July 2012" on two lines
        if point is not None:
            found.append(point[0])
        i = point[1] if point is not None else i + 1
    found.sort(key=lambda record: (record.start, -record.end))
    _dated_events(view, found)
    _with_clocks(view, found)
    return found
