"""Search: the full-text indexes of published briefs and articles, and the entities of published stories.

SQLite searches with FTS5 (``articles_fts`` kept by triggers, ``stories_fts`` written on publish);
PostgreSQL with a ``tsvector`` and a GIN index (English stemming; see ``migrations_postgres``).
Both take the expression ``newsdesk.search.match_expression`` makes of a reader's words (each
word quoted, all of them required) and rank the best match first.
"""

from __future__ import annotations

import re
import sqlite3
from typing import Any

from newsdesk.store.base import StoreBase

# the tsvector of an article on PostgreSQL: the expression its GIN index (migration 0006) is built on
ARTICLE_VECTOR = ("(setweight(to_tsvector('english', a.title), 'A') || "
                  "setweight(to_tsvector('english', coalesce(a.dek, '')), 'B') || to_tsvector('english', a.text))")
# a fragment around the words found, like FTS5's snippet(): about 16 words, no markup
_HEADLINE_OPTIONS = "MaxWords=16, MinWords=8, ShortWord=2, MaxFragments=1, FragmentDelimiter=\" … \", StartSel=\"\", StopSel=\"\""
_WORDS = re.compile(r'"([^"]*)"')

_SEARCH_STORIES = {
    "sqlite": """SELECT f.rowid AS story_id, json_extract(b.content, '$.headline') AS headline,
                        snippet(stories_fts, -1, '', '', '…', 16) AS snippet
                 FROM stories_fts f JOIN briefs b ON b.story_id = f.rowid AND b.status = 'published'
                 WHERE stories_fts MATCH ? ORDER BY f.rank LIMIT ?""",
    "postgres": f"""SELECT f.story_id, b.content::jsonb ->> 'headline' AS headline,
                        ts_headline('english', f.headline || '. ' || coalesce(f.dek, '') || ' ' || f.text, q,
                                    '{_HEADLINE_OPTIONS}') AS snippet
                 FROM stories_fts f CROSS JOIN plainto_tsquery('english', ?) q
                 JOIN briefs b ON b.story_id = f.story_id AND b.status = 'published'
                 WHERE f.search @@ q ORDER BY ts_rank(f.search, q) DESC, f.story_id LIMIT ?""",
}
_SEARCH_ARTICLES = {
    "sqlite": """SELECT a.id, a.title, a.source, snippet(articles_fts, -1, '', '', '…', 16) AS snippet, sa.story_id
                 FROM articles_fts f JOIN articles a ON a.seq = f.rowid
                 LEFT JOIN story_articles sa ON sa.article_id = a.id
                 WHERE articles_fts MATCH ?""",
    "postgres": f"""SELECT a.id, a.title, a.source,
                        ts_headline('english', a.title || '. ' || coalesce(a.dek, '') || ' ' || a.text, q,
                                    '{_HEADLINE_OPTIONS}') AS snippet, sa.story_id
                 FROM articles a CROSS JOIN plainto_tsquery('english', ?) q
                 LEFT JOIN story_articles sa ON sa.article_id = a.id
                 WHERE {ARTICLE_VECTOR} @@ q""",
}
_ARTICLE_RANK = {"sqlite": " ORDER BY f.rank LIMIT ?",
                 "postgres": f" ORDER BY ts_rank({ARTICLE_VECTOR}, q) DESC, a.seq LIMIT ?"}
_INDEX_STORY = {
    "sqlite": "INSERT INTO stories_fts (rowid, headline, dek, text) VALUES (?, ?, ?, ?)",
    "postgres": "INSERT INTO stories_fts (story_id, headline, dek, text) VALUES (?, ?, ?, ?)",
}
_UNINDEX_STORY = {
    "sqlite": "DELETE FROM stories_fts WHERE rowid = ?",
    "postgres": "DELETE FROM stories_fts WHERE story_id = ?",
}


class SearchStore(StoreBase):
    """Full-text search and story entities."""

    def _query(self, match: str) -> str:
        """The backend's form of a ``match_expression``: itself for FTS5, its words for PostgreSQL."""
        return " ".join(_WORDS.findall(match)) if self.sql.postgres else match

    def search_stories(self, match: str, *, limit: int = 20) -> list[dict[str, Any]]:
        """Published briefs matching an expression of quoted words (``newsdesk.search.match_expression``), best first."""
        rows = self.conn.execute(_SEARCH_STORIES[self.dialect], (self._query(match), limit))
        return [dict(row) for row in rows]

    def search_articles(self, match: str, *, limit: int = 20, published_only: bool = True) -> list[dict[str, Any]]:
        """Articles matching an expression of quoted words, best first; only those of published stories by default."""
        sql = _SEARCH_ARTICLES[self.dialect]
        if published_only:
            sql += " AND EXISTS (SELECT 1 FROM briefs b WHERE b.story_id = sa.story_id AND b.status = 'published')"
        rows = self.conn.execute(sql + _ARTICLE_RANK[self.dialect], (self._query(match), limit))
        return [dict(row) for row in rows]

    def story_entities(self, story_id: int, limit: int = 30) -> list[dict[str, Any]]:
        """The people, organisations and places of a published story, most mentioned first."""
        rows = self.conn.execute(
            """SELECT name, label, MAX(mentions) AS mentions FROM story_entities WHERE story_id = ?
               GROUP BY name, label ORDER BY mentions DESC, name LIMIT ?""", (story_id, limit))
        return [dict(row) for row in rows]

    def entity_mentions(self, key: str) -> list[dict[str, Any]]:
        """Published stories naming an entity by this normalised form (or, for a person, this surname)."""
        rows = self.conn.execute(
            """SELECT story_id, name, label, mentions, key = ? AS exact FROM story_entities
               WHERE key = ? OR surname = ? ORDER BY exact DESC, mentions DESC""", (key, key, key))
        return [dict(row) | {"exact": bool(row["exact"])} for row in rows]

    def _index_story(self, conn: sqlite3.Connection, story_id: int, search: tuple[str, str, str],
                     entities: list[tuple[str, str, str, str | None, int]]) -> None:
        """Make a story's published version the one search and the entity pages find (in the caller's transaction)."""
        self._unindex_story(conn, story_id)
        conn.execute(_INDEX_STORY[self.dialect], (story_id, *search))
        conn.executemany(
            """INSERT INTO story_entities (story_id, name, label, key, surname, mentions)
               VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING""",
            [(story_id, *row) for row in entities])

    def _unindex_story(self, conn: sqlite3.Connection, story_id: int) -> None:
        conn.execute(_UNINDEX_STORY[self.dialect], (story_id,))
        conn.execute("DELETE FROM story_entities WHERE story_id = ?", (story_id,))
