"""Extract: turn raw bytes, HTML pages and data records into clean :class:`Article` records.

Everything here is pure (no network, no store). Problems raise
:class:`~newsdesk.models.InputError` with the stage and a reason a user can act on.
"""

from __future__ import annotations

import codecs
import hashlib
import math
import re
from collections.abc import Mapping
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any

import lxml.html
from charset_normalizer import from_bytes
from dateutil import parser as dateparser

from newsdesk.clean import clean_string, normalize_whitespace, parse_plain_text, strip_boilerplate
from newsdesk.models import MAX_DEPTH, Article, InputError, check_published
from newsdesk.urls import url_id, url_problem

MIN_ARTICLE_WORDS = 20  # an HTML page with less body text than this holds no article

# Leading bytes of common binary formats, for a message that names what was given.
_MAGIC = {
    b"\x7fELF": "ELF executable",
    b"%PDF": "PDF document",
    b"PK\x03\x04": "ZIP archive",
    b"\x89PNG": "PNG image",
    b"\xff\xd8\xff": "JPEG image",
    b"GIF8": "GIF image",
    b"\x1f\x8b": "gzip archive",
    b"MZ": "Windows executable",
    b"SQLite format 3": "SQLite database",
}
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


# -- bytes to text -------------------------------------------------------------

MAX_DAMAGE = 0.05  # share of broken UTF-8 sequences up to which undetectable data is read as UTF-8


def decode_bytes(data: bytes, declared: str | None = None) -> str:
    """Decode input bytes to text: BOM, then the declared charset, then UTF-8, then detection.

    A file is binary only when it cannot be read as text at all: a known binary signature, or
    data that is neither UTF-8 nor a detectable encoding and holds NUL bytes. Valid UTF-8 stays
    text even with a line of NUL bytes in it, and mostly-UTF-8 data with a few broken sequences
    is read with U+FFFD in their place; the records read from it refuse or clean such lines.
    Raises InputError for empty input, binary files and text whose encoding cannot be told.
    """
    if not data.strip():
        raise InputError("read", "empty file" if not data else "file holds only white space")
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data.decode(encoding, errors="replace")
    try:
        utf8: str | None = data.decode("utf-8")
    except UnicodeDecodeError:
        utf8 = None
    has_nul = b"\x00" in data[:8192]
    if utf8 is None or has_nul:
        for magic, kind in _MAGIC.items():
            if data.startswith(magic):
                raise InputError("read", f"binary file ({kind}), not an article")
    if declared:
        try:
            return data.decode(declared)
        except (LookupError, UnicodeDecodeError, ValueError):
            pass  # a wrong declaration: fall through to detection
    if utf8 is not None:
        return utf8
    best = None if has_nul else from_bytes(data[:1_000_000]).best()
    if best is not None and best.encoding is not None:
        return data.decode(best.encoding, errors="replace")
    damaged = data.decode("utf-8", errors="replace")
    if damaged.count("\ufffd") <= MAX_DAMAGE * len(damaged):
        return damaged  # UTF-8 with a few broken sequences: each record decides what it can use
    if has_nul:
        raise InputError("read", "binary file (holds NUL bytes and is not UTF-8 text), not an article")
    raise InputError("decode", "cannot tell the text encoding (not UTF-8, and detection failed)")


def sniff_kind(text: str) -> str:
    """Guess the format of text without a telling file name: html, feed, json or text."""
    head = text.lstrip()[:2000].lower()
    if head.startswith(("{", "[")):
        return "json"
    if re.search(r"<(rss|rdf:rdf|feed)[\s>]", head):
        return "feed"
    if head.startswith(("<!doctype html", "<html")) or re.search(r"<(html|body|article)[\s>]", head):
        return "html"
    return "text"


# -- dates ---------------------------------------------------------------------


def parse_datetime(value: Any) -> datetime | None:
    """Read a publication time: ISO 8601, RFC 822, epoch seconds or milliseconds, or free text.

    Returns an aware datetime (UTC when the input names no zone), or None when unreadable or
    out of range. Ingest uses :func:`published_time`, which says why a value was refused.
    """
    try:
        return published_time(value)
    except InputError:
        return None


_EPOCH_DIGITS = re.compile(r"[+-]?\d{9,13}(\.\d+)?")
MAX_DATE_TEXT = 200  # no date is written in more characters than this


