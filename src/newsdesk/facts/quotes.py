"""Direct quotes and who said them.

Finding quotes (:func:`quote_spans`, plain text, one linear pass)
----------------------------------------------------------------
* Double marks: curly “…”, guillemets «…», straight "…" and the tokenised
  ``…'' form. A straight ``"`` that can only close (a word before it,
  a space after it, as in ``10" screen``) does not open a quote. Inside an open
  quote any closing or straight double mark closes it; nested double marks are
  not tracked.
* Paragraph-continued quotes are emitted per paragraph: when a quote is still
  open at a line break and the next line opens with a quote mark, the open part
  ends at the line break and the next part is marked ``continues``; both parts
  share one speaker. A quote still open at a blank line that the next paragraph
  does not reopen is dropped (a stray mark); across a single line break it
  carries on (corpora with one sentence per line).
* Single marks (‘…’ or '…') count only when clearly quotation: outside double
  quotes, opening at the start of a word that is not a clitic ('s, 're, 'em…),
  closing on the same line after a non-space and before a non-letter, with at
  least :data:`MIN_SINGLE_WORDS` words inside. Apostrophes ("Hamas’ military",
  "we’re") never open a quote.
* ``Quote.text`` is what stands inside the marks without surrounding
  whitespace; ``doc.text[start:end] == text``. One- or two-word quotes (scare
  quotes, titles) are kept; consumers ignore them by word count.

Attributing them (:func:`extract_quotes`)
-----------------------------------------
A quote is attributed to a *cue*, a token outside every quote: a speech verb of
:data:`SPEECH_VERBS` (also a title-case "Speaks" in a heading), "according to",
or a verb modified by an "in a statement"-like phrase (:data:`STATEMENT_NOUNS`).
The cue is looked for in the quote's sentence(s), or its whole line when that
line is a heading (short, no final punctuation), in this order:

1. the first cue met walking up the parse from the quote (``X said that …
   "…"``, ``"…," X said``, ``X told reporters he was "hopeful"``), not leaving
   a relative clause;
2. a cue whose head lies in the quote (``“Finish the Job” in Gaza: Netanyahu
   Speaks``);
3. the nearest cue within :data:`NEAR_TOKENS` tokens either side, with no other
   quote in between;
4. when the quote opens its sentence and the sentence before ends with a colon,
   that sentence's last cue (``The minister said:`` ending the line before).

The speaker is the cue's subject: its ``nsubj``; for a participle or a
coordinated verb, the subject of the verb it hangs on ("…, stating"); for
"according to", its object; for "quote"/"cite", the person quoted ("he was
quoted as saying"). The parse is mended where it often fails: a person in
apposition to a common-noun subject ("a spokesperson, Majed Al-Ansari"), a
person written right before the cue ("… deputy director Millicent Tidwell
told"), a name right after a cue that follows punctuation ("…," said X). Then:

* a name (a PERSON entity, a name written like a person named elsewhere in the
  article, or an untagged singular proper noun) gives ``speaker`` as written
  with its span, the whole name ("Majed Al-Ansari");
* an organisation or place entity gives ``speaker`` its name ("Hamas");
* he/she is resolved to the most recent person mention in the same sentence or
  the :data:`PRONOUN_WINDOW` sentences before, preferring grammatical subjects
  and earlier speakers (nobody there: left unnamed); ``speaker`` is the fullest
  form of that name written so far ("Benjamin Netanyahu" for "Netanyahu"), the
  span that of the mention resolved to; "they" goes to the latest organisation
  subject in that window (``speaker``) or plural-noun subject
  (``description``), or stays unnamed;
* a common noun ("a Palestinian source", "Qatar's foreign ministry",
  "officials") leaves ``speaker`` None and gives ``description``, the noun
  phrase as written without its clauses and appositions.

``named_in_sentence`` is True when the speaker's span lies in the quote's
sentence(s) (or heading line): False for pronouns, colons and inheritance.
A quote without a cue inherits the speaker of the quote it continues (another
part of a paragraph-continued quote), or, when its sentence holds nothing but
the quote, of the quote ending in the sentence before (``“A,” she said.
“B.”``). ``verb`` is the cue's lemma ("say", "tell"), "according to", or the
statement phrase ("in a statement").
"""

from __future__ import annotations

import re
from bisect import bisect_right, insort
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from .model import Quote, Sentence

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token

