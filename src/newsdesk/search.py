"""Full-text search of published briefs and articles (SQLite FTS5).

What a reader types is never handed to FTS5 as query syntax: it is cut into words
(letters and digits, any script, after NFKC normalisation), each word is quoted as
an FTS5 string, and the words are ANDed. Quotes, ``*``, ``NEAR(``, ``AND``/``OR``
and column filters are thus plain words or nothing, and a query of no words finds
nothing instead of failing.

Indexes (see migration ``0006_newsroom``): ``articles_fts`` follows the articles
table through triggers (every stored article is searchable at once); ``stories_fts``
holds the published version of each story, written when it is published and removed
when it is unpublished.
"""

from __future__ import annotations

import re
import sqlite3
import unicodedata
from typing import Any

MAX_TERMS = 12
MAX_TERM_CHARS = 64
_WORD = re.compile(r"\w+")


def query_terms(text: str) -> list[str]:
    """The words of a reader's query, at most :data:`MAX_TERMS`."""
    folded = unicodedata.normalize("NFKC", text or "")
    words = (w.strip("_") for w in _WORD.findall(folded))
    return list(dict.fromkeys(w[:MAX_TERM_CHARS] for w in words if w))[:MAX_TERMS]


def match_expression(text: str) -> str | None:
    """An FTS5 MATCH expression finding every word of ``text`` (None when it has none)."""
    terms = query_terms(text)
    return " ".join(f'"{term}"' for term in terms) if terms else None


def search(store, text: str, *, limit: int = 20, published_only: bool = True) -> dict[str, Any]:
    """{"stories": [...], "articles": [...], "terms": [...]} for a reader's query; empty for no words."""
    limit = max(1, min(int(limit), 100))
    expression = match_expression(text)
    found: dict[str, Any] = {"stories": [], "articles": [], "terms": query_terms(text)}
    if expression is None:
        return found
    try:
        found["stories"] = store.search_stories(expression, limit=limit)
        found["articles"] = store.search_articles(expression, limit=limit, published_only=published_only)
    except sqlite3.OperationalError as exc:  # an expression FTS5 still refuses finds nothing, not an error page
        if "fts5" not in str(exc).lower() and "syntax" not in str(exc).lower():
            raise
        found["stories"], found["articles"] = [], []
    return found
