"""Faithful sentence compression: a source sentence cut down to a statement that stands alone.

A bullet (or a body sentence) is made of the source's own words: :func:`compress` returns the pieces of
the sentence it keeps, in order, never a word of its own; joined, they are the line's text (the first
letter capitalised). What is cut, each only when what is left still has its subject and verb:

* a **dateline** opening the sentence: "WASHINGTON —", "PORT HALVARD, March 2 (Agency) –", "(CNN) —";
* an opening **connective**: "But", "And", "However,", "Meanwhile,", "In addition," …;
* an opening **adverbial** — a clause or phrase before the subject, ended by a comma ("After fifteen hours
  of talks, …", "While the White House kept it closed, …") — unless it sets a condition ("If", "Unless",
  "Only", "Without" …) or attributes ("According to …"): cutting those would change what is said;
* **parentheticals** in brackets and **asides** between two dashes;
* when the sentence is long, a **trailing clause** hung on the main verb after a comma;
* **appositives** that describe a name ("Witkoff, Trump's envoy, said" → "Witkoff said"; never the name
  itself) and **non-restrictive relative clauses** (", which has been instrumental in mediating talks,").

A cut never touches a quotation, nor anything holding a figure (a number, in digits or words, or an
ordinal: figures are what a bullet is for). The sentence is refused (None) when it cannot stand alone:

* its quote marks do not pair up, or it holds a quotation (three words or more) whose speaker is not
  named in what is kept — a quotation comes whole with its speaker or not at all;
* its subject is a pronoun with no antecedent in it ("He said …", "They …", "It was …"), it opens with
  "There was/were …", or ends on a pronoun's attribution ("…, he said."): the claim is someone's, and the
  bullet would not say whose;
* it is a fragment: its main word is not a verb;
* what is left is under ``min_words`` words.

The parse is spaCy's (:func:`newsdesk.facts.nlp.load_pipeline`, the facts stage's pipeline), run on the
sentence alone.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass

from .gate import numbers_in

DATELINE = re.compile(
    r"^\s*(?:[A-Z][A-Z.'’\-]+(?:\s+[A-Z][A-Z.'’\-]+){0,4}"
    r"(?:\s*,\s*[A-Z][\w.]*(?:\s+[\w.]+){0,3})?"
    r"(?:\s*\([^)]{1,40}\))?"
    r"|\([A-Za-z .]{2,30}\))"
    r"\s*(?:—|–|--|-)\s+"
)
CONNECTIVE = re.compile(
    r"^(?:(?:but|and|or|so|yet|still|also|then|thus|meanwhile|however|moreover|instead|nonetheless|"
    r"nevertheless|besides|furthermore|additionally|separately|elsewhere|indeed|in addition|in turn|in fact|"
    r"as a result|on the other hand|at the same time|even so|after all)\b,?\s+)+",
    re.IGNORECASE,
)
PRONOUNS = {"he", "she", "they", "it", "we", "i", "you", "his", "her", "their", "its", "them", "him", "our",
            "there"}
DEMONSTRATIVES = {"this", "that", "these", "those", "one"}  # pronouns when they stand alone ("This comes after")
# an opening adverbial that sets a condition, a limit or an attribution is part of what is said
KEEP_LEADS = {"if", "unless", "only", "without", "until", "according", "except", "barring", "whether", "should",
              "even", "not", "no", "never"}
PARENTHESIS = re.compile(r"\s*\([^()]{1,80}\)")
ASIDE = re.compile(r"\s+(?:—|–|--)\s+[^—–\"“”]{1,80}?\s+(?:—|–|--)(?=\s)")
QUOTE_MARKS = "“”\""


@dataclass(frozen=True, slots=True)
class Compressed:
    """The kept pieces of a sentence: ``spans`` are (start, end) offsets in the sentence, in order."""

    text: str
    spans: tuple[tuple[int, int], ...]

    @property
    def start(self) -> int:
        return self.spans[0][0]

    @property
    def end(self) -> int:
        return self.spans[-1][1]


_PARSED: OrderedDict[str, object] = OrderedDict()  # the parses of the most recent sentences
_KEEP = 4096


def _parse(text: str):
    doc = _PARSED.get(text)
    if doc is None:
        from ..facts.nlp import load_pipeline

        _keep(text, doc := load_pipeline()(text))
    else:
        _PARSED.move_to_end(text)
    return doc


def _keep(text: str, doc) -> None:
    _PARSED[text] = doc
    while len(_PARSED) > _KEEP:
        _PARSED.popitem(last=False)


def parse_ahead(texts: list[str]) -> None:
    """Parse the sentences about to be read in batches (spaCy's ``pipe``: about twice as fast as one
    by one); what is parsed is kept for :func:`_parse`."""
    from ..facts.nlp import load_pipeline

    todo = list(dict.fromkeys(t for t in texts if t not in _PARSED))[-_KEEP:]
    for text, doc in zip(todo, load_pipeline().pipe(todo, batch_size=64)):
        _keep(text, doc)


def quote_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each double-quoted stretch, marks included; None when the marks do not pair up."""
    if text.count('"') % 2:
        return None  # a straight mark without its pair (or closing a curly one)
    out, open_at = [], None
    for i, ch in enumerate(text):
        if ch == "“" or (ch == '"' and open_at is None):
            if open_at is not None:
                return None
            open_at = i
        elif ch == "”" or ch == '"':
            if open_at is None:
                return None
            out.append((open_at, i + 1))
            open_at = None
    return None if open_at is not None else out