def published_time(value: Any, field: str = "published") -> datetime | None:
    """The publication time of a record's value, validated where it enters.

    None for no value and for text that reads as no date (as before); raises
    InputError("parse", …) for a value that is a number but no time (NaN, infinity,
    1e300, -1e20) or a time outside the years models.EARLIEST..LATEST, so that the
    record is refused with the reason instead of being stored with a wrong date.
    """
    if value is None or value == "" or isinstance(value, bool):
        return None
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, (int, float)) or (isinstance(value, str) and _EPOCH_DIGITS.fullmatch(value.strip())):
        shown = str(value)[:40]
        try:
            number = float(value)
        except (OverflowError, ValueError):
            number = math.inf
        if not math.isfinite(number):
            raise InputError("parse", f"{field} {'NaN' if math.isnan(number) else shown} is not a time")
        if abs(number) > 1e11:  # milliseconds
            number /= 1000
        try:
            dt = datetime.fromtimestamp(number, tz=timezone.utc)
        except (OverflowError, OSError, ValueError):
            raise InputError("parse", f"{field} {shown} is out of range as seconds or milliseconds since 1970") from None
    elif isinstance(value, str):
        text = value.strip()
        if len(text) > MAX_DATE_TEXT:
            return None
        dt = _parse_date_text(text)
        if dt is None:
            return None
    else:
        return None  # a list or an object: not a date
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    try:
        return check_published(dt)
    except InputError as exc:
        raise InputError("parse", exc.reason.replace("published", field, 1)) from None


def _parse_date_text(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(text)
    except Exception:  # noqa: BLE001  (email.utils raises several kinds on odd text)
        pass
    try:
        return dateparser.parse(text)
    except Exception:  # noqa: BLE001  (dateutil raises ParserError, OverflowError, … on odd text)
        return None


# -- text helpers --------------------------------------------------------------


def word_count(text: str | None) -> int:
    return len(text.split()) if text else 0


def derive_title(text: str, max_words: int = 14) -> str:
    """A provisional headline from the first line of a body that came without one."""
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    words = first.split()
    return " ".join(words[:max_words]) + (" …" if len(words) > max_words else "")


def paragraphs_to_body(paragraphs: list[str], title: str | None = None) -> tuple[str, list[str]]:
    """Join cleaned paragraphs into a body; drops boilerplate and a leading repeat of the title."""
    paras = [normalize_whitespace(p) for p in paragraphs]
    paras = [p for p in paras if p]
    if title and paras and paras[0].casefold() == normalize_whitespace(title).casefold():
        paras = paras[1:]
    kept, removed = strip_boilerplate(paras)
    return "\n\n".join(kept), removed


_BLOCK_TAGS = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "tr", "section", "article"}


def clean_text(value: Any) -> str | None:
    """A scalar field value as clean, whitespace-normalised text (None when empty or not a scalar)."""
    if value is None or isinstance(value, (dict, list, tuple)):
        return None
    return normalize_whitespace(clean_string(value if isinstance(value, str) else str(value))) or None


