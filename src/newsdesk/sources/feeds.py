"""Feeds: RSS 0.9x/1.0/2.0, Atom and JSON Feed, parsed with feedparser.

:func:`parse_feed` reads a feed document; :func:`entry_article` turns one entry
into an :class:`Article`. Fetching (with conditional GET) and full-text
following happen in :mod:`newsdesk.pipeline`, which owns the network and the store.
"""

from __future__ import annotations

import calendar
import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import feedparser

from newsdesk.clean import normalize_whitespace
from newsdesk.extract import html_fragment_to_text, paragraphs_to_body, parse_datetime, word_count
from newsdesk.models import Article, InputError
from newsdesk.urls import url_id


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
    parsed = feedparser.parse(content, response_headers={"content-location": url} if url else None)
    version = parsed.get("version") or ""
    if not parsed.entries and not version:
        reason = parsed.get("bozo_exception")
        detail = f": {str(reason).splitlines()[0]}" if reason else ""
        raise InputError("feed", f"not a readable RSS, Atom or JSON feed{detail}")
    meta = parsed.feed
    return ParsedFeed(
        title=normalize_whitespace(meta.get("title") or "") or None,
        site_url=meta.get("link"),
        entries=list(parsed.entries),
    )


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
        authors = item.get("authors") or ([item["author"]] if isinstance(item.get("author"), dict) else [])
        html = item.get("content_html")
        entries.append(
            {
                "id": item.get("id"),
                "link": item.get("url") or item.get("external_url"),
                "title": item.get("title") or "",
                "content": [{"value": html, "type": "text/html"} if html else {"value": item.get("content_text") or "", "type": "text/plain"}],
                "summary": item.get("summary") or "",
                "published": item.get("date_published") or item.get("date_modified"),
                "author": ", ".join(a.get("name", "") for a in authors if isinstance(a, dict)) or None,
            }
        )
    return ParsedFeed(title=data.get("title"), site_url=data.get("home_page_url"), entries=entries)


def _entry_time(entry: Any) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if value:
            return datetime.fromtimestamp(calendar.timegm(value), tz=timezone.utc)
    return parse_datetime(entry.get("published") or entry.get("updated"))


def entry_id(entry: Any, feed_url: str | None) -> str:
    """Stable id of an entry: from its link, else from its guid within the feed."""
    link = entry.get("link")
    if link:
        return url_id(link)
    key = f"{feed_url or ''}\n{entry.get('id') or entry.get('title') or ''}"
    return "g" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:15]


def entry_article(entry: Any, feed: ParsedFeed, *, feed_url: str | None = None, feed_id: int | None = None) -> Article:
    """One feed entry as an article; its body is the entry's content, or its summary."""
    title = normalize_whitespace(entry.get("title") or "")
    content = max(entry.get("content") or [{}], key=lambda c: len(c.get("value") or ""))
    summary_html = entry.get("summary") or ""
    if content.get("type") == "text/plain":
        text = normalize_whitespace(content.get("value") or "")
    else:
        text = html_fragment_to_text(content.get("value") or summary_html)
    content = content.get("value") or ""
    summary = html_fragment_to_text(summary_html) if content and summary_html else None
    body, removed = paragraphs_to_body(text.splitlines(), title)
    if not title and not body:
        raise InputError("feed", "entry has neither a title nor any text")
    extra: dict[str, Any] = {"feed_entry": True}
    if entry.get("id"):
        extra["guid"] = entry["id"]
    if removed:
        extra["removed_lines"] = removed
    origin = entry.get("source")
    if origin and (origin.get("title") or origin.get("href")):
        # <source> in RSS / Atom: the entry is syndicated from elsewhere
        extra["origin_source"] = {"title": origin.get("title"), "url": origin.get("href") or origin.get("url")}
    return Article(
        id=entry_id(entry, feed_url),
        title=title or body.split("\n")[0][:120],
        text=body,
        source=feed.title,
        url=entry.get("link"),
        byline=normalize_whitespace(entry.get("author") or "") or None,
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