def _quoted_words(text: str, spans: list[tuple[int, int]]) -> int:
    return max((len(text[a:b].split()) for a, b in spans), default=0)


def _overlaps(cut: tuple[int, int], spans: list[tuple[int, int]]) -> bool:
    return any(cut[0] < b and a < cut[1] for a, b in spans)


def _lead_cut(doc, quotes) -> tuple[int, int] | None:
    """The opening adverbial before the main clause's subject, with its comma."""
    root = next((t for t in doc if t.dep_ == "ROOT"), None)
    if root is None:
        return None
    subject = next((t for t in root.children if t.dep_ in {"nsubj", "nsubjpass", "expl"}), None)
    if subject is None:
        return None
    first = subject.left_edge.i
    if first < 2 or doc[first - 1].text != ",":
        return None
    lead = doc[0:first - 1]
    heads = [t for t in lead if t.head.i == root.i]
    if not heads or any(t.dep_ not in {"advcl", "prep", "npadvmod", "advmod", "punct", "cc"} for t in heads):
        return None
    if doc[0].lower_ in KEEP_LEADS or any(t.lower_ in KEEP_LEADS for t in heads):
        return None
    cut = (0, doc[first].idx)
    return None if _overlaps(cut, quotes) else cut


def _clause_cuts(doc, quotes) -> list[tuple[int, int]]:
    """Appositives describing a name and non-restrictive relative clauses, each with its commas."""
    text = doc.text
    cuts = []
    for t in doc:
        describes = (t.dep_ == "appos" and t.pos_ == "NOUN" and t.head.pos_ in {"PROPN", "NOUN"} and t.i > t.head.i
                     and not any(x.pos_ == "PROPN" for x in t.subtree if x.i >= t.i))
        if not (describes or (t.dep_ == "relcl" and t.left_edge.lower_ in {"which", "who", "whose"})):
            continue
        left, right = t.left_edge.i, t.right_edge.i
        if left == 0 or doc[left - 1].text != ",":
            continue
        after = doc[right + 1] if right + 1 < len(doc) else None
        if after is None:
            continue
        if after.text == ",":
            if right + 2 < len(doc) and doc[right + 2].lower_ in {"and", "or"}:
                continue  # a list: "A, B, and C"
            cut = (doc[left - 1].idx, after.idx + 1)
        elif after.is_punct and after.i == len(doc) - 1:
            cut = (doc[left - 1].idx, after.idx)
        else:
            continue
        if numbers_in(text[cut[0]:cut[1]]) or _overlaps(cut, quotes):
            continue  # a figure is worth its words
        cuts.append(cut)
    return cuts


def _bare_pronoun(t) -> bool:
    return t.lower_ in PRONOUNS or (t.lower_ in DEMONSTRATIVES and not list(t.children))


def _tail_cuts(doc, quotes) -> list[tuple[int, int]]:
    """A secondary clause or phrase that ends the sentence, hung on the main verb after a comma."""
    root = next((t for t in doc if t.dep_ == "ROOT"), None)
    if root is None or len(doc) < 3:
        return []
    last = len(doc) - 1 if doc[-1].is_punct else len(doc)
    for t in root.children:
        if t.i <= root.i or t.dep_ not in {"advcl", "prep", "npadvmod", "acl", "xcomp"}:
            continue
        left = t.left_edge.i
        if left < 2 or doc[left - 1].text != "," or t.right_edge.i != last - 1 or doc[left].lower_ in KEEP_LEADS:
            continue
        cut = (doc[left - 1].idx, doc[last].idx if last < len(doc) else len(doc.text))
        if not _overlaps(cut, quotes) and not numbers_in(doc.text[cut[0]:cut[1]]):
            return [cut]  # (a figure is worth its words)
    return []


