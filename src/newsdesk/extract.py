"""Extract: turn raw bytes, HTML pages and data records into clean :class:`Article` records.

Everything here is pure (no network, no store). Problems raise
:class:`~newsdesk.models.InputError` with the stage and a reason a user can act on.
"""

from __future__ import annotations

import codecs
import hashlib
import re
from collections.abc import Mapping
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any

import lxml.html
from charset_normalizer import from_bytes
from dateutil import parser as dateparser

from newsdesk.clean import normalize_whitespace, parse_plain_text, strip_boilerplate
from newsdesk.models import Article, InputError
from newsdesk.urls import url_id

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


def decode_bytes(data: bytes, declared: str | None = None) -> str:
    """Decode input bytes to text: BOM, then the declared charset, then UTF-8, then detection.

    Raises InputError for empty input, binary files and text whose encoding cannot be told.
    """
    if not data.strip():
        raise InputError("read", "empty file" if not data else "file holds only white space")
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data.decode(encoding, errors="replace")
    for magic, kind in _MAGIC.items():
        if data.startswith(magic):
            raise InputError("read", f"binary file ({kind}), not an article")
    if b"\x00" in data[:8192]:
        raise InputError("read", "binary file (holds NUL bytes), not an article")
    if declared:
        try:
            return data.decode(declared)
        except (LookupError, UnicodeDecodeError):
            pass  # a wrong declaration: fall through to detection
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    best = from_bytes(data[:1_000_000]).best()
    if best is None or best.encoding is None:
        raise InputError("decode", "cannot tell the text encoding (not UTF-8, and detection failed)")
    return data.decode(best.encoding, errors="replace")


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

    Returns an aware datetime (UTC when the input names no zone), or None when unreadable.
    """
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, (int, float)) or re.fullmatch(r"\d{9,13}(\.\d+)?", str(value).strip()):
        number = float(value)
        if number > 1e11:  # milliseconds
            number /= 1000
        dt = datetime.fromtimestamp(number, tz=timezone.utc)
    else:
        text = str(value).strip()
        try:
            dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            try:
                dt = parsedate_to_datetime(text)
            except (TypeError, ValueError):
                try:
                    dt = dateparser.parse(text)
                except (ValueError, OverflowError):
                    return None
    if dt is None:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt


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


def html_fragment_to_text(fragment: str) -> str:
    """Plain text of an HTML snippet (a feed entry's content), one paragraph per block."""
    if not fragment or "<" not in fragment:
        return normalize_whitespace(fragment or "")
    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except (lxml.etree.ParserError, ValueError):
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
    parsed = parse_plain_text(text)
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


def article_from_html(html: str, *, article_id: str | None, url: str | None = None, source: str | None = None) -> Article:
    """Extract the main article of an HTML page with trafilatura (text, title, author, date, site)."""
    import trafilatura  # slow to import; only pages need it

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
    meta = doc.as_dict() if doc is not None else {}
    text = meta.get("text") or ""
    if word_count(text) < MIN_ARTICLE_WORDS:
        raise InputError("extract", "no article found in the page (too little main text)")
    title = normalize_whitespace(meta.get("title") or "") or None
    body, removed = paragraphs_to_body(text.splitlines(), title)
    if not body:
        raise InputError("extract", "no article found in the page (only boilerplate)")
    canonical = meta.get("url") or url
    published = parse_datetime(_meta_published(html)) or parse_datetime(meta.get("date"))
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
        extra={"removed_lines": removed} if removed else {},
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

    def get(name: str) -> Any:
        key = mapping.get(name)
        value = record.get(key) if key else None
        return value.strip() if isinstance(value, str) else value

    def text_of(name: str) -> str | None:
        value = get(name)
        if value is None or value == "":
            return None
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        return normalize_whitespace(str(value)) or None

    article_id = text_of("id") or default_id
    title = text_of("title")
    raw_text = get("text")
    html = get("html")
    url = text_of("url")
    if raw_text:
        body, removed = paragraphs_to_body(str(raw_text).splitlines(), title)
        article = Article(id=article_id, title=title or derive_title(body), text=body,
                          extra={"removed_lines": removed} if removed else {})
    elif html:
        article = article_from_html(str(html), article_id=article_id, url=url)
        article.title = title or article.title
    elif title:
        article = Article(id=article_id, title=title, text="")  # a headline on its own
    else:
        raise InputError("parse", "record has no title, text or html")
    article.url = url or article.url
    article.source = text_of("source") or source or article.source
    article.published = parse_datetime(get("published")) or article.published
    label = get("label")
    article.label = None if label is None or label == "" else str(label)
    article.dek = text_of("dek") or article.dek
    article.byline = text_of("byline") or article.byline
    article.summary = text_of("summary") or article.summary
    used = {key for key in mapping.values()}
    article.extra.update({k: v for k, v in record.items() if k not in used and v not in (None, "")})
    if not title and raw_text:
        article.extra["title_derived"] = True  # a provisional headline made from the first line
    return article
