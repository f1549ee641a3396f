"""Feeds: RSS 0.9x/1.0/2.0, Atom and JSON Feed, parsed with feedparser.

:func:`parse_feed` reads a feed document; :func:`entry_article` turns one entry
into an :class:`Article`. Fetching (with conditional GET) and full-text
following happen in :mod:`newsdesk.pipeline`, which owns the network and the store.
"""

from __future__ import annotations

import calendar
import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import feedparser

from newsdesk.clean import clean_string, normalize_whitespace
from newsdesk.extract import checked_url, clean_text, clean_value, html_fragment_to_text, paragraphs_to_body, published_time, word_count
from newsdesk.models import Article, InputError
from newsdesk.urls import url_id, url_problem


@dataclass(slots=True)
class ParsedFeed:
    title: str | None
    site_url: str | None
    entries: list[Any] = field(default_factory=list)


def parse_feed(content: bytes | str, *, url: str | None = None) -> ParsedFeed:
    """Parse a feed document. Raises InputError when it is not a feed at all.

    feedparser is lenient: a feed with small faults (a wrong declared encoding,
    an undefined entity) still yields its entries, and so does it here.
    """
    json_feed = _json_feed(content)
    if json_feed is not None:
        return json_feed
    content = _safe_charrefs(content)
    parsed = feedparser.parse(content, response_headers={"content-location": url} if url else None)
    version = parsed.get("version") or ""
    if not parsed.entries and not version:
        reason = parsed.get("bozo_exception")
        detail = f": {str(reason).splitlines()[0]}" if reason else ""
        raise InputError("feed", f"not a readable RSS, Atom or JSON feed{detail}")
    meta = parsed.feed
    return ParsedFeed(title=clean_text(meta.get("title")), site_url=_site_url(meta.get("link")), entries=list(parsed.entries))


# Numeric character references, also once escaped inside escaped HTML ("&amp;#xD800;").
_CHARREF = re.compile(rb"&(?:amp;)?#(?:[xX]([0-9a-fA-F]{1,16})|([0-9]{1,20}));")


def _xml_char(code: int) -> bool:
    """Whether XML 1.0 allows this character (no NUL, controls, surrogates or U+FFFE/U+FFFF)."""
    return code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD or 0x10000 <= code <= 0x10FFFF


def _safe_charrefs(content: bytes | str) -> bytes | str:
    """The feed with references to characters XML forbids (``&#xD800;``, ``&#0;``, beyond U+10FFFF)
    made U+FFFD, so the parser never builds a string that cannot be encoded."""
    data = content.encode("utf-8", "surrogatepass") if isinstance(content, str) else content

    def fix(match: re.Match[bytes]) -> bytes:
        hex_code, dec_code = match.groups()
        code = int(hex_code, 16) if hex_code else int(dec_code)
        return match.group(0) if _xml_char(code) else b"&#xFFFD;"

    return _CHARREF.sub(fix, data) if b"&" in data else data


def _site_url(value: Any) -> str | None:
    """The feed's own site link, kept only when it is a usable http(s) URL (it is metadata)."""
    text = clean_text(value)
    return text if text and not url_problem(text) else None


def _json_feed(content: bytes | str) -> ParsedFeed | None:
    """A JSON Feed (1.0 or 1.1) read into the entry shape feedparser gives; None if not one."""
    head = content[:200].lstrip() if isinstance(content, str) else content[:200].lstrip().decode("utf-8", "replace")
    if not head.startswith("{"):
        return None
    try:
        data = json.loads(content)
    except ValueError as exc:
        raise InputError("feed", f"not a readable JSON Feed: {exc}") from None
    if not isinstance(data, dict) or "jsonfeed.org/version" not in str(data.get("version", "")):
        raise InputError("feed", "JSON document is not a JSON Feed (no jsonfeed.org version)")
    entries = []
    for item in data.get("items") or []:
        if not isinstance(item, dict):
            continue
        authors = item.get("authors") if isinstance(item.get("authors"), list) else []
        authors = authors or ([item["author"]] if isinstance(item.get("author"), dict) else [])
        html = _scalar(item.get("content_html"))
        entries.append(
            {
                "id": _scalar(item.get("id")),
                "link": _scalar(item.get("url")) or _scalar(item.get("external_url")),
                "title": _scalar(item.get("title")),
                "content": [{"value": html, "type": "text/html"} if html else {"value": _scalar(item.get("content_text")), "type": "text/plain"}],
                "summary": _scalar(item.get("summary")),
                "published": _scalar(item.get("date_published")) or _scalar(item.get("date_modified")),
                "author": ", ".join(_scalar(a.get("name")) for a in authors if isinstance(a, dict)) or None,
            }
        )
    return ParsedFeed(title=clean_text(data.get("title")), site_url=_site_url(data.get("home_page_url")), entries=entries)