def _subject_is_pronoun(doc) -> bool:
    """Whether the main clause's subject (or the sentence's first word) is a pronoun with nothing to
    say whom it stands for."""
    if len(doc) and doc[0].lower_ in PRONOUNS - {"there"} | {"his", "her", "their", "its"}:
        return True
    root = next((t for t in doc if t.dep_ == "ROOT"), None)
    if root is None:
        return False
    for t in root.children:
        if t.dep_ in {"nsubj", "nsubjpass", "expl"} and _bare_pronoun(t):
            return True
        if t.dep_ in {"nsubj", "nsubjpass"} and any(c.dep_ == "det" and c.lower_ in DEMONSTRATIVES - {"one"}
                                                     and c.i == t.left_edge.i for c in t.children):
            return True  # "This meeting follows …": which one, only its own article says
        if t.dep_ in {"nsubj", "nsubjpass"} and any(c.dep_ == "poss" and c.lower_ in PRONOUNS for c in t.children) \
                and t.left_edge.i == 0:
            return True  # "His lawyer said …"
    return False


def _join(text: str, cuts: list[tuple[int, int]]) -> tuple[str, tuple[tuple[int, int], ...]]:
    """The sentence without ``cuts``: its kept pieces (trimmed of spaces) and their joined text."""
    keep, pos = [], 0
    for a, b in sorted(cuts):
        if a > pos:
            keep.append((pos, a))
        pos = max(pos, b)
    keep.append((pos, len(text)))
    spans = []
    for a, b in keep:
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if b > a:
            spans.append((a, b))
    out = ""
    for a, b in spans:
        piece = text[a:b]
        out += piece if not out or piece[0] in ",.;:!?”’)" else " " + piece
    return out, tuple(spans)


def compress(text: str, *, min_words: int = 6, speakers: list[tuple[int, int]] | None = None,
             cuts: list[tuple[int, int]] | None = None, long_from: int = 22) -> Compressed | None:
    """``text`` (one sentence) cut to a statement that stands alone, or None (see the module docstring).

    ``speakers`` are the (start, end) offsets, in ``text``, of the named speakers of its quotations (the
    facts stage's attributions); a quotation is kept only when one of them is kept. ``cuts`` are spans the
    caller wants out besides (a phrase sources dispute). A sentence of more than ``long_from`` words also
    loses a trailing clause hung on its main verb after a comma (", saying …", ", as …", ", including …")."""
    quotes = quote_spans(text)
    if quotes is None:
        return None  # a quotation opened or closed in another sentence
    cuts = list(cuts or [])
    m = DATELINE.match(text)
    if m:
        cuts.append((0, m.end()))
    start = m.end() if m else 0
    m = CONNECTIVE.match(text[start:])
    if m and not _overlaps((start, start + m.end()), quotes):
        cuts.append((start, start + m.end()))
    for pattern in (PARENTHESIS, ASIDE):
        for p in pattern.finditer(text):
            if p.start() > 0 and not _overlaps(p.span(), quotes) and not numbers_in(p.group()):
                cuts.append(p.span())
    body_text, spans = _join(text, cuts)

    doc = _parse(body_text)

    def to_source(i: int) -> int:
        """A character offset of ``body_text`` back into ``text``."""
        pos = 0
        for a, b in spans:
            length = b - a
            if i <= pos + length:
                return a + (i - pos)
            pos += length + 1  # the one space _join put between pieces (or none, before punctuation)
        return len(text)

    if _subject_is_pronoun(doc) or _pronoun_attribution(doc) or not _has_main_verb(doc):
        return None
    inner = []
    body_quotes = quote_spans(body_text) or []
    lead = _lead_cut(doc, body_quotes)
    if lead:
        inner.append(lead)
    inner += _clause_cuts(doc, body_quotes)
    if len(body_text.split()) > long_from:
        inner += _tail_cuts(doc, body_quotes)
    if inner:
        # map the cuts back to the sentence and cut again from it, so every piece is the source's own words
        mapped = [(to_source(a), to_source(b)) for a, b in inner]
        if not _mapping_ok(text, body_text, spans):
            mapped = []
        body_text, spans = _join(text, cuts + mapped)
        if body_text:
            doc = _parse(body_text)
            if _subject_is_pronoun(doc):
                return None
    if not body_text or len(body_text.split()) < min_words:
        return None
    if not _quotes_attributed(text, spans, quotes, speakers):
        return None
    if body_text[-1] not in ".!?”’\"'":
        return None
    return Compressed(body_text[:1].upper() + body_text[1:], spans)