# lemmas of the verbs that introduce speech; the lemma is recorded as ``Quote.verb``
SPEECH_VERBS: frozenset[str] = frozenset(
    """
    say state tell add note mention remark explain write ask warn insist argue
    declare announce tweet post reply respond answer comment claim confirm
    acknowledge admit recall report stress emphasize emphasise urge promise vow
    pledge predict suggest continue conclude observe reiterate repeat speak
    testify complain concede boast joke quip recount assert affirm contend
    maintain deny exclaim shout yell demand counter retort inform indicate
    describe call caution charge allege agree disclose reveal quote cite
    """.split()
)
# irregular forms, for title-case headings where the tagger misses the verb
IRREGULAR_FORMS: dict[str, str] = {"said": "say", "says": "say", "told": "tell", "spoke": "speak", "wrote": "write"}
# nouns that make "in/at/during a …" a cue on the verb they modify
STATEMENT_NOUNS: frozenset[str] = frozenset(
    "statement interview speech remark remarks briefing conference post tweet message letter email video".split()
)
STATEMENT_PREPS: frozenset[str] = frozenset({"in", "at", "during"})

MARK_CHARS = re.compile("[\"“”«»‘'`\n]")  # every character the quote scanner acts on
DOUBLE_OPENERS = "“«"
DOUBLE_CLOSERS = "”»"
SINGLE_PAIRS = {"‘": "’", "'": "'"}
CLITICS = frozenset("s t d m re ll ve n em til tis twas cause".split())
MIN_SINGLE_WORDS = 3
SINGLE_MAX_CHARS = 400
NEAR_TOKENS = 8
HEADING_WORDS = 20
SENTENCE_END = ".!?:;,"
PRONOUN_WINDOW = 2  # sentences before the pronoun's own
WALK_STEPS = 8

PERSON_PRONOUNS = frozenset({"he", "she", "him", "her"})
GROUP_PRONOUNS = frozenset({"they", "them"})
BODY_PRONOUNS = frozenset({"it"})  # an institution: "the hospital said … “…,” it said"
# "a statement from the hospital said": the statement speaks for what issued it
ISSUER_PREPS = frozenset({"from", "by", "of"})
RELATIVE_PRONOUNS = frozenset({"who", "that", "which"})
SUBJECT_DEPS = frozenset({"nsubj", "nsubjpass"})  # a person mention that is a subject
SPEAKER_DEPS = frozenset({"nsubj"})  # "reporters were told" has no speaker
# verbs whose object is the speaker: "he was quoted as saying", "People quoted him as saying"
OBJECT_SPEAKER_VERBS = frozenset({"quote", "cite"})
OBJECT_SPEAKER_DEPS = frozenset({"dobj", "nsubjpass"})
# a name right after the cue in one of these relations is not its speaker
NOT_SPEAKER_DEPS = frozenset({"dobj", "dative", "npadvmod", "poss", "pobj"})
ADDRESSEE_VERBS = frozenset({"tell", "inform", "ask"})  # "told AFP": the name after is who was told
OWN_SUBJECT_DEPS = frozenset({"nsubj", "nsubjpass", "expl", "csubj"})
INHERIT_SUBJECT_DEPS = frozenset({"conj", "advcl", "xcomp"})  # "…, stating that", "smiled and said"
WALK_STOP_DEPS = frozenset({"relcl", "acl"})
PHRASE_SKIP_DEPS = frozenset({"relcl", "appos", "punct", "parataxis", "advcl"})
NAME_EDGE_POS = frozenset({"DET", "ADP", "VERB", "AUX", "PART", "PUNCT", "SPACE", "SCONJ", "CCONJ", "ADV", "PRON"})
NAMED_LABELS = frozenset({"ORG", "GPE", "LOC", "FAC"})  # organisations and places that speak
NAME_LABELS = frozenset({"", "PERSON", "NORP"})  # a singular proper noun with these is read as a person


@dataclass(frozen=True, slots=True)
class QuoteSpan:
    """A quote found in plain text: inner span (without marks) and the span with its marks."""

    start: int
    end: int
    mark_start: int
    mark_end: int
    continues: bool = False  # continues the quote of the previous paragraph


# --------------------------------------------------------------------------- finding quotes


def _opening_width(text: str, i: int) -> int:
    """Length of the double opening mark at ``i`` (0 when there is none)."""
    char = text[i]
    if char in DOUBLE_OPENERS:
        return 1
    if text.startswith("``", i):
        return 2
    before = text[i - 1] if i else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    if char == '"':
        closes_only = not before.isspace() and before not in "([{:—–-/" and (after.isspace() or after in ".,;:!?)")
        return 0 if closes_only else 1
    if char == "”" and before.isspace() and not after.isspace():  # ”…” written with closing marks only
        return 1
    return 0


