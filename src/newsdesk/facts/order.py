"""Event order told within one sentence, and two sentences that tell it the other way round.

A sentence can put two events in order: "the strike began after the talks broke
down", "the roof had already collapsed when police asked them to leave", "it was
only after the first pickets went up that the talks collapsed". Each such sentence
gives an :class:`Order`: the earlier event's words, the later event's words, and
the phrase that orders them.

Two articles disagree on the order when their sentences tell the same thing (the
sentences are as alike as one claim) and their events pair up the crossed way: the
earlier event of one is the later event of the other. The pairing is decided by
comparison, not by a fixed bar on each event: the crossed pairing must be clearly
more alike than the straight one (``clear_margin``), and each of the four events
more alike its crossed counterpart than the other event, so two short event
phrases in different words ("talks broke down", "talks finally collapsed") still
pair up when the sentences around them are one claim, and nothing pairs in
sentences that tell different things. Paired events must have the same first-named
actor ("the FDA expanded …" is not "the CDC approved …").

Not events: what will, would or was due to happen ("ahead of the vote that is set
to begin"), stretches of time ("after 15 weeks of pregnancy") and phrases of three
words or fewer; nor an order phrase nested inside another clause of its sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import combinations

import numpy as np

from .common import components
from .model import ArticleFacts

ALREADY = re.compile(r"\b(?:had|'d)\s+already\s+\w+", re.IGNORECASE)
WHEN = re.compile(r"\bwhen\b", re.IGNORECASE)
CLEFT = re.compile(r"\bit\s+(?:was|is|had\s+been)\s+(?:only\s+|just\s+|not\s+until\s+)?$", re.IGNORECASE)
THAT = re.compile(r"\s+that\s+", re.IGNORECASE)
UNREAL = re.compile(r"\b(will|would|could|might|may|shall|should|must|going to|plans? to|(?:expected|set|due|"
                    r"scheduled|about) to)\b", re.IGNORECASE)
SPAN = re.compile(r"\W*(\d|(?:a|an|one|two|three|four|five|six|seven|eight|nine|ten|a few|several|many)\s+"
                  r"(?:minutes?|hours?|days?|weeks?|months?|years?)\b)", re.IGNORECASE)  # "15 weeks of pregnancy"
ATTRIBUTION = re.compile(r"\W*(?:(?:[\w’'-]+\s+){1,5}(?:said|says|reported|added|told)(?:\s+[\w’'-]+){0,4}|"
                         r"according\s+to\s+.{1,60})?\W*",
                         re.IGNORECASE)  # what may follow the last clause: ", the operator said in a statement."
MIN_WORDS = 3  # an event told in fewer words ("the count", "lunch", "8 a.m.") is a point in time, not an event


@dataclass(frozen=True)
class Event:
    text: str  # as compared: may carry the subject the clause inherits ("The mayor" + "spoke after the vote")
    start: int
    end: int
    shown: str | None = None  # the article's own words, when ``text`` is not

    @property
    def words(self) -> str:
        return self.shown if self.shown is not None else self.text


@dataclass(frozen=True)
class Order:
    """``earlier`` happened before ``later``, as one sentence of ``article`` tells it."""

    article: str
    sentence: int
    earlier: Event
    later: Event
    cue: Event  # the words that order them: "after the street had been cleared", "had already collapsed when"


def _words(text: str) -> int:
    return len(re.findall(r"[^\W\d_]+", text))


def is_cleft(before_phrase: str) -> bool:
    """Whether an order phrase is the focus of a cleft: "It was only | after X that Y"."""
    return bool(CLEFT.search(before_phrase))


def phrase_order(article: str, sentence: int, event: Event, relation: str, reference: Event, cue: Event,
                 cleft: bool = False) -> Order | None:
    """The order an order phrase tells: ``event`` is ``relation`` ("before"/"after") ``reference``.

    A cleft ("it was only after X that Y", ``cleft``) tells its event inside the
    phrase: the clause after "that".
    """
    if cleft:
        m = THAT.search(reference.text)
        if not m:
            return None
        event = Event(reference.text[m.end():], reference.start + m.end(), reference.end)
        reference = Event(reference.text[:m.start()], reference.start, reference.start + m.start())
    if _words(event.text) < MIN_WORDS or _words(reference.text) < MIN_WORDS:
        return None
    if cue.text in event.text:  # the phrase inside the event's words: last but for an attribution, or nested
        k = event.text.index(cue.text)
        if k == 0 or not ATTRIBUTION.fullmatch(event.text[k + len(cue.text):]):
            return None
        shown = event.words[:event.words.index(cue.text)] if cue.text in event.words else event.words
        event = Event(event.text[:k].rstrip(" ,"), event.start, event.end, shown.rstrip(" ,"))
    if SPAN.match(reference.text):
        return None  # a time or a stretch of time, not an event
    if UNREAL.search(event.text) or UNREAL.search(reference.text):
        return None  # what will or would happen has no order yet to disagree on
    if relation == "after":
        return Order(article, sentence, reference, event, cue)
    if relation == "before":
        return Order(article, sentence, event, reference, cue)
    return None


def already_orders(f: ArticleFacts) -> list[Order]:
    """"X had already happened when Y": X before Y, in each sentence that says so."""
    out = []
    for i, s in enumerate(f.sentences):
        m = ALREADY.search(s.text)
        w = WHEN.search(s.text, m.end()) if m else None
        if not w:
            continue
        head_start = 0
        for t in THAT.finditer(s.text, 0, m.start()):  # "Residents said that the roof had already …"
            head_start = t.end()
        head = s.text[head_start:w.start()].rstrip(" ,")
        tail = s.text[w.end():].strip()
        tail = tail.rstrip(" .;!?\"'”’")
        earlier = Event(head, s.start + head_start, s.start + head_start + len(head))
        later_start = s.start + s.text.index(tail, w.end()) if tail else s.end
        later = Event(tail, later_start, later_start + len(tail))
        if _words(head) >= MIN_WORDS and _words(tail) >= MIN_WORDS:
            out.append(Order(f.article_id, i, earlier, later, Event(s.text[m.start():w.end()], s.start + m.start(),
                                                                     s.start + w.end())))
    return out


def swapped(orders: list[Order], sentences: dict[tuple[str, int], str], embed, *, same_claim: float,
            clear_margin: float, comparable=lambda a, b: True,
            participants=lambda article, event: ()) -> list[list[tuple[Order, bool]]]:
    """Groups of orders in which some pair of different articles tells two events the other way round.

    ``sentences`` gives each order's sentence text; ``comparable(article_a,
    article_b)`` says whether two articles may disagree (close enough in time);
    ``participants(article, event)`` names who or what an event involves, in the
    order named: two events whose first names differ, or that each name only
    someone the other does not, are different events.
    Each group starts with the order its swaps pair with most clearly; each order
    comes with whether it tells that first order's events the same way round.
    """
    if len(orders) < 2:
        return []
    texts = [sentences[(o.article, o.sentence)] for o in orders]
    events = [t for o in orders for t in (o.earlier.text, o.later.text)]
    vectors = embed(texts + events)
    sent, ev = vectors[: len(orders)], vectors[len(orders):]
    links, best = [], {}
    for i, j in combinations(range(len(orders)), 2):
        a, b = orders[i], orders[j]
        if a.article == b.article or not comparable(a.article, b.article):
            continue
        if float(sent[i] @ sent[j]) < same_claim:
            continue
        margin = crossed_margin(ev, i, j)
        if margin >= clear_margin and not (_each_best(ev, i, j) and _same_participants(a, b, participants)):
            margin = 0.0
        if margin >= clear_margin:
            links.append((i, j))
            for k in (i, j):
                best[k] = max(best.get(k, 0.0), margin)
    groups = []
    for group in components(len(orders), links):
        group.sort(key=lambda k: -best[k])
        head = group[0]
        groups.append([(orders[k], k == head or crossed_margin(ev, head, k) < 0) for k in group])
    return groups


def _each_best(ev: np.ndarray, i: int, j: int) -> bool:
    """Whether each of the four events is more alike its crossed counterpart than the other event."""
    e1, l1, e2, l2 = ev[2 * i], ev[2 * i + 1], ev[2 * j], ev[2 * j + 1]
    el, le, ee, ll = float(e1 @ l2), float(l1 @ e2), float(e1 @ e2), float(l1 @ l2)
    return el > ee and el > ll and le > ll and le > ee


def _same_participants(a: Order, b: Order, participants) -> bool:
    """Whether the crossed events could be one another: the first name each gives (its actor, as a rule) is
    the same one, and neither names only people the other does not."""
    for x, y in ((a.earlier, b.later), (a.later, b.earlier)):
        px, py = participants(a.article, x), participants(b.article, y)
        if px and py and (px[0] != py[0] or not set(px) & set(py)):
            return False
    return True


def crossed_margin(ev: np.ndarray, i: int, j: int) -> float:
    """How much more alike order i's events are to order j's crossed (earlier↔later) than straight."""
    e1, l1, e2, l2 = ev[2 * i], ev[2 * i + 1], ev[2 * j], ev[2 * j + 1]
    straight = float(e1 @ e2) + float(l1 @ l2)
    crossed = float(e1 @ l2) + float(l1 @ e2)
    return crossed - straight
