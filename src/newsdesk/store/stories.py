"""Stories: article vectors, copies and origins, story membership, merges, the TF-IDF lexicon."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from typing import Any

from newsdesk.models import Article
from newsdesk.store.articles import _article
from newsdesk.store.base import StoreBase, _dt, _iso, utcnow


class StoriesStore(StoreBase):
    """Vectors, origins, stories and the lexicon."""

    # -- vectors, origins, stories -------------------------------------------

    def unclustered_articles(self) -> list[Article]:
        """Articles not yet in a story, in time order (published, else fetched), then arrival."""
        rows = self.conn.execute(
            """SELECT a.* FROM articles a LEFT JOIN story_articles sa ON sa.article_id = a.id
               WHERE sa.article_id IS NULL ORDER BY coalesce(a.published, a.fetched), a.seq"""
        )
        return [_article(row) for row in rows]

    def vectors(self, article_ids: list[str], model: str) -> dict[str, bytes]:
        sql = "SELECT article_id, vector FROM article_vectors WHERE model = ? AND article_id IN ({marks})"
        return {row[0]: row[1] for row in self._by_model(sql, model, article_ids)}

    def save_vectors(self, model: str, vectors: dict[str, bytes]) -> None:
        with self.transaction() as conn:
            conn.executemany(
                """INSERT INTO article_vectors (article_id, model, vector) VALUES (?, ?, ?) ON CONFLICT (article_id)
                   DO UPDATE SET model = excluded.model, vector = excluded.vector""",
                [(aid, model, blob) for aid, blob in vectors.items()],
            )

    def revised_without_derivations(self) -> list[Article]:
        """Clustered articles whose vector or MinHash signature was dropped when a new version replaced
        their text (see :meth:`_revise`), in arrival order."""
        rows = self.conn.execute(
            """SELECT a.* FROM articles a JOIN story_articles sa ON sa.article_id = a.id
               WHERE a.id IN (SELECT article_id FROM article_revisions)
                 AND (a.id NOT IN (SELECT article_id FROM article_vectors)
                      OR (a.text != '' AND a.id IN (SELECT article_id FROM article_origins WHERE minhash IS NULL)))
               ORDER BY a.seq"""
        )
        return [_article(row) for row in rows]

    def save_revised_derivations(self, article_id: str, model: str, vector: bytes, minhash: bytes | None) -> None:
        """Store a revised article's new vector (added to its story's centroid) and MinHash signature."""
        with self.transaction() as conn:
            had = conn.execute("SELECT 1 FROM article_vectors WHERE article_id = ?", (article_id,)).fetchone()
            if not had:
                conn.execute("INSERT INTO article_vectors (article_id, model, vector) VALUES (?, ?, ?)",
                             (article_id, model, vector))
                story = conn.execute("SELECT story_id FROM story_articles WHERE article_id = ?", (article_id,)).fetchone()
                if story:
                    self._add_to_centroid(conn, story[0], vector, 1.0)
            if minhash is not None:
                conn.execute("UPDATE article_origins SET minhash = ? WHERE article_id = ?", (minhash, article_id))

    def load_lexicon(self) -> tuple[dict[str, int], int]:
        df = dict(self.conn.execute("SELECT term, df FROM lexicon"))
        row = self.conn.execute("SELECT value FROM meta WHERE key = 'lexicon_documents'").fetchone()
        return df, int(row[0]) if row else 0

    def add_to_lexicon(self, increments: dict[str, int], documents: int) -> None:
        with self.transaction() as conn:
            conn.executemany(
                "INSERT INTO lexicon (term, df) VALUES (?, ?) ON CONFLICT(term) DO UPDATE SET df = lexicon.df + excluded.df",
                list(increments.items()),
            )
            conn.execute(
                """INSERT INTO meta (key, value) VALUES ('lexicon_documents', ?)
                   ON CONFLICT(key) DO UPDATE
                   SET value = CAST(CAST(meta.value AS INTEGER) + CAST(excluded.value AS INTEGER) AS TEXT)""",
                (str(documents),),
            )

    def first_clustered_with_hash(self, digest: str) -> str | None:
        row = self.conn.execute(
            """SELECT a.id FROM articles a JOIN story_articles sa ON sa.article_id = a.id
               WHERE a.content_hash = ? ORDER BY a.seq LIMIT 1""",
            (digest,),
        ).fetchone()
        return row[0] if row else None

    def recent_signatures(self, since: datetime) -> list[tuple[Article, str, bytes]]:
        """Clustered articles seen since ``since`` with their origin and MinHash signature."""
        rows = self.conn.execute(
            """SELECT a.*, o.origin AS o_origin, o.minhash AS o_minhash FROM articles a
               JOIN article_origins o ON o.article_id = a.id
               WHERE coalesce(a.published, a.fetched) >= ? AND o.minhash IS NOT NULL""",
            (_iso(since),),
        )
        return [(_article(row), row["o_origin"], row["o_minhash"]) for row in rows]

    def origin_of(self, article_id: str) -> str | None:
        row = self.conn.execute("SELECT origin FROM article_origins WHERE article_id = ?", (article_id,)).fetchone()
        return row[0] if row else None

    def story_of(self, article_id: str) -> int | None:
        row = self.conn.execute("SELECT story_id FROM story_articles WHERE article_id = ?", (article_id,)).fetchone()
        return row[0] if row else None

    def active_stories(self, since: datetime) -> list[dict[str, Any]]:
        """Stories not merged away whose last article is no older than ``since``."""
        rows = self.conn.execute(
            "SELECT * FROM stories WHERE merged_into IS NULL AND last_seen >= ? ORDER BY id", (_iso(since),)
        )
        return [dict(row) | {"first_seen": _dt(row["first_seen"]), "last_seen": _dt(row["last_seen"])} for row in rows]

    def story_members(self, story_id: int, *, limit: int | None = None) -> list[Article]:
        """A story's articles in time order (the most recent ``limit`` when given)."""
        rows = self.conn.execute(
            """SELECT * FROM (SELECT a.*, coalesce(a.published, a.fetched) AS t FROM articles a
                 JOIN story_articles sa ON sa.article_id = a.id WHERE sa.story_id = ? ORDER BY t DESC, a.seq DESC LIMIT ?) AS recent
               ORDER BY t, seq""",
            (story_id, self.sql.unlimited if limit is None else limit),
        )
        return [_article(row) for row in rows]

    def assign(
        self,
        article: Article,
        *,
        origin: Any,  # dedupe.OriginLink
        minhash: bytes | None,
        story_id: int | None,
        score: float | None,
        when: datetime,
        centroid: bytes,
    ) -> int:
        """Record an article's origin and story in one transaction; returns the story id (new if None)."""
        now = _iso(utcnow())
        with self.transaction() as conn:
            conn.execute(
                """INSERT INTO article_origins (article_id, level, of_article, origin, similarity, evidence, minhash)
                   VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (article_id) DO UPDATE SET level = excluded.level,
                   of_article = excluded.of_article, origin = excluded.origin, similarity = excluded.similarity,
                   evidence = excluded.evidence, minhash = excluded.minhash""",
                (article.id, origin.level, origin.of_article, origin.origin, origin.similarity, origin.evidence, minhash),
            )
            if story_id is None:
                cursor = conn.execute(
                    """INSERT INTO stories (created_at, first_seen, last_seen, headline, centroid)
                       VALUES (?, ?, ?, ?, ?) RETURNING id""",
                    (now, _iso(when), _iso(when), article.title, centroid),
                )
                story_id = int(cursor.fetchone()[0])
            else:
                conn.execute(
                    f"""UPDATE stories SET first_seen = {self.sql.least}(first_seen, ?), last_seen = {self.sql.greatest}(last_seen, ?),
                       centroid = ?
                       WHERE id = ?""",
                    (_iso(when), _iso(when), centroid, story_id),
                )
            conn.execute(
                "INSERT INTO story_articles (article_id, story_id, score, assigned_at) VALUES (?, ?, ?, ?)",
                (article.id, story_id, score, now),
            )
        return story_id

    def merge_stories(self, keep: int, gone: int, centroid: bytes) -> None:
        """Move every article of ``gone`` into ``keep``; ``gone`` remembers where it went."""
        with self.transaction() as conn:
            conn.execute("UPDATE story_articles SET story_id = ? WHERE story_id = ?", (keep, gone))
            conn.execute(
                f"""UPDATE stories SET centroid = ?,
                     first_seen = {self.sql.least}(first_seen, (SELECT first_seen FROM stories WHERE id = ?)),
                     last_seen = {self.sql.greatest}(last_seen, (SELECT last_seen FROM stories WHERE id = ?)) WHERE id = ?""",
                (centroid, gone, gone, keep),
            )
            conn.execute("UPDATE stories SET merged_into = ? WHERE id = ?", (keep, gone))

    def list_stories(self, *, limit: int | None = None) -> list[dict[str, Any]]:
        """Stories (merged ones excluded) with article and independent-origin counts, newest activity first."""
        rows = self.conn.execute(
            """SELECT s.id, s.headline, s.first_seen, s.last_seen,
                      count(sa.article_id) AS articles, count(DISTINCT o.origin) AS origins
               FROM stories s JOIN story_articles sa ON sa.story_id = s.id
               LEFT JOIN article_origins o ON o.article_id = sa.article_id
               WHERE s.merged_into IS NULL GROUP BY s.id ORDER BY s.last_seen DESC, s.id LIMIT ?""",
            (self.sql.unlimited if limit is None else limit,),
        )
        return [dict(row) for row in rows]

    def get_story(self, story_id: int) -> dict[str, Any] | None:
        """A story with its articles and their origins; a merged story id leads to where it went."""
        row = self.conn.execute("SELECT * FROM stories WHERE id = ?", (story_id,)).fetchone()
        if row is None:
            return None
        if row["merged_into"] is not None:
            return self.get_story(row["merged_into"])
        members = self.conn.execute(
            """SELECT a.id, a.source, a.title, a.url, a.published, o.level, o.of_article, o.origin, o.similarity,
                      o.evidence FROM story_articles sa JOIN articles a ON a.id = sa.article_id
               LEFT JOIN article_origins o ON o.article_id = a.id
               WHERE sa.story_id = ? ORDER BY coalesce(a.published, a.fetched), a.seq""",
            (story_id,),
        )
        story = {k: row[k] for k in ("id", "headline", "first_seen", "last_seen", "created_at")}
        story["articles"] = [dict(m) for m in members]
        story["independent_origins"] = len({m["origin"] for m in story["articles"]})
        return story

    def story_origins(self, story_id: int) -> dict[str, str]:
        """article id -> origin group, for a story's articles.

        Copies and rewrites share the origin of the report they retell; and one outlet is one voice:
        the groups of an outlet's articles are one group (its later articles are its updates, never
        a second, independent source). A group is named by its first member's origin, in article order."""
        rows = [tuple(row) for row in self.conn.execute(
            """SELECT sa.article_id, coalesce(o.origin, sa.article_id), a.source FROM story_articles sa
               JOIN articles a ON a.id = sa.article_id
               LEFT JOIN article_origins o ON o.article_id = sa.article_id WHERE sa.story_id = ?
               ORDER BY sa.article_id""",
            (story_id,),
        )]
        from newsdesk.dedupe import voices

        return voices(rows)

    def story_labels(self) -> dict[str, int]:
        """article id -> story id, for every clustered article."""
        return dict(self.conn.execute("SELECT article_id, story_id FROM story_articles"))

    @staticmethod
    def _add_to_centroid(conn: sqlite3.Connection, story_id: int, vector: bytes, sign: float) -> None:
        import numpy as np

        row = conn.execute("SELECT centroid FROM stories WHERE id = ?", (story_id,)).fetchone()
        if row is None or row[0] is None or len(row[0]) != len(vector):
            return
        centroid = np.frombuffer(row[0], dtype=np.float32) + sign * np.frombuffer(vector, dtype=np.float32)
        conn.execute("UPDATE stories SET centroid = ? WHERE id = ?", (centroid.astype(np.float32).tobytes(), story_id))