def _closing_width(text: str, i: int) -> int:
    if text[i] in DOUBLE_CLOSERS or text[i] == '"':
        return 1
    return 2 if text.startswith("''", i) else 0


def _inner(text: str, start: int, end: int, mark_start: int, mark_end: int, continues: bool) -> QuoteSpan | None:
    """The span without surrounding whitespace, or None when nothing is quoted."""
    piece = text[start:end]
    stripped = piece.strip()
    if not any(ch.isalnum() for ch in stripped):
        return None
    start += len(piece) - len(piece.lstrip())
    return QuoteSpan(start, start + len(stripped), mark_start, mark_end, continues)


def _single_quote(text: str, i: int) -> QuoteSpan | None:
    """A quotation in single marks opening at ``i``, under the strict rules of the module docstring."""
    close = SINGLE_PAIRS[text[i]]
    before = text[i - 1] if i else " "
    if not (before.isspace() or before in "([{:—–-/") or i + 1 >= len(text) or not text[i + 1].isalpha():
        return None
    word_end = i + 1
    while word_end < len(text) and text[word_end].isalpha():
        word_end += 1
    if text[i + 1:word_end].lower() in CLITICS:
        return None
    for j in range(i + 1, min(len(text), i + SINGLE_MAX_CHARS)):
        char = text[j]
        if char == "\n" or char in '"“”«»':
            return None
        if char == close and not text[j - 1].isspace() and (j + 1 == len(text) or not text[j + 1].isalnum()):
            if len(text[i + 1:j].split()) < MIN_SINGLE_WORDS:
                return None
            return _inner(text, i + 1, j, i, j + 1, False)
    return None


def quote_spans(text: str) -> list[QuoteSpan]:
    """Every quote of ``text`` in order, by the rules of the module docstring."""
    spans: list[QuoteSpan] = []
    n = len(text)
    open_at: int | None = None
    inner = 0
    continues = False
    i = 0
    while (match := MARK_CHARS.search(text, i)) is not None:
        i = match.start()
        char = text[i]
        if open_at is None:
            width = _opening_width(text, i)
            if width:
                open_at, inner, continues = i, i + width, False
                i += width
                continue
            found = _single_quote(text, i) if char in SINGLE_PAIRS else None
            if found is not None:
                spans.append(found)
                i = found.mark_end
            else:
                i += 1
            continue
        width = _closing_width(text, i)
        if width:
            found = _inner(text, inner, i, open_at, i + width, continues)
            if found is not None:
                spans.append(found)
            open_at = None
            i += width
            continue
        if char != "\n":
            i += 1
            continue
        j = i
        while j < n and text[j].isspace():
            j += 1
        reopen = _opening_width(text, j) if j < n else 0
        if reopen:
            found = _inner(text, inner, i, open_at, i, continues)
            if found is not None:
                spans.append(found)
            open_at, inner, continues = j, j + reopen, found is not None
            i = j + reopen
        elif j >= n or "\n" in text[i + 1:j]:
            open_at = None
            i = j
        else:
            i += 1
    return spans


# --------------------------------------------------------------------------- attributing them


@dataclass(slots=True)
class _Person:
    start: int  # token bounds
    end: int
    sentence: int
    subject: bool


@dataclass(slots=True)
class _Attribution:
    speaker: str | None = None
    speaker_start: int | None = None
    speaker_end: int | None = None
    named_in_sentence: bool = False
    description: str | None = None
    verb: str | None = None

    def empty(self) -> bool:
        return self.speaker is None and self.description is None and self.verb is None


def _is_proper(token: Token) -> bool:
    """A capitalised proper noun (the tagger also calls "ministry" in "foreign ministry" one)."""
    return token.pos_ == "PROPN" and token.text[:1].isupper()


def _speech_lemma(token: Token) -> str | None:
    """The speech verb a token stands for, if any (title-case heading words included)."""
    if token.pos_ == "VERB":
        lemma = token.lemma_.lower()
    elif token.is_title and token.pos_ in {"PROPN", "NOUN"} and token.i > 0 and _is_proper(token.nbor(-1)):
        lower = token.lower_
        lemma = IRREGULAR_FORMS.get(lower, lower[:-1] if lower.endswith("s") else lower)
    else:
        return None
    return lemma if lemma in SPEECH_VERBS else None