def _scalar(value: Any) -> str:
    """A JSON Feed field as text ("" for a missing, list or object value)."""
    if value is None or isinstance(value, (dict, list, bool)):
        return ""
    return value if isinstance(value, str) else str(value)


def _entry_time(entry: Any) -> datetime | None:
    """The entry's publication time, validated (raises InputError when out of range)."""
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if value:
            try:
                seconds = calendar.timegm(value)
            except (TypeError, ValueError, OverflowError):
                continue
            return published_time(seconds)
    return published_time(_text(entry, "published") or _text(entry, "updated") or None)


def _text(entry: Any, key: str) -> str:
    """A string field of an entry, cleaned (see clean.clean_string); "" when absent or not text."""
    value = entry.get(key)
    if value is None or isinstance(value, (dict, list)):
        return ""
    return clean_string(value if isinstance(value, str) else str(value))


def entry_id(entry: Any, feed_url: str | None) -> str:
    """Stable id of an entry: from its link, else from its guid within the feed."""
    link = _text(entry, "link").strip()
    if link:
        return url_id(link)
    key = f"{feed_url or ''}\n{_text(entry, 'id') or _text(entry, 'title')}"
    return "g" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:15]


def entry_article(entry: Any, feed: ParsedFeed, *, feed_url: str | None = None, feed_id: int | None = None) -> Article:
    """One feed entry as an article; its body is the entry's content, or its summary.

    Values are checked where they enter: text is cleaned of control characters and invalid
    Unicode, the link must be an http(s) URL and the time within range, else InputError.
    """
    link = checked_url(_text(entry, "link"), "entry link", stage="feed")
    title = normalize_whitespace(_text(entry, "title"))
    contents = entry.get("content") if isinstance(entry.get("content"), list) else []
    contents = [c for c in contents if isinstance(c, dict)] or [{}]
    content = max(contents, key=lambda c: len(_text(c, "value")))
    summary_html = _text(entry, "summary")
    if content.get("type") == "text/plain":
        text = normalize_whitespace(_text(content, "value"))
    else:
        text = html_fragment_to_text(_text(content, "value") or summary_html)
    content = _text(content, "value")
    summary = html_fragment_to_text(summary_html) if content and summary_html else None
    body, removed = paragraphs_to_body(text.splitlines(), title)
    if not title and not body:
        raise InputError("feed", "entry has neither a title nor any text")
    extra: dict[str, Any] = {"feed_entry": True}
    if _text(entry, "id"):
        extra["guid"] = _text(entry, "id")
    if removed:
        extra["removed_lines"] = removed
    origin = entry.get("source")
    if isinstance(origin, dict) and (origin.get("title") or origin.get("href")):
        # <source> in RSS / Atom: the entry is syndicated from elsewhere
        extra["origin_source"] = clean_value({"title": _text(origin, "title") or None, "url": _text(origin, "href") or _text(origin, "url") or None})
    return Article(
        id=entry_id(entry, feed_url),
        title=title or body.split("\n")[0][:120],
        text=body,
        source=feed.title,
        url=link,
        byline=normalize_whitespace(_text(entry, "author")) or None,
        summary=summary if summary and summary != body else None,
        published=_entry_time(entry),
        language=None,
        feed_id=feed_id,
        extra=extra,
    )


def needs_fulltext(article: Article, min_words: int) -> bool:
    """Whether an entry carries only a summary, so its linked page should be fetched."""
    return bool(article.url) and word_count(article.text) < min_words


def merge_fulltext(entry: Article, page: Article) -> Article:
    """The entry enriched with the text and metadata of its page; the feed text becomes the summary."""
    entry.summary = entry.summary or (entry.text or None)
    entry.text = page.text
    entry.canonical_url = page.canonical_url
    entry.byline = entry.byline or page.byline
    entry.dek = entry.dek or page.dek
    entry.published = entry.published or page.published
    entry.language = entry.language or page.language
    entry.extra["fulltext"] = True
    return entry
