"""Recognise the parts of an article copied off a web page as plain text.

Input is one paragraph per line (indented or not, blank lines or not). After
:func:`normalize_whitespace` every non-empty line is one candidate paragraph.
:func:`parse_plain_text` then applies these rules, in this order:

1. Byline, searched in the first lines: a lone "By" line followed by a name
   line, or "By Name[, Name and Name]". A name line is 2-4 capitalised words
   without sentence punctuation. The same name line repeated right after it is
   the byline shown twice. All these lines go to ``removed``; several authors
   are joined with ", ".
2. Title: a line that appears twice within the first 10 lines (bylines and
   boilerplate excluded) is the headline. Otherwise the first line, if it looks
   like a headline (at most 20 words, no final period). Otherwise None.
3. Teaser: a full-sentence line standing before the repeated headline.
4. Dek: the one-sentence line (at most 35 words) right after the headline,
   when the line after it is longer. Summary labels, bullets and lines that
   look like section headings are never a dek.
5. Publisher summary: a label ("Quick Take", "Key points", "TL;DR", ...)
   followed by bullet lines, optionally with an AI-summary notice around them.
   Label and notice go to ``removed``; the bullets, without glyph, to
   ``summary``, one per line. A label not followed by bullets is left alone.
6. Body: every other line, in order, through :func:`strip_boilerplate`.
   Short lines without final punctuation (section headings) are kept.

Boilerplate rules are anchored regexes on short lines only (at most 15 words,
30 for copyright and cookie notices), so that real sentences that happen to
begin with "Follow" or "Share" survive. A line that reports speech ("said",
"told", "according to") is never boilerplate. Credit lines such as
"Reporting by ...; Editing by ..." are kept on purpose: they name the wire
or origin of a story, which later stages can use to tell rewrites apart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

HEAD_LINES = 10  # how far from the top a repeated headline or byline is looked for


@dataclass(slots=True)
class PlainArticle:
    title: str | None
    dek: str | None
    teaser: str | None
    byline: str | None
    summary: str | None
    body: str
    removed: list[str]  # dropped boilerplate, byline and summary-label lines, in page order


_ODD_SPACES = re.compile(r"[\t\v\f\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")
_INVISIBLE = re.compile(r"[\u200b\u2060\ufeff\u00ad]")
_I = re.IGNORECASE

_BOILERPLATE_SHORT = [re.compile(p, _I) for p in (
    r"(follow|share|subscribe|sign ?up|sign in|log ?in|register|print|e-?mail|save|copy link|tweet"
    r"|comments?|advertisement|sponsored( content)?|continue reading|read more|related( (articles|stories|coverage))?"
    r"|see also|recommended( for you)?|more stories|you may also like|most read|trending( now)?)[.!:]?",
    r"follow (us|me)\b.*",
    r"follow\b.{0,60}\bon (x|twitter|facebook|instagram|linkedin|threads|telegram|youtube|tiktok|whatsapp|google news)\b.*",
    r"share (this( article| story| post| page)?|on \w+|via \w+|article|story)[.!:]?",
    r"(subscribe|sign up|register)\b.*\b(newsletters?|now|today|free|here|our|updates|inbox|alerts|podcast|channel)\b.*",
    r"get (the )?latest\b.*\b(updates|news|insights|headlines|stories|alerts)\b.*",
    r"(read more|related|see also|also read|read also|read next|more on this( story)?|recommended)\s*:.*",
    r"(story continues below|scroll to continue)\b.*",
    r"((google|news|facebook|twitter|x|share|e-?mail|mail|whatsapp|linkedin|telegram|reddit|instagram|youtube"
    r"|tiktok|rss|close|menu|search|arrow|play|print|copy|link|comments?|bookmark|save)\s+){1,3}icon",
    r"click here\b.*",
    r"continue reading\b.*",
    r"(download|get|open (it )?in) (our|the) (\w+ )?app\b.*",
)]
_BOILERPLATE_LONG = [re.compile(p, _I) for p in (
    r".*\ball rights reserved\b.*",
    r"(©|\(c\)|copyright)\s*(\d{4}\b)?.*",
    r"(we|this (site|website)|our (site|website)) uses? cookies\b.*",
    r"(accept|reject|manage) (all )?cookies\b.*|cookie (policy|settings|preferences)\.?",
)]
_REPORTED = re.compile(r"\b(said|says|told|according to)\b", _I)
_AI_NOTICE = re.compile(
    r"(?=.*\bsummar(y|ies|ised|ized)\b)(?=.*\b(ai|artificial intelligence)\b)"
    r"(?=.*\b(generated|produced|created|written|assisted|powered)\b).*", _I)
_LABEL = re.compile(
    r"(quick take|key takeaways?|key points|at a glance|summary|tl;? ?dr|in brief|highlights)\s*:?", _I)
_BULLET = re.compile(r"(?:[•\-*–▪●◦‣]|\d{1,2}[.)])\s+(\S.*)")
_BY_LINE = re.compile(r"by:?", _I)
_BY_NAMES = re.compile(r"by:?\s+(.+)", _I)
_NAME_SPLIT = re.compile(r"\s*,\s*(?:and\s+)?|\s+and\s+|\s*&\s*")
_NAME_PARTICLES = {"de", "da", "di", "del", "der", "van", "von", "bin", "al", "la", "le", "ter", "du"}
_ENDS_SENTENCE = re.compile(r"[.!?…][\"'”’»)\]]*$")
_SENTENCE_BREAK = re.compile(r"(?<!\b[A-Z])[.!?][\"'”’]?\s+[\"“‘]?[A-Z]")


# Characters no stored text may hold: C0/C1 controls (tab, line feed and carriage return
# excepted), lone UTF-16 surrogates (not Unicode scalar values, cannot be encoded as UTF-8)
# and the noncharacters U+FFFE/U+FFFF. Surrogates become U+FFFD, as a UTF-8 decoder does.
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
_SURROGATES = re.compile(r"[\ud800-\udfff]")


def clean_string(text: str) -> str:
    """The text as valid Unicode that encodes as UTF-8: lone surrogates become U+FFFD and
    control characters are dropped (vertical tab and form feed become a space)."""
    if _SURROGATES.search(text):
        text = _SURROGATES.sub("\ufffd", text)
    if _CONTROLS.search(text):
        text = _CONTROLS.sub(lambda m: " " if m.group() in "\x0b\x0c" else "", text)
    return text


def is_clean_string(text: str) -> bool:
    """Whether the text holds no control character, surrogate or noncharacter (see clean_string)."""
    return not (_SURROGATES.search(text) or _CONTROLS.search(text))


def normalize_whitespace(text: str) -> str:
    """Odd spaces become one space, line endings become "\\n", each line is
    stripped, blank runs shrink to one blank line (a paragraph break)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n\n")
    text = _ODD_SPACES.sub(" ", _INVISIBLE.sub("", text))
    lines = [re.sub(r" {2,}", " ", line).strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _words(line: str) -> int:
    return len(line.split())


def is_boilerplate(line: str) -> bool:
    """True for one stripped line or paragraph that is page furniture, not content."""
    line = normalize_whitespace(line)
    if not any(ch.isalnum() for ch in line):  # empty, ".", "…", "***", "—"
        return True
    if _AI_NOTICE.fullmatch(line) and _words(line) <= 20:
        return True
    if _REPORTED.search(line):
        return False
    n = _words(line)
    if n <= 15 and any(p.fullmatch(line) for p in _BOILERPLATE_SHORT):
        return True
    return n <= 30 and any(p.fullmatch(line) for p in _BOILERPLATE_LONG)


def strip_boilerplate(paragraphs: list[str]) -> tuple[list[str], list[str]]:
    """Split paragraphs into (kept, removed), both whitespace-normalised and in
    order. Empty paragraphs are dropped silently (they are in neither list)."""
    kept: list[str] = []
    removed: list[str] = []
    for para in paragraphs:
        para = normalize_whitespace(para)
        if para:
            (removed if is_boilerplate(para) else kept).append(para)
    return kept, removed


def _names(text: str) -> list[str] | None:
    """The author names in "Jane Roe, Sam Poe and Ann Lee", or None if not a name list."""
    names = [part for part in _NAME_SPLIT.split(text.strip()) if part]
    for name in names:
        words = name.split()
        if not 2 <= len(words) <= 4:
            return None
        for word in words:
            if word.lower() in _NAME_PARTICLES:
                continue
            if not (word[0].isupper() and re.fullmatch(r"[^\W\d_][^\W\d_'’\-]*(['’\-][^\W\d_]+)*\.?", word)):
                return None
    return names or None


def _is_sentence(line: str, min_words: int = 6) -> bool:
    return bool(_ENDS_SENTENCE.search(line)) and _words(line) >= min_words


def _looks_like_heading(line: str) -> bool:
    """Short, no final punctuation, most longer words capitalised."""
    if re.search(r"[.!?,;:…][\"'”’]*$", line) or _words(line) > 15:
        return False
    long_words = [w.lstrip("“\"'‘") for w in line.split() if len(w) > 3]
    return bool(long_words) and sum(w[:1].isupper() for w in long_words) >= 0.6 * len(long_words)


def _structural(line: str) -> bool:
    """Lines that can be neither headline, teaser nor dek."""
    return bool(is_boilerplate(line) or _LABEL.fullmatch(line) or _BULLET.fullmatch(line))


def _find_byline(lines: list[str], taken: dict[int, str]) -> str | None:
    for i, line in enumerate(lines[:HEAD_LINES + 2]):
        if _BY_LINE.fullmatch(line) and i + 1 < len(lines) and (names := _names(lines[i + 1])):
            taken[i] = taken[i + 1] = "byline"
            last = i + 1
        elif (m := _BY_NAMES.fullmatch(line)) and (names := _names(m.group(1))):
            taken[i] = "byline"
            last = i
        else:
            continue
        while last + 1 < len(lines) and _names(lines[last + 1]) == names:  # the byline shown twice
            last += 1
            taken[last] = "byline"
        return ", ".join(names)
    return None


def _find_summary(lines: list[str], taken: dict[int, str]) -> list[str]:
    bullets: list[str] = []
    for i, line in enumerate(lines):
        if i in taken or not _LABEL.fullmatch(line):
            continue
        block: dict[int, str] = {i: "removed"}
        found: list[str] = []
        j = i + 1
        while j < len(lines) and j not in taken:
            if _AI_NOTICE.fullmatch(lines[j]) and _words(lines[j]) <= 20:
                block[j] = "removed"
            elif m := _BULLET.fullmatch(lines[j]):
                block[j] = "summary"
                found.append(m.group(1).strip())
            else:
                break
            j += 1
        if found:
            taken.update(block)
            bullets.extend(found)
    return bullets


def parse_plain_text(text: str) -> PlainArticle:
    """Split pasted page text into title, dek, teaser, byline, summary and body."""
    lines = [line for line in normalize_whitespace(text).split("\n") if line]
    taken: dict[int, str] = {}  # line index -> role that consumed it
    byline = _find_byline(lines, taken)

    title = teaser = dek = None
    anchor = None  # index of the headline line the dek follows
    head = [i for i in range(min(HEAD_LINES, len(lines))) if i not in taken and not _structural(lines[i])]
    pair = next(((i, j) for i in head for j in head if j > i and lines[i] == lines[j] and _words(lines[i]) <= 30), None)
    if pair:
        first, anchor = pair
        title = lines[first]
        taken[first] = taken[anchor] = "title"
        before = [i for i in range(anchor) if i not in taken and _is_sentence(lines[i]) and not _structural(lines[i])]
        if before:
            teaser = lines[before[0]]
            taken[before[0]] = "teaser"
    else:
        first = next((i for i in range(len(lines)) if i not in taken and not is_boilerplate(lines[i])), None)
        if first is not None:
            line = lines[first]
            if _words(line) <= 20 and not re.search(r"[.:]$", line) and not _structural(line):
                title, anchor = line, first
                taken[first] = "title"

    if anchor is not None:
        cand = next((i for i in range(anchor + 1, len(lines)) if taken.get(i) != "byline"), None)
        nxt = next((i for i in range(cand + 1, len(lines)) if i not in taken), None) if cand is not None else None
        if cand is not None and cand not in taken and nxt is not None:
            line = lines[cand]
            if (_words(line) <= 35 and not _structural(line) and not _SENTENCE_BREAK.search(line)
                    and not _looks_like_heading(line) and _words(lines[nxt]) > _words(line)):
                dek = line
                taken[cand] = "dek"

    bullets = _find_summary(lines, taken)
    removed: list[tuple[int, str]] = [(i, lines[i]) for i, role in taken.items() if role in ("byline", "removed")]
    rest: list[tuple[int, str]] = []
    for i, line in enumerate(lines):
        if i in taken:
            continue
        if line == title or is_boilerplate(line):  # a third copy of the headline counts as furniture too
            removed.append((i, line))
        else:
            rest.append((i, line))
    removed.sort()
    return PlainArticle(
        title=title,
        dek=dek,
        teaser=teaser,
        byline=byline,
        summary="\n".join(bullets) or None,
        body="\n\n".join(line for _, line in rest),
        removed=[line for _, line in removed],
    )