def _cues(doc: Doc) -> dict[int, str]:
    """Token index -> verb recorded for every cue of the document."""
    cues: dict[int, str] = {}
    for token in doc:
        lemma = _speech_lemma(token)
        if lemma is not None:
            cues[token.i] = lemma
        elif token.lower_ == "according" and token.i + 1 < len(doc) and token.nbor().lower_ == "to":
            cues[token.i] = "according to"
        elif token.lower_ in STATEMENT_PREPS and token.dep_ == "prep" and token.head.pos_ in {"VERB", "AUX"}:
            nouns = [c for c in token.children if c.dep_ == "pobj" and c.lemma_.lower() in STATEMENT_NOUNS]
            if nouns and token.head.i not in cues and 0 < nouns[0].i - token.i <= 4:
                cues[token.head.i] = doc[token.i:nouns[0].i + 1].text.lower()
    return cues


def _trim_name(doc: Doc, start: int, end: int) -> tuple[int, int] | None:
    """Token bounds of a name without a heading before a line break or non-name edge words."""
    while end > start and doc[end - 1].is_space:
        end -= 1
    for i in range(end - 2, start - 1, -1):
        if "\n" in doc[i].text or "\n" in doc[i].whitespace_:
            start = i + 1
            break
    while start < end and doc[start].pos_ in NAME_EDGE_POS:
        start += 1
    while end > start and (doc[end - 1].pos_ in NAME_EDGE_POS or doc[end - 1].tag_ == "POS"):
        end -= 1
    return (start, end) if end > start else None


def _extend_name(doc: Doc, start: int, end: int) -> tuple[int, int]:
    """Bounds of a name taken on to the proper noun it modifies: "[Tim] Mead" -> "Tim Mead"."""
    while end < len(doc) and _is_proper(doc[end]) and not doc[end].ent_type_ and doc[end - 1].head.i == end:
        if _speech_lemma(doc[end]) is not None:  # "Merkel Speaks"
            break
        end += 1
    return start, end


def _is_heading(line: str) -> bool:
    """A short line without final punctuation: "“Finish the Job” in Gaza: Netanyahu Speaks on Capitol Hill"."""
    last = line.strip().rstrip("\"'”’»").rstrip()[-1:]
    return bool(last) and last not in SENTENCE_END and len(line.split()) <= HEADING_WORDS


def _head_of(doc: Doc, start: int, end: int) -> Token:
    for token in doc[start:end]:
        if not start <= token.head.i < end or token.head.i == token.i:
            return token
    return doc[end - 1]


