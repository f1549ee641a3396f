"""Facts: what the facts stage read in each article, statement vectors, and text vectors of the brief gate."""

from __future__ import annotations

from newsdesk.models import Article
from newsdesk.store.articles import _article
from newsdesk.store.base import StoreBase, _chunks, _iso, utcnow


class FactsStore(StoreBase):
    """Article facts, statement vectors and text vectors."""

    # -- facts ----------------------------------------------------------------

    def articles_without_facts(self, model: str, article_ids: list[str] | None = None) -> list[Article]:
        """Articles (all, or of ``article_ids``) with no facts from ``model``, in arrival order."""
        query = """SELECT a.* FROM articles a LEFT JOIN article_facts f ON f.article_id = a.id AND f.model = ?
                   WHERE f.article_id IS NULL"""
        if article_ids is None:
            return [_article(row) for row in self.conn.execute(query + " ORDER BY a.seq", (model,))]
        out: list[Article] = []
        for chunk in _chunks(article_ids, 500):
            marks = ",".join("?" * len(chunk))
            out += [_article(r) for r in self.conn.execute(query + f" AND a.id IN ({marks}) ORDER BY a.seq", (model, *chunk))]
        return out

    def save_facts(self, model: str, facts: dict[str, str]) -> None:
        """Store facts (article id -> JSON); replaces older facts and their statement vectors."""
        now = _iso(utcnow())
        with self.transaction() as conn:
            for chunk in _chunks(list(facts), 500):
                marks = ",".join("?" * len(chunk))
                conn.execute(f"DELETE FROM statement_vectors WHERE article_id IN ({marks})", chunk)
            conn.executemany(
                """INSERT INTO article_facts (article_id, model, facts, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (article_id)
                   DO UPDATE SET model = excluded.model, facts = excluded.facts, created_at = excluded.created_at""",
                [(aid, model, blob, now) for aid, blob in facts.items()],
            )

    def facts(self, article_ids: list[str], model: str) -> dict[str, str]:
        """article id -> facts JSON from ``model``, for those that have them."""
        sql = "SELECT article_id, facts FROM article_facts WHERE model = ? AND article_id IN ({marks})"
        return {row[0]: row[1] for row in self._by_model(sql, model, article_ids)}

    def statement_vectors(self, article_ids: list[str], model: str) -> dict[str, tuple[int, bytes]]:
        sql = "SELECT article_id, rows, vectors FROM statement_vectors WHERE model = ? AND article_id IN ({marks})"
        return {row[0]: (row[1], row[2]) for row in self._by_model(sql, model, article_ids)}

    def save_statement_vectors(self, model: str, vectors: dict[str, tuple[int, bytes]]) -> None:
        with self.transaction() as conn:
            conn.executemany(
                """INSERT INTO statement_vectors (article_id, model, rows, vectors) VALUES (?, ?, ?, ?)
                   ON CONFLICT (article_id, model) DO UPDATE SET rows = excluded.rows, vectors = excluded.vectors""",
                [(aid, model, n, blob) for aid, (n, blob) in vectors.items()],
            )

    def text_vectors(self, model: str, digests: list[bytes]) -> dict[bytes, bytes]:
        """digest -> float32 vector bytes, for the texts embedded before (see ``save_text_vectors``)."""
        sql = "SELECT digest, vector FROM text_vectors WHERE model = ? AND digest IN ({marks})"
        return {row[0]: row[1] for row in self._by_model(sql, model, digests)}

    def save_text_vectors(self, model: str, vectors: dict[bytes, bytes]) -> None:
        with self.transaction() as conn:  # a gate may run inside a caller's transaction
            conn.executemany(
                """INSERT INTO text_vectors (model, digest, vector) VALUES (?, ?, ?)
                   ON CONFLICT (model, digest) DO UPDATE SET vector = excluded.vector""",
                [(model, digest, blob) for digest, blob in vectors.items()],
            )

