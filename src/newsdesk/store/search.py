"""Search: the full-text indexes of published briefs and articles, and the entities of published stories."""

from __future__ import annotations

import sqlite3
from typing import Any

from newsdesk.store.base import StoreBase


class SearchStore(StoreBase):
    """Full-text search and story entities."""

    # search and entities

    def search_stories(self, match: str, *, limit: int = 20) -> list[dict[str, Any]]:
        """Published briefs matching an FTS5 expression (built by ``newsdesk.search``), best first."""
        rows = self.conn.execute(
            """SELECT f.rowid AS story_id, json_extract(b.content, '$.headline') AS headline,
                      snippet(stories_fts, -1, '', '', '…', 16) AS snippet
               FROM stories_fts f JOIN briefs b ON b.story_id = f.rowid AND b.status = 'published'
               WHERE stories_fts MATCH ? ORDER BY f.rank LIMIT ?""", (match, limit))
        return [dict(row) for row in rows]

    def search_articles(self, match: str, *, limit: int = 20, published_only: bool = True) -> list[dict[str, Any]]:
        """Articles matching an FTS5 expression, best first; only those of published stories by default."""
        sql = """SELECT a.id, a.title, a.source, snippet(articles_fts, -1, '', '', '…', 16) AS snippet,
                        sa.story_id
                 FROM articles_fts f JOIN articles a ON a.seq = f.rowid
                 LEFT JOIN story_articles sa ON sa.article_id = a.id
                 WHERE articles_fts MATCH ?"""
        if published_only:
            sql += " AND EXISTS (SELECT 1 FROM briefs b WHERE b.story_id = sa.story_id AND b.status = 'published')"
        rows = self.conn.execute(sql + " ORDER BY f.rank LIMIT ?", (match, limit))
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


    @staticmethod
    def _unindex_story(conn: sqlite3.Connection, story_id: int) -> None:
        conn.execute("DELETE FROM stories_fts WHERE rowid = ?", (story_id,))
        conn.execute("DELETE FROM story_entities WHERE story_id = ?", (story_id,))