class _Article:
    """One parsed article: its quotes, cues, person mentions and the attribution state."""

    def __init__(self, doc: Doc, text: str, sentences: Sequence[Sentence], spans: list[QuoteSpan]) -> None:
        self.doc = doc
        self.text = text  # doc.text, which spaCy rebuilds on every access
        self.ents = list(doc.ents)  # likewise
        self.spans = spans
        self.sentence_starts = [s.start for s in sentences]
        self.sentences = sentences
        self.token_starts = [t.idx for t in doc]
        self.token_sentence = self._sentence_of_tokens()
        self.quote_of = self._quote_of_tokens()
        self.cues = _cues(doc)
        self.persons: dict[int, _Person] = {}  # person mentions by first token
        self.person_starts: list[int] = []  # sorted
        self.person_at: dict[int, int] = {}  # token -> first token of its person mention
        self.speakers: set[int] = set()  # first tokens of mentions credited with a quote
        self._find_persons()

    # ---- indexes

    def _sentence_of(self, char: int) -> int:
        return max(0, bisect_right(self.sentence_starts, char) - 1)

    def _sentence_of_tokens(self) -> list[int]:
        out = []
        sentence = 0
        for char in self.token_starts:
            while sentence + 1 < len(self.sentence_starts) and self.sentence_starts[sentence + 1] <= char:
                sentence += 1
            out.append(sentence)
        return out

    def _token_at(self, char: int) -> int:
        """Index of the first token starting at or after ``char``."""
        return bisect_right(self.token_starts, char - 1)

    def _quote_of_tokens(self) -> list[int]:
        quote_of = [-1] * len(self.token_starts)
        k = 0
        for i, char in enumerate(self.token_starts):
            while k < len(self.spans) and self.spans[k].mark_end <= char:
                k += 1
            if k < len(self.spans) and self.spans[k].mark_start <= char:
                quote_of[i] = k
        return quote_of

    def _find_persons(self) -> None:
        doc = self.doc
        found: dict[int, tuple[int, int]] = {}
        others: list[tuple[int, int]] = []
        for ent in self.ents:
            bounds = _trim_name(doc, ent.start, ent.end)
            if bounds is None:
                continue
            if ent.label_ == "PERSON":
                found[bounds[0]] = _extend_name(doc, *bounds)
            else:
                others.append(bounds)
        names = {doc[s:e].text for s, e in found.values()} | {doc[e - 1].text for s, e in found.values()}
        covered = {i for s, e in found.values() for i in range(s, e)}
        for start, end in others:  # "Trump" tagged ORG where "Donald Trump" was a PERSON
            if doc[start:end].text in names and start not in covered:
                found[start] = (start, end)
        for token in doc:  # a surname the tagger left out
            if token.pos_ == "PROPN" and not token.ent_type_ and token.text in names and token.i not in covered:
                found[token.i] = (token.i, token.i + 1)
        for start, end in sorted(found.values()):
            head = _head_of(doc, start, end)
            subject = head.dep_ in SUBJECT_DEPS or (head.dep_ == "appos" and head.head.dep_ in SUBJECT_DEPS)
            self._add_person(start, end, subject)

    def _add_person(self, start: int, end: int, subject: bool) -> None:
        insort(self.person_starts, start)
        self.persons[start] = _Person(start, end, self.token_sentence[start], subject)
        for i in range(start, end):
            self.person_at[i] = start

    def text_of(self, start: int, end: int) -> str:
        return self.doc[start:end].text

    # ---- cues

    def _region(self, span: QuoteSpan) -> tuple[int, int]:
        """Token bounds of the sentences the quote stands in, or of its whole line when that is a heading."""
        start = self.sentences[self._sentence_of(span.start)].start
        end = self.sentences[self._sentence_of(span.end - 1)].end
        text = self.text
        line_start = text.rfind("\n", 0, span.mark_start) + 1
        line_end = text.find("\n", span.mark_end)
        line_end = len(text) if line_end < 0 else line_end
        if _is_heading(text[line_start:line_end]):
            start, end = min(start, line_start), max(end, line_end)
        return self._token_at(start), self._token_at(end)

    def _is_cue(self, token: Token) -> bool:
        return token.i in self.cues and self.quote_of[token.i] == -1

    def _find_cue(self, k: int) -> Token | None:
        span = self.spans[k]
        doc = self.doc
        inner_start, inner_end = self._token_at(span.start), self._token_at(span.end)
        for token in doc[inner_start:inner_end]:  # 1. walk up from the quote
            if inner_start <= token.head.i < inner_end or token.head.i == token.i:
                continue
            cue = self._walk_up(token.head)
            if cue is not None:
                return cue
        region_start, region_end = self._region(span)
        for token in doc[region_start:region_end]:  # 2. a cue hanging on the quote
            if self._is_cue(token) and inner_start <= token.head.i < inner_end:
                return token
        return self._nearest_cue(k, region_start, region_end) or self._cue_before_colon(k, region_start)

    def _walk_up(self, token: Token) -> Token | None:
        for _ in range(WALK_STEPS):
            if self._is_cue(token):
                return token
            if token.dep_ in WALK_STOP_DEPS or token.head.i == token.i:
                return None
            token = token.head
        return None

    def _nearest_cue(self, k: int, region_start: int, region_end: int) -> Token | None:
        span = self.spans[k]
        mark_start, mark_end = self._token_at(span.mark_start), self._token_at(span.mark_end)
        for distance in range(1, NEAR_TOKENS + 1):
            for i in (mark_end - 1 + distance, mark_start - distance):
                if not region_start <= i < region_end:
                    continue
                between = range(mark_end, i) if i >= mark_end else range(i + 1, mark_start)
                if any(self.quote_of[j] not in (-1, k) for j in between):
                    continue
                if self._is_cue(self.doc[i]):
                    return self.doc[i]
        return None

    def _cue_before_colon(self, k: int, region_start: int) -> Token | None:
        """The last cue of the sentence before, when that sentence ends with a colon and the quote opens its own."""
        if region_start == 0 or self.token_starts[region_start] != self.spans[k].mark_start:
            return None
        previous = self.sentences[self.token_sentence[region_start - 1]]
        if not previous.text.endswith(":"):
            return None
        for token in reversed(self.doc[self._token_at(previous.start):region_start]):
            if self._is_cue(token):
                return token
        return None

    # ---- speakers

    def _subject(self, cue: Token) -> Token | None:
        """Who speaks at ``cue``, trusting the parse for persons and pronouns, mending it for misparsed names."""
        subject = self._parsed_subject(cue)
        if subject is not None and (subject.i in self.person_at or subject.pos_ == "PRON"):
            return subject
        if subject is not None and subject.pos_ == "NOUN":
            named = self._apposed_person(subject)
            if named is not None:
                return named
        before = self._person_before(cue)
        if before is not None:
            return before
        if subject is not None and _is_proper(subject):
            return subject
        return self._inverted_name(cue) or subject or self._name_beside(cue)

    def _person_before(self, cue: Token) -> Token | None:
        """A person named right before the cue: "… deputy director Millicent Tidwell told", subject misparsed."""
        if cue.i == 0:
            return None
        before = self.doc[cue.i - 1]
        if before.i not in self.person_at or self.quote_of[before.i] != -1 or before.dep_ in NOT_SPEAKER_DEPS:
            return None  # "the hospital treating John Smith said": the person is what the subject is about
        while before.dep_ == "conj" and before.head.i in self.person_at:  # "Craig Zadan and Neil Meron said"
            before = before.head
        return before

    def _apposed_person(self, noun: Token) -> Token | None:
        """The person named beside a common noun: "a spokesperson for the ministry, Majed Al-Ansari"."""
        for child in noun.children:
            if child.dep_ in {"appos", "compound"} and child.i in self.person_at:
                return child
        return None

    def _parsed_subject(self, cue: Token) -> Token | None:
        """The speaker as parsed: subject of the cue (or of the verb it hangs on), object of "according to"."""
        if self.cues[cue.i] == "according to":
            to = cue.nbor()
            objects = [c for c in to.children if c.dep_ == "pobj"] or [c for c in cue.children if c.dep_ == "pobj"]
            return objects[0] if objects else None
        verb = cue
        for _ in range(3):
            deps = OBJECT_SPEAKER_DEPS if verb.lemma_.lower() in OBJECT_SPEAKER_VERBS else SPEAKER_DEPS
            for child in verb.children:
                if child.dep_ in deps and self.quote_of[child.i] == -1:
                    return child
            if any(child.dep_ in OWN_SUBJECT_DEPS for child in verb.children):
                return None  # "it can be argued": a subject of its own, not the speaker
            head = verb.head
            if verb.dep_ == "pcomp" and head.lower_ == "as":  # "quoted him as saying"
                head = head.head
            elif verb.dep_ not in INHERIT_SUBJECT_DEPS:
                return None
            if head.pos_ not in {"VERB", "AUX"} or head.i == verb.i:
                return None
            verb = head
        return None

    def _inverted_name(self, cue: Token) -> Token | None:
        """The name after a cue that follows punctuation: "…, said Yeager", misparsed as an object or modifier."""
        doc = self.doc
        if cue.i == 0 or cue.i + 1 >= len(doc) or not doc[cue.i - 1].is_punct or self.cues[cue.i] in ADDRESSEE_VERBS:
            return None
        name = doc[cue.i + 1]
        while name.dep_ == "compound" and name.head.i > name.i and _is_proper(name.head):
            name = name.head  # "said Oscar producer Laurence Mark" -> Mark
        return name if self._is_name(name) and doc[cue.i + 1].dep_ not in NOT_SPEAKER_DEPS else None

    def _is_name(self, token: Token) -> bool:
        return self.quote_of[token.i] == -1 and (_is_proper(token) or token.i in self.person_at)

    def _name_beside(self, cue: Token) -> Token | None:
        """A name (or pronoun) written right before or right after the cue."""
        doc = self.doc
        if cue.i > 0:
            before = doc[cue.i - 1]
            if self._is_name(before) or (before.pos_ == "PRON" and self.quote_of[before.i] == -1):
                return before
        if cue.i + 1 < len(doc) and self._is_name(doc[cue.i + 1]):
            return doc[cue.i + 1]
        return None

    def attribute(self, k: int) -> _Attribution:
        cue = self._find_cue(k)
        if cue is None:
            return _Attribution()
        verb = self.cues[cue.i]
        subject = self._subject(cue)
        if subject is not None and subject.lower_ in RELATIVE_PRONOUNS and cue.dep_ == "relcl":
            subject = cue.head  # "Witkoff, who said …"
        if subject is None:
            return _Attribution(verb=verb)
        found = self._speaker(subject, verb)
        region_start, region_end = self._region(self.spans[k])
        if found.speaker_start is not None and not region_start <= self._token_at(found.speaker_start) < region_end:
            found.named_in_sentence = False  # named in the sentence before the colon
        return found

    def _speaker(self, subject: Token, verb: str) -> _Attribution:
        subject = self._issuer(subject)
        if subject.i in self.person_at:
            return self._named_person(self.person_at[subject.i], verb)
        if subject.pos_ == "PRON":
            return self._pronoun(subject, verb)
        if subject.ent_type_ and subject.ent_type_ != "NORP":
            bounds = self._entity_bounds(subject)
            if bounds is not None:
                return self._named(bounds, verb)
        if _is_proper(subject) and subject.tag_ == "NNP" and subject.ent_type_ in NAME_LABELS:
            # a name the tagger missed: a person, for the pronouns that follow
            start, end = self._proper_run(subject)
            self._add_person(start, end, True)
            return self._named_person(start, verb)
        return _Attribution(description=self._phrase(subject), verb=verb)

    def _issuer(self, subject: Token) -> Token:
        """Who issued a statement-like subject: "a statement from Mercy Hospital" -> Mercy Hospital."""
        if subject.pos_ != "NOUN" or subject.lemma_.lower() not in STATEMENT_NOUNS:
            return subject
        for prep in subject.children:
            if prep.dep_ == "prep" and prep.lower_ in ISSUER_PREPS:
                objects = [c for c in prep.children if c.dep_ == "pobj" and self.quote_of[c.i] == -1]
                if objects:
                    return objects[0]
        return subject

    def _named_person(self, start: int, verb: str) -> _Attribution:
        self.speakers.add(start)
        person = self.persons[start]
        return self._named((person.start, person.end), verb)

    def _named(self, bounds: tuple[int, int], verb: str) -> _Attribution:
        span = self.doc[bounds[0]:bounds[1]]
        return _Attribution(span.text, span.start_char, span.end_char, True, None, verb)

    def _entity_bounds(self, token: Token) -> tuple[int, int] | None:
        for ent in self.ents:  # few entities; only reached for entity subjects
            if ent.start <= token.i < ent.end and ent.label_ in NAMED_LABELS:
                bounds = _trim_name(self.doc, ent.start, ent.end)
                if bounds is not None and bounds[0] <= token.i < bounds[1]:
                    return bounds
        return None

    def _proper_run(self, token: Token) -> tuple[int, int]:
        """The proper nouns written together around ``token``: "Pensioner Bayram-aga"."""
        doc = self.doc
        start, end = token.i, token.i + 1
        while start > 0 and self._joins_name(doc[start - 1]) and "\n" not in doc[start - 1].whitespace_:
            start -= 1
        while end < len(doc) and self._joins_name(doc[end]) and doc[end - 1].head.i == end:
            end += 1
        return start, end

    def _joins_name(self, token: Token) -> bool:
        return _is_proper(token) and token.i not in self.person_at and token.i not in self.cues

    def _phrase(self, token: Token) -> str:
        """The noun phrase headed by ``token`` as written, without clauses and appositions."""
        end = token.i + 1
        for child in token.rights:
            if child.dep_ not in PHRASE_SKIP_DEPS:
                end = max(end, child.right_edge.i + 1)
        start = token.left_edge.i
        for i in range(token.i - 1, start - 1, -1):
            if "\n" in self.doc[i].text or "\n" in self.doc[i].whitespace_ or self.quote_of[i] != -1:
                start = i + 1
                break
        while end > token.i + 1 and (self.doc[end - 1].is_punct or self.doc[end - 1].is_space):
            end -= 1
        return self.text_of(start, end)

    def _pronoun(self, pronoun: Token, verb: str) -> _Attribution:
        lower = pronoun.lower_
        if lower in PERSON_PRONOUNS:
            start = self._antecedent(pronoun)
            if start is None:
                return _Attribution(verb=verb)
            self.speakers.add(start)
            person = self.persons[start]
            span = self.doc[person.start:person.end]
            return _Attribution(self._full_form(person), span.start_char, span.end_char, False, None, verb)
        if lower in GROUP_PRONOUNS:
            return self._group(pronoun, verb)
        if lower in BODY_PRONOUNS:
            return self._body(pronoun, verb)
        return _Attribution(verb=verb)

    def _antecedent(self, pronoun: Token) -> int | None:
        """The person a he/she refers to (first token of the mention), by the rules of the module docstring."""
        first = self.token_sentence[pronoun.i] - PRONOUN_WINDOW
        latest: int | None = None
        index = bisect_right(self.person_starts, pronoun.i) - 1
        while index >= 0 and self.persons[self.person_starts[index]].sentence >= first:
            person = self.persons[self.person_starts[index]]
            index -= 1
            if self.quote_of[person.start] != -1 or person.end > pronoun.i:
                continue
            if person.subject or person.start in self.speakers:
                return person.start
            if latest is None:
                latest = person.start
        return latest

    def _full_form(self, person: _Person) -> str:
        """The longest name seen so far that ends with the words of this mention."""
        words = self.text_of(person.start, person.end).split()
        best = " ".join(words)
        for start in self.person_starts[:bisect_right(self.person_starts, person.start)]:
            other = self.persons[start]
            name = self.text_of(other.start, other.end).split()
            if len(name) > len(best.split()) and name[-len(words):] == words:
                best = " ".join(name)
        return best

    def _group(self, pronoun: Token, verb: str) -> _Attribution:
        """"they": the latest organisation or plural-noun subject before it in the window."""
        sentence = self.sentences[max(0, self.token_sentence[pronoun.i] - PRONOUN_WINDOW)]
        for i in range(pronoun.i - 1, self._token_at(sentence.start) - 1, -1):
            token = self.doc[i]
            if token.dep_ not in SUBJECT_DEPS or self.quote_of[i] != -1:
                continue
            if token.ent_type_ == "ORG" and i not in self.person_at:
                bounds = self._entity_bounds(token)
                if bounds is not None:
                    span = self.doc[bounds[0]:bounds[1]]
                    return _Attribution(span.text, span.start_char, span.end_char, False, None, verb)
            if token.tag_ == "NNS":
                return _Attribution(description=self._phrase(token), verb=verb)
        return _Attribution(verb=verb)

    def _body(self, pronoun: Token, verb: str) -> _Attribution:
        """"it": the latest organisation or singular common-noun subject before it in the window that spoke."""
        sentence = self.sentences[max(0, self.token_sentence[pronoun.i] - PRONOUN_WINDOW)]
        for i in range(pronoun.i - 1, self._token_at(sentence.start) - 1, -1):
            token = self.doc[i]
            if token.dep_ not in SUBJECT_DEPS or self.quote_of[i] != -1 or i in self.person_at:
                continue
            if not (token.head.i in self.cues or token.head.lemma_.lower() in SPEECH_VERBS):
                continue  # only a body that spoke before: "the hospital said …"
            token = self._issuer(token)
            if token.ent_type_ == "ORG":
                bounds = self._entity_bounds(token)
                if bounds is not None:
                    span = self.doc[bounds[0]:bounds[1]]
                    return _Attribution(span.text, span.start_char, span.end_char, False, None, verb)
            if token.tag_ == "NN":
                return _Attribution(description=self._phrase(token), verb=verb)
        return _Attribution(verb=verb)

    # ---- quotes without a cue

    def only_quote(self, k: int) -> bool:
        """Whether the quote's sentence holds nothing but the quote and punctuation."""
        region_start, region_end = self._region(self.spans[k])
        tokens = range(region_start, region_end)
        return all(self.quote_of[i] == k or self.doc[i].is_punct or self.doc[i].is_space for i in tokens)

    def sentence(self, k: int) -> int:
        return self._sentence_of(self.spans[k].start)

    def end_sentence(self, k: int) -> int:
        return self._sentence_of(self.spans[k].end - 1)