def clean_value(value: Any, depth: int = 0) -> Any:
    """A record's value with every string (keys too) cleaned (see clean.clean_string) and
    non-finite numbers dropped; raises InputError when it is nested deeper than MAX_DEPTH."""
    if depth > MAX_DEPTH:
        raise InputError("parse", f"record nested more than {MAX_DEPTH} levels deep")
    if isinstance(value, str):
        return clean_string(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {clean_string(str(k)): clean_value(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean_value(v, depth + 1) for v in value]
    return value


def checked_url(value: Any, field: str = "url", stage: str = "parse") -> str | None:
    """An address validated where it enters: None when absent, else an absolute http(s) URL
    whose host and port can be read; raises InputError naming the field and the reason."""
    text = clean_text(value)
    if text is None:
        return None
    problem = url_problem(text)
    if problem:
        raise InputError(stage, f"{field} {text[:100]!r}: {problem}")
    return text


def html_fragment_to_text(fragment: str) -> str:
    """Plain text of an HTML snippet (a feed entry's content), one paragraph per block."""
    fragment = clean_string(fragment or "")
    if not fragment or "<" not in fragment:
        return normalize_whitespace(fragment)
    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except (lxml.etree.LxmlError, ValueError):
        return normalize_whitespace(re.sub(r"<[^>]+>", " ", fragment))
    for bad in root.xpath(".//script|.//style|.//noscript|.//iframe|.//form"):
        bad.drop_tree()
    for el in root.iter():
        if isinstance(el.tag, str) and el.tag.lower() in _BLOCK_TAGS:
            el.tail = "\n" + (el.tail or "")
            if el.tag.lower() != "br":
                el.text = "\n" + (el.text or "")
    lines = [normalize_whitespace(line) for line in root.text_content().splitlines()]
    return "\n".join(line for line in lines if line)


# -- plain text and HTML pages ---------------------------------------------------


def article_from_text(text: str, *, article_id: str, source: str | None = None) -> Article:
    """A bare article copied off a page: headline, teaser, dek, byline, summary, body."""
    parsed = parse_plain_text(clean_string(text))
    if not parsed.body and not parsed.title:
        raise InputError("parse", "no article text found")
    title = parsed.title or derive_title(parsed.body)
    return Article(
        id=article_id,
        title=title,
        text=parsed.body,
        source=source,
        dek=parsed.dek,
        byline=parsed.byline,
        teaser=parsed.teaser,
        summary=parsed.summary,
        extra={"removed_lines": parsed.removed} if parsed.removed else {},
    )


# What the HTML parser and trafilatura are given is bounded, so that a page at the size limit
# (file_max_bytes, 50 MB) is parsed in bounded memory and time: a parsed tree costs many times
# its markup, and trafilatura walks it a dozen times (bench/ingest_memory.py measures it).
# Scripts, styles, comments, SVG and templates are cut out first (they hold no article text);
# of what is left, the first MAX_MARKUP characters are kept. A news page is far smaller:
# ~100-500 kB of markup without its scripts. A page that still holds more than MAX_ELEMENTS
# tags (counted before the cut) is refused rather than parsed for minutes.
MAX_MARKUP = 3_000_000
MAX_ELEMENTS = 40_000
_HEAVY_OPEN = re.compile(r"<!--|<(script|style|svg|template|noscript)\b", re.IGNORECASE)
_HEAVY_CLOSE = {name: re.compile(rf"</{name}\s*>", re.IGNORECASE) for name in ("script", "style", "svg", "template", "noscript")}
_COMMENT_CLOSE = re.compile(r"-->")
_START_TAG = re.compile(r"<[A-Za-z]")


def strip_heavy_markup(html: str) -> str:
    """The page without scripts, styles, comments, SVG, templates and noscript blocks, in one
    linear scan (an element never closed runs to the end, as in a browser)."""
    parts: list[str] = []
    pos = 0
    while True:
        match = _HEAVY_OPEN.search(html, pos)
        if match is None:
            break
        parts.append(html[pos : match.start()])
        name = match.group(1)
        close = (_HEAVY_CLOSE[name.lower()] if name else _COMMENT_CLOSE).search(html, match.end())
        if close is None:
            pos = len(html)
            break
        pos = close.end()
    if not parts:
        return html  # nothing cut: the same string, not a copy
    parts.append(html[pos:])
    return "".join(parts)


def bounded_markup(html: str) -> tuple[str, bool]:
    """The markup handed to the parser (see MAX_MARKUP), and whether it was cut short.
    Raises InputError for a page with more than MAX_ELEMENTS tags besides scripts and styles,
    counted in the whole page before it is cut (the scan stops at the first tag too many)."""
    html = strip_heavy_markup(html)
    for tags, _ in enumerate(_START_TAG.finditer(html), 1):
        if tags > MAX_ELEMENTS:
            raise InputError("extract", f"page has more than {MAX_ELEMENTS:,} HTML elements besides scripts and styles; too many to be an article")
    trimmed = len(html) > MAX_MARKUP
    if trimmed:
        html = html[:MAX_MARKUP]
    return html, trimmed


def article_from_html(html: str, *, article_id: str | None, url: str | None = None, source: str | None = None) -> Article:
    """Extract the main article of an HTML page with trafilatura (text, title, author, date, site).

    What trafilatura is given is bounded first (see MAX_MARKUP)."""
    import trafilatura  # slow to import; only pages need it

    published_meta = _meta_published(html)
    html, trimmed = bounded_markup(clean_string(html))
    try:
        doc = trafilatura.bare_extraction(
            html,
            url=url,
            with_metadata=True,
            include_comments=False,
            include_tables=False,
            favor_precision=True,
            date_extraction_params={"original_date": True, "extensive_search": False, "outputformat": "%Y-%m-%dT%H:%M:%S%z"},
        )
    except Exception as exc:  # trafilatura raises many kinds on hostile markup
        raise InputError("extract", f"cannot parse the HTML ({type(exc).__name__})") from None
    del html
    meta = {key: clean_string(value) if isinstance(value, str) else value for key, value in (doc.as_dict() if doc is not None else {}).items()}
    text = meta.get("text") or ""
    if word_count(text) < MIN_ARTICLE_WORDS:
        raise InputError("extract", "no article found in the page (too little main text)")
    title = normalize_whitespace(meta.get("title") or "") or None
    body, removed = paragraphs_to_body(text.splitlines(), title)
    if not body:
        raise InputError("extract", "no article found in the page (only boilerplate)")
    canonical = meta.get("url") or url
    if canonical and url_problem(canonical):  # the page's own claim: kept only when usable
        canonical = url
    published = parse_datetime(published_meta) or parse_datetime(meta.get("date"))
    extra: dict[str, Any] = {"removed_lines": removed} if removed else {}
    if trimmed:
        extra["markup_trimmed"] = MAX_MARKUP
    return Article(
        id=article_id or _page_id(canonical, body),
        title=title or derive_title(body),
        text=body,
        source=source or meta.get("sitename") or meta.get("hostname"),
        url=url,
        canonical_url=canonical,
        dek=normalize_whitespace(meta.get("description") or "") or None,
        byline=normalize_whitespace(meta.get("author") or "") or None,
        published=published,
        language=meta.get("language"),
        extra=extra,
    )


_META_TIME = re.compile(
    r"""<meta[^>]+(?:property|name|itemprop)=["'](?:article:published_time|datePublished|pubdate|date)["'][^>]*>""",
    re.IGNORECASE,
)
_CONTENT = re.compile(r"""content=["']([^"']+)["']""", re.IGNORECASE)


def _meta_published(html: str) -> str | None:
    """The full publication time from a meta tag (trafilatura keeps only the day)."""
    match = _META_TIME.search(html[:200_000])
    if match:
        content = _CONTENT.search(match.group(0))
        return content.group(1) if content else None
    return None


def _page_id(url: str | None, body: str) -> str:
    if url:
        return url_id(url)
    return "h" + hashlib.sha256(body.encode("utf-8")).hexdigest()[:15]


# -- data records (json, jsonl, csv) -----------------------------------------------

# Field names accepted for each article field, first match wins.
RECORD_FIELDS: dict[str, tuple[str, ...]] = {
    "id": ("id", "doc_id", "guid", "article_id"),
    "title": ("title", "headline"),
    "text": ("text", "body", "content", "article"),
    "html": ("html",),
    "url": ("url", "link"),
    "source": ("source", "publisher", "outlet", "site", "sitename"),
    "published": ("published", "date", "datetime", "time", "timestamp", "pubdate"),
    "label": ("label", "story", "event", "cluster"),
    "dek": ("dek", "subtitle", "description", "standfirst"),
    "byline": ("byline", "author", "authors"),
    "summary": ("summary",),
}


def resolve_mapping(columns: list[str], explicit: Mapping[str, str] | None = None) -> dict[str, str]:
    """Map article fields to the record's own keys: explicit choices first, then known synonyms."""
    explicit = dict(explicit or {})
    unknown = set(explicit) - set(RECORD_FIELDS)
    if unknown:
        raise InputError("parse", f"unknown field(s) in the column mapping: {', '.join(sorted(unknown))}")
    missing = [col for col in explicit.values() if col not in columns]
    if missing:
        raise InputError("parse", f"column(s) not in the input: {', '.join(missing)} (columns: {', '.join(columns)})")
    lower = {c.lower().strip(): c for c in columns}
    mapping = dict(explicit)
    taken = set(explicit.values())
    for field_name, synonyms in RECORD_FIELDS.items():
        if field_name in mapping:
            continue
        for name in synonyms:
            column = lower.get(name)
            if column and column not in taken:
                mapping[field_name] = column
                taken.add(column)
                break
    return mapping


def article_from_record(
    record: Mapping[str, Any],
    *,
    mapping: Mapping[str, str],
    default_id: str,
    source: str | None = None,
) -> Article:
    """An article from one json/jsonl/csv record; keys not mapped are kept in ``extra``."""

    def raw(name: str) -> Any:
        key = mapping.get(name)
        return record.get(key) if key else None

    published = published_time(raw("published"))  # before cleaning: NaN must be refused, not dropped
    record = clean_value(dict(record))

    def get(name: str) -> Any:
        value = raw(name)
        return value.strip() if isinstance(value, str) else value

    def text_of(name: str) -> str | None:
        value = get(name)
        if value is None or value == "":
            return None
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        return clean_text(value)

    article_id = text_of("id") or default_id
    title = text_of("title")
    raw_text = get("text")
    html = get("html")
    url = checked_url(get("url"))
    if raw_text and not isinstance(raw_text, (dict, list)):
        body, removed = paragraphs_to_body(str(raw_text).splitlines(), title)
        article = Article(id=article_id, title=title or derive_title(body), text=body,
                          extra={"removed_lines": removed} if removed else {})
    elif html and isinstance(html, str):
        article = article_from_html(html, article_id=article_id, url=url)
        article.title = title or article.title
    elif title:
        article = Article(id=article_id, title=title, text="")  # a headline on its own
    else:
        raise InputError("parse", "record has no title, text or html")
    article.url = url or article.url
    article.source = text_of("source") or source or article.source
    article.published = published or article.published
    label = get("label")
    article.label = None if label is None or label == "" else clean_text(label)
    article.dek = text_of("dek") or article.dek
    article.byline = text_of("byline") or article.byline
    article.summary = text_of("summary") or article.summary
    used = {clean_string(key) for key in mapping.values()}
    article.extra.update({k: v for k, v in record.items() if k not in used and v not in (None, "")})
    if not title and raw_text:
        article.extra["title_derived"] = True  # a provisional headline made from the first line
    return article
