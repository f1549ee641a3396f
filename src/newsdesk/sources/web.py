"""Web pages: fetch one URL safely and extract its article with trafilatura."""

from __future__ import annotations

from newsdesk.extract import article_from_html, article_from_text, decode_bytes, sniff_kind
from newsdesk.fetch import Fetcher
from newsdesk.models import Article, InputError
from newsdesk.urls import url_id

_PAGE_TYPES = {"text/html", "application/xhtml+xml", "text/plain", None}
_FEED_TYPES = {"application/rss+xml", "application/atom+xml", "application/feed+json", "application/xml", "text/xml"}


def fetch_article(url: str, fetcher: Fetcher) -> Article:
    """Fetch a page and extract its article. Raises FetchError or InputError with the reason."""
    result = fetcher.get(url, accept="text/html,application/xhtml+xml;q=0.9,text/plain;q=0.5,*/*;q=0.1")
    if result.content_type not in _PAGE_TYPES | _FEED_TYPES:
        raise InputError("fetch", f"not a web page (Content-Type {result.content_type})")
    text = decode_bytes(result.content, result.encoding)
    kind = sniff_kind(text)
    if kind == "feed" or result.content_type in _FEED_TYPES - {"application/xml", "text/xml"}:
        raise InputError("fetch", "this URL is a feed, not an article: subscribe with 'newsdesk feeds add URL'")
    article_id = url_id(url)
    if kind == "text" and result.content_type == "text/plain":
        article = article_from_text(text, article_id=article_id)
    else:
        article = article_from_html(text, article_id=article_id, url=result.url)
    article.url = url
    article.canonical_url = article.canonical_url or result.url
    return article