def reads_alone(text: str) -> bool:
    """Whether a sentence's main clause names its own subject and speaker (no "…, he told reporters")."""
    doc = _parse(text)
    return not (_subject_is_pronoun(doc) or _pronoun_attribution(doc))


def _mapping_ok(text: str, joined: str, spans) -> bool:
    """Whether ``joined`` is the pieces joined by one space (or none before punctuation): offsets map back."""
    rebuilt = ""
    for a, b in spans:
        piece = text[a:b]
        rebuilt += piece if not rebuilt or piece[0] in ",.;:!?”’)" else " " + piece
    return rebuilt == joined and all(text[a] not in ",.;:!?”’)" for a, _ in spans[1:])


def _has_main_verb(doc) -> bool:
    """Whether the sentence is a clause, not a fragment ("Reid, 33, with a reputation as …")."""
    root = next((t for t in doc if t.dep_ == "ROOT"), None)
    return root is not None and root.pos_ in {"VERB", "AUX"}


def _pronoun_attribution(doc) -> bool:
    """Whether the sentence's main verb is a speech verb whose subject is a pronoun ("…, he said.")."""
    root = next((t for t in doc if t.dep_ == "ROOT"), None)
    if root is None or root.lemma_ not in {"say", "tell", "add", "state", "note", "explain", "insist", "warn",
                                           "argue", "claim", "write", "continue", "suggest"}:
        return False
    return any(t.dep_ == "nsubj" and t.lower_ in PRONOUNS for t in root.children)


def _quotes_attributed(text: str, spans, quotes: list[tuple[int, int]], speakers) -> bool:
    """Every quotation of three words or more that is kept has a named speaker who is kept too."""
    kept_quotes = [(a, b) for a, b in quotes if any(x <= a and b <= y for x, y in spans)]
    if _quoted_words(text, kept_quotes) < 3:
        return True
    if not speakers:
        return False
    return any(any(x <= a and b <= y for x, y in spans) for a, b in speakers)


def standalone(text: str, *, after_own: bool = False) -> tuple[int, str] | None:
    """A whole sentence as a body sentence: without an opening dateline or connective (returns where
    what is kept starts, and its text, first letter capitalised), or None when it only makes sense in its
    own article: it opens with a pronoun or "There was", its quote marks do not pair up, or it is mostly a
    quotation (three words or more) with no speech verb outside the quote marks, or a pronoun speaker.

    ``after_own``: the sentence will follow the sentence it follows in its article, which names who its
    pronoun or quotation belongs to; only the datelines, connectives, unpaired marks and fragments count."""
    start = 0
    m = DATELINE.match(text)
    if m:
        start = m.end()
    m = CONNECTIVE.match(text[start:])
    if m:
        start += m.end()
    rest = text[start:]
    words = re.findall(r"[A-Za-z’']+", rest[:40].lower())
    quotes = quote_spans(rest)
    if not words or quotes is None:
        return None
    if after_own:
        return (start, rest[:1].upper() + rest[1:]) if len(rest.split()) >= 4 else None
    if rest[0] not in QUOTE_MARKS and words[0] in PRONOUNS:
        return None  # (a quotation that opens with "I" is the speaker's, named after it)
    if _quoted_words(rest, quotes) >= 3:
        outside = "".join(ch for k, ch in enumerate(rest) if not any(a <= k < b for a, b in quotes))
        spoken = len(rest.split()) - len(outside.split()) >= len(outside.split())  # mostly someone's words
        if PRONOUN_SPEAKER.search(outside) or (spoken and not SPEECH.search(outside)):
            return None  # a quotation whose speaker the article named before; words quoted in passing are kept
    if len(rest.split()) < 4:
        return None
    return start, rest[:1].upper() + rest[1:]


SPEECH = re.compile(r"\b(?:said|says|told|tells|stated|added|asked|wrote|according to|declared|announced|warned|"
                    r"insisted|explained|noted|argued|replied)\b", re.IGNORECASE)
PRONOUN_SPEAKER = re.compile(r"\b(?:he|she|they|we|i)\s+(?:\w+\s+)?(?:said|says|told|added|stated|asked|wrote|warned|"
                             r"insisted|explained|noted|argued|replied)\b|\b(?:said|says|added)\s+(?:he|she|they)\b",
                             re.IGNORECASE)