def _share_within_chains(spans: list[QuoteSpan], found: list[_Attribution]) -> None:
    """Parts of a paragraph-continued quote take the attribution of the nearest attributed part."""
    chain_start = 0
    for k in range(len(spans) + 1):
        if k < len(spans) and spans[k].continues:
            continue
        chain = range(chain_start, k)
        attributed = [j for j in chain if not found[j].empty()]
        for j in chain:
            if found[j].empty() and attributed:
                source = min(attributed, key=lambda a: (abs(a - j), a > j))
                found[j] = replace(found[source], named_in_sentence=False)
        chain_start = k


def _carry_to_bare_quotes(article: _Article, found: list[_Attribution]) -> None:
    """A sentence that is only a quote continues the speaker of the quote just before it."""
    for k in range(1, len(found)):
        previous = found[k - 1]
        if not found[k].empty() or previous.empty():
            continue
        if article.sentence(k) - article.end_sentence(k - 1) in (0, 1) and article.only_quote(k):
            found[k] = replace(previous, named_in_sentence=False)


def extract_quotes(doc: Doc, sentences: Sequence[Sentence]) -> list[Quote]:
    """The direct quotes of a parsed article with their speakers, in text order."""
    text = doc.text
    spans = quote_spans(text)
    if not spans or not sentences:
        return []
    article = _Article(doc, text, sentences, spans)
    found = [article.attribute(k) for k in range(len(spans))]
    _share_within_chains(spans, found)
    _carry_to_bare_quotes(article, found)
    return [
        Quote(
            text=text[span.start:span.end],
            start=span.start,
            end=span.end,
            sentence=article.sentence(k),
            speaker=a.speaker,
            speaker_start=a.speaker_start,
            speaker_end=a.speaker_end,
            named_in_sentence=a.named_in_sentence,
            description=a.description,
            verb=a.verb,
        )
        for k, (span, a) in enumerate(zip(spans, found))
    ]
